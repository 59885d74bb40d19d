// Block-sparse int8 GEMM (1x1 conv, fully connected over pruned weights): the packer and
// the scalar twin of qs8_spgemm_2x4c8__wasmsimd. Compiled into every build.
//
//   C[M x N] int8 = requant(A[M x K] int8 x W[N x K]^T + bias'), W mostly zero blocks
//
// Block: 4 output channels x 8 consecutive K, the step of the dense 2x4c8 kernel. A block
// whose 32 weights are all zero is not stored and never visited; the others are stored
// exactly as the dense "4c8" layout stores them, with their K offset beside them.
//
// Kernel signature: the dense qs8 gemm's (m, n, k, a, a_stride, w, c, c_stride, params),
// same params block (zp_out, qmin, qmax) and the same read-past rule (up to 7 bytes past a
// row's K-th byte, times a zero weight).
//
// Packed layout "sp4c8" (all offsets in bytes from w):
//   i32 group_offset[G], G = ceil(N/4), padded to a multiple of 4 entries
//   per group of 4 output channels, at w + group_offset[g] (16-byte aligned):
//     i32 bias'[4] | f32 scale[4] | i32 nblocks | 12 bytes pad
//     i32 k0[nblocks]  (first K of each stored block, ascending), padded to a multiple of 4
//     i8 w[nblocks][4][8]  (channel j's 8 weights of block b at + b*32 + j*8; int8 as in the file)
// bias'[n] = bias[n] - zp_in * sum_k w[n,k] (zeros included, so the zero point is exact);
// weights are symmetric int8, a -128 is read as -127 (as every qs8 packer); padded
// channels have zero bias, scale and weights.

import { clamp_w, folded_bias } from '../common/clamp';
import { requant_fp32 } from '../common/requant';
import { QS8_GEMM_QMAX, QS8_GEMM_QMIN, QS8_GEMM_ZP_OUT } from '../common/params';

/** True when the 4x8 block (channels n0.., K from k0) holds a non-zero weight. */
function block_nonzero(w: usize, n: i32, k: i32, n0: i32, k0: i32): bool {
  const n1 = min<i32>(n, n0 + 4);
  const k1 = min<i32>(k, k0 + 8);
  for (let nn = n0; nn < n1; nn++) {
    const row = w + <usize>nn * <usize>k;
    for (let kk = k0; kk < k1; kk++) if (load<i8>(row + <usize>kk) != 0) return true;
  }
  return false;
}

/** Non-zero blocks of the group of channels n0..n0+3. */
function group_blocks(w: usize, n: i32, k: i32, n0: i32): i32 {
  let nb = 0;
  for (let k0 = 0; k0 < k; k0 += 8) if (block_nonzero(w, n, k, n0, k0)) nb++;
  return nb;
}

// @ts-ignore: decorator
@inline
function round4(x: i32): i32 {
  return (x + 3) & ~3;
}

/** Bytes of one packed group with nb stored blocks. */
// @ts-ignore: decorator
@inline
function group_bytes(nb: i32): i32 {
  return 48 + 4 * round4(nb) + 32 * nb;
}

/**
 * Bytes the "sp4c8" packing of w[N][K] takes (the host sizes the buffer with this or with
 * its own count of non-zero blocks; both must agree).
 */
export function qs8_spgemm_packed_bytes(w: usize, n: i32, k: i32): i32 {
  const groups = (n + 3) >> 2;
  let bytes = 4 * round4(groups);
  for (let g = 0; g < groups; g++) bytes += group_bytes(group_blocks(w, n, k, g * 4));
  return bytes;
}

/**
 * Packs canonical weights w[N][K] int8 (OHWI of a 1x1 conv), bias i32[N] (0: none) and
 * scale f32[N] into the "sp4c8" layout at out. Returns the bytes written.
 */
export function qs8_spgemm_pack_4c8(w: usize, bias: usize, scale: usize, zp_in: i32, n: i32, k: i32, out: usize): i32 {
  const groups = (n + 3) >> 2;
  let at = 4 * round4(groups);
  for (let g = groups; g < round4(groups); g++) store<i32>(out + <usize>g * 4, 0);
  for (let g = 0; g < groups; g++) {
    const n0 = g * 4;
    const o = out + <usize>at;
    store<i32>(out + <usize>g * 4, at);
    for (let j = 0; j < 4; j++) {
      const nn = n0 + j;
      let b: i32 = 0;
      let s: f32 = 0;
      if (nn < n) {
        b = folded_bias(w, bias, zp_in, nn, k);
        s = load<f32>(scale + <usize>nn * 4);
      }
      store<i32>(o + <usize>j * 4, b);
      store<f32>(o + 16 + <usize>j * 4, s);
    }
    const nb = group_blocks(w, n, k, n0);
    store<i32>(o, nb, 32);
    store<i32>(o, 0, 36);
    store<i64>(o, 0, 40);
    const kofs = o + 48;
    const wts = kofs + <usize>(4 * round4(nb));
    let b = 0;
    for (let k0 = 0; k0 < k; k0 += 8) {
      if (!block_nonzero(w, n, k, n0, k0)) continue;
      store<i32>(kofs + <usize>b * 4, k0);
      for (let j = 0; j < 4; j++) {
        const nn = n0 + j;
        const dst = wts + <usize>(b * 32 + j * 8);
        for (let t = 0; t < 8; t++) {
          const kk = k0 + t;
          const v = nn < n && kk < k ? clamp_w(<i32>load<i8>(w + <usize>nn * <usize>k + <usize>kk)) : 0;
          store<i8>(dst + <usize>t, <i8>v);
        }
      }
      b++;
    }
    for (let t = nb; t < round4(nb); t++) store<i32>(kofs + <usize>t * 4, 0);
    at += group_bytes(nb);
  }
  return at;
}

/** Scalar twin of qs8_spgemm_2x4c8__wasmsimd: same signature, reads the "sp4c8" layout. */
export function qs8_spgemm_2x4c8__scalar(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  const zp = load<i32>(params, QS8_GEMM_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_GEMM_QMIN) - zp);
  const hi = <f32>(load<i32>(params, QS8_GEMM_QMAX) - zp);
  for (let g = 0; g * 4 < n; g++) {
    const wb = w + <usize>load<i32>(w + <usize>g * 4);
    const nb = load<i32>(wb, 32);
    const kofs = wb + 48;
    const wts = kofs + <usize>(4 * round4(nb));
    const nr = min<i32>(4, n - g * 4);
    for (let i = 0; i < m; i++) {
      const ar = a + <usize>i * <usize>a_stride;
      let acc0 = load<i32>(wb);
      let acc1 = load<i32>(wb, 4);
      let acc2 = load<i32>(wb, 8);
      let acc3 = load<i32>(wb, 12);
      for (let b = 0; b < nb; b++) {
        const k0 = load<i32>(kofs + <usize>b * 4);
        const kn = min<i32>(8, k - k0);
        const wk = wts + <usize>b * 32;
        for (let t = 0; t < kn; t++) {
          const x = <i32>load<i8>(ar + <usize>(k0 + t));
          const wt = wk + <usize>t;
          acc0 += x * <i32>load<i8>(wt);
          acc1 += x * <i32>load<i8>(wt, 8);
          acc2 += x * <i32>load<i8>(wt, 16);
          acc3 += x * <i32>load<i8>(wt, 24);
        }
      }
      const cr = c + <usize>i * <usize>c_stride + <usize>g * 4;
      store<i8>(cr, <i8>requant_fp32(acc0, load<f32>(wb, 16), zp, lo, hi));
      if (nr > 1) store<i8>(cr, <i8>requant_fp32(acc1, load<f32>(wb, 20), zp, lo, hi), 1);
      if (nr > 2) store<i8>(cr, <i8>requant_fp32(acc2, load<f32>(wb, 24), zp, lo, hi), 2);
      if (nr > 3) store<i8>(cr, <i8>requant_fp32(acc3, load<f32>(wb, 28), zp, lo, hi), 3);
    }
  }
}

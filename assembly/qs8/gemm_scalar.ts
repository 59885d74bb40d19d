// int8 GEMM (1x1 conv, fully connected): packers and the scalar twins of the SIMD
// microkernels. Compiled into every build (no SIMD here).
//
//   C[M x N] int8 = requant(A[M x K] int8 x W[N x K]^T + bias'), per output channel n
//
// Kernel signature (every qs8 gemm kernel, SIMD or scalar):
//   (m, n, k, a, a_stride, w, c, c_stride, params)
//   a: row i at a + i*a_stride (bytes); the SIMD kernels read up to KR-1 bytes past
//      a row's K-th byte (times a zero weight), so the host pads as usual (READ_PAST).
//   w: packed weights (one of the layouts below); c: row i at c + i*c_stride, N bytes
//      written per row, nothing past them.
//
// Params: QS8_GEMM (src/runtime/param-blocks.ts; offsets: common/params.ts): zp_out, and qmin / qmax, the int8 output's
// clamp (fused activation).
//
// Packed layouts. Both fold the input zero point into the bias, so the kernels
// multiply raw int8 activations:  bias'[n] = bias[n] - zp_in * sum_k w[n,k].
// Weights are symmetric int8 in [-127, 127]; a -128 is clamped to -127 by every
// packer (so that every layout and build computes the same thing).
// N is padded to a multiple of NR = 4 (padded channels: zero bias, scale and weights).
//
//   "4c8"  (simd kernel qs8_gemm_2x4c8__wasmsimd, twin qs8_gemm_2x4c8__scalar)
//          per block of 4 output channels, 32 + 4*Kp bytes, Kp = roundup(K, 8):
//            i32 bias'[4] | f32 scale[4] | i8 w[Kp/8][4][8]
//          (weights stay int8, one byte each as in the file; the SIMD kernel widens them
//          with v128.load8x8_s, as XNNPACK's c8 kernels do; K zero-padded)
//
//   "4c16s" (relaxed kernel qs8_gemm_2x4c16s__wasmrelaxed, twin qs8_gemm_2x4c16s__scalar)
//          per block of 4 output channels, 32 + 8*Kp bytes (2 bytes per weight), Kp = roundup(K, 16):
//            i32 bias'[4] | f32 scale[4] | u8 w[Kp/16][4][2][16]
//          each weight split in two 7-bit halves: [..][n][0][t] = w+ = max(w,0),
//          [..][n][1][t] = w- = max(-w,0), so the relaxed dot's i7 operand is always in 0..127.

import { clamp_w, folded_bias } from '../common/clamp';
import { requant_fp32 } from '../common/requant';
import { QS8_GEMM_QMAX, QS8_GEMM_QMIN, QS8_GEMM_ZP_OUT } from '../common/params';
import { residual_add } from './residual';

/** Bytes of one packed "4c8" block of 4 channels (1 byte per padded weight). */
// @ts-ignore: decorator
@inline
export function qs8_4c8_block_bytes(kp: i32): i32 {
  return 32 + 4 * kp;
}

/** Bytes of one packed "4c16s" block of 4 channels (2 bytes per padded weight: the split halves). */
// @ts-ignore: decorator
@inline
export function qs8_4c16s_block_bytes(kp: i32): i32 {
  return 32 + 8 * kp;
}

/** Writes bias' and scale for one block of 4 channels starting at channel n0. */
function pack_block_head(w: usize, bias: usize, scale: usize, zp_in: i32, n: i32, k: i32, n0: i32, out: usize): void {
  for (let j = 0; j < 4; j++) {
    const nn = n0 + j;
    let b: i32 = 0;
    let s: f32 = 0;
    if (nn < n) {
      b = folded_bias(w, bias, zp_in, nn, k);
      s = load<f32>(scale + <usize>nn * 4);
    }
    store<i32>(out + <usize>j * 4, b);
    store<f32>(out + 16 + <usize>j * 4, s);
  }
}

/**
 * Packs canonical weights w[N][K] int8 (OHWI for a conv: K = KH*KW*C_in), bias i32[N]
 * (0: no bias) and scale f32[N] into the "4c8" layout at out (32*ceil(N/4) + 8*Kp*ceil(N/4) bytes).
 */
export function qs8_gemm_pack_2x4c8(w: usize, bias: usize, scale: usize, zp_in: i32, n: i32, k: i32, out: usize): void {
  const kp = (k + 7) & ~7;
  const blocks = (n + 3) >> 2;
  for (let nb = 0; nb < blocks; nb++) {
    const o = out + <usize>nb * <usize>qs8_4c8_block_bytes(kp);
    pack_block_head(w, bias, scale, zp_in, n, k, nb * 4, o);
    for (let kb = 0; kb < kp; kb += 8) {
      for (let j = 0; j < 4; j++) {
        const nn = nb * 4 + j;
        const dst = o + 32 + <usize>(kb * 4 + j * 8);
        for (let t = 0; t < 8; t++) {
          const kk = kb + t;
          const v = nn < n && kk < k ? clamp_w(<i32>load<i8>(w + <usize>nn * <usize>k + <usize>kk)) : 0;
          store<i8>(dst + <usize>t, <i8>v);
        }
      }
    }
  }
}

/** Packs w[N][K], bias, scale into the "4c16s" layout (split 7-bit halves) for the relaxed kernel. */
export function qs8_gemm_pack_2x4c16s(w: usize, bias: usize, scale: usize, zp_in: i32, n: i32, k: i32, out: usize): void {
  const kp = (k + 15) & ~15;
  const blocks = (n + 3) >> 2;
  for (let nb = 0; nb < blocks; nb++) {
    const o = out + <usize>nb * <usize>qs8_4c16s_block_bytes(kp);
    pack_block_head(w, bias, scale, zp_in, n, k, nb * 4, o);
    for (let kb = 0; kb < kp; kb += 16) {
      for (let j = 0; j < 4; j++) {
        const nn = nb * 4 + j;
        const dst = o + 32 + <usize>(kb * 8 + j * 32);
        for (let t = 0; t < 16; t++) {
          const kk = kb + t;
          const v = nn < n && kk < k ? clamp_w(<i32>load<i8>(w + <usize>nn * <usize>k + <usize>kk)) : 0;
          store<u8>(dst + <usize>t, v > 0 ? v : 0);
          store<u8>(dst + 16 + <usize>t, v < 0 ? -v : 0);
        }
      }
    }
  }
}

/** Scalar twin of qs8_gemm_2x4c8__wasmsimd: same signature, reads the "4c8" layout. */
export function qs8_gemm_2x4c8__scalar(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  qs8_gemm_2x4c8_body(m, n, k, a, a_stride, w, c, c_stride, params, false);
}

/**
 * The scalar "4c8" GEMM; with `add` (a constant at every use) each output is the residual add
 * of its requantized value (residual.ts, params QS8_CONV_ADD) instead of that value.
 */
// @ts-ignore: decorator
@inline
export function qs8_gemm_2x4c8_body(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize, add: bool,
): void {
  const kp = (k + 7) & ~7;
  const wblock = <usize>qs8_4c8_block_bytes(kp);
  const zp = load<i32>(params, QS8_GEMM_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_GEMM_QMIN) - zp);
  const hi = <f32>(load<i32>(params, QS8_GEMM_QMAX) - zp);
  // With add: the value less its zero point, which is what the add reads.
  const vz = add ? 0 : zp;
  for (let nb = 0; nb * 4 < n; nb++) {
    const wb = w + <usize>nb * wblock;
    const nr = min<i32>(4, n - nb * 4);
    for (let i = 0; i < m; i++) {
      const ar = a + <usize>i * <usize>a_stride;
      // Four channels at once (padded ones have zero weights): each activation is loaded once.
      let acc0 = load<i32>(wb);
      let acc1 = load<i32>(wb, 4);
      let acc2 = load<i32>(wb, 8);
      let acc3 = load<i32>(wb, 12);
      let wk = wb + 32;
      for (let kk = 0; kk < k; kk += 8) {
        const kn = min<i32>(8, k - kk);
        for (let t = 0; t < kn; t++) {
          const x = <i32>load<i8>(ar + <usize>(kk + t));
          const wt = wk + <usize>t;
          acc0 += x * <i32>load<i8>(wt);
          acc1 += x * <i32>load<i8>(wt, 8);
          acc2 += x * <i32>load<i8>(wt, 16);
          acc3 += x * <i32>load<i8>(wt, 24);
        }
        wk += 32;
      }
      const cr = c + <usize>i * <usize>c_stride + <usize>nb * 4;
      const v0 = requant_fp32(acc0, load<f32>(wb, 16), vz, lo, hi);
      store<i8>(cr, <i8>(add ? residual_add(v0, cr, params) : v0));
      if (nr > 1) {
        const v1 = requant_fp32(acc1, load<f32>(wb, 20), vz, lo, hi);
        store<i8>(cr, <i8>(add ? residual_add(v1, cr + 1, params) : v1), 1);
      }
      if (nr > 2) {
        const v2 = requant_fp32(acc2, load<f32>(wb, 24), vz, lo, hi);
        store<i8>(cr, <i8>(add ? residual_add(v2, cr + 2, params) : v2), 2);
      }
      if (nr > 3) {
        const v3 = requant_fp32(acc3, load<f32>(wb, 28), vz, lo, hi);
        store<i8>(cr, <i8>(add ? residual_add(v3, cr + 3, params) : v3), 3);
      }
    }
  }
}

/** Scalar twin of qs8_gemm_2x4c16s__wasmrelaxed: same signature, reads the "4c16s" layout. */
export function qs8_gemm_2x4c16s__scalar(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  const kp = (k + 15) & ~15;
  const wblock = <usize>qs8_4c16s_block_bytes(kp);
  const zp = load<i32>(params, QS8_GEMM_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_GEMM_QMIN) - zp);
  const hi = <f32>(load<i32>(params, QS8_GEMM_QMAX) - zp);
  for (let nb = 0; nb * 4 < n; nb++) {
    const wb = w + <usize>nb * wblock;
    const nr = min<i32>(4, n - nb * 4);
    for (let i = 0; i < m; i++) {
      const ar = a + <usize>i * <usize>a_stride;
      const cr = c + <usize>i * <usize>c_stride + <usize>nb * 4;
      for (let j = 0; j < nr; j++) {
        let acc = load<i32>(wb + <usize>j * 4);
        let wk = wb + 32 + <usize>j * 32;
        for (let kk = 0; kk < k; kk += 16) {
          const kn = min<i32>(16, k - kk);
          for (let t = 0; t < kn; t++) {
            const wv = <i32>load<u8>(wk + <usize>t) - <i32>load<u8>(wk + 16 + <usize>t);
            acc += <i32>load<i8>(ar + <usize>(kk + t)) * wv;
          }
          wk += 128;
        }
        store<i8>(cr + <usize>j, <i8>requant_fp32(acc, load<f32>(wb + 16 + <usize>j * 4), zp, lo, hi));
      }
    }
  }
}

// Binary weights x int8 activations (DESIGN.md): GEMM / fully connected and conv2d, scalar
// twins and the packer. The weights are the same bit-packed canonical tensor as a binary
// layer's (1 = -1); the activations are int8 with zero point zp. For row i, channel o:
//   acc = sum_k s[o][k] * (a[i][k] - zp),   s = +1 (bit 0) or -1 (bit 1)
// exact in i32, then the binary output transform (output.ts, int8). The packer folds
// -zp * sum_k s[o][k] into a per-channel bias, so the kernels sum s*a only.
//
// GEMM signature and params are the qs8 GEMM's (assembly/qs8/gemm_scalar.ts):
//   (m, n, k, a, a_stride, w_packed, c, c_stride, params), params QS8_GEMM (zp_out, qmin, qmax);
// the conv is the qs8 conv driver (assembly/qs8/conv_scalar.ts: same params block and
// im2col, padded taps = zp, which contribute 0) around these GEMMs.
//
// Packed "4c8" layout: blocks of 4 output channels,
//   +0 bias i32[4] (-zp * sum s)  +16 mul f32[4]  +32 add f32[4]
//   +48 ceil(K/8) words: word j holds s for k = 8j..8j+7 of the 4 channels, channel c's bit
//       for k = 8j + l at bit 16*(l & 1) + 4*c + (l >> 1). A splat of the word as i32x4
//       then puts the bits of k = 8j + l in i16 lane l (lo half for even l, hi for odd),
//       where one AND + compare per channel expands them (gemm_wasmsimd.ts).
// Missing channels and k past K have bit 0; the kernels never count k >= K.
import { b1_out_i8 } from './output';
import { qs8_conv_driver } from '../qs8/conv_scalar';
import { QS8_GEMM_QMAX, QS8_GEMM_QMIN, QS8_GEMM_ZP_OUT } from '../common/params';

/** Bytes of one packed block of 4 channels over depth k. */
// @ts-ignore: decorator
@inline
export function b1w_block_bytes(k: i32): usize {
  return 48 + (<usize>((k + 7) >> 3) << 2);
}

/** Bit index of (channel c in 0..3, l = k & 7) inside a 4c8 word. */
// @ts-ignore: decorator
@inline
export function b1w_bit(c: i32, l: i32): i32 {
  return ((l & 1) << 4) + (c << 2) + (l >> 1);
}

/**
 * Packs canonical bits w[N][taps][ceil(C/32)] u32 (K = taps*C in im2col order tap, channel;
 * a fully connected layer has taps = 1, C = K), mul[N], add[N] f32 and the input zero point.
 */
export function qs8_b1w_gemm_pack_4c8(n: i32, taps: i32, channels: i32, w: usize, mul: usize, add: usize, zp_in: i32, out: usize): void {
  const cw = (channels + 31) >> 5;
  const k = taps * channels;
  const steps = (k + 7) >> 3;
  const blocks = (n + 3) >> 2;
  for (let nb = 0; nb < blocks; nb++) {
    const o = out + <usize>nb * b1w_block_bytes(k);
    for (let s = 0; s < steps; s++) store<u32>(o + 48 + (<usize>s << 2), 0);
    for (let j = 0; j < 4; j++) {
      const ch = nb * 4 + j;
      const live = ch < n;
      let negatives = 0;
      if (live) {
        const wr = w + (<usize>ch * <usize>taps * <usize>cw << 2);
        for (let kk = 0; kk < k; kk++) {
          const t = kk / channels;
          const cc = kk - t * channels;
          const bit = (load<u32>(wr + (<usize>(t * cw + (cc >> 5)) << 2)) >> <u32>(cc & 31)) & 1;
          if (bit) {
            negatives++;
            const p = o + 48 + (<usize>(kk >> 3) << 2);
            store<u32>(p, load<u32>(p) | (1 << <u32>b1w_bit(j, kk & 7)));
          }
        }
      }
      store<i32>(o + (<usize>j << 2), live ? -zp_in * (k - 2 * negatives) : 0);
      store<f32>(o + 16 + (<usize>j << 2), live ? load<f32>(mul + (<usize>ch << 2)) : 0);
      store<f32>(o + 32 + (<usize>j << 2), live ? load<f32>(add + (<usize>ch << 2)) : 0);
    }
  }
}

/** Bytes of one block of the "4c8w16" layout (the 4c8 header, then 8 K x 4 channels of i16 signs). */
// @ts-ignore: decorator
@inline
export function b1w16_block_bytes(k: i32): usize {
  return 48 + (<usize>((k + 7) >> 3) << 6);
}

/**
 * The same weights as qs8_b1w_gemm_pack_4c8, widened at load for qs8_b1w_gemm_2x4c8w16__wasmsimd:
 * "4c8w16" blocks of 4 channels, the 4c8 header (bias, mul, add), then per step of 8 K the
 * signs of channel 0's 8 k as i16 +-1, then channel 1's, 2's, 3's (64 bytes; 0 past K and for
 * missing channels), the qs8 "4c8" GEMM's weight layout. 16x the bits' memory, no expansion
 * in the inner loop.
 */
export function qs8_b1w_gemm_pack_4c8w16(n: i32, taps: i32, channels: i32, w: usize, mul: usize, add: usize, zp_in: i32, out: usize): void {
  const cw = (channels + 31) >> 5;
  const k = taps * channels;
  const blocks = (n + 3) >> 2;
  const bb = b1w16_block_bytes(k);
  memory.fill(out, 0, <usize>blocks * bb);
  for (let nb = 0; nb < blocks; nb++) {
    const o = out + <usize>nb * bb;
    for (let j = 0; j < 4; j++) {
      const ch = nb * 4 + j;
      if (ch >= n) continue;
      const wr = w + (<usize>ch * <usize>taps * <usize>cw << 2);
      let negatives = 0;
      for (let kk = 0; kk < k; kk++) {
        const t = kk / channels;
        const cc = kk - t * channels;
        const bit = (load<u32>(wr + (<usize>(t * cw + (cc >> 5)) << 2)) >> <u32>(cc & 31)) & 1;
        negatives += bit;
        store<i16>(o + 48 + (<usize>(kk >> 3) << 6) + (<usize>j << 4) + (<usize>(kk & 7) << 1), bit ? -1 : 1);
      }
      store<i32>(o + (<usize>j << 2), -zp_in * (k - 2 * negatives));
      store<f32>(o + 16 + (<usize>j << 2), load<f32>(mul + (<usize>ch << 2)));
      store<f32>(o + 32 + (<usize>j << 2), load<f32>(add + (<usize>ch << 2)));
    }
  }
}

/** Scalar twin of qs8_b1w_gemm_2x4c8__wasmsimd. */
export function qs8_b1w_gemm_2x4c8__scalar(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  const zp = load<i32>(params, QS8_GEMM_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_GEMM_QMIN) - zp);
  const hi = <f32>(load<i32>(params, QS8_GEMM_QMAX) - zp);
  const bb = b1w_block_bytes(k);
  for (let i = 0; i < m; i++) {
    const ar = a + <usize>i * <usize>a_stride;
    const cr = c + <usize>i * <usize>c_stride;
    for (let o = 0; o < n; o++) {
      const j = o & 3;
      const wb = w + <usize>(o >> 2) * bb;
      let acc = load<i32>(wb + (<usize>j << 2));
      for (let kk = 0; kk < k; kk++) {
        const x = <i32>load<i8>(ar + <usize>kk);
        const neg = (load<u32>(wb + 48 + (<usize>(kk >> 3) << 2)) >> <u32>b1w_bit(j, kk & 7)) & 1;
        acc += neg ? -x : x;
      }
      store<i8>(cr + <usize>o, <i8>b1_out_i8(acc, load<f32>(wb + 16 + (<usize>j << 2)), load<f32>(wb + 32 + (<usize>j << 2)), zp, lo, hi));
    }
  }
}

/** Scalar twin of qs8_b1w_conv_2x4c8__wasmsimd. */
export function qs8_b1w_conv_2x4c8__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  qs8_conv_driver(input, w, output, scratch, params, qs8_b1w_gemm_2x4c8__scalar);
}

/** Scalar twin of qs8_b1w_gemm_2x4c8w16__wasmsimd (the "4c8w16" layout). */
export function qs8_b1w_gemm_2x4c8w16__scalar(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  const zp = load<i32>(params, QS8_GEMM_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_GEMM_QMIN) - zp);
  const hi = <f32>(load<i32>(params, QS8_GEMM_QMAX) - zp);
  const bb = b1w16_block_bytes(k);
  for (let i = 0; i < m; i++) {
    const ar = a + <usize>i * <usize>a_stride;
    const cr = c + <usize>i * <usize>c_stride;
    for (let o = 0; o < n; o++) {
      const j = o & 3;
      const wb = w + <usize>(o >> 2) * bb;
      let acc = load<i32>(wb + (<usize>j << 2));
      for (let kk = 0; kk < k; kk++) {
        const s = <i32>load<i16>(wb + 48 + (<usize>(kk >> 3) << 6) + (<usize>j << 4) + (<usize>(kk & 7) << 1));
        acc += s * <i32>load<i8>(ar + <usize>kk);
      }
      store<i8>(cr + <usize>o, <i8>b1_out_i8(acc, load<f32>(wb + 16 + (<usize>j << 2)), load<f32>(wb + 32 + (<usize>j << 2)), zp, lo, hi));
    }
  }
}

/** Scalar twin of qs8_b1w_conv_2x4c8w16__wasmsimd. */
export function qs8_b1w_conv_2x4c8w16__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  qs8_conv_driver(input, w, output, scratch, params, qs8_b1w_gemm_2x4c8w16__scalar);
}

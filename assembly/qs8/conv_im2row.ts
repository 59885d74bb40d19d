// Direct int8 conv2d NHWC for a short K = KH*KW*C_in <= 32 (a network's first layer: 3x3x3 = 27)
// with few output channels: the packer, the scratch size and the scalar twin of
// qs8_conv_im2row_4x8c2__wasmsimd (conv_im2row_wasmsimd.ts). Compiled into every build.
//
// Why: the direct "cin4" kernel (conv_cin4_scalar.ts) builds a pair image of 4 bytes per input
// byte, and a vertical one when KW*C_in is odd (3x3x3: 8 bytes per input byte, each entry
// rebuilt per band), then runs a C_out of 8 on its 4x8 channel-tail tiles, with a table load
// per slot. Here each output row's windows are copied once into an "im2row" block, K in i16
// pairs, 64 bytes per pixel (K padded to even: 3x3x3 -> 14 pairs), and 4 pixels x 8 channels
// run over consecutive pairs at fixed offsets: no pair image, no slot table.
//
// Geometry: groups 1, any stride and padding, dilation 1 (the host picks it only then).
// K order = the OHWI weight row order (kh, kw, c): kernel row r of a window is KW*C_in
// contiguous bytes of a padded input row.
//
// Packed weights "8c2" (qs8_conv_im2row_pack_8c2): C_out padded to a multiple of 8 (padded
// channels: zero bias, scale and weights), blocks of 8 channels, block b at b * (64 + 16*S)
// bytes, S = ceil(K / 2) pair slots:
//   i32 bias'[8] | f32 scale[8] | i8 w[S][8][2]      slot t = K elements 2t, 2t+1 (2t+1 = K: 0)
// with bias'[n] = bias[n] - zp_in * sum_k w[n,k] (padding reads zp_in, which cancels), weights
// in [-127, 127] (-128 is read as -127, as every qs8 packer does).
//
// Scratch (SIMD kernel; the scalar twin reads the input directly): KH row numbers and KH row
// pointers (i32), KH padded input rows (Wp*C_in bytes + 16, zp_in in the padding) kept in slots
// by padded row index mod KH, then the im2row block, at the next multiple of 64 bytes (so that no
// copy into it crosses a cache line): roundup(W_out, 4) pixels x 64 bytes + 16.
// qs8_conv_im2row_scratch_bytes(params) says how many bytes (plus the usual 16 read-past).
//
// Kernel signature and params: the direct conv's (input, w_packed, output, scratch, params) and
// its QS8_CONV_CIN4 block, `pool` 0 (no fused pool). Requantization: requant_fp32.

import { clamp_w, folded_bias } from '../common/clamp';
import { requant_fp32 } from '../common/requant';
import {
  QS8_CONV_CIN4_C, QS8_CONV_CIN4_C_OUT, QS8_CONV_CIN4_H, QS8_CONV_CIN4_KH, QS8_CONV_CIN4_KW, QS8_CONV_CIN4_N,
  QS8_CONV_CIN4_OH, QS8_CONV_CIN4_OW, QS8_CONV_CIN4_PL, QS8_CONV_CIN4_PR, QS8_CONV_CIN4_PT, QS8_CONV_CIN4_QMAX,
  QS8_CONV_CIN4_QMIN, QS8_CONV_CIN4_SH, QS8_CONV_CIN4_SW, QS8_CONV_CIN4_W, QS8_CONV_CIN4_ZP_IN, QS8_CONV_CIN4_ZP_OUT
} from '../common/params';

/** Bytes of one pixel's window in the im2row block (K <= 32: at most 16 pairs). */
// @ts-ignore: decorator
@inline export const IM2ROW_PIXEL: i32 = 64;

/** Pair slots of K = kh*kw*c. */
// @ts-ignore: decorator
@inline
export function im2row_slots(kh: i32, kw: i32, c: i32): i32 {
  return (kh * kw * c + 1) >> 1;
}

/** Bytes of one packed block of 8 output channels. */
// @ts-ignore: decorator
@inline
export function im2row_block_bytes(kh: i32, kw: i32, c: i32): i32 {
  return 64 + 16 * im2row_slots(kh, kw, c);
}

/**
 * Packs canonical OHWI weights w[N][KH][KW][C] int8, bias i32[N] (0: none) and scale f32[N]
 * into the "8c2" layout at out (see the header).
 */
export function qs8_conv_im2row_pack_8c2(
  w: usize, bias: usize, scale: usize, zp_in: i32, n: i32, kh: i32, kw: i32, c: i32, out: usize,
): void {
  const k = kh * kw * c;
  const s = im2row_slots(kh, kw, c);
  const bb = <usize>im2row_block_bytes(kh, kw, c);
  for (let n0 = 0; n0 < n; n0 += 8) {
    const o = out + <usize>(n0 >> 3) * bb;
    for (let j = 0; j < 8; j++) {
      const nn = n0 + j;
      const live = nn < n;
      store<i32>(o + <usize>j * 4, live ? folded_bias(w, bias, zp_in, nn, k) : 0);
      store<f32>(o + <usize>(8 + j) * 4, live ? load<f32>(scale + <usize>nn * 4) : 0);
      for (let t = 0; t < s; t++) {
        for (let h = 0; h < 2; h++) {
          const kk = 2 * t + h;
          const v = live && kk < k ? clamp_w(<i32>load<i8>(w + <usize>nn * <usize>k + <usize>kk)) : 0;
          store<i8>(o + <usize>(64 + 16 * t + 2 * j + h), <i8>v);
        }
      }
    }
  }
}

/** Bytes of one padded input row slot in the scratch (its row plus 16 read-past bytes, 16-aligned). */
// @ts-ignore: decorator
@inline
export function im2row_row_bytes(params: usize): i32 {
  const wp = load<i32>(params, QS8_CONV_CIN4_PL) + load<i32>(params, QS8_CONV_CIN4_W) + load<i32>(params, QS8_CONV_CIN4_PR);
  return (wp * load<i32>(params, QS8_CONV_CIN4_C) + 16 + 15) & ~15;
}

/** Offset of the row slots in the scratch (after KH row numbers and KH row pointers, i32 each). */
// @ts-ignore: decorator
@inline
export function im2row_rows(params: usize): usize {
  return <usize>((load<i32>(params, QS8_CONV_CIN4_KH) * 8 + 15) & ~15);
}

/** Offset of the im2row block in the scratch. */
// @ts-ignore: decorator
@inline
export function im2row_block(params: usize): usize {
  return im2row_rows(params) + <usize>load<i32>(params, QS8_CONV_CIN4_KH) * <usize>im2row_row_bytes(params);
}

/** Scratch bytes the im2row kernels need for these params (without the 16 read-past bytes). */
export function qs8_conv_im2row_scratch_bytes(params: usize): i32 {
  const ow4 = (load<i32>(params, QS8_CONV_CIN4_OW) + 3) & ~3;
  return <i32>im2row_block(params) + 64 + ow4 * IM2ROW_PIXEL + 16; // 64: room to align the block to a cache line
}

/**
 * Scalar twin of qs8_conv_im2row_4x8c2__wasmsimd: same signature, params and packed "8c2"
 * layout; reads each tap from the input (zp_in outside it), no scratch.
 */
export function qs8_conv_im2row_4x8c2__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  const zp = load<i32>(params, QS8_CONV_CIN4_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_CONV_CIN4_QMIN) - zp);
  const hi = <f32>(load<i32>(params, QS8_CONV_CIN4_QMAX) - zp);
  const zpIn = load<i32>(params, QS8_CONV_CIN4_ZP_IN);
  const batch = load<i32>(params, QS8_CONV_CIN4_N);
  const H = load<i32>(params, QS8_CONV_CIN4_H);
  const W = load<i32>(params, QS8_CONV_CIN4_W);
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const OH = load<i32>(params, QS8_CONV_CIN4_OH);
  const OW = load<i32>(params, QS8_CONV_CIN4_OW);
  const N = load<i32>(params, QS8_CONV_CIN4_C_OUT);
  const KH = load<i32>(params, QS8_CONV_CIN4_KH);
  const KW = load<i32>(params, QS8_CONV_CIN4_KW);
  const sh = load<i32>(params, QS8_CONV_CIN4_SH);
  const sw = load<i32>(params, QS8_CONV_CIN4_SW);
  const pt = load<i32>(params, QS8_CONV_CIN4_PT);
  const pl = load<i32>(params, QS8_CONV_CIN4_PL);
  const K = KH * KW * C;
  const bb = <usize>im2row_block_bytes(KH, KW, C);
  let out = output;
  for (let b = 0; b < batch; b++) {
    const inb = input + <usize>b * <usize>(H * W * C);
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let n = 0; n < N; n++) {
          const wb = w + <usize>(n >> 3) * bb;
          const j = n & 7;
          let acc = load<i32>(wb + <usize>j * 4);
          for (let k = 0; k < K; k++) {
            const r = k / (KW * C);
            const e = k - r * KW * C;
            const iy = oy * sh + r - pt;
            const ix = ox * sw + e / C - pl;
            const x = <u32>iy < <u32>H && <u32>ix < <u32>W ? <i32>load<i8>(inb + <usize>((iy * W + ix) * C + e % C)) : zpIn;
            acc += x * <i32>load<i8>(wb + <usize>(64 + 16 * (k >> 1) + 2 * j + (k & 1)));
          }
          store<i8>(out + <usize>n, <i8>requant_fp32(acc, load<f32>(wb + <usize>(8 + j) * 4), zp, lo, hi));
        }
        out += <usize>N;
      }
    }
  }
}

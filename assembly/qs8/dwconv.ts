// int8 depthwise convolution, NHWC, channel multiplier 1: packer and scalar kernels.
//
// Kernel signature (every qs8 dwconv kernel, scalar and SIMD):
//   (input, packed, output, zero, scratch, params)
//   input   int8 [N][H][W][C]
//   packed  the packer's output (below)
//   output  int8 [N][OH][OW][C]
//   zero    C bytes (rounded up to 16) all equal to zp_in: what a padded tap reads
//   scratch 4 * ((KH*KW + 1) & ~1) bytes: the kernel writes its tap pointers there
//   params  QS8_DWCONV (src/runtime/param-blocks.ts; offsets: common/params.ts): the geometry (top and left pads;
//           the host derives OH, OW, so bottom and right pads are implicit), zp_out, qmin, qmax.
//
// Packed weights (qs8_dwconv_pack_16c), per group of 16 channels (the last one
// zero-padded), TE = KH*KW rounded up to even, group size 128 + 32*TE bytes:
//   +0              i32[16]  bias - zp_in * sum_k w[k][c]   (zp_in folded in)
//   +64 + 64*p      tap pair p = (2p, 2p+1): 4 blocks of 16 bytes, block q holds
//                   channels 4q..4q+3 as i16 pairs (w[2p][c], w[2p+1][c])
//   +64 + 32*TE     f32[16]  requantization scale m[c] = s_in*s_w[c]/s_out
// The pairs feed i32x4.dot_i16x8_s directly; the scalar twins read the same bytes.
import { requant_fp32 } from '../common/requant';
import { dw_indirection } from './dwconv_indirection';
import {
  QS8_DWCONV_C, QS8_DWCONV_DH, QS8_DWCONV_DW, QS8_DWCONV_H, QS8_DWCONV_KH, QS8_DWCONV_KW, QS8_DWCONV_N,
  QS8_DWCONV_OH, QS8_DWCONV_OW, QS8_DWCONV_PL, QS8_DWCONV_PT, QS8_DWCONV_QMAX, QS8_DWCONV_QMIN, QS8_DWCONV_SH,
  QS8_DWCONV_SW, QS8_DWCONV_W, QS8_DWCONV_ZP_OUT
} from '../common/params';

/** Bytes of one packed group of 16 channels. */
// @ts-ignore: decorator
@inline
export function dw16_group_bytes(taps: i32): i32 {
  return 128 + 32 * ((taps + 1) & ~1);
}

/**
 * Pack canonical depthwise weights w[KH][KW][C] (int8), bias[C] (int32, 0 = none),
 * scale[C] (f32) into the 16-channel layout above, folding zp_in into the bias.
 */
export function qs8_dwconv_pack_16c(
  taps: i32, channels: i32, w: usize, bias: usize, scale: usize, zp_in: i32, out: usize,
): void {
  const te = (taps + 1) & ~1;
  const gb = dw16_group_bytes(taps);
  const groups = (channels + 15) >> 4;
  for (let g = 0; g < groups; g++) {
    const base = out + <usize>(g * gb);
    for (let l = 0; l < 16; l++) {
      const c = g * 16 + l;
      const live = c < channels;
      let sum = 0;
      for (let k = 0; k < te; k++) {
        const wv: i32 = live && k < taps ? <i32>load<i8>(w + <usize>(k * channels + c)) : 0;
        sum += wv;
        store<i16>(base + <usize>(64 + (k >> 1) * 64 + (l >> 2) * 16 + (l & 3) * 4 + (k & 1) * 2), <i16>wv);
      }
      const b: i32 = live && bias != 0 ? load<i32>(bias + (<usize>c << 2)) : 0;
      store<i32>(base + (<usize>l << 2), live ? b - zp_in * sum : 0);
      store<f32>(base + <usize>(64 + te * 32 + l * 4), live ? load<f32>(scale + (<usize>c << 2)) : 0);
    }
  }
}

// @ts-ignore: decorator
@inline
function dw16_scalar(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize,
  KH: i32, KW: i32,
): void {
  const N = load<i32>(params, QS8_DWCONV_N), H = load<i32>(params, QS8_DWCONV_H), W = load<i32>(params, QS8_DWCONV_W);
  const C = load<i32>(params, QS8_DWCONV_C), OH = load<i32>(params, QS8_DWCONV_OH), OW = load<i32>(params, QS8_DWCONV_OW);
  const SH = load<i32>(params, QS8_DWCONV_SH), SW = load<i32>(params, QS8_DWCONV_SW);
  const DH = load<i32>(params, QS8_DWCONV_DH), DW = load<i32>(params, QS8_DWCONV_DW);
  const PT = load<i32>(params, QS8_DWCONV_PT), PL = load<i32>(params, QS8_DWCONV_PL);
  const zp = load<i32>(params, QS8_DWCONV_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_DWCONV_QMIN) - zp), hi = <f32>(load<i32>(params, QS8_DWCONV_QMAX) - zp);
  const T = KH * KW;
  const te = (T + 1) & ~1;
  const gb = dw16_group_bytes(T);
  let out = output;
  for (let n = 0; n < N; n++) {
    const img = input + <usize>(n * H * W * C);
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        dw_indirection(img, zero, scratch, H, W, C, KH, KW, DH, DW, oy * SH - PT, ox * SW - PL, 1);
        for (let c = 0; c < C; c++) {
          const l = c & 15;
          const g = packed + <usize>((c >> 4) * gb);
          let acc = load<i32>(g + (<usize>l << 2));
          const wp = g + <usize>(64 + (l >> 2) * 16 + (l & 3) * 4);
          for (let k = 0; k < T; k++) {
            const x = <i32>load<i8>(load<usize>(scratch + (<usize>k << 2)) + <usize>c);
            acc += x * <i32>load<i16>(wp + <usize>((k >> 1) * 64 + (k & 1) * 2));
          }
          const s = load<f32>(g + <usize>(64 + te * 32 + l * 4));
          store<i8>(out + <usize>c, <i8>requant_fp32(acc, s, zp, lo, hi));
        }
        out += <usize>C;
      }
    }
  }
}

/** Scalar twin of qs8_dwconv_5x5_16c__wasmsimd (KH = KW = 5). */
export function qs8_dwconv_5x5_16c__scalar(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize,
): void {
  dw16_scalar(input, packed, output, zero, scratch, params, 5, 5);
}

/** Any KH x KW, stride, dilation, padding. */
export function qs8_dwconv_generic_16c__scalar(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize,
): void {
  dw16_scalar(input, packed, output, zero, scratch, params, load<i32>(params, QS8_DWCONV_KH), load<i32>(params, QS8_DWCONV_KW));
}

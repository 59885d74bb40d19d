// int8 3x3 depthwise convolution over vertical row pairs ("3x3r"): the packer, the scratch
// size and the scalar twin of qs8_dwconv_3x3r_2x16c__wasmsimd (dwconv_3x3r_wasmsimd.ts).
// Any stride, dilation and padding; channel multiplier 1. Signature and params: the other
// depthwise kernels' (dwconv.ts): (input, packed, output, zero, scratch, params), QS8_DWCONV;
// `zero` is the host's row of zp_in bytes (C rounded up to 16), what padding reads.
//
// The idea: i32x4.dot_i16x8_s multiplies pairs of i16 and adds each pair, so a depthwise
// kernel must bring two taps of one channel side by side. The old kernel interleaved them
// for every output pixel (per tap pair: 4 widening loads and 4 shuffles per 16 channels).
// Here the SIMD kernel interleaves each input row with the row dilation_h below it once, into
// a "pair row" V(r) (entry (x, c) = i16 x[r][x][c] | i16 x[r + dh][x][c] << 16), and an output
// row whose window starts at input row r0 reads V(r0) against the weight pairs A = (w[0][kx],
// w[1][kx]) and V(r0 + 2dh) against B = (w[2][kx], 0): six dots per 4 channels and no shuffle.
// At stride 1 and dilation 1 the next output row (window from r0 + 1) reads the same two pair
// rows, against C = (0, w[0][kx]) and D = (w[1][kx], w[2][kx]): the SIMD kernel computes two
// output rows per pass from one load of each pair entry (B = D >> 16 and C = A << 16 in each
// 32-bit lane, two shifts per weight column).
//
// Packed layout "3x3r" (qs8_dwconv_pack_3x3r), per group of 16 channels (the last one
// zero-padded), 512 bytes:
//   +0               i32 bias'[16]  = bias - zp_in * sum of the 9 weights (zp_in folded in)
//   +64 + 128*kx     i16 pairs A = (w[0][kx][c], w[1][kx][c]) for c = 0..15   (64 bytes)
//   +128 + 128*kx    i16 pairs D = (w[1][kx][c], w[2][kx][c])                  (64 bytes)
//   +448             f32 scale[16]
// Weights are i16 here, not int8: a depthwise kernel reads every weight again for every
// output pixel, and widening them there would cost an instruction per 8 weights where the
// old layout took 20 bytes per channel and this one 24 (the 3x3 depthwise weights are ~2% of
// MobileNetV2's).
//
// Scratch (SIMD kernel; the scalar twin uses its first 36 bytes for tap pointers): a ring of R pair rows
// (dw3r_ring: 2*dh + 2, or 6 at stride 2 and dilation 1),
// ring slot of V(r) = r mod R, with the input row each slot holds in R i32 tags in front:
//   tags: roundup(4R, 16) bytes | R rows of Wn * Cp * 4 bytes
//   Wn = (OW-1)*sw + 2*dw + 1 (the padded columns the windows read), Cp = roundup(C, 8).
// qs8_dwconv_3x3r_scratch_bytes(params) says how much.
import { requant_fp32 } from '../common/requant';
import {
  QS8_DWCONV_C, QS8_DWCONV_DH, QS8_DWCONV_DW, QS8_DWCONV_H, QS8_DWCONV_N, QS8_DWCONV_OH, QS8_DWCONV_OW,
  QS8_DWCONV_PL, QS8_DWCONV_PT, QS8_DWCONV_QMAX, QS8_DWCONV_QMIN, QS8_DWCONV_SH, QS8_DWCONV_SW, QS8_DWCONV_W,
  QS8_DWCONV_ZP_OUT
} from '../common/params';

/** Bytes of one packed group of 16 channels. */
// @ts-ignore: decorator
@inline export const DW3R_GROUP_BYTES: i32 = 512;

/** Packs canonical weights w[3][3][C] int8, bias[C] (0 = none), scale[C] into the "3x3r" layout (taps must be 9). */
export function qs8_dwconv_pack_3x3r(taps: i32, channels: i32, w: usize, bias: usize, scale: usize, zp_in: i32, out: usize): void {
  const groups = (channels + 15) >> 4;
  for (let g = 0; g < groups; g++) {
    const base = out + <usize>(g * DW3R_GROUP_BYTES);
    for (let l = 0; l < 16; l++) {
      const c = g * 16 + l;
      const live = c < channels && taps == 9;
      let sum = 0;
      for (let kx = 0; kx < 3; kx++) {
        const w0: i32 = live ? <i32>load<i8>(w + <usize>(kx * channels + c)) : 0;
        const w1: i32 = live ? <i32>load<i8>(w + <usize>((3 + kx) * channels + c)) : 0;
        const w2: i32 = live ? <i32>load<i8>(w + <usize>((6 + kx) * channels + c)) : 0;
        sum += w0 + w1 + w2;
        const p = base + <usize>(64 + 128 * kx + 4 * l);
        store<i16>(p, <i16>w0);
        store<i16>(p, <i16>w1, 2);
        store<i16>(p, <i16>w1, 64);
        store<i16>(p, <i16>w2, 66);
      }
      const b: i32 = live && bias != 0 ? load<i32>(bias + (<usize>c << 2)) : 0;
      store<i32>(base + (<usize>l << 2), live ? b - zp_in * sum : 0);
      store<f32>(base + <usize>(448 + l * 4), live ? load<f32>(scale + (<usize>c << 2)) : 0);
    }
  }
}

/**
 * Ring slots: 2*dh + 2 (the two pair rows an output row reads are never in one slot); 6 at
 * stride 2 and dilation 1, where the SIMD kernel reads three pair rows r0, r0 + 2, r0 + 4 at once.
 */
// @ts-ignore: decorator
@inline
export function dw3r_ring(params: usize): i32 {
  const dh = load<i32>(params, QS8_DWCONV_DH);
  return load<i32>(params, QS8_DWCONV_SH) == 2 && dh == 1 ? 6 : 2 * dh + 2;
}

/** Bytes of one pair row. */
// @ts-ignore: decorator
@inline
export function dw3r_row_bytes(params: usize): i32 {
  const wn = (load<i32>(params, QS8_DWCONV_OW) - 1) * load<i32>(params, QS8_DWCONV_SW) + 2 * load<i32>(params, QS8_DWCONV_DW) + 1;
  return wn * ((load<i32>(params, QS8_DWCONV_C) + 7) & ~7) * 4;
}

/** Bytes of the tags in front of the ring. */
// @ts-ignore: decorator
@inline
export function dw3r_tag_bytes(params: usize): i32 {
  return (dw3r_ring(params) * 4 + 15) & ~15;
}

/** Scratch bytes the SIMD kernel needs for these params (without the 16 read-past bytes). */
export function qs8_dwconv_3x3r_scratch_bytes(params: usize): i32 {
  return dw3r_tag_bytes(params) + dw3r_ring(params) * dw3r_row_bytes(params);
}

/**
 * Scalar twin of qs8_dwconv_3x3r_2x16c__wasmsimd: the same sums straight from the input. Per
 * output pixel the 9 taps' pixel pointers (the zero row where a tap is padding) go to the
 * scratch's first 36 bytes; then per channel, 9 multiply-adds.
 */
export function qs8_dwconv_3x3r_2x16c__scalar(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize,
): void {
  const N = load<i32>(params, QS8_DWCONV_N), H = load<i32>(params, QS8_DWCONV_H), W = load<i32>(params, QS8_DWCONV_W);
  const C = load<i32>(params, QS8_DWCONV_C), OH = load<i32>(params, QS8_DWCONV_OH), OW = load<i32>(params, QS8_DWCONV_OW);
  const SH = load<i32>(params, QS8_DWCONV_SH), SW = load<i32>(params, QS8_DWCONV_SW);
  const DH = load<i32>(params, QS8_DWCONV_DH), DW = load<i32>(params, QS8_DWCONV_DW);
  const PT = load<i32>(params, QS8_DWCONV_PT), PL = load<i32>(params, QS8_DWCONV_PL);
  const zp = load<i32>(params, QS8_DWCONV_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_DWCONV_QMIN) - zp), hi = <f32>(load<i32>(params, QS8_DWCONV_QMAX) - zp);
  let out = output;
  for (let n = 0; n < N; n++) {
    const img = input + <usize>(n * H * W * C);
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        // tap k = 3*kx + ky (the packed order below)
        for (let kx = 0; kx < 3; kx++) {
          const ix = ox * SW - PL + kx * DW;
          for (let ky = 0; ky < 3; ky++) {
            const iy = oy * SH - PT + ky * DH;
            const at = <u32>iy < <u32>H && <u32>ix < <u32>W ? img + <usize>((iy * W + ix) * C) : zero;
            store<u32>(scratch + (<usize>(3 * kx + ky) << 2), <u32>at);
          }
        }
        for (let c = 0; c < C; c++) {
          const g = packed + <usize>((c >> 4) * DW3R_GROUP_BYTES);
          const l = <usize>(c & 15);
          const p = g + 64 + (l << 2); // (w0, w1) pairs of column kx at p + 128 kx, (w1, w2) at + 64
          const cc = <usize>c;
          let acc = load<i32>(g + (l << 2));
          acc += <i32>load<i8>(<usize>load<u32>(scratch) + cc) * <i32>load<i16>(p);
          acc += <i32>load<i8>(<usize>load<u32>(scratch, 4) + cc) * <i32>load<i16>(p, 2);
          acc += <i32>load<i8>(<usize>load<u32>(scratch, 8) + cc) * <i32>load<i16>(p, 66);
          acc += <i32>load<i8>(<usize>load<u32>(scratch, 12) + cc) * <i32>load<i16>(p, 128);
          acc += <i32>load<i8>(<usize>load<u32>(scratch, 16) + cc) * <i32>load<i16>(p, 130);
          acc += <i32>load<i8>(<usize>load<u32>(scratch, 20) + cc) * <i32>load<i16>(p, 194);
          acc += <i32>load<i8>(<usize>load<u32>(scratch, 24) + cc) * <i32>load<i16>(p, 256);
          acc += <i32>load<i8>(<usize>load<u32>(scratch, 28) + cc) * <i32>load<i16>(p, 258);
          acc += <i32>load<i8>(<usize>load<u32>(scratch, 32) + cc) * <i32>load<i16>(p, 322);
          store<i8>(out + cc, <i8>requant_fp32(acc, load<f32>(g + 448 + (l << 2)), zp, lo, hi));
        }
        out += <usize>C;
      }
    }
  }
}

// Binary conv2d NHWC on bit-packed input (any kernel size, stride, dilation, padding),
// on top of the binary GEMM rows kernels (gemm.ts): im2col of a block of output pixels
// into scratch rows of KH*KW*CW words, then 4 rows at a time through the rows kernel.
// A 1x1 / stride 1 / unpadded conv is a GEMM straight over the input.
//
// Zero padding: a padded tap contributes 0 (neither +1 nor -1). The im2col writes 0 words
// for it, so the raw popcount counts popcount(w) there as if the input were +1; each
// output pixel's border position ("class": which kernel rows and columns fall outside)
// has a precomputed row in the base table (host: src/runtime/ops/b1.ts) that undoes it:
//   base[class][o] = C * (taps inside) + 2 * sum over padded taps of popcount(w[o][tap])
//   acc = base[class][o] - 2 * popcount   ==   sum over taps inside of (C - 2 popcount)
//
// Kernel signature: (input, w_packed, output, scratch, params)
//   input [batch][H][W][CW] u32, output [batch][H_out][W_out] rows of c_stride bytes
//   (int8: C_out bytes; f32: 4*C_out bytes; bits: ceil(C_out/32) words), scratch block_m * KH*KW*CW words
//   (unused, may be 0, in the 1x1 case).
// Params: B1_CONV (src/runtime/param-blocks.ts; offsets: common/params.ts): the GEMM's block (B1_GEMM, gemm.ts), then the
// geometry, block_m, the row and column class tables and the output pixel stride.
// class(oy, ox) = row_class[oy] * col_classes + col_class[ox].
import { B1RowsFn, b1_rows_4x8__scalar } from './gemm';
import {
  B1_CONV_BASE, B1_CONV_BLOCK_M, B1_CONV_COL_CLASS, B1_CONV_COL_CLASSES, B1_CONV_CW, B1_CONV_C_OUT,
  B1_CONV_C_STRIDE, B1_CONV_DH, B1_CONV_DW, B1_CONV_H, B1_CONV_KH, B1_CONV_KW, B1_CONV_N, B1_CONV_OH,
  B1_CONV_OW, B1_CONV_PL, B1_CONV_PT, B1_CONV_ROW_CLASS, B1_CONV_SH, B1_CONV_SW, B1_CONV_W
} from '../common/params';

// Runs here are a few words: a loop beats V8's out-of-line memory.copy / memory.fill.
// @ts-ignore: decorator
@inline
function copy_words(dst: usize, src: usize, n: usize): void {
  for (; n >= 2; n -= 2, dst += 8, src += 8) store<u64>(dst, load<u64>(src));
  if (n) store<u32>(dst, load<u32>(src));
}

// @ts-ignore: decorator
@inline
function zero_words(dst: usize, n: usize): void {
  for (; n >= 2; n -= 2, dst += 8) store<u64>(dst, 0);
  if (n) store<u32>(dst, 0);
}

/** im2col of `rows` output pixels starting at pixel p0 of one image into dst (row stride KH*KW*CW words). */
export function b1_im2col(inb: usize, dst: usize, params: usize, p0: i32, rows: i32): void {
  const H = load<i32>(params, B1_CONV_H);
  const W = load<i32>(params, B1_CONV_W);
  const CW = load<i32>(params, B1_CONV_CW);
  const W_out = load<i32>(params, B1_CONV_OW);
  const KH = load<i32>(params, B1_CONV_KH);
  const KW = load<i32>(params, B1_CONV_KW);
  const sh = load<i32>(params, B1_CONV_SH);
  const sw = load<i32>(params, B1_CONV_SW);
  const dh = load<i32>(params, B1_CONV_DH);
  const dw = load<i32>(params, B1_CONV_DW);
  const pt = load<i32>(params, B1_CONV_PT);
  const pl = load<i32>(params, B1_CONV_PL);
  const px = <usize>CW << 2;
  const kwWords = <usize>KW * <usize>CW;
  const rowBytes = <usize>W * px;
  let oy = p0 / W_out;
  let ox = p0 - oy * W_out;
  for (let r = 0; r < rows; r++) {
    const iy0 = oy * sh - pt;
    const ix0 = ox * sw - pl;
    const run = dw == 1 && ix0 >= 0 && ix0 + KW <= W;
    for (let kh = 0; kh < KH; kh++) {
      const iy = iy0 + kh * dh;
      if (<u32>iy >= <u32>H) {
        zero_words(dst, kwWords);
        dst += <usize>KW * px;
        continue;
      }
      const src = inb + <usize>iy * rowBytes;
      if (run) {
        copy_words(dst, src + <usize>ix0 * px, kwWords);
        dst += <usize>KW * px;
        continue;
      }
      for (let kw = 0; kw < KW; kw++) {
        const ix = ix0 + kw * dw;
        if (<u32>ix >= <u32>W) zero_words(dst, <usize>CW);
        else copy_words(dst, src + <usize>ix * px, <usize>CW);
        dst += px;
      }
    }
    if (++ox == W_out) {
      ox = 0;
      oy++;
    }
  }
}

/** Base table row of output pixel p. */
// @ts-ignore: decorator
@inline
function class_base(params: usize, base: usize, cstride: usize, W_out: i32, p: i32): usize {
  const oy = p / W_out;
  const ox = p - oy * W_out;
  const rc = load<i32>(<usize>load<i32>(params, B1_CONV_ROW_CLASS) + (<usize>oy << 2));
  const cc = load<i32>(<usize>load<i32>(params, B1_CONV_COL_CLASS) + (<usize>ox << 2));
  return base + <usize>(rc * load<i32>(params, B1_CONV_COL_CLASSES) + cc) * cstride;
}

/** The conv loop around a rows kernel (a compile-time constant at every use). */
// @ts-ignore: decorator
@inline
export function b1_conv_driver(input: usize, w: usize, output: usize, scratch: usize, params: usize, rows_fn: B1RowsFn): void {
  const base = <usize>load<i32>(params, B1_CONV_BASE);
  const batch = load<i32>(params, B1_CONV_N);
  const H = load<i32>(params, B1_CONV_H);
  const W = load<i32>(params, B1_CONV_W);
  const CW = load<i32>(params, B1_CONV_CW);
  const H_out = load<i32>(params, B1_CONV_OH);
  const W_out = load<i32>(params, B1_CONV_OW);
  const N = load<i32>(params, B1_CONV_C_OUT);
  const KH = load<i32>(params, B1_CONV_KH);
  const KW = load<i32>(params, B1_CONV_KW);
  const c_stride = load<i32>(params, B1_CONV_C_STRIDE);
  const cstride = <usize>((N + 7) & ~7) << 2;
  const P = H_out * W_out;
  const kw = KH * KW * CW;
  if (KH == 1 && KW == 1 && load<i32>(params, B1_CONV_SH) == 1 && load<i32>(params, B1_CONV_SW) == 1 &&
      load<i32>(params, B1_CONV_PT) == 0 && load<i32>(params, B1_CONV_PL) == 0 && H_out == H && W_out == W) {
    for (let i = 0; i < batch * P; i += 4) {
      rows_fn(min<i32>(4, batch * P - i), input + (<usize>i * <usize>CW << 2), CW << 2, CW, w, N,
        output + <usize>i * <usize>c_stride, c_stride, params, base, base, base, base);
    }
    return;
  }
  const block = max<i32>(1, load<i32>(params, B1_CONV_BLOCK_M));
  const inStride = <usize>H * <usize>W * (<usize>CW << 2);
  const outStride = <usize>P * <usize>c_stride;
  const a_stride = kw << 2;
  for (let b = 0; b < batch; b++) {
    const inb = input + <usize>b * inStride;
    const outb = output + <usize>b * outStride;
    for (let p0 = 0; p0 < P; p0 += block) {
      const rows = min<i32>(block, P - p0);
      b1_im2col(inb, scratch, params, p0, rows);
      for (let i = 0; i < rows; i += 4) {
        const p = p0 + i;
        const r = min<i32>(4, rows - i);
        const b0 = class_base(params, base, cstride, W_out, p);
        const b1 = r > 1 ? class_base(params, base, cstride, W_out, p + 1) : b0;
        const b2 = r > 2 ? class_base(params, base, cstride, W_out, p + 2) : b1;
        const b3 = r > 3 ? class_base(params, base, cstride, W_out, p + 3) : b2;
        rows_fn(r, scratch + <usize>i * <usize>a_stride, a_stride, kw, w, N,
          outb + <usize>p * <usize>c_stride, c_stride, params, b0, b1, b2, b3);
      }
    }
  }
}

/** Scalar twin of b1_conv_4x8__wasmsimd. */
export function b1_conv_4x8__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  b1_conv_driver(input, w, output, scratch, params, b1_rows_4x8__scalar);
}

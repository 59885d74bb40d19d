// int8 conv2d NHWC (any kernel size, stride, dilation, asymmetric padding, groups = 1)
// on top of the int8 GEMM: im2col of a block of output pixels into a host-provided
// scratch buffer, then one GEMM call per block. The 1x1 / stride 1 / no padding case
// is a plain GEMM over the input (no copy, no scratch).
//
// Weights: canonical OHWI int8 = [C_out][K] with K = KH*KW*C_in in im2col order
// (kh, kw, ci), packed by the GEMM packer of the kernel's tile (qs8_gemm_pack_2x4c8
// for the 2x4c8 kernels, qs8_gemm_pack_2x4c16s for the 2x4c16s ones). Padding
// positions are filled with zp_in, which the packed bias cancels: they contribute 0.
//
// Kernel signature: (input, w_packed, output, scratch, params)
//   input  [batch][H][W][C_in] int8, output [batch][H_out][W_out][C_out] int8,
//   scratch block_m * K bytes (+ the usual 16 read-past bytes); unused (may be 0) in the 1x1 case.
//
// Params: QS8_CONV (src/runtime/param-blocks.ts; offsets: common/params.ts). It starts with the GEMM's block
// (QS8_GEMM), so the conv hands its params pointer straight to the GEMM; then zp_in, the
// geometry and block_m, the output pixels per im2col block (>= 1).
// The host computes H_out = floor((H + pad_top + pad_bottom - dil_h*(KH-1) - 1) / stride_h) + 1
// (same for W); the kernel only uses pad_top / pad_left.

import { qs8_gemm_2x4c8__scalar, qs8_gemm_2x4c16s__scalar } from './gemm_scalar';
import { qs8_im2col } from './im2col';
import {
  QS8_CONV_BLOCK_M, QS8_CONV_C, QS8_CONV_C_OUT, QS8_CONV_H, QS8_CONV_KH, QS8_CONV_KW, QS8_CONV_N, QS8_CONV_OH,
  QS8_CONV_OW, QS8_CONV_PB, QS8_CONV_X_ROW_STRIDE, QS8_CONV_X_STRIDE, QS8_CONV_Y_ROW_STRIDE, QS8_CONV_Y_STRIDE, QS8_CONV_PL, QS8_CONV_PR, QS8_CONV_PT, QS8_CONV_SH, QS8_CONV_SW, QS8_CONV_W
} from '../common/params';

export type Qs8GemmFn = (
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
) => void;

/** An im2col: `rows` output pixels from pixel p0 of one image into dst (qs8_im2col or its SIMD twin). */
export type Qs8Im2colFn = (inb: usize, dst: usize, params: usize, p0: i32, rows: i32) => void;

/** The conv loop around a GEMM kernel `gemm` and an `im2col` (compile-time constants at every use). */
// @ts-ignore: decorator
@inline
export function qs8_conv_driver(
  input: usize, w: usize, output: usize, scratch: usize, params: usize, gemm: Qs8GemmFn, im2col: Qs8Im2colFn = qs8_im2col,
): void {
  const batch = load<i32>(params, QS8_CONV_N);
  const H = load<i32>(params, QS8_CONV_H);
  const W = load<i32>(params, QS8_CONV_W);
  const C = load<i32>(params, QS8_CONV_C);
  const P = load<i32>(params, QS8_CONV_OH) * load<i32>(params, QS8_CONV_OW);
  const N = load<i32>(params, QS8_CONV_C_OUT);
  const KH = load<i32>(params, QS8_CONV_KH);
  const KW = load<i32>(params, QS8_CONV_KW);
  const K = KH * KW * C;
  const pointwise =
    KH == 1 && KW == 1 && load<i32>(params, QS8_CONV_SH) == 1 && load<i32>(params, QS8_CONV_SW) == 1 &&
    load<i32>(params, QS8_CONV_PT) == 0 && load<i32>(params, QS8_CONV_PL) == 0 && load<i32>(params, QS8_CONV_PB) == 0 && load<i32>(params, QS8_CONV_PR) == 0;
  const XS = load<i32>(params, QS8_CONV_X_STRIDE);
  const YS = load<i32>(params, QS8_CONV_Y_STRIDE);
  const YR = load<i32>(params, QS8_CONV_Y_ROW_STRIDE);
  const OW = load<i32>(params, QS8_CONV_OW);
  // Output rows back to back (every conv but a transposed conv's phase): blocks may span rows.
  const dense = YR == OW * YS && load<i32>(params, QS8_CONV_X_ROW_STRIDE) == W * XS;
  if (pointwise && dense) {
    gemm(batch * P, N, C, input, XS, w, output, YS, params);
    return;
  }
  const block = max<i32>(1, load<i32>(params, QS8_CONV_BLOCK_M));
  const XR = load<i32>(params, QS8_CONV_X_ROW_STRIDE);
  const inStride = <usize>H * <usize>XR;
  const outStride = <usize>(P / OW) * <usize>YR;
  for (let b = 0; b < batch; b++) {
    const inb = input + <usize>b * inStride;
    const outb = output + <usize>b * outStride;
    if (pointwise) {
      // Strided rows: one GEMM per output row, straight over the input row.
      for (let oy = 0; oy < P / OW; oy++) gemm(OW, N, C, inb + <usize>oy * <usize>XR, XS, w, outb + <usize>oy * <usize>YR, YS, params);
      continue;
    }
    for (let p0 = 0; p0 < P;) {
      const oy = p0 / OW, ox = p0 - oy * OW;
      const rows = dense ? min<i32>(block, P - p0) : min<i32>(block, OW - ox);
      im2col(inb, scratch, params, p0, rows);
      gemm(rows, N, K, scratch, K, w, outb + <usize>oy * <usize>YR + <usize>ox * <usize>YS, YS, params);
      p0 += rows;
    }
  }
}

/** Scalar twin of qs8_conv_2x4c8__wasmsimd (packed "4c8" weights). */
export function qs8_conv_2x4c8__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  qs8_conv_driver(input, w, output, scratch, params, qs8_gemm_2x4c8__scalar);
}

/** Scalar twin of qs8_conv_2x4c16s__wasmrelaxed (packed "4c16s" weights). */
export function qs8_conv_2x4c16s__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  qs8_conv_driver(input, w, output, scratch, params, qs8_gemm_2x4c16s__scalar);
}

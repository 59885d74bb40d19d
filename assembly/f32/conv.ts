// f32 convolution, NHWC, any kernel size, stride, dilation and asymmetric padding
// (ONNX Conv, group = 1, with fused bias and clamp): im2col of 4 output pixels into a
// small host scratch, then the 4x8 GEMM core across all output channels.
//
// Kernel signature (f32_conv_4x8__scalar / __wasmsimd): (input, packed, output, scratch, params)
//   input    f32 [N][H][W][C]
//   packed   f32_gemm_pack_4x8(OC, K = KH*KW*C, weights OHWI, bias): OHWI is [OC][K] with
//            k = (ky*KW + kx)*C + c, exactly the im2col row order
//   output   f32 [N][OH][OW][OC]
//   scratch  16 * K bytes (4 rows of K floats)
//   params   F32_CONV (src/runtime/param-blocks.ts; offsets: common/params.ts): the geometry, C_out, fmin, fmax
// A 1x1, stride 1, unpadded conv is a plain GEMM over the input: the host calls the GEMM.
import { gemm_scalar_core } from './gemm';
import {
  F32_CONV_C, F32_CONV_C_OUT, F32_CONV_DH, F32_CONV_DW, F32_CONV_FMAX, F32_CONV_FMIN, F32_CONV_H, F32_CONV_KH,
  F32_CONV_KW, F32_CONV_N, F32_CONV_OH, F32_CONV_OW, F32_CONV_PL, F32_CONV_PT, F32_CONV_SH, F32_CONV_SW,
  F32_CONV_W, F32_CONV_X_ROW_STRIDE, F32_CONV_X_STRIDE, F32_CONV_Y_ROW_STRIDE, F32_CONV_Y_STRIDE
} from '../common/params';

/** One im2col row (K floats) for the output pixel whose window starts at (iy0, ix0). */
// @ts-ignore: decorator
@inline
export function im2col_row_scalar(
  img: usize, dst: usize, H: i32, W: i32, XR: i32, C: i32, XS: i32, KH: i32, KW: i32, DH: i32, DW: i32, iy0: i32, ix0: i32,
): void {
  const cb = <usize>C << 2;
  let d = dst;
  for (let ky = 0; ky < KH; ky++) {
    const y = iy0 + ky * DH;
    const yok = <u32>y < <u32>H;
    for (let kx = 0; kx < KW; kx++) {
      const x = ix0 + kx * DW;
      if (yok && <u32>x < <u32>W) {
        const s = img + ((<usize>y * <usize>XR + <usize>x * <usize>XS) << 2);
        for (let i: usize = 0; i < cb; i += 4) store<f32>(d + i, load<f32>(s + i));
      } else {
        for (let i: usize = 0; i < cb; i += 4) store<f32>(d + i, 0);
      }
      d += cb;
    }
  }
}

export function f32_conv_4x8__scalar(input: usize, packed: usize, output: usize, scratch: usize, params: usize): void {
  const N = load<i32>(params, F32_CONV_N), H = load<i32>(params, F32_CONV_H), W = load<i32>(params, F32_CONV_W);
  const C = load<i32>(params, F32_CONV_C), OH = load<i32>(params, F32_CONV_OH), OW = load<i32>(params, F32_CONV_OW);
  const KH = load<i32>(params, F32_CONV_KH), KW = load<i32>(params, F32_CONV_KW);
  const SH = load<i32>(params, F32_CONV_SH), SW = load<i32>(params, F32_CONV_SW);
  const DH = load<i32>(params, F32_CONV_DH), DW = load<i32>(params, F32_CONV_DW);
  const PT = load<i32>(params, F32_CONV_PT), PL = load<i32>(params, F32_CONV_PL), OC = load<i32>(params, F32_CONV_C_OUT);
  const lo = load<f32>(params, F32_CONV_FMIN), hi = load<f32>(params, F32_CONV_FMAX);
  const XS = load<i32>(params, F32_CONV_X_STRIDE), YS = load<i32>(params, F32_CONV_Y_STRIDE), YR = load<i32>(params, F32_CONV_Y_ROW_STRIDE);
  const XR = load<i32>(params, F32_CONV_X_ROW_STRIDE);
  const K = KH * KW * C;
  const rowBytes = <usize>K << 2;
  const M = OH * OW;
  // Output rows back to back (every conv but a transposed conv's phase): 4-pixel blocks may span rows.
  const dense = YR == OW * YS;
  for (let n = 0; n < N; n++) {
    const img = input + <usize>(n * H * XR) * 4;
    const out = output + <usize>(n * OH * YR) * 4;
    for (let m = 0; m < M;) {
      const oy0 = m / OW, ox0 = m - oy0 * OW;
      const mr = dense ? min<i32>(4, M - m) : min<i32>(4, OW - ox0);
      for (let r = 0; r < mr; r++) {
        const p = m + r;
        const oy = p / OW, ox = p % OW;
        im2col_row_scalar(img, scratch + <usize>r * rowBytes, H, W, XR, C, XS, KH, KW, DH, DW, oy * SH - PT, ox * SW - PL);
      }
      gemm_scalar_core(mr, OC, K, scratch, rowBytes, packed, out + <usize>(oy0 * YR + ox0 * YS) * 4, <usize>YS << 2, lo, hi);
      m += mr;
    }
  }
}

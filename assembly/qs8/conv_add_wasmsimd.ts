// int8 conv2d + residual add on the SIMD GEMM (see conv_add.ts and residual.ts).
import { qs8_conv_driver } from './conv_scalar';
import { qs8_gemm_2x4c8_body__wasmsimd } from './gemm_wasmsimd';
import { qs8_im2col__wasmsimd } from './im2col_wasmsimd';

function qs8_gemm_add_2x4c8__wasmsimd(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  qs8_gemm_2x4c8_body__wasmsimd(m, n, k, a, a_stride, w, c, c_stride, params, true);
}

export function qs8_conv_add_2x4c8__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  qs8_conv_driver(input, w, output, scratch, params, qs8_gemm_add_2x4c8__wasmsimd, qs8_im2col__wasmsimd);
}

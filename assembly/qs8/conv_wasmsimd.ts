// int8 conv2d on the SIMD GEMM (see conv_scalar.ts for params, layouts and the driver).
import { qs8_conv_driver } from './conv_scalar';
import { qs8_gemm_2x4c8__wasmsimd } from './gemm_wasmsimd';
import { qs8_im2col__wasmsimd } from './im2col_wasmsimd';

export function qs8_conv_2x4c8__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  qs8_conv_driver(input, w, output, scratch, params, qs8_gemm_2x4c8__wasmsimd, qs8_im2col__wasmsimd);
}

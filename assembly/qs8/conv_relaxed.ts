// int8 conv2d on the relaxed-SIMD GEMM (see conv_scalar.ts for params, layouts and the driver).
import { qs8_conv_driver } from './conv_scalar';
import { qs8_gemm_2x4c16s__wasmrelaxed } from './gemm_relaxed';
import { qs8_im2col__wasmsimd } from './im2col_wasmsimd';

export function qs8_conv_2x4c16s__wasmrelaxed(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  qs8_conv_driver(input, w, output, scratch, params, qs8_gemm_2x4c16s__wasmrelaxed, qs8_im2col__wasmsimd);
}

// Binary conv2d on the SIMD rows kernel (params, layouts, padding correction: conv.ts).
import { b1_conv_driver } from './conv';
import { b1_rows_4x8__wasmsimd } from './gemm_wasmsimd';

export function b1_conv_4x8__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  b1_conv_driver(input, w, output, scratch, params, b1_rows_4x8__wasmsimd);
}

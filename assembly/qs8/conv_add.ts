// int8 conv2d with the residual add after it in its epilogue (residual.ts; params QS8_CONV_ADD,
// which starts with QS8_CONV): the im2col conv of conv_scalar.ts on the "4c8" GEMM, each output
// the add's instead of the conv's. The SIMD twin is conv_add_wasmsimd.ts.
import { qs8_conv_driver } from './conv_scalar';
import { qs8_gemm_2x4c8_body } from './gemm_scalar';

function qs8_gemm_add_2x4c8__scalar(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  qs8_gemm_2x4c8_body(m, n, k, a, a_stride, w, c, c_stride, params, true);
}

/** Scalar twin of qs8_conv_add_2x4c8__wasmsimd: the conv, then the residual add, in one pass. */
export function qs8_conv_add_2x4c8__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  qs8_conv_driver(input, w, output, scratch, params, qs8_gemm_add_2x4c8__scalar);
}

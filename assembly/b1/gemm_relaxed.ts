// Binary GEMM / conv, relaxed SIMD: the 4x8 kernels of gemm_wasmsimd.ts with the popcount
// as a nibble table lookup through i8x16.relaxed_swizzle (pc_add<u8>: indices 0..15, so
// every engine gives the plain lookup). Same signature, params and packed layout ("x8");
// scalar twins b1_gemm_4x8__scalar / b1_conv_4x8__scalar.
import { b1_gemm_driver } from './gemm';
import { b1_conv_driver } from './conv';
import { b1_rows_4x8 } from './gemm_wasmsimd';

export function b1_rows_4x8__wasmrelaxed(
  rows: i32, a: usize, a_stride: i32, kw: i32, w: usize, n: i32, c: usize, c_stride: i32, params: usize,
  base0: usize, base1: usize, base2: usize, base3: usize,
): void {
  b1_rows_4x8<u8>(rows, a, a_stride, kw, w, n, c, c_stride, params, base0, base1, base2, base3);
}

export function b1_gemm_4x8__wasmrelaxed(
  m: i32, n: i32, kw: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  b1_gemm_driver(m, n, kw, a, a_stride, w, c, c_stride, params, b1_rows_4x8__wasmrelaxed);
}

export function b1_conv_4x8__wasmrelaxed(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  b1_conv_driver(input, w, output, scratch, params, b1_rows_4x8__wasmrelaxed);
}

// Element-wise ops of two tensors with numpy broadcasting (ONNX Add, Sub, Mul, Div, Max, Min),
// f32 and int8, scalar twins; SIMD twins with the same signatures in binary_wasmsimd.ts.
//
// Signature (n, a, b, y, params). The host collapses the broadcast (src/runtime/ops/binary.ts)
// into the BCAST fields every params block here starts with: y is dense, written as
// n3 x n2 x n1 runs of n elements; run (i3, i2, i1) reads
//   a + (i1*a_s1 + i2*a_s2 + i3*a_s3 + j*a_inc),  b likewise,  j = 0..n-1,
// strides in elements, a_inc and b_inc 0 (one value broadcast over the run) or 1 (not both 0).
// `op` (OP_* below) picks the operation once per call. y may be a or b when that operand is not
// broadcast (every element is read before it is written).
//
// f32 (params F32_BINARY): y = clamp(op(a, b), fmin, fmax), one f32 operation then clamp_f32.
//   max / min are wasm's f32.max / f32.min (a NaN operand gives NaN; max(-0, +0) = +0).
//
// int8 (params QS8_BINARY): a' = a - a_zp, b' = b - b_zp (exact), then in f32, each operation
// rounded, in this order (the host computes m_a, m_b in double and rounds them to f32):
//   add  t = (a' * m_a) + (b' * m_b)        m_a = s_a / s_y, m_b = s_b / s_y
//   sub  t = (a' * m_a) - (b' * m_b)
//   max  t = max(a' * m_a, b' * m_b)
//   min  t = min(a' * m_a, b' * m_b)
//   mul  t = f32(a' * b') * m_a             m_a = s_a * s_b / s_y   (a' * b' is an exact integer)
//   div  t = (a' * m_a) / b'                m_a = s_a / (s_b * s_y) (b' = 0: +-Infinity or NaN)
//   y = round_half_even(clamp(t, qmin - y_zp, qmax - y_zp)) + y_zp   (output_fp32: NaN -> qmin)
// i.e. y = quantize(op(dequantize(a), dequantize(b))) with the scales folded in as above.
import { clamp_f32 } from '../common/clamp';
import { MAGIC_BITS } from '../common/requant';
import { output_fp32 } from './output';
import {
  BCAST_A_INC, BCAST_A_S1, BCAST_A_S2, BCAST_A_S3, BCAST_B_INC, BCAST_B_S1, BCAST_B_S2, BCAST_B_S3, BCAST_N1, BCAST_N2,
  BCAST_N3, BCAST_OP, F32_BINARY_FMAX, F32_BINARY_FMIN, QS8_BINARY_A_ZP, QS8_BINARY_B_ZP, QS8_BINARY_M_A, QS8_BINARY_M_B,
  QS8_BINARY_QMAX, QS8_BINARY_QMIN, QS8_BINARY_Y_ZP,
} from '../common/params';

// The operations, in the order of the host's BINARY_OPS (src/runtime/ops/binary.ts).
// @ts-ignore: decorator
@inline export const OP_ADD: i32 = 0;
// @ts-ignore: decorator
@inline export const OP_SUB: i32 = 1;
// @ts-ignore: decorator
@inline export const OP_MUL: i32 = 2;
// @ts-ignore: decorator
@inline export const OP_DIV: i32 = 3;
// @ts-ignore: decorator
@inline export const OP_MAX: i32 = 4;
// @ts-ignore: decorator
@inline export const OP_MIN: i32 = 5;

// @ts-ignore: decorator
@inline
function f32_op(op: i32, a: f32, b: f32): f32 {
  if (op == OP_ADD) return a + b;
  if (op == OP_SUB) return a - b;
  if (op == OP_MUL) return a * b;
  if (op == OP_DIV) return a / b;
  if (op == OP_MAX) return max<f32>(a, b);
  return min<f32>(a, b);
}

/** t of one pair of zero-point-corrected int8 values (see the header). */
// @ts-ignore: decorator
@inline
function qs8_op(op: i32, a: i32, b: i32, m_a: f32, m_b: f32): f32 {
  if (op == OP_MUL) return <f32>(a * b) * m_a;
  if (op == OP_DIV) return (<f32>a * m_a) / <f32>b;
  const ta = <f32>a * m_a, tb = <f32>b * m_b;
  if (op == OP_ADD) return ta + tb;
  if (op == OP_SUB) return ta - tb;
  if (op == OP_MAX) return max<f32>(ta, tb);
  return min<f32>(ta, tb);
}

/** One run of n outputs; T is f32 or i8 (the int8 constants are unused for f32). */
// @ts-ignore: decorator
@inline
function run<T>(op: i32, a_inc: usize, b_inc: usize, n: usize, a: usize, b: usize, y: usize,
  a_zp: i32, b_zp: i32, m_a: f32, m_b: f32, lo: f32, hi: f32, mz: i32): void {
  for (let i: usize = 0; i < n; i++) {
    if (isFloat<T>()) {
      const t = f32_op(op, load<f32>(a + ((i * a_inc) << 2)), load<f32>(b + ((i * b_inc) << 2)));
      store<f32>(y + (i << 2), clamp_f32(t, lo, hi));
    } else {
      const t = qs8_op(op, <i32>load<i8>(a + i * a_inc) - a_zp, <i32>load<i8>(b + i * b_inc) - b_zp, m_a, m_b);
      store<i8>(y + i, output_fp32(t, lo, hi, mz));
    }
  }
}

/** Every run of the call (the BCAST loops). */
// @ts-ignore: decorator
@inline
function loops<T>(op: i32, n: usize, a: usize, b: usize, y: usize, params: usize,
  a_zp: i32, b_zp: i32, m_a: f32, m_b: f32, lo: f32, hi: f32, mz: i32): void {
  const sh: usize = isFloat<T>() ? 2 : 0;
  const a_inc = <usize>load<i32>(params, BCAST_A_INC), b_inc = <usize>load<i32>(params, BCAST_B_INC);
  const n1 = load<i32>(params, BCAST_N1), n2 = load<i32>(params, BCAST_N2), n3 = load<i32>(params, BCAST_N3);
  const a_s1 = <usize>load<i32>(params, BCAST_A_S1) << sh, b_s1 = <usize>load<i32>(params, BCAST_B_S1) << sh;
  const a_s2 = <usize>load<i32>(params, BCAST_A_S2) << sh, b_s2 = <usize>load<i32>(params, BCAST_B_S2) << sh;
  const a_s3 = <usize>load<i32>(params, BCAST_A_S3) << sh, b_s3 = <usize>load<i32>(params, BCAST_B_S3) << sh;
  for (let i3 = 0; i3 < n3; i3++) {
    for (let i2 = 0; i2 < n2; i2++) {
      let ap = a + <usize>i3 * a_s3 + <usize>i2 * a_s2, bp = b + <usize>i3 * b_s3 + <usize>i2 * b_s2;
      for (let i1 = 0; i1 < n1; i1++) {
        run<T>(op, a_inc, b_inc, n, ap, bp, y, a_zp, b_zp, m_a, m_b, lo, hi, mz);
        ap += a_s1;
        bp += b_s1;
        y += n << sh;
      }
    }
  }
}

/** The call for each op, the op a constant in each copy. */
// @ts-ignore: decorator
@inline
function dispatch<T>(n: usize, a: usize, b: usize, y: usize, params: usize,
  a_zp: i32, b_zp: i32, m_a: f32, m_b: f32, lo: f32, hi: f32, mz: i32): void {
  const op = load<i32>(params, BCAST_OP);
  if (op == OP_ADD) loops<T>(OP_ADD, n, a, b, y, params, a_zp, b_zp, m_a, m_b, lo, hi, mz);
  else if (op == OP_SUB) loops<T>(OP_SUB, n, a, b, y, params, a_zp, b_zp, m_a, m_b, lo, hi, mz);
  else if (op == OP_MUL) loops<T>(OP_MUL, n, a, b, y, params, a_zp, b_zp, m_a, m_b, lo, hi, mz);
  else if (op == OP_DIV) loops<T>(OP_DIV, n, a, b, y, params, a_zp, b_zp, m_a, m_b, lo, hi, mz);
  else if (op == OP_MAX) loops<T>(OP_MAX, n, a, b, y, params, a_zp, b_zp, m_a, m_b, lo, hi, mz);
  else loops<T>(OP_MIN, n, a, b, y, params, a_zp, b_zp, m_a, m_b, lo, hi, mz);
}

export function f32_vbinary_x1__scalar(n: usize, a: usize, b: usize, y: usize, params: usize): void {
  dispatch<f32>(n, a, b, y, params, 0, 0, 0, 0, load<f32>(params, F32_BINARY_FMIN), load<f32>(params, F32_BINARY_FMAX), 0);
}

export function qs8_vbinary_x1__scalar(n: usize, a: usize, b: usize, y: usize, params: usize): void {
  const zp = load<i32>(params, QS8_BINARY_Y_ZP);
  dispatch<i8>(n, a, b, y, params, load<i32>(params, QS8_BINARY_A_ZP), load<i32>(params, QS8_BINARY_B_ZP),
    load<f32>(params, QS8_BINARY_M_A), load<f32>(params, QS8_BINARY_M_B),
    <f32>(load<i32>(params, QS8_BINARY_QMIN) - zp), <f32>(load<i32>(params, QS8_BINARY_QMAX) - zp), MAGIC_BITS - zp);
}

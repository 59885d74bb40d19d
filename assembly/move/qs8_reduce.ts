// ReduceSum / ReduceMean / ReduceMax of an int8 tensor seen as [outer, n, inner], along n.
// SIMD twin with the same signature, params and bytes: qs8_reduce_wasmsimd.ts.
// Params QS8_REDUCE: outer, n, inner, op, zp_in, zp_out, qmin, qmax, m.
//
// The average pools' rule (assembly/pool/qs8_pool.ts), one definition for every column:
//   acc = sum_i (x_i - zp_in)       (op 0: ReduceSum, ReduceMean; an exact int32)
//   acc = max_i x_i - zp_in         (op 1: ReduceMax)
//   y   = requant_fp32(acc, m, zp_out, qmin - zp_out, qmax - zp_out)
// with m = fround(s_in / (s_out * n)) for a mean and fround(s_in / s_out) otherwise (the host's,
// in double). The host keeps n * 255 inside int32.
import { requant_fp32 } from '../common/requant';
import {
  QS8_REDUCE_INNER, QS8_REDUCE_M, QS8_REDUCE_N, QS8_REDUCE_OP, QS8_REDUCE_OUTER, QS8_REDUCE_QMAX, QS8_REDUCE_QMIN,
  QS8_REDUCE_ZP_IN, QS8_REDUCE_ZP_OUT,
} from '../common/params';

/** The accumulator of the column at x (n values, `step` bytes apart), zp_in not yet taken off. */
// @ts-ignore: decorator
@inline
export function qs8_column(x: usize, n: i32, step: usize, op: i32): i32 {
  let r: i32 = op == 0 ? 0 : -128;
  for (let i = 0; i < n; i++) {
    const v = <i32>load<i8>(x + <usize>i * step);
    r = op == 0 ? r + v : max<i32>(r, v);
  }
  return r;
}

export function qs8_reduce_x1__scalar(x: usize, y: usize, params: usize): void {
  const outer = load<i32>(params, QS8_REDUCE_OUTER), n = load<i32>(params, QS8_REDUCE_N), inner = load<i32>(params, QS8_REDUCE_INNER);
  const op = load<i32>(params, QS8_REDUCE_OP), zp_in = load<i32>(params, QS8_REDUCE_ZP_IN), zp = load<i32>(params, QS8_REDUCE_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_REDUCE_QMIN) - zp), hi = <f32>(load<i32>(params, QS8_REDUCE_QMAX) - zp);
  const m = load<f32>(params, QS8_REDUCE_M);
  const off = op == 0 ? n * zp_in : zp_in;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * <usize>n * <usize>inner, yo = y + <usize>o * <usize>inner;
    for (let k = 0; k < inner; k++) {
      const acc = qs8_column(xo + <usize>k, n, <usize>inner, op) - off;
      store<i8>(yo + <usize>k, <i8>requant_fp32(acc, m, zp, lo, hi));
    }
  }
}

// ReduceSum / ReduceMean / ReduceMax of an f32 tensor seen as [outer, n, inner], along n.
// SIMD twin with the same signature, params and bits: f32_reduce_wasmsimd.ts.
// Params F32_REDUCE: outer, n, inner, op (0: sum, then divided by div: 1 for a sum, n for a
// mean; 1: max), div.
//
// The order of the operations (which the twins share, so their bits agree):
//   inner > 1: each column (o, k) in i order: r = x_0 (+|max) x_1 (+|max) ... (a sum starts at 0)
//   inner = 1: four partial results over the positions i mod 4 of the first 4*floor(n/4)
//              values, joined as (r0 . r1) . (r2 . r3), then the last n mod 4 values in order
// where max(r, v) = r < v ? v : r (f32x4.pmax). The output: a sum r / div, a max r.
import { F32_REDUCE_DIV, F32_REDUCE_INNER, F32_REDUCE_N, F32_REDUCE_OP, F32_REDUCE_OUTER } from '../common/params';

// @ts-ignore: decorator
@inline
export function join_f32(op: i32, r: f32, v: f32): f32 {
  return op == 0 ? r + v : (r < v ? v : r);
}

/** One contiguous row of n values (inner = 1), the blocked order. */
// @ts-ignore: decorator
@inline
function reduce_row(x: usize, n: i32, op: i32): f32 {
  const q = n & ~3;
  let a0: f32 = 0, a1: f32 = 0, a2: f32 = 0, a3: f32 = 0;
  let i = 0;
  if (op != 0 && q > 0) {
    a0 = load<f32>(x);
    a1 = load<f32>(x, 4);
    a2 = load<f32>(x, 8);
    a3 = load<f32>(x, 12);
    i = 4;
  }
  for (; i < q; i += 4) {
    const p = x + (<usize>i << 2);
    a0 = join_f32(op, a0, load<f32>(p));
    a1 = join_f32(op, a1, load<f32>(p, 4));
    a2 = join_f32(op, a2, load<f32>(p, 8));
    a3 = join_f32(op, a3, load<f32>(p, 12));
  }
  return reduce_tail(x, q, n, op, join_f32(op, join_f32(op, a0, a1), join_f32(op, a2, a3)));
}

/** The last n mod 4 values of a row joined to r (a max of fewer than 4 values starts from the first). */
// @ts-ignore: decorator
@inline
export function reduce_tail(x: usize, q: i32, n: i32, op: i32, r: f32): f32 {
  let i = q;
  if (op != 0 && q == 0) {
    r = load<f32>(x);
    i = 1;
  }
  for (; i < n; i++) r = join_f32(op, r, load<f32>(x + (<usize>i << 2)));
  return r;
}

/** Column k of plane xo: the values at xo + i*step, i < n, in order. */
// @ts-ignore: decorator
@inline
export function reduce_column(x: usize, n: i32, step: usize, op: i32): f32 {
  let r: f32 = op == 0 ? 0 : load<f32>(x);
  for (let i = op == 0 ? 0 : 1; i < n; i++) r = join_f32(op, r, load<f32>(x + <usize>i * step));
  return r;
}

export function f32_reduce_x1__scalar(x: usize, y: usize, params: usize): void {
  const outer = load<i32>(params, F32_REDUCE_OUTER), n = load<i32>(params, F32_REDUCE_N), inner = load<i32>(params, F32_REDUCE_INNER);
  const op = load<i32>(params, F32_REDUCE_OP), div = load<f32>(params, F32_REDUCE_DIV);
  const step = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * <usize>n * step, yo = y + <usize>o * step;
    for (let k = 0; k < inner; k++) {
      const r = inner == 1 ? reduce_row(xo, n, op) : reduce_column(xo + (<usize>k << 2), n, step, op);
      store<f32>(yo + (<usize>k << 2), op == 0 ? r / div : r);
    }
  }
}

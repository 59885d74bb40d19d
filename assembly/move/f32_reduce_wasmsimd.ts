// WASM SIMD twin of f32_reduce.ts (same signature, params, order of operations and bits): four
// columns per vector when inner >= 4; a contiguous row (inner = 1) as four lanes, which are the
// scalar's four partial results.
import { join_f32, reduce_column, reduce_tail } from './f32_reduce';
import { F32_REDUCE_DIV, F32_REDUCE_INNER, F32_REDUCE_N, F32_REDUCE_OP, F32_REDUCE_OUTER } from '../common/params';

// @ts-ignore: decorator
@inline
function join_f32x4(op: i32, r: v128, v: v128): v128 {
  return op == 0 ? f32x4.add(r, v) : f32x4.pmax(r, v);
}

export function f32_reduce_x4__wasmsimd(x: usize, y: usize, params: usize): void {
  const outer = load<i32>(params, F32_REDUCE_OUTER), n = load<i32>(params, F32_REDUCE_N), inner = load<i32>(params, F32_REDUCE_INNER);
  const op = load<i32>(params, F32_REDUCE_OP), div = load<f32>(params, F32_REDUCE_DIV);
  const step = <usize>inner << 2;
  const vdiv = f32x4.splat(div);
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * <usize>n * step, yo = y + <usize>o * step;
    if (inner == 1) {
      const q = n & ~3;
      let a = f32x4.splat(0);
      let i = 0;
      if (op != 0 && q > 0) {
        a = v128.load(xo);
        i = 4;
      }
      for (; i < q; i += 4) a = join_f32x4(op, a, v128.load(xo + (<usize>i << 2)));
      const l0 = f32x4.extract_lane(a, 0), l1 = f32x4.extract_lane(a, 1), l2 = f32x4.extract_lane(a, 2), l3 = f32x4.extract_lane(a, 3);
      const r = reduce_tail(xo, q, n, op, join_f32(op, join_f32(op, l0, l1), join_f32(op, l2, l3)));
      store<f32>(yo, op == 0 ? r / div : r);
      continue;
    }
    let k = 0;
    for (; k + 4 <= inner; k += 4) {
      const xc = xo + (<usize>k << 2);
      let r = op == 0 ? f32x4.splat(0) : v128.load(xc);
      for (let i = op == 0 ? 0 : 1; i < n; i++) r = join_f32x4(op, r, v128.load(xc + <usize>i * step));
      v128.store(yo + (<usize>k << 2), op == 0 ? f32x4.div(r, vdiv) : r);
    }
    for (; k < inner; k++) {
      const r = reduce_column(xo + (<usize>k << 2), n, step, op);
      store<f32>(yo + (<usize>k << 2), op == 0 ? r / div : r);
    }
  }
}

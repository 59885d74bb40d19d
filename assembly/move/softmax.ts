// Softmax along the middle axis of an f32 tensor seen as [outer, n, inner] (ONNX Softmax on
// any axis, opset >= 13). SIMD twin with the same signature: softmax_wasmsimd.ts.
// Params F32_SOFTMAX: outer, n, inner.
//
// Per column (o, k) of n values x_i = x[(o * n + i) * inner + k], the exit head's definition
// (assembly/head/exit_head.ts), so a softmax over the last axis gives its bits:
//   m = the max (the first on ties: a), d_i = f64(x_i) - f64(m), e_i = exp(d_i) (f64)
//   S = 1 + sum_{i != a} e_i (in i order, f64)
//   y_i = f32(f64(f32(e_i)) / S)
// y holds f32(e_i) between the passes (it may not overlap x). -Infinity inputs give 0; a column
// of -Infinity only, or a NaN, gives NaN (as ONNX Runtime).
import { F32_SOFTMAX_INNER, F32_SOFTMAX_N, F32_SOFTMAX_OUTER } from '../common/params';

/** The exp pass and the normalization of one column whose max m is known; `step` bytes between values. */
// @ts-ignore: decorator
@inline
export function softmax_column(x: usize, y: usize, n: i32, step: usize, m: f32): void {
  const mm = <f64>m;
  let t: f64 = 0;
  let seen = false; // the first maximum is the 1 of S
  let p = x, q = y;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(p);
    const e = Math.exp(<f64>v - mm);
    if (!seen && v == m) seen = true;
    else t += e;
    store<f32>(q, <f32>e);
    p += step;
    q += step;
  }
  const s = 1 + t;
  q = y;
  for (let i = 0; i < n; i++) {
    store<f32>(q, <f32>(<f64>load<f32>(q) / s));
    q += step;
  }
}

export function f32_softmax_x1__scalar(x: usize, y: usize, params: usize): void {
  const outer = load<i32>(params, F32_SOFTMAX_OUTER), n = load<i32>(params, F32_SOFTMAX_N), inner = load<i32>(params, F32_SOFTMAX_INNER);
  const step = <usize>inner << 2, plane = <usize>n * step;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const xc = x + <usize>o * plane + (<usize>k << 2), yc = y + <usize>o * plane + (<usize>k << 2);
      let m = load<f32>(xc);
      let p = xc;
      for (let i = 1; i < n; i++) {
        p += step;
        const v = load<f32>(p);
        m = m < v ? v : m; // pmax: as f32x4.pmax in the twin
      }
      softmax_column(xc, yc, n, step, m);
    }
  }
}

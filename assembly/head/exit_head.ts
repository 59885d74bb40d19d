// Exit head: softmax, entropy, top-1 probability and argmax of a batch of logit rows,
// in one call. Scalar only, exported under the same name in every build: it costs a
// few exp per class, nothing next to the layers before it, and Math.exp/log1p (the
// AssemblyScript std's own, in f64) give the same bits on every engine and build.
//
// Signature (rows, classes, x, y, argmax, params):
//   x       logits, rows x classes, row-major (f32, or int8 for the qs8 head)
//   y       f32, rows x (classes + 2): per row [p_0 .. p_{classes-1}, entropy, top1]
//   argmax  i32[rows]: index of the largest logit, the lowest index on ties
//   params  qs8 head: QS8_EXIT_HEAD (src/runtime/param-blocks.ts; offsets: common/params.ts): the logits' zp_in and scale; f32 head: unused
// classes >= 1; at least one logit per row finite; -Infinity logits get p = 0.
//
// Per row, with logits l_i (for int8: l_i = f32(q_i - zp) * scale, DequantizeLinear):
//   m = l_a the max (a = argmax), d_i = f64(l_i) - f64(m) <= 0, e_i = exp(d_i) (f64)
//   T = sum_{i != a} e_i,   S = 1 + T = sum_i e_i
//   p_i = f32(e_i) / S                    (y's row holds f32(e_i) between the passes)
//   top1 = 1 / S
//   entropy = -sum p_i ln p_i = ln S - sum p_i d_i = log1p(T) + (sum e_i (-d_i)) / S
// (natural log). Both terms are >= 0, so there is no cancellation, and log1p keeps the
// entropy of a confident row (T tiny) accurate to f32 precision; 0 ln 0 counts as 0.
import { QS8_EXIT_HEAD_SCALE, QS8_EXIT_HEAD_ZP_IN } from '../common/params';

// @ts-ignore: decorator
@inline
function head_row(x: usize, y: usize, classes: i32, argmax: usize): void {
  let m = load<f32>(x);
  let a = 0;
  for (let i = 1; i < classes; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v > m) {
      m = v;
      a = i;
    }
  }
  const mm = <f64>m;
  let t: f64 = 0, u: f64 = 0;
  for (let i = 0; i < classes; i++) {
    const d = <f64>load<f32>(x + (<usize>i << 2)) - mm;
    const e = Math.exp(d);
    if (i != a) t += e;
    if (e > 0) u -= e * d;
    store<f32>(y + (<usize>i << 2), <f32>e);
  }
  const s = 1 + t;
  for (let i = 0; i < classes; i++) {
    const p = y + (<usize>i << 2);
    store<f32>(p, <f32>(<f64>load<f32>(p) / s));
  }
  store<f32>(y + (<usize>classes << 2), <f32>(Math.log1p(t) + u / s));
  store<f32>(y + (<usize>classes << 2), <f32>(1 / s), 4);
  store<i32>(argmax, a);
}

export function f32_exit_head__scalar(rows: i32, classes: i32, x: usize, y: usize, argmax: usize, params: usize): void {
  const row_out = <usize>(classes + 2) << 2;
  for (let r = 0; r < rows; r++) {
    head_row(x, y, classes, argmax);
    x += <usize>classes << 2;
    y += row_out;
    argmax += 4;
  }
}

export function qs8_exit_head__scalar(rows: i32, classes: i32, x: usize, y: usize, argmax: usize, params: usize): void {
  const zp = load<i32>(params, QS8_EXIT_HEAD_ZP_IN), scale = load<f32>(params, QS8_EXIT_HEAD_SCALE);
  const row_out = <usize>(classes + 2) << 2;
  for (let r = 0; r < rows; r++) {
    // Dequantize the row into y, then run the f32 row in place there.
    for (let i = 0; i < classes; i++) {
      store<f32>(y + (<usize>i << 2), <f32>(<i32>load<i8>(x + <usize>i) - zp) * scale);
    }
    head_row(y, y, classes, argmax);
    x += <usize>classes;
    y += row_out;
    argmax += 4;
  }
}

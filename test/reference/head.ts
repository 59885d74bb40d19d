// Reference exit head in float64, from the definitions: softmax p_i = exp(l_i) / sum_j exp(l_j)
// (evaluated with the max subtracted), entropy H = -sum_i p_i ln p_i with 0 ln 0 = 0
// (natural log), top-1 probability max_i p_i, argmax the lowest index of the largest
// logit. int8 logits are first dequantized as DequantizeLinear does: f32((q - zp) * scale).
// ln p_i = (l_i - max) - ln(sum_j exp(l_j - max)), the log of the sum taken as log1p of
// the sum without the max term, so that a confident row's tiny entropy keeps its digits.

export interface HeadRefRow { probs: number[]; entropy: number; top1: number; argmax: number }

export function exitHeadRef(logits: ArrayLike<number>, rows: number, classes: number): HeadRefRow[] {
  const out: HeadRefRow[] = [];
  for (let r = 0; r < rows; r++) {
    const l = Array.from({ length: classes }, (_, i) => logits[r * classes + i]);
    let a = 0;
    for (let i = 1; i < classes; i++) if (l[i] > l[a]) a = i;
    const e = l.map((v) => Math.exp(v - l[a]));
    const rest = e.reduce((s, v, i) => (i === a ? s : s + v), 0);
    const sum = 1 + rest, lse = Math.log1p(rest);
    const probs = e.map((v) => v / sum);
    let h = 0;
    for (let i = 0; i < classes; i++) if (probs[i] > 0) h -= probs[i] * (l[i] - l[a] - lse);
    out.push({ probs, entropy: h, top1: probs[a], argmax: a });
  }
  return out;
}

export function dequantizeLogits(q: Int8Array, scale: number, zp: number): Float32Array {
  const s = Math.fround(scale);
  return Float32Array.from(q, (v) => Math.fround((v - zp) * s));
}

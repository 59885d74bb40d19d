// Reference detection decoding and NMS, written from the definitions (docs/detection.md),
// not from src/runtime/detect: every value is read through an (channel, row, col) accessor,
// boxes are built as centre and size, NMS runs class by class on sorted lists and the
// classes are merged afterwards.
//
// YOLOv2: score = sigmoid(obj) * softmax(cls)[best]; centre (col + sigmoid(tx), row +
// sigmoid(ty)) cells, size anchor * exp(t) cells; one cell = input / grid pixels.
// YOLOv8 raw: per side softmax over regMax bins, distance = sum_k k p_k (regMax 1: the raw
// value); box = (cell centre -/+ distances) * stride; score = sigmoid(best class logit).
// YOLOv8 decoded: cx, cy, w, h in pixels, score = best class value.
// Boxes are clipped to the image; empty ones dropped; score strictly above the threshold.
// NMS: per class, by score (ties: decode order), drop a box whose IoU with a kept one of its
// class is > iou; then all classes by score (ties: decode order), the first maxDetections.

export interface RefBox { x: number; y: number; w: number; h: number; score: number; label: number }

interface Cand { x0: number; y0: number; x1: number; y1: number; score: number; label: number; order: number }

const sig = (v: number) => 1 / (1 + Math.exp(-v));

function softmax(v: number[]): number[] {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function argmax(v: number[]): number {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
  return b;
}

function addClipped(list: Cand[], cx: number, cy: number, w: number, h: number, score: number, label: number, W: number, H: number): void {
  const x0 = Math.min(Math.max(cx - w / 2, 0), W), x1 = Math.min(Math.max(cx + w / 2, 0), W);
  const y0 = Math.min(Math.max(cy - h / 2, 0), H), y1 = Math.min(Math.max(cy + h / 2, 0), H);
  if (x1 - x0 > 0 && y1 - y0 > 0) list.push({ x0, y0, x1, y1, score, label, order: list.length });
}

/** data: one sample [A*(5+C), gh, gw] NCHW. */
export function refYoloV2(data: ArrayLike<number>, gh: number, gw: number, anchors: [number, number][], nc: number, W: number, H: number, thr: number): Cand[] {
  const at = (ch: number, r: number, c: number) => data[(ch * gh + r) * gw + c];
  const out: Cand[] = [];
  for (let r = 0; r < gh; r++) for (let c = 0; c < gw; c++) for (let a = 0; a < anchors.length; a++) {
    const ch0 = a * (5 + nc);
    const probs = softmax(Array.from({ length: nc }, (_, k) => at(ch0 + 5 + k, r, c)));
    const label = argmax(probs);
    const score = sig(at(ch0 + 4, r, c)) * probs[label];
    if (!(score > thr)) continue;
    const cw = W / gw, chh = H / gh;
    addClipped(out, (c + sig(at(ch0, r, c))) * cw, (r + sig(at(ch0 + 1, r, c))) * chh,
      anchors[a][0] * Math.exp(at(ch0 + 2, r, c)) * cw, anchors[a][1] * Math.exp(at(ch0 + 3, r, c)) * chh, score, label, W, H);
  }
  return out;
}

/** One level: box [4*regMax (+C when cls is null), gh, gw], cls [C, gh, gw]. Appends to `out`. */
export function refYoloV8Level(
  box: ArrayLike<number>, cls: ArrayLike<number> | null, gh: number, gw: number, regMax: number, nc: number, stride: number,
  W: number, H: number, thr: number, out: Cand[],
): void {
  const bAt = (ch: number, r: number, c: number) => box[(ch * gh + r) * gw + c];
  const cAt = (ch: number, r: number, c: number) => (cls ? cls[(ch * gh + r) * gw + c] : bAt(4 * regMax + ch, r, c));
  for (let r = 0; r < gh; r++) for (let c = 0; c < gw; c++) {
    const logits = Array.from({ length: nc }, (_, k) => cAt(k, r, c));
    const label = argmax(logits);
    const score = sig(logits[label]);
    if (!(score > thr)) continue;
    const d = [0, 1, 2, 3].map((side) => {
      const bins = Array.from({ length: regMax }, (_, k) => bAt(side * regMax + k, r, c));
      return regMax === 1 ? bins[0] : softmax(bins).reduce((a, p, k) => a + k * p, 0);
    });
    const x0 = (c + 0.5 - d[0]) * stride, y0 = (r + 0.5 - d[1]) * stride;
    const x1 = (c + 0.5 + d[2]) * stride, y1 = (r + 0.5 + d[3]) * stride;
    addClipped(out, (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0, score, label, W, H);
  }
}

/** data [4 + C, P]. */
export function refYoloV8Decoded(data: ArrayLike<number>, p: number, nc: number, W: number, H: number, thr: number): Cand[] {
  const out: Cand[] = [];
  for (let i = 0; i < p; i++) {
    const s = Array.from({ length: nc }, (_, k) => data[(4 + k) * p + i]);
    const label = argmax(s);
    if (!(s[label] > thr)) continue;
    addClipped(out, data[i], data[p + i], data[2 * p + i], data[3 * p + i], s[label], label, W, H);
  }
  return out;
}

export function refIou(a: { x0: number; y0: number; x1: number; y1: number }, b: { x0: number; y0: number; x1: number; y1: number }): number {
  const iw = Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0));
  const ih = Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
  const inter = iw * ih;
  const union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
  return union > 0 ? inter / union : 0;
}

export function refNms(cands: Cand[], iou: number, maxDetections: number): RefBox[] {
  const byScore = (a: Cand, b: Cand) => (b.score !== a.score ? b.score - a.score : a.order - b.order);
  const labels = [...new Set(cands.map((c) => c.label))];
  const kept: Cand[] = [];
  for (const l of labels) {
    const mine = cands.filter((c) => c.label === l).sort(byScore);
    const keep: Cand[] = [];
    for (const c of mine) if (keep.every((k) => refIou(k, c) <= iou)) keep.push(c);
    kept.push(...keep);
  }
  return kept.sort(byScore).slice(0, maxDetections)
    .map((c) => ({ x: c.x0, y: c.y0, w: c.x1 - c.x0, h: c.y1 - c.y0, score: c.score, label: c.label }));
}

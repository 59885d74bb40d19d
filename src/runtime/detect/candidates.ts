// The boxes a decoder proposes before non-maximum suppression, in typed arrays: corners in
// input pixels (clipped to the image), the score and the label. Index order is the order the
// decoder visits them (it breaks score ties in NMS).

export class Candidates {
  count = 0;
  /** x0, y0, x1, y1 per candidate. */
  corners = new Float64Array(64 * 4);
  scores = new Float64Array(64);
  labels = new Int32Array(64);

  constructor(readonly width: number, readonly height: number) {}

  /**
   * Adds a box given by its corners; clips it to the image and drops it when nothing of it
   * is left inside (or a coordinate is not a number).
   */
  push(x0: number, y0: number, x1: number, y1: number, score: number, label: number): void {
    x0 = clip(x0, this.width);
    x1 = clip(x1, this.width);
    y0 = clip(y0, this.height);
    y1 = clip(y1, this.height);
    if (!(x1 > x0 && y1 > y0)) return; // also false for NaN
    if (this.count === this.scores.length) this.grow();
    const i = this.count++;
    this.corners[4 * i] = x0;
    this.corners[4 * i + 1] = y0;
    this.corners[4 * i + 2] = x1;
    this.corners[4 * i + 3] = y1;
    this.scores[i] = score;
    this.labels[i] = label;
  }

  private grow(): void {
    const n = this.scores.length * 2;
    const c = new Float64Array(n * 4);
    c.set(this.corners);
    const s = new Float64Array(n);
    s.set(this.scores);
    const l = new Int32Array(n);
    l.set(this.labels);
    this.corners = c;
    this.scores = s;
    this.labels = l;
  }
}

function clip(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * A raw value below which sigmoid(x) is surely not above `threshold`: logit(threshold) less a
 * margin far wider than the rounding of sigmoid (in x, and, for thresholds near 0 or 1 where
 * sigmoid is flat, in its value), so a decoder can skip a cell on its raw logit without an exp
 * and keep exactly the boxes it keeps with sigmoid(x) > threshold. -Infinity for threshold 0
 * (nothing is skipped before the exact test), Infinity for 1 (no sigmoid is above 1).
 */
export function logitFloor(threshold: number): number {
  if (!(threshold > 0)) return -Infinity;
  if (threshold >= 1) return Infinity;
  const t = Math.log(threshold / (1 - threshold));
  return t - 1e-6 * Math.max(1, Math.abs(t)) - 1e-12 / (threshold * (1 - threshold));
}

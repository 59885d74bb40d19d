// Calibration statistics of one activation tensor and the range rules that read them
// (docs/compression.md, "Quantization"): min-max, percentile (histogram), and the
// statistical mean ± k·σ rule whose k follows from the tensor's kurtosis.
import { BranchyUnsupportedError } from '../errors.js';

export type RangeMethod = 'minmax' | 'percentile' | 'sigma';

const BINS = 4096;

/**
 * The σ multiplier of the mean ± k·σ rule from the kurtosis κ = E[(x-μ)^4] / σ^4.
 *
 * For a 256-level uniform quantizer over [μ - kσ, μ + kσ] the expected squared error is the
 * clipping error of the tails plus Δ²/12 inside (Δ = 2kσ/255). Minimizing it in closed
 * form over the density gives k* = 3.92 for a Gaussian (κ = 3) and k* = 6.99 for a Laplace
 * distribution (κ = 6) (the ACIQ analysis of Banner et al., 2019, for 8 bits; recomputed
 * for this quantizer). k is the line through those two points,
 *     k(κ) = 3.92 + (6.99 - 3.92) / 3 · (κ - 3),
 * so heavier tails widen the range; the range is then clipped to the observed [min, max]
 * (a light-tailed tensor, κ < 3, simply gets its min-max). No search, one pass of moments.
 */
export function sigmaMultiplier(kurtosis: number): number {
  if (!Number.isFinite(kurtosis)) return Infinity;
  return 3.92 + ((6.99 - 3.92) / 3) * (kurtosis - 3);
}

/** Moments of a set of values from their power sums (doubles; values are f32 activations or weights). */
export class Moments {
  n = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  s4 = 0;
  min = Infinity;
  max = -Infinity;

  /** Values are summed relative to the first batch's mean, so the power sums do not cancel. */
  private shift = NaN;

  add(v: ArrayLike<number>, positiveOnly = false): void {
    if (positiveOnly) {
      let k = 0;
      const p = new Float32Array(v.length);
      for (let i = 0; i < v.length; i++) if (v[i] > 0) p[k++] = v[i];
      v = p.subarray(0, k);
    }
    if (v.length === 0) return;
    if (Number.isNaN(this.shift)) {
      let m = 0;
      for (let i = 0; i < v.length; i++) m += v[i];
      this.shift = m / v.length;
    }
    const shift = this.shift;
    let s1 = 0, s2 = 0, s3 = 0, s4 = 0, lo = this.min, hi = this.max;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x < lo) lo = x;
      if (x > hi) hi = x;
      const d = x - shift;
      const d2 = d * d;
      s1 += d;
      s2 += d2;
      s3 += d2 * d;
      s4 += d2 * d2;
    }
    this.n += v.length;
    this.s1 += s1;
    this.s2 += s2;
    this.s3 += s3;
    this.s4 += s4;
    this.min = lo;
    this.max = hi;
  }

  /** Mean of the values, standard deviation and kurtosis (3 for a Gaussian). */
  stats(): { mean: number; sigma: number; kurtosis: number } {
    const n = this.n;
    const m = this.s1 / n;
    const e2 = this.s2 / n, e3 = this.s3 / n, e4 = this.s4 / n;
    const v = Math.max(0, e2 - m * m);
    const c4 = e4 - 4 * m * e3 + 6 * m * m * e2 - 3 * m ** 4;
    return { mean: m + this.shift, sigma: Math.sqrt(v), kurtosis: v > 0 ? Math.max(1, c4 / (v * v)) : 1 };
  }
}

/** One tensor's calibration statistics across the passes a range method needs. */
export class TensorStats {
  readonly moments = new Moments();
  /** Moments of the positive values alone (the sigma rule on a tensor that is never negative). */
  readonly positive = new Moments();
  hist: Float64Array | null = null;
  /** Sum of squared quantization errors, sum of squares and count (the error pass). */
  err = 0;
  sq = 0;
  count = 0;
  /** The σ multiplier used (sigma only) and the kurtosis it came from. */
  k?: number;
  kurtosis?: number;

  add(v: ArrayLike<number>, method: RangeMethod): void {
    this.moments.add(v);
    if (method === 'sigma') this.positive.add(v, true);
  }

  get min(): number { return this.moments.min; }
  get max(): number { return this.moments.max; }

  addHist(v: ArrayLike<number>): void {
    const { min, max } = this;
    if (max === min) return;
    const h = (this.hist ??= new Float64Array(BINS));
    const k = BINS / (max - min);
    for (let i = 0; i < v.length; i++) h[Math.min(BINS - 1, Math.max(0, Math.floor((v[i] - min) * k)))]++;
  }

  /** The range a method picks from what was gathered (before widening to include 0). */
  choose(method: RangeMethod, percentile: number): [number, number] {
    const { min, max } = this;
    if (method === 'minmax' || max === min) return [min, max];
    if (method === 'sigma') {
      // A tensor that is never negative (a ReLU output) is a spike at 0 plus the positive
      // values; the spike is exact whatever the range, so the rule reads the positive part.
      const m = min >= 0 && this.positive.n > 0 ? this.positive : this.moments;
      const { mean, sigma, kurtosis } = m.stats();
      this.kurtosis = kurtosis;
      this.k = sigmaMultiplier(kurtosis);
      return [Math.max(min, mean - this.k * sigma), Math.min(max, mean + this.k * sigma)];
    }
    const h = this.hist;
    if (!h) throw new BranchyUnsupportedError('percentile ranges need the histogram pass');
    const total = h.reduce((a, b) => a + b, 0);
    const w = (max - min) / BINS;
    const cut = (total * (100 - percentile)) / 100;
    let acc = 0, lo = 0, hi = BINS - 1;
    while (lo < BINS - 1 && acc + h[lo] <= cut) acc += h[lo++];
    acc = 0;
    while (hi > 0 && acc + h[hi] <= cut) acc += h[hi--];
    return [lo === 0 ? min : min + lo * w, hi === BINS - 1 ? max : min + (hi + 1) * w];
  }
}

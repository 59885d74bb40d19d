// Per-channel symmetric int8 weights by method (docs/compression.md, "Quantization"):
//   minmax / percentile  scale[c] = max|w_c| / 127
//   sigma                clip each channel at |μ_c| + k·σ_c (k from the layer's kurtosis,
//                        quant-stats.ts), never past max|w_c|; scale = clip / 127
//   kmeans               weight sharing: the layer's weights snap to K centroids (1-D
//                        k-means, linear init as Deep Compression), then minmax int8
import { sigmaMultiplier, type RangeMethod } from './quant-stats.js';
import { roundHalfEven } from './quantize.js';

export type WeightMethod = RangeMethod | 'kmeans';

export interface WeightQuant {
  q: Int8Array;
  scales: number[];
  /** Mean squared error of the int8 weights (dequantized) against the float ones. */
  mse: number;
  /** Milliseconds spent choosing the quantization (statistics or k-means). */
  ms: number;
  /** sigma: the σ multiplier and the layer's kurtosis. */
  k?: number;
  kurtosis?: number;
  /** kmeans: clusters and Lloyd iterations run. */
  clusters?: number;
  iterations?: number;
}

/** int8 values of w with per-channel scales: clamp(round_half_even(w / s), -127, 127). */
export function quantizeWithScales(w: Float32Array, scales: number[], chanOf: (i: number) => number): Int8Array {
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.min(127, Math.max(-127, roundHalfEven(Math.fround(w[i] / scales[chanOf(i)]))));
  return q;
}

function maxAbsPerChannel(w: Float32Array, channels: number, chanOf: (i: number) => number): Float64Array {
  const m = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) m[chanOf(i)] = Math.max(m[chanOf(i)], Math.abs(w[i]));
  return m;
}

const toScales = (clip: ArrayLike<number>): number[] => Array.from(clip, (m) => (m > 0 ? Math.fround(m / 127) : 1));

/**
 * 1-D k-means of the values (Lloyd, centroids initialised evenly over [min, max]); stops when
 * no assignment changes or after `maxIter` rounds. Returns the snapped values.
 */
export function kmeans1d(v: Float32Array, clusters: number, maxIter = 100): { snapped: Float32Array; centroids: Float64Array; iterations: number } {
  let lo = Infinity, hi = -Infinity;
  for (const x of v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const K = Math.max(1, Math.min(clusters, v.length));
  const c = Float64Array.from({ length: K }, (_, j) => (K === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * j) / (K - 1)));
  const assign = new Int32Array(v.length).fill(-1);
  const sum = new Float64Array(K), cnt = new Float64Array(K);
  const mid = new Float64Array(Math.max(0, K - 1));
  let it = 0;
  for (; it < maxIter; it++) {
    // Centroids stay sorted (1-D Lloyd keeps their order), so a value's cluster is found by its midpoints.
    for (let j = 0; j + 1 < K; j++) mid[j] = (c[j] + c[j + 1]) / 2;
    sum.fill(0);
    cnt.fill(0);
    let changed = 0;
    for (let i = 0; i < v.length; i++) {
      let a = 0, b = K - 1;
      while (a < b) {
        const m = (a + b) >> 1;
        if (v[i] > mid[m]) a = m + 1;
        else b = m;
      }
      if (assign[i] !== a) {
        assign[i] = a;
        changed++;
      }
      sum[a] += v[i];
      cnt[a]++;
    }
    for (let j = 0; j < K; j++) if (cnt[j] > 0) c[j] = sum[j] / cnt[j];
    // Converged: (almost) no weight changes cluster (Lloyd's tail in 1-D is long and flat).
    if (changed <= v.length * 1e-3) break;
  }
  const snapped = Float32Array.from(assign, (a) => c[a]);
  return { snapped, centroids: c, iterations: it + 1 };
}

/** Quantizes one layer's float weights (channel of element i: chanOf(i)). */
export function quantizeWeights(
  method: WeightMethod, w: Float32Array, channels: number, chanOf: (i: number) => number, clusters = 16,
): WeightQuant {
  const t0 = performance.now();
  let scales: number[];
  let src = w;
  const extra: Partial<WeightQuant> = {};
  if (method === 'sigma') {
    // μ_c, σ_c per channel; kurtosis of the whole layer's standardized weights (a channel
    // alone can have too few weights for a fourth moment: a 5x5x1 conv has 25).
    const n = new Float64Array(channels), s1 = new Float64Array(channels), s2 = new Float64Array(channels);
    for (let i = 0; i < w.length; i++) {
      const c = chanOf(i);
      n[c]++;
      s1[c] += w[i];
    }
    const mean = Float64Array.from(s1, (v, c) => v / Math.max(1, n[c]));
    for (let i = 0; i < w.length; i++) s2[chanOf(i)] += (w[i] - mean[chanOf(i)]) ** 2;
    const sd = Float64Array.from(s2, (v, c) => Math.sqrt(v / Math.max(1, n[c])));
    let z4 = 0, cnt = 0;
    for (let i = 0; i < w.length; i++) {
      const c = chanOf(i);
      if (sd[c] === 0) continue;
      z4 += ((w[i] - mean[c]) / sd[c]) ** 4;
      cnt++;
    }
    const kurtosis = cnt ? z4 / cnt : 3;
    const k = sigmaMultiplier(kurtosis);
    const maxAbs = maxAbsPerChannel(w, channels, chanOf);
    scales = toScales(Array.from(mean, (m, c) => Math.min(maxAbs[c], Math.abs(m) + k * sd[c])));
    Object.assign(extra, { k, kurtosis });
  } else if (method === 'kmeans') {
    const r = kmeans1d(w, clusters);
    src = r.snapped;
    scales = toScales(maxAbsPerChannel(src, channels, chanOf));
    Object.assign(extra, { clusters: r.centroids.length, iterations: r.iterations });
  } else {
    scales = toScales(maxAbsPerChannel(w, channels, chanOf));
  }
  const q = quantizeWithScales(src, scales, chanOf);
  const ms = performance.now() - t0;
  let e = 0;
  for (let i = 0; i < w.length; i++) e += (w[i] - q[i] * scales[chanOf(i)]) ** 2;
  return { q, scales, mse: e / w.length, ms, ...extra };
}

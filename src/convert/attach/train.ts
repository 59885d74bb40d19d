// Training a head on cached features: mini-batch AdamW with a cosine learning rate, and the
// losses: cross-entropy with the labels plus distillation from the model's own final logits
// (soft labels at a temperature, Hinton et al. 2015), or binary cross-entropy (predictors).
import type { TrainableHead } from './heads.js';
import { Rng } from './rng.js';

export interface FitOptions {
  epochs: number;
  batch: number;
  /** Peak learning rate (Adam), decayed to 0 along a cosine. */
  lr: number;
  /** Decoupled weight decay per step, times the learning rate (AdamW). */
  weightDecay: number;
  seed: number;
}

export const FIT_DEFAULTS: FitOptions = { epochs: 8, batch: 128, lr: 1e-2, weightDecay: 1e-4, seed: 1 };

/** Writes the loss gradient of b samples (indices idx) with logits z into dz; returns the summed loss. */
export type LossGrad = (z: Float32Array, idx: Int32Array, b: number, dz: Float32Array) => number;

/**
 * Trains `head` on samples 0..n-1 (features from `rows`, d values each); returns the mean loss
 * of the last epoch. `onEpoch(e)` after each epoch.
 */
export function fit(
  head: TrainableHead, rows: (i: number, out: Float32Array) => Float32Array, n: number, d: number, classes: number,
  loss: LossGrad, opts: FitOptions = FIT_DEFAULTS, onEpoch?: (epoch: number) => void,
): number {
  const rng = new Rng(opts.seed);
  const B = opts.batch;
  const x = new Float32Array(B * d), z = new Float32Array(B * classes), dz = new Float32Array(B * classes);
  const m = head.params.map((p) => new Float32Array(p.length)), v = head.params.map((p) => new Float32Array(p.length));
  const steps = Math.ceil(n / B) * opts.epochs;
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  let t = 0, last = 0;
  const row = new Float32Array(d);
  for (let e = 0; e < opts.epochs; e++) {
    const order = rng.permutation(n);
    let sum = 0;
    for (let s = 0; s < n; s += B) {
      const b = Math.min(B, n - s);
      const idx = order.subarray(s, s + b);
      for (let k = 0; k < b; k++) x.set(rows(idx[k], row), k * d);
      head.forward(x, b, z);
      sum += loss(z, idx, b, dz);
      for (const g of head.grads) g.fill(0);
      head.backward(dz, b);
      t++;
      const lr = opts.lr * 0.5 * (1 + Math.cos((Math.PI * (t - 1)) / steps));
      const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
      head.params.forEach((p, k) => {
        const g = head.grads[k], mk = m[k], vk = v[k];
        for (let i = 0; i < p.length; i++) {
          mk[i] = b1 * mk[i] + (1 - b1) * g[i];
          vk[i] = b2 * vk[i] + (1 - b2) * g[i] * g[i];
          p[i] -= lr * ((mk[i] / c1) / (Math.sqrt(vk[i] / c2) + eps) + opts.weightDecay * p[i]);
        }
      });
    }
    last = sum / n;
    onEpoch?.(e + 1);
  }
  return last;
}

/** softmax(z / T) of one row into out. */
function softmax(z: Float32Array, o: number, k: number, t: number, out: Float64Array): void {
  let m = -Infinity;
  for (let i = 0; i < k; i++) m = Math.max(m, z[o + i] / t);
  let s = 0;
  for (let i = 0; i < k; i++) s += (out[i] = Math.exp(z[o + i] / t - m));
  for (let i = 0; i < k; i++) out[i] /= s;
}

/**
 * (1 - alpha)·CE(softmax(z), label) + alpha·T²·KL(softmax(teacher / T) ‖ softmax(z / T)), per
 * sample, averaged over the batch. alpha 0 or no teacher: cross-entropy alone.
 */
export function distillLoss(labels: Int32Array, teacher: Float32Array | null, classes: number, temperature = 3, alpha = 0.5): LossGrad {
  const K = classes, T = temperature, a = teacher ? alpha : 0;
  const p = new Float64Array(K), q = new Float64Array(K), pt = new Float64Array(K);
  return (z, idx, b, dz) => {
    let loss = 0;
    for (let s = 0; s < b; s++) {
      const o = s * K, y = labels[idx[s]];
      softmax(z, o, K, 1, p);
      loss += -(1 - a) * Math.log(Math.max(p[y], 1e-12));
      for (let k = 0; k < K; k++) dz[o + k] = ((1 - a) * (p[k] - (k === y ? 1 : 0))) / b;
      if (a > 0) {
        softmax(z, o, K, T, q);
        softmax(teacher!, idx[s] * K, K, T, pt);
        for (let k = 0; k < K; k++) {
          if (pt[k] > 0) loss += a * T * T * pt[k] * Math.log(pt[k] / Math.max(q[k], 1e-30));
          dz[o + k] += (a * T * (q[k] - pt[k])) / b;
        }
      }
    }
    return loss;
  };
}

/** Binary cross-entropy of one logit per sample against targets 0/1. */
export function binaryLoss(targets: Uint8Array): LossGrad {
  return (z, idx, b, dz) => {
    let loss = 0;
    for (let s = 0; s < b; s++) {
      const y = targets[idx[s]], p = 1 / (1 + Math.exp(-z[s]));
      loss -= y ? Math.log(Math.max(p, 1e-12)) : Math.log(Math.max(1 - p, 1e-12));
      dz[s] = (p - y) / b;
    }
    return loss;
  };
}

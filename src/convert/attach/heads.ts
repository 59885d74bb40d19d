// Exit heads as small trainable models over a point's pooled features (probe.ts), in plain
// TypeScript: forward, the gradient of the parameters, nothing else (the backbone is frozen, so
// no gradient flows back into the features).
//
// - `gap`:  global average pool -> linear (C -> K).
// - `conv`: 1x1 conv (C -> R, channel reduction) + ReLU on the G×G grid -> average pool to P×P
//           (P = 2 when G is even, else 1) -> linear (P²·R -> K).
// On a rank-2 point (a feature vector) `gap` is a linear layer and `conv` a one-hidden-layer MLP.
// The inputs are standardised per channel while training (mean 0, variance 1, from the training
// features), and the standardisation is folded into the first layer afterwards (`folded`).
import { Rng } from './rng.js';

export type HeadKind = 'gap' | 'conv';

/** The shape of a point's features: grid side G (0: a vector) and channels C. */
export interface FeatureShape {
  grid: number;
  channels: number;
}

/** A head's parameters after training, with the standardisation folded in. */
export interface HeadWeights {
  kind: HeadKind;
  shape: FeatureShape;
  classes: number;
  /** gap: [K][C], [K]. conv: [R][C], [R], then [K][P·P·R] (P×P×R in NHWC order), [K]. */
  tensors: Float32Array[];
  /** conv: R and P. */
  hidden?: number;
  pool?: number;
}

export interface TrainableHead {
  readonly kind: HeadKind;
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  /** Logits of b samples (rows of x, standardised by the head) into z [b][K]; keeps what backward needs. */
  forward(x: Float32Array, b: number, z: Float32Array): void;
  /** Adds the parameter gradients for dz [b][K] of the last forward. */
  backward(dz: Float32Array, b: number): void;
  /** The trained head with the standardisation folded into its first layer. */
  folded(): HeadWeights;
}

/** Per-channel mean and 1/std of features [n][G·G·C] (channel = index % C). */
export function channelStats(rows: (i: number, out: Float32Array) => Float32Array, n: number, d: number, channels: number): { mean: Float32Array; inv: Float32Array } {
  const s = new Float64Array(channels), s2 = new Float64Array(channels);
  const buf = new Float32Array(d);
  const step = Math.max(1, Math.floor(n / 4000));
  let count = 0;
  for (let i = 0; i < n; i += step) {
    rows(i, buf);
    for (let k = 0; k < d; k++) {
      const c = k % channels;
      s[c] += buf[k];
      s2[c] += buf[k] * buf[k];
    }
    count += d / channels;
  }
  const mean = new Float32Array(channels), inv = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    mean[c] = s[c] / count;
    const v = s2[c] / count - mean[c] * mean[c];
    inv[c] = v > 1e-12 ? 1 / Math.sqrt(v) : 1;
  }
  return { mean, inv };
}

const gaussian = (rng: Rng, a: Float32Array, sd: number) => {
  for (let i = 0; i < a.length; i++) a[i] = sd * rng.normal();
};

/** gap: mean over the grid, standardise, linear. */
export class GapHead implements TrainableHead {
  readonly kind = 'gap';
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  private f = new Float32Array(0);
  private readonly cells: number;

  /** Starts from zero weights (the problem is convex: the loss starts at log K). */
  constructor(readonly shape: FeatureShape, readonly classes: number, private readonly stats: { mean: Float32Array; inv: Float32Array }) {
    const C = shape.channels;
    this.cells = Math.max(1, shape.grid * shape.grid);
    this.params = [new Float32Array(classes * C), new Float32Array(classes)];
    this.grads = this.params.map((p) => new Float32Array(p.length));
  }

  forward(x: Float32Array, b: number, z: Float32Array): void {
    const C = this.shape.channels, K = this.classes, cells = this.cells, d = cells * C;
    if (this.f.length < b * C) this.f = new Float32Array(b * C);
    const f = this.f, { mean, inv } = this.stats, [w, bias] = this.params;
    for (let s = 0; s < b; s++) {
      const fo = s * C, xo = s * d;
      for (let c = 0; c < C; c++) {
        let a = 0;
        for (let p = 0; p < cells; p++) a += x[xo + p * C + c];
        f[fo + c] = (a / cells - mean[c]) * inv[c];
      }
      for (let k = 0; k < K; k++) {
        let a = bias[k];
        const wo = k * C;
        for (let c = 0; c < C; c++) a += w[wo + c] * f[fo + c];
        z[s * K + k] = a;
      }
    }
  }

  backward(dz: Float32Array, b: number): void {
    const C = this.shape.channels, K = this.classes, f = this.f, [gw, gb] = this.grads;
    for (let s = 0; s < b; s++) {
      for (let k = 0; k < K; k++) {
        const g = dz[s * K + k];
        if (g === 0) continue;
        gb[k] += g;
        const wo = k * C, fo = s * C;
        for (let c = 0; c < C; c++) gw[wo + c] += g * f[fo + c];
      }
    }
  }

  folded(): HeadWeights {
    const C = this.shape.channels, K = this.classes, [w, bias] = this.params, { mean, inv } = this.stats;
    const w2 = new Float32Array(K * C), b2 = new Float32Array(K);
    for (let k = 0; k < K; k++) {
      let a = bias[k];
      for (let c = 0; c < C; c++) {
        w2[k * C + c] = w[k * C + c] * inv[c];
        a -= w[k * C + c] * inv[c] * mean[c];
      }
      b2[k] = a;
    }
    return { kind: 'gap', shape: this.shape, classes: K, tensors: [w2, b2] };
  }
}

/** conv: standardise, 1x1 conv + ReLU at every grid cell, average pool to P×P, linear. */
export class ConvHead implements TrainableHead {
  readonly kind = 'conv';
  readonly params: Float32Array[];
  readonly grads: Float32Array[];
  /** P: the pooled grid side (1 for a vector point). */
  readonly pool: number;
  private h = new Float32Array(0);
  private u = new Float32Array(0);
  private xs = new Float32Array(0);
  private readonly cells: number;

  constructor(readonly shape: FeatureShape, readonly classes: number, readonly hidden: number, private readonly stats: { mean: Float32Array; inv: Float32Array }, rng: Rng) {
    const C = shape.channels, R = hidden;
    this.cells = Math.max(1, shape.grid * shape.grid);
    this.pool = shape.grid >= 2 && shape.grid % 2 === 0 ? 2 : 1;
    const w1 = new Float32Array(R * C), w2 = new Float32Array(classes * this.pool * this.pool * R);
    gaussian(rng, w1, Math.sqrt(2 / C));
    gaussian(rng, w2, Math.sqrt(1 / (this.pool * this.pool * R)));
    this.params = [w1, new Float32Array(R), w2, new Float32Array(classes)];
    this.grads = this.params.map((p) => new Float32Array(p.length));
  }

  /** The pooled cell (0..P²-1) of grid cell p. */
  private cellOf(p: number): number {
    const G = Math.max(1, this.shape.grid), P = this.pool;
    const y = Math.floor(p / G), x = p % G;
    return Math.floor((y * P) / G) * P + Math.floor((x * P) / G);
  }

  forward(x: Float32Array, b: number, z: Float32Array): void {
    const C = this.shape.channels, R = this.hidden, K = this.classes, cells = this.cells, P2 = this.pool * this.pool, d = cells * C;
    const per = cells / P2;
    if (this.h.length < b * cells * R) (this.h = new Float32Array(b * cells * R)), (this.xs = new Float32Array(b * d));
    if (this.u.length < b * P2 * R) this.u = new Float32Array(b * P2 * R);
    const [w1, b1, w2, b2] = this.params, { mean, inv } = this.stats, h = this.h, u = this.u, xs = this.xs;
    u.fill(0, 0, b * P2 * R);
    for (let i = 0; i < b * d; i++) {
      const c = i % C;
      xs[i] = (x[i] - mean[c]) * inv[c];
    }
    for (let s = 0; s < b; s++) {
      for (let p = 0; p < cells; p++) {
        const xo = (s * cells + p) * C, ho = (s * cells + p) * R, uo = (s * P2 + this.cellOf(p)) * R;
        for (let r = 0; r < R; r++) {
          let a = b1[r];
          const wo = r * C;
          for (let c = 0; c < C; c++) a += w1[wo + c] * xs[xo + c];
          a = a > 0 ? a : 0;
          h[ho + r] = a;
          u[uo + r] += a / per;
        }
      }
      const D = P2 * R, uo = s * D;
      for (let k = 0; k < K; k++) {
        let a = b2[k];
        const wo = k * D;
        for (let i = 0; i < D; i++) a += w2[wo + i] * u[uo + i];
        z[s * K + k] = a;
      }
    }
  }

  backward(dz: Float32Array, b: number): void {
    const C = this.shape.channels, R = this.hidden, K = this.classes, cells = this.cells, P2 = this.pool * this.pool;
    const per = cells / P2, D = P2 * R;
    const [gw1, gb1, gw2, gb2] = this.grads, w2 = this.params[2], h = this.h, u = this.u, xs = this.xs;
    const du = new Float32Array(D);
    for (let s = 0; s < b; s++) {
      du.fill(0);
      for (let k = 0; k < K; k++) {
        const g = dz[s * K + k];
        if (g === 0) continue;
        gb2[k] += g;
        const wo = k * D, uo = s * D;
        for (let i = 0; i < D; i++) {
          gw2[wo + i] += g * u[uo + i];
          du[i] += g * w2[wo + i];
        }
      }
      for (let p = 0; p < cells; p++) {
        const xo = (s * cells + p) * C, ho = (s * cells + p) * R, q = this.cellOf(p) * R;
        for (let r = 0; r < R; r++) {
          if (h[ho + r] <= 0) continue;
          const g = du[q + r] / per;
          gb1[r] += g;
          const wo = r * C;
          for (let c = 0; c < C; c++) gw1[wo + c] += g * xs[xo + c];
        }
      }
    }
  }

  folded(): HeadWeights {
    const C = this.shape.channels, R = this.hidden, [w1, b1, w2, b2] = this.params, { mean, inv } = this.stats;
    const f1 = new Float32Array(R * C), fb = new Float32Array(R);
    for (let r = 0; r < R; r++) {
      let a = b1[r];
      for (let c = 0; c < C; c++) {
        f1[r * C + c] = w1[r * C + c] * inv[c];
        a -= w1[r * C + c] * inv[c] * mean[c];
      }
      fb[r] = a;
    }
    return { kind: 'conv', shape: this.shape, classes: this.classes, tensors: [f1, fb, w2.slice(), b2.slice()], hidden: R, pool: this.pool };
  }
}

/** Observed [min, max] of a head's activations (what an int8 head is quantized for). */
export interface ActivationRanges {
  /** gap: the pooled vector; conv: the G×G features. */
  features: [number, number];
  hidden: [number, number];
  pooled: [number, number];
  logits: [number, number];
}

export const emptyRanges = (): ActivationRanges => ({ features: [Infinity, -Infinity], hidden: [Infinity, -Infinity], pooled: [Infinity, -Infinity], logits: [Infinity, -Infinity] });

const seen = (r: [number, number] | undefined, v: number): void => {
  if (!r) return;
  if (v < r[0]) r[0] = v;
  if (v > r[1]) r[1] = v;
};

/** Logits of a folded head for one sample's features x (length G·G·C or C) into z; widens `ranges`. */
export function headLogits(hw: HeadWeights, x: Float32Array, z: Float32Array, ranges?: ActivationRanges): Float32Array {
  const C = hw.shape.channels, K = hw.classes, cells = Math.max(1, hw.shape.grid * hw.shape.grid);
  if (hw.kind === 'gap') {
    const [w, b] = hw.tensors;
    const f = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      let m = 0;
      for (let p = 0; p < cells; p++) m += x[p * C + c];
      f[c] = m / cells;
      seen(ranges?.features, f[c]);
    }
    for (let k = 0; k < K; k++) {
      let a = b[k];
      for (let c = 0; c < C; c++) a += w[k * C + c] * f[c];
      z[k] = a;
      seen(ranges?.logits, a);
    }
    return z;
  }
  if (ranges) for (let i = 0; i < cells * C; i++) seen(ranges.features, x[i]);
  const [w1, b1, w2, b2] = hw.tensors, R = hw.hidden!, P = hw.pool!, G = Math.max(1, hw.shape.grid), P2 = P * P, per = cells / P2;
  const u = new Float32Array(P2 * R);
  for (let p = 0; p < cells; p++) {
    const q = (Math.floor((Math.floor(p / G) * P) / G) * P + Math.floor(((p % G) * P) / G)) * R;
    for (let r = 0; r < R; r++) {
      let a = b1[r];
      for (let c = 0; c < C; c++) a += w1[r * C + c] * x[p * C + c];
      a = a > 0 ? a : 0;
      seen(ranges?.hidden, a);
      u[q + r] += a / per;
    }
  }
  if (ranges) for (let i = 0; i < P2 * R; i++) seen(ranges.pooled, u[i]);
  for (let k = 0; k < K; k++) {
    let a = b2[k];
    for (let i = 0; i < P2 * R; i++) a += w2[k * P2 * R + i] * u[i];
    z[k] = a;
    seen(ranges?.logits, a);
  }
  return z;
}

/** MACs of a head at run time: its pools are free, its 1x1 conv runs at G×G cells. */
export function headMacs(hw: HeadWeights): number {
  const C = hw.shape.channels, K = hw.classes, cells = Math.max(1, hw.shape.grid * hw.shape.grid);
  if (hw.kind === 'gap') return C * K;
  return cells * C * hw.hidden! + hw.pool! * hw.pool! * hw.hidden! * K;
}

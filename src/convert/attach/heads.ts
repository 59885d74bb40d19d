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

/** The cell (0..P²-1) of a P×P average pool of a G×G grid that grid cell p falls in. */
const pooledCell = (p: number, G: number, P: number): number => Math.floor((Math.floor(p / G) * P) / G) * P + Math.floor(((p % G) * P) / G);

/** A linear layer on one row: z[zo + k] = bias[k] + Σ_i w[k·d + i]·x[xo + i], for k < K. */
function affine(w: Float32Array, bias: Float32Array, x: Float32Array, xo: number, d: number, K: number, z: Float32Array, zo: number): void {
  for (let k = 0; k < K; k++) {
    let a = bias[k];
    const wo = k * d;
    for (let i = 0; i < d; i++) a += w[wo + i] * x[xo + i];
    z[zo + k] = a;
  }
}

/** Its gradient for one row's output gradient g[go..go+K): gw += g ⊗ x, gb += g, and dx += Wᵀg when given. */
function affineGrad(w: Float32Array, g: Float32Array, go: number, x: Float32Array, xo: number, d: number, K: number, gw: Float32Array, gb: Float32Array, dx?: Float32Array): void {
  for (let k = 0; k < K; k++) {
    const gk = g[go + k];
    if (gk === 0) continue;
    gb[k] += gk;
    const wo = k * d;
    for (let i = 0; i < d; i++) gw[wo + i] += gk * x[xo + i];
    if (dx) for (let i = 0; i < d; i++) dx[i] += gk * w[wo + i];
  }
}

/** A layer [O][C] that read standardised inputs, as one reading raw inputs: w·inv, b − Σ w·inv·mean. */
function unstandardise(w: Float32Array, bias: Float32Array, { mean, inv }: { mean: Float32Array; inv: Float32Array }): [Float32Array, Float32Array] {
  const C = mean.length, O = bias.length;
  const w2 = new Float32Array(O * C), b2 = new Float32Array(O);
  for (let o = 0; o < O; o++) {
    let a = bias[o];
    for (let c = 0; c < C; c++) {
      w2[o * C + c] = w[o * C + c] * inv[c];
      a -= w2[o * C + c] * mean[c];
    }
    b2[o] = a;
  }
  return [w2, b2];
}

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
      affine(w, bias, f, fo, C, K, z, s * K);
    }
  }

  backward(dz: Float32Array, b: number): void {
    const C = this.shape.channels, K = this.classes, [gw, gb] = this.grads;
    for (let s = 0; s < b; s++) affineGrad(this.params[0], dz, s * K, this.f, s * C, C, K, gw, gb);
  }

  folded(): HeadWeights {
    return { kind: 'gap', shape: this.shape, classes: this.classes, tensors: unstandardise(this.params[0], this.params[1], this.stats) };
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

  private cellOf(p: number): number {
    return pooledCell(p, Math.max(1, this.shape.grid), this.pool);
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
        const ho = (s * cells + p) * R, uo = (s * P2 + this.cellOf(p)) * R;
        affine(w1, b1, xs, (s * cells + p) * C, C, R, h, ho);
        for (let r = 0; r < R; r++) {
          if (h[ho + r] < 0) h[ho + r] = 0;
          u[uo + r] += h[ho + r] / per;
        }
      }
      affine(w2, b2, u, s * P2 * R, P2 * R, K, z, s * K);
    }
  }

  backward(dz: Float32Array, b: number): void {
    const C = this.shape.channels, R = this.hidden, K = this.classes, cells = this.cells, P2 = this.pool * this.pool;
    const per = cells / P2, D = P2 * R;
    const [gw1, gb1, gw2, gb2] = this.grads, [w1, , w2] = this.params, h = this.h;
    const du = new Float32Array(D), dh = new Float32Array(R);
    for (let s = 0; s < b; s++) {
      du.fill(0);
      affineGrad(w2, dz, s * K, this.u, s * D, D, K, gw2, gb2, du);
      for (let p = 0; p < cells; p++) {
        const ho = (s * cells + p) * R, q = this.cellOf(p) * R;
        for (let r = 0; r < R; r++) dh[r] = h[ho + r] > 0 ? du[q + r] / per : 0;
        affineGrad(w1, dh, 0, this.xs, (s * cells + p) * C, C, R, gw1, gb1);
      }
    }
  }

  folded(): HeadWeights {
    const [w1, b1, w2, b2] = this.params;
    return { kind: 'conv', shape: this.shape, classes: this.classes, tensors: [...unstandardise(w1, b1, this.stats), w2.slice(), b2.slice()], hidden: this.hidden, pool: this.pool };
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
  const span = (r: [number, number] | undefined, v: Float32Array) => r && v.forEach((a) => seen(r, a));
  if (hw.kind === 'gap') {
    const f = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < cells; p++) f[c] += x[p * C + c];
      f[c] /= cells;
    }
    span(ranges?.features, f);
    affine(hw.tensors[0], hw.tensors[1], f, 0, C, K, z, 0);
    span(ranges?.logits, z);
    return z;
  }
  span(ranges?.features, x.subarray(0, cells * C));
  const [w1, b1, w2, b2] = hw.tensors, R = hw.hidden!, P = hw.pool!, G = Math.max(1, hw.shape.grid), P2 = P * P, per = cells / P2;
  const u = new Float32Array(P2 * R), h = new Float32Array(R);
  for (let p = 0; p < cells; p++) {
    affine(w1, b1, x, p * C, C, R, h, 0);
    for (let r = 0; r < R; r++) h[r] = Math.max(0, h[r]);
    span(ranges?.hidden, h);
    const q = pooledCell(p, G, P) * R;
    for (let r = 0; r < R; r++) u[q + r] += h[r] / per;
  }
  span(ranges?.pooled, u);
  affine(w2, b2, u, 0, P2 * R, K, z, 0);
  span(ranges?.logits, z);
  return z;
}

/** MACs of a head at run time: its pools are free, its 1x1 conv runs at G×G cells. */
export function headMacs(hw: HeadWeights): number {
  const C = hw.shape.channels, K = hw.classes, cells = Math.max(1, hw.shape.grid * hw.shape.grid);
  if (hw.kind === 'gap') return C * K;
  return cells * C * hw.hidden! + hw.pool! * hw.pool! * hw.hidden! * K;
}

// Data-aware rounding of int8 weights (docs/compression.md, "GPTQ rounding"): the scales stay
// max|w_c| / 127, but each weight is rounded up or down so that the layer's output, not each
// weight, is closest to the float layer on the calibration inputs. GPTQ (Frantar et al. 2023,
// "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers", after
// Optimal Brain Quantization, Frantar & Alistarh 2022): with H = E[z zᵀ] over the layer's input
// patches z, weights are rounded one input position at a time and the error of each is spread
// over the not yet rounded ones through the upper Cholesky factor of H⁻¹. One H per group of
// output channels that read the same inputs (a conv's channel group, a depthwise channel, a gemm).
import type { Node, TensorInfo, Window } from '../ir/types.js';
import { roundHalfEven } from '../ir/numerics.js';

/** Patches sampled per calibration sample and layer (evenly spaced output positions). */
const POSITIONS = 64;
/** Dampening: H + λ·mean(diag H)·I, as GPTQ. */
const DAMP = 0.01;

interface Group {
  /** Output channels of the group. */
  outs: number[];
  /** Weight index of (output channel, patch element). */
  wAt: (o: number, k: number) => number;
  /** Input element of patch element k at output position (oh, ow), or -1 for padding. */
  xAt: (oh: number, ow: number, k: number) => number;
  K: number;
  H: Float64Array;
}

/** Collects H = Σ z zᵀ of a layer's input patches over the calibration samples. */
export class LayerHessian {
  private readonly groups: Group[] = [];
  private readonly positions: [number, number][];

  constructor(readonly node: Node, x: TensorInfo, y: TensorInfo) {
    if (node.op === 'gemm') {
      const K = x.shape[1], N = y.shape[1];
      this.positions = [[0, 0]];
      this.groups.push({ outs: range(0, N), wAt: (o, k) => o * K + k, xAt: (_h, _w, k) => k, K, H: new Float64Array(K * K) });
      return;
    }
    const a = node.attrs as Window & { groups?: number; multiplier?: number };
    const [, H, W, C] = x.shape, [, OH, OW, O] = y.shape;
    const [KH, KW] = a.kernel, taps = KH * KW;
    const step = Math.max(1, Math.floor((OH * OW) / POSITIONS));
    this.positions = [];
    for (let p = 0; p < OH * OW; p += step) this.positions.push([Math.floor(p / OW), p % OW]);
    const xAt = (c0: number, I: number) => (oh: number, ow: number, k: number): number => {
      const t = Math.floor(k / I), i = k % I;
      const h = oh * a.strides[0] + Math.floor(t / KW) * a.dilations[0] - a.pads[0];
      const w = ow * a.strides[1] + (t % KW) * a.dilations[1] - a.pads[1];
      return h < 0 || h >= H || w < 0 || w >= W ? -1 : (h * W + w) * C + c0 + i;
    };
    if (node.op === 'dwconv2d') {
      const mult = a.multiplier ?? 1;
      for (let o = 0; o < O; o++) {
        this.groups.push({ outs: [o], wAt: (oo, k) => k * O + oo, xAt: xAt(Math.floor(o / mult), 1), K: taps, H: new Float64Array(taps * taps) });
      }
      return;
    }
    const G = a.groups ?? 1, I = C / G, per = O / G, K = taps * I;
    for (let g = 0; g < G; g++) {
      this.groups.push({ outs: range(g * per, (g + 1) * per), wAt: (o, k) => o * K + k, xAt: xAt(g * I, I), K, H: new Float64Array(K * K) });
    }
  }

  /** Adds one sample of the layer's input (NHWC, or [K] for a gemm). */
  add(v: Float32Array): void {
    for (const g of this.groups) {
      const z = new Float64Array(g.K);
      for (const [oh, ow] of this.positions) {
        for (let k = 0; k < g.K; k++) {
          const i = g.xAt(oh, ow, k);
          z[k] = i < 0 ? 0 : v[i];
        }
        for (let r = 0; r < g.K; r++) {
          const zr = z[r];
          if (zr === 0) continue;
          const row = r * g.K;
          for (let c = r; c < g.K; c++) g.H[row + c] += zr * z[c];
        }
      }
    }
  }

  /**
   * int8 weights (in the node's layout) on the grid of `scales` (per output channel, clamped to
   * ±127), rounded by GPTQ over the collected H.
   */
  round(w: Float32Array, scales: number[]): Int8Array {
    const q = new Int8Array(w.length);
    for (const g of this.groups) {
      const U = upperFactorOfInverse(g.H, g.K);
      const K = g.K;
      const row = new Float64Array(K);
      for (const o of g.outs) {
        const s = scales[o];
        for (let k = 0; k < K; k++) row[k] = w[g.wAt(o, k)];
        for (let k = 0; k < K; k++) {
          const v = Math.min(127, Math.max(-127, roundHalfEven(row[k] / s)));
          q[g.wAt(o, k)] = v;
          const e = (row[k] - v * s) / U[k * K + k];
          for (let j = k + 1; j < K; j++) row[j] -= e * U[k * K + j];
        }
      }
    }
    return q;
  }
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

/**
 * The upper triangular U with H⁻¹ = Uᵀ U, from the upper triangle of H (symmetric, K×K), dampened
 * as GPTQ does (inputs never seen get H_kk = 1). With P the order reversal, P H P = L Lᵀ gives
 * U = P L⁻¹ P.
 */
function upperFactorOfInverse(Hu: Float64Array, K: number): Float64Array {
  let diag = 0;
  for (let k = 0; k < K; k++) diag += Hu[k * K + k];
  const damp = (DAMP * diag) / K || 1;
  // A = P H P (full symmetric), dampened.
  const A = new Float64Array(K * K);
  for (let r = 0; r < K; r++) {
    for (let c = r; c < K; c++) {
      const v = Hu[r * K + c] + (r === c ? (Hu[r * K + r] === 0 ? 1 : damp) : 0);
      A[(K - 1 - r) * K + (K - 1 - c)] = v;
      A[(K - 1 - c) * K + (K - 1 - r)] = v;
    }
  }
  // Cholesky A = L Lᵀ in place (lower).
  for (let j = 0; j < K; j++) {
    let d = A[j * K + j];
    for (let p = 0; p < j; p++) d -= A[j * K + p] * A[j * K + p];
    d = Math.sqrt(Math.max(d, 1e-12 * damp));
    A[j * K + j] = d;
    for (let i = j + 1; i < K; i++) {
      let s = A[i * K + j];
      for (let p = 0; p < j; p++) s -= A[i * K + p] * A[j * K + p];
      A[i * K + j] = s / d;
    }
  }
  // Li = L⁻¹ (lower), by forward substitution column by column.
  const Li = new Float64Array(K * K);
  for (let j = 0; j < K; j++) {
    Li[j * K + j] = 1 / A[j * K + j];
    for (let i = j + 1; i < K; i++) {
      let s = 0;
      for (let p = j; p < i; p++) s += A[i * K + p] * Li[p * K + j];
      Li[i * K + j] = -s / A[i * K + i];
    }
  }
  // U = P Li P (upper).
  const U = new Float64Array(K * K);
  for (let r = 0; r < K; r++) for (let c = 0; c <= r; c++) U[(K - 1 - r) * K + (K - 1 - c)] = Li[r * K + c];
  return U;
}

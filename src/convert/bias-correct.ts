// Bias correction for int8 weights (docs/compression.md, "Bias correction"): rounding a layer's
// weights to int8 moves the mean of its output, by ε·E[x] per output channel (ε = dequantized
// int8 weights − float weights, E[x] the mean input the kernel sees under each weight). The
// per-channel shift does not average out over positions or samples, so it adds up layer after
// layer; subtracting it from the bias removes it (Nagel et al. 2019, "Data-Free Quantization
// Through Weight Equalization and Bias Correction", section 4.2, with E[x] measured on the
// calibration inputs: their "empirical" bias correction). Here E[x] is the calibration mean of
// the input map at every position, so zero padding and strides are counted exactly.
import type { Node, TensorInfo, Window } from '../ir/types.js';

/** The mean of one tensor over the calibration samples, position by position (NHWC, one sample). */
export class MeanMap {
  readonly sum: Float64Array;
  samples = 0;

  constructor(readonly size: number) {
    this.sum = new Float64Array(size);
  }

  /** Adds the values of one or more samples (batch-major). */
  add(v: Float32Array): void {
    const n = v.length / this.size;
    if (!Number.isInteger(n) || n < 1) throw new Error(`MeanMap: ${v.length} values are not whole samples of ${this.size}`);
    for (let i = 0; i < v.length; i++) this.sum[i % this.size] += v[i];
    this.samples += n;
  }

  mean(): Float64Array {
    const m = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) m[i] = this.sum[i] / Math.max(this.samples, 1);
    return m;
  }
}

/** Layers whose weights bias correction handles (int8 conv2d, dwconv2d, gemm with f32 weights). */
export const correctable = (op: string): boolean => op === 'conv2d' || op === 'dwconv2d' || op === 'gemm';

/**
 * P[kh][kw][c]: the mean over output positions of the input value under kernel tap (kh, kw) of
 * channel c (0 where the tap reads padding), from the input's mean map [H][W][C].
 */
export function tapMeans(mean: Float64Array, [H, W, C]: number[], a: Window, [OH, OW]: number[]): Float64Array {
  const [KH, KW] = a.kernel;
  const P = new Float64Array(KH * KW * C);
  const rowSum = new Float64Array(W * C);
  for (let kh = 0; kh < KH; kh++) {
    rowSum.fill(0);
    for (let oh = 0; oh < OH; oh++) {
      const h = oh * a.strides[0] + kh * a.dilations[0] - a.pads[0];
      if (h < 0 || h >= H) continue;
      for (let i = 0; i < W * C; i++) rowSum[i] += mean[h * W * C + i];
    }
    for (let kw = 0; kw < KW; kw++) {
      const at = (kh * KW + kw) * C;
      for (let ow = 0; ow < OW; ow++) {
        const w = ow * a.strides[1] + kw * a.dilations[1] - a.pads[1];
        if (w < 0 || w >= W) continue;
        for (let c = 0; c < C; c++) P[at + c] += rowSum[w * C + c];
      }
    }
  }
  for (let i = 0; i < P.length; i++) P[i] /= OH * OW;
  return P;
}

/**
 * E[y_int8 − y_float] per output channel that the weight error `eps` (in the node's weight
 * layout) causes, given the mean map of the layer's input. x and y: the node's input and output.
 */
export function weightErrorShift(node: Node, eps: Float64Array, mean: Float64Array, x: TensorInfo, y: TensorInfo): Float64Array {
  if (node.op === 'gemm') {
    const K = x.shape[1], N = y.shape[1];
    const d = new Float64Array(N);
    for (let o = 0; o < N; o++) for (let k = 0; k < K; k++) d[o] += eps[o * K + k] * mean[k];
    return d;
  }
  const a = node.attrs as Window & { groups?: number; multiplier?: number };
  const [, H, W, C] = x.shape, [, OH, OW, O] = y.shape;
  const P = tapMeans(mean, [H, W, C], a, [OH, OW]);
  const taps = a.kernel[0] * a.kernel[1];
  const d = new Float64Array(O);
  if (node.op === 'dwconv2d') {
    const mult = a.multiplier ?? 1;
    for (let o = 0; o < O; o++) {
      const c = Math.floor(o / mult);
      for (let t = 0; t < taps; t++) d[o] += eps[t * O + o] * P[t * C + c];
    }
    return d;
  }
  const g = a.groups ?? 1, I = C / g, perGroup = O / g;
  for (let o = 0; o < O; o++) {
    const c0 = Math.floor(o / perGroup) * I;
    for (let t = 0; t < taps; t++) {
      const wAt = (o * taps + t) * I, pAt = t * C + c0;
      for (let i = 0; i < I; i++) d[o] += eps[wAt + i] * P[pAt + i];
    }
  }
  return d;
}

// Reference pooling over NHWC arrays, written from the ONNX operator definitions:
//   MaxPool:      y = max over the window's positions inside the image (pads ignored)
//   AveragePool:  y = (sum over positions inside the image) / count, count = those positions
//                 (count_include_pad = 0) or the positions inside the padded extent
//                 [-pad_begin, size + pad_end) (count_include_pad = 1; with ceil_mode a
//                 window past the padded end is not counted there, as PyTorch and the
//                 ONNX reference implementation do)
//   GlobalAveragePool: the mean over H*W.
// Output size: floor or ceil((size + pads - dilation*(k-1) - 1) / stride) + 1, and with
// ceil_mode the last window must start inside the image or its leading pad.
// int8 average: the DESIGN.md requantization of acc = sum (x - zp_in) with the multiplier
// m = fround(s_in / (s_out * count)); f32 results in float64 (compare with a tolerance).
// TFLite's int8 AVERAGE_POOL_2D (rounding half away from zero): qs8AvgPoolTfliteRef.
import { requantRef, type Quant } from './eltwise.js';

export interface PoolRefArgs {
  n: number; h: number; w: number; c: number; kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; pb: number; pr: number;
  ceil: boolean; includePad: boolean;
}

export function poolOutSize(size: number, k: number, s: number, d: number, p0: number, p1: number, ceil: boolean): number {
  const span = size + p0 + p1 - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= size + p0) o--;
  return o;
}

/** Visit every output position with the list of in-image input offsets of its window and its count. */
function windows(a: PoolRefArgs, visit: (outPixel: number, inPixels: number[], count: number) => void): [number, number] {
  const oh = poolOutSize(a.h, a.kh, a.sh, a.dh, a.pt, a.pb, a.ceil);
  const ow = poolOutSize(a.w, a.kw, a.sw, a.dw, a.pl, a.pr, a.ceil);
  for (let n = 0; n < a.n; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        const inside: number[] = [];
        let padded = 0;
        for (let ky = 0; ky < a.kh; ky++) {
          const iy = oy * a.sh - a.pt + ky * a.dh;
          for (let kx = 0; kx < a.kw; kx++) {
            const ix = ox * a.sw - a.pl + kx * a.dw;
            if (iy >= -a.pt && iy < a.h + a.pb && ix >= -a.pl && ix < a.w + a.pr) padded++;
            if (iy >= 0 && iy < a.h && ix >= 0 && ix < a.w) inside.push((n * a.h + iy) * a.w + ix);
          }
        }
        visit((n * oh + oy) * ow + ox, inside, a.includePad ? padded : inside.length);
      }
  return [oh, ow];
}

export function maxPoolRef(a: PoolRefArgs, x: ArrayLike<number>, lo: number, hi: number): { y: number[]; oh: number; ow: number } {
  const y: number[] = [];
  const [oh, ow] = windows(a, (o, px) => {
    for (let c = 0; c < a.c; c++) {
      let m = -Infinity;
      for (const p of px) m = Math.max(m, x[p * a.c + c]);
      y[o * a.c + c] = Math.min(hi, Math.max(lo, m));
    }
  });
  return { y, oh, ow };
}

/** f32 average pool in float64; also the mean absolute value of each window (a tolerance scale). */
export function f32AvgPoolRef(a: PoolRefArgs, x: Float32Array, fmin: number, fmax: number): { y: number[]; mag: number[]; oh: number; ow: number } {
  const y: number[] = [], mag: number[] = [];
  const [oh, ow] = windows(a, (o, px, count) => {
    for (let c = 0; c < a.c; c++) {
      let s = 0, m = 0;
      for (const p of px) {
        s += x[p * a.c + c];
        m += Math.abs(x[p * a.c + c]);
      }
      const d = Math.max(count, 1);
      y[o * a.c + c] = Math.min(fmax, Math.max(fmin, s / d));
      mag[o * a.c + c] = m / d;
    }
  });
  return { y, mag, oh, ow };
}

export function qs8AvgPoolRef(a: PoolRefArgs, x: Int8Array, qi: Quant, qo: Quant, qmin: number, qmax: number): { y: Int8Array; oh: number; ow: number } {
  const out: number[] = [];
  const [oh, ow] = windows(a, (o, px, count) => {
    const m = count === 0 ? 0 : Math.fround(qi.scale / (qo.scale * count));
    for (let c = 0; c < a.c; c++) {
      let acc = 0;
      for (const p of px) acc += x[p * a.c + c] - qi.zeroPoint;
      out[o * a.c + c] = requantRef(acc, m, qo.zeroPoint, qmin, qmax);
    }
  });
  return { y: Int8Array.from(out), oh, ow };
}

/**
 * TFLite's int8 AVERAGE_POOL_2D (reference_integer_ops::AveragePool), input and output at one
 * quantization: acc = the sum of the raw int8 values over the window's counted positions (TFLite
 * counts the in-image ones; with includePad a padded position reads zp, real 0), then
 * acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count in C's integer division
 * (toward zero), clamped to [qmin, qmax]. An empty window gives zp.
 */
export function qs8AvgPoolTfliteRef(a: PoolRefArgs, x: Int8Array, zp: number, qmin: number, qmax: number): { y: Int8Array; oh: number; ow: number } {
  const out: number[] = [];
  const [oh, ow] = windows(a, (o, px, count) => {
    for (let c = 0; c < a.c; c++) {
      let acc = (count - px.length) * zp;
      for (const p of px) acc += x[p * a.c + c];
      const half = Math.floor(count / 2);
      const q = count === 0 ? zp : Math.trunc((acc > 0 ? acc + half : acc - half) / count);
      out[o * a.c + c] = Math.min(qmax, Math.max(qmin, q));
    }
  });
  return { y: Int8Array.from(out), oh, ow };
}

/** GlobalAveragePool, int8: acc = sum (x - zp_in), m = fround(s_in / (s_out * h*w)). */
export function qs8GlobalAvgPoolRef(n: number, hw: number, c: number, x: Int8Array, qi: Quant, qo: Quant, qmin: number, qmax: number): Int8Array {
  const m = Math.fround(qi.scale / (qo.scale * hw));
  const y = new Int8Array(n * c);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      let acc = 0;
      for (let p = 0; p < hw; p++) acc += x[(b * hw + p) * c + ch] - qi.zeroPoint;
      y[b * c + ch] = requantRef(acc, m, qo.zeroPoint, qmin, qmax);
    }
  return y;
}

export function f32GlobalAvgPoolRef(n: number, hw: number, c: number, x: Float32Array, fmin: number, fmax: number): { y: number[]; mag: number[] } {
  const y: number[] = [], mag: number[] = [];
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      let s = 0, m = 0;
      for (let p = 0; p < hw; p++) {
        s += x[(b * hw + p) * c + ch];
        m += Math.abs(x[(b * hw + p) * c + ch]);
      }
      y[b * c + ch] = Math.min(fmax, Math.max(fmin, s / hw));
      mag[b * c + ch] = m / hw;
    }
  return { y, mag };
}

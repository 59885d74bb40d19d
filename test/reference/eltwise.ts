// Reference element-wise ops, written from the ONNX operator definitions (QuantizeLinear,
// DequantizeLinear, Mul / Mul + Add by a per-channel constant, Concat on the channel axis) over plain arrays, with the fp32 arithmetic
// DESIGN.md fixes for int8 emulated step by step: Math.fround after every f32
// operation, round half to even, clamp. NOT derived from the kernels.

export const f32 = Math.fround;

/** Round to nearest, ties to even. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

const clampInt = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** int8 output of an f32 value t: round half even, add zp, clamp to [qmin, qmax]. */
export function quantizeValue(t: number, zp: number, qmin: number, qmax: number): number {
  if (Number.isNaN(t)) return qmin; // branchy's choice (ONNX leaves it open): NaN saturates low
  if (t === Infinity) return qmax;
  if (t === -Infinity) return qmin;
  return clampInt(roundHalfEven(t) + zp, qmin, qmax);
}

/** DESIGN.md requantization: clamp(round_half_even(f32(acc) * m) + zp, qmin, qmax). */
export function requantRef(acc: number, m: number, zp: number, qmin: number, qmax: number): number {
  return quantizeValue(f32(f32(acc) * m), zp, qmin, qmax);
}

export interface Quant { scale: number; zeroPoint: number }

/** int8 -> int8 requantization: the real value (x - zp_in) * s_in expressed in (s_out, zp_out). */
export function requantizeRef(x: Int8Array, qi: Quant, qo: Quant, qmin = -128, qmax = 127): Int8Array {
  const m = f32(qi.scale / qo.scale);
  return Int8Array.from(x, (v) => requantRef(v - qi.zeroPoint, m, qo.zeroPoint, qmin, qmax));
}

/** QuantizeLinear: saturate(round_half_even(x / scale) + zp), the division in f32. */
export function quantizeRef(x: Float32Array, q: Quant, qmin = -128, qmax = 127): Int8Array {
  const s = f32(q.scale);
  return Int8Array.from(x, (v) => quantizeValue(f32(v / s), q.zeroPoint, qmin, qmax));
}

/** DequantizeLinear: (x - zp) * scale in f32. */
export function dequantizeRef(x: Int8Array, q: Quant): Float32Array {
  const s = f32(q.scale);
  return Float32Array.from(x, (v) => f32((v - q.zeroPoint) * s));
}

/** Mul by k[c] (then Add b[c]) over NHWC rows of `channels`, then Clip; f32 (each op rounded to f32). */
export function f32MulChannelRef(x: Float32Array, rows: number, channels: number, k: ArrayLike<number>, b: ArrayLike<number> | null,
  fmin = -Infinity, fmax = Infinity): Float32Array {
  const y = new Float32Array(rows * channels);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < channels; c++) {
      const t = f32(f32(x[r * channels + c] * f32(k[c])) + (b ? f32(b[c]) : 0));
      y[r * channels + c] = Math.min(fmax, Math.max(fmin, t));
    }
  return y;
}

/**
 * Mul (then Add) by real per-channel constants on an int8 tensor: the real result
 * ((x - zp_in) * s_in * k[c] + b[c]) quantized to (s_out, zp_out), in fp32 as DESIGN.md
 * requantizes: m[c] = fround(s_in * k[c] / s_out), bb[c] = fround(b[c] / s_out),
 * t = f32(f32(x - zp_in) * m[c]) + bb[c] rounded to f32.
 */
export function qs8MulChannelRef(x: Int8Array, rows: number, channels: number, k: ArrayLike<number>, b: ArrayLike<number> | null,
  qi: Quant, qo: Quant, qmin = -128, qmax = 127): Int8Array {
  const y = new Int8Array(rows * channels);
  for (let c = 0; c < channels; c++) {
    const m = f32((qi.scale * k[c]) / qo.scale), bb = b ? f32(b[c] / qo.scale) : 0;
    for (let r = 0; r < rows; r++) {
      const t = f32(f32((x[r * channels + c] - qi.zeroPoint) * m) + bb);
      y[r * channels + c] = quantizeValue(t, qo.zeroPoint, qmin, qmax);
    }
  }
  return y;
}

/** Concat of NHWC tensors along C: every pixel is the inputs' pixels one after another. */
export function concatRef<T extends Int8Array | Float32Array>(inputs: T[], channels: number[], pixels: number, make: (n: number) => T): T {
  const total = channels.reduce((s, c) => s + c, 0);
  const y = make(pixels * total);
  for (let p = 0; p < pixels; p++) {
    let at = 0;
    inputs.forEach((x, i) => {
      for (let c = 0; c < channels[i]; c++) y[p * total + at + c] = x[p * channels[i] + c];
      at += channels[i];
    });
  }
  return y;
}

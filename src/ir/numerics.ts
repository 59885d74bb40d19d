// The arithmetic every layer shares, defined once: rounding, the clamp form of an activation,
// the int8 requantization multiplier. Kernels (assembly/common/requant*.ts), the runtime, the
// converter and the references all follow these definitions (docs/ir.md, "int8").
import type { Activation } from './types.js';

/** Round to nearest, ties to even (ONNX QuantizeLinear's rounding). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The largest finite f32: what a JSON file writes for an unbounded clip side. */
export const F32_MAX = 3.4028234663852886e38;

/** A fused activation the kernels apply as a clamp of their output. `clip` sides may be open. */
export type Clamp =
  | { kind: 'none' }
  | { kind: 'relu' }
  | { kind: 'relu6' }
  | { kind: 'clip'; min?: number; max?: number };

/** The clamp an activation is (none, relu, relu6, clip; a bound at ±3e38 or beyond is open), or null when it is not one. */
export function asClamp(act: Activation | undefined): Clamp | null {
  if (!act || act.kind === 'none') return { kind: 'none' };
  if (act.kind === 'relu' || act.kind === 'relu6') return { kind: act.kind };
  if (act.kind === 'clip') {
    const big = 3e38;
    return { kind: 'clip', min: act.min !== undefined && act.min > -big ? act.min : undefined, max: act.max !== undefined && act.max < big ? act.max : undefined };
  }
  return null;
}

/** Whether an activation is a clamp (an int8 kernel applies it in the quantized domain). */
export const isClampAct = (act: Activation | undefined): boolean => asClamp(act) !== null;

/**
 * How a requantization multiplier is computed: `f64` (branchy's default) in double and rounded
 * once to f32; `f32` as XNNPACK (LiteRT) does, rounding to f32 after each step. A graph's
 * `requantScale` (the TFLite importer sets `f32`) picks it for all of its int8 conv / gemm steps.
 */
export type RequantScaleMode = 'f64' | 'f32';

/**
 * The requantization multiplier of an int8 conv / gemm output channel: s_in · s_w[c] / s_out,
 * rounded to f32 (the kernels multiply the int32 accumulator by it in f32). `f32` mode computes
 * fround(fround(s_in · s_w) / s_out), XNNPACK's float arithmetic, which differs from `f64` in the
 * last bit for some scales.
 */
export function requantScale(sIn: number, sW: number, sOut: number, mode: RequantScaleMode = 'f64'): number {
  if (mode === 'f32') return Math.fround(Math.fround(Math.fround(sIn) * Math.fround(sW)) / Math.fround(sOut));
  return Math.fround((sIn * sW) / sOut);
}

/** 1.5 * 2^52: for |t| < 2^51, (t + ROUND) - ROUND is t rounded half to even, in doubles. */
const ROUND = 6755399441055744;

/**
 * ONNX QuantizeLinear of one finite value to int8, as the quantize kernel computes it
 * (f32_qs8_vcvt, assembly/eltwise/qs8_eltwise.ts): t = fround(x / scale), clamped to
 * [-128 - zp, 127 - zp], rounded half to even, + zp. A double quotient of two f32 values rounded
 * to f32 is the f32 quotient (53 >= 2*24 + 2 bits). The input's writer runs it per value (input.ts).
 */
export function quantizeValue(x: number, scale: number, zeroPoint: number): number {
  let t = Math.fround(Math.fround(x) / Math.fround(scale));
  t = -128 - zeroPoint < t ? t : -128 - zeroPoint;
  t = 127 - zeroPoint < t ? 127 - zeroPoint : t;
  return t + ROUND - ROUND + zeroPoint;
}

// Fused activations as clamp ranges: the int8 kernels take [qmin, qmax] in the output's
// quantized domain, the f32 kernels take [fmin, fmax]. One place that turns an ONNX-style
// activation (none, Relu, Relu6 / Clip) into those ranges; every kernel wrapper uses it.

import { roundHalfEven, type Clamp } from '../../ir/numerics.js';

/** A fused activation as a clamp (src/ir/numerics.ts). `clip` bounds may be absent (unbounded on that side). */
export type Activation = Clamp;

export const NO_ACTIVATION: Activation = { kind: 'none' };

export { roundHalfEven };

/** The activation's float bounds: fmin/fmax for the f32 kernels (±Infinity when unbounded). */
export function f32Range(act: Activation = NO_ACTIVATION): { fmin: number; fmax: number } {
  switch (act.kind) {
    case 'none':
      return { fmin: -Infinity, fmax: Infinity };
    case 'relu':
      return { fmin: 0, fmax: Infinity };
    case 'relu6':
      return { fmin: 0, fmax: 6 };
    case 'clip': {
      const fmin = act.min ?? -Infinity, fmax = act.max ?? Infinity;
      if (Number.isNaN(fmin) || Number.isNaN(fmax) || fmin > fmax) {
        throw new RangeError(`clip activation: bad range [${fmin}, ${fmax}]`);
      }
      return { fmin, fmax };
    }
  }
}

/**
 * The activation's bounds in an int8 output's quantized domain (scale, zero point):
 * none: -128..127; relu: max(-128, zp)..127; relu6 and clip: each float bound quantized
 * as QuantizeLinear does (fp32 divide, round half to even, add zp, saturate).
 */
export function int8Range(act: Activation, scale: number, zeroPoint: number): { qmin: number; qmax: number } {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`int8 range: scale must be positive, got ${scale}`);
  if (!Number.isInteger(zeroPoint) || zeroPoint < -128 || zeroPoint > 127) {
    throw new RangeError(`int8 range: zero point must be an int8, got ${zeroPoint}`);
  }
  const { fmin, fmax } = f32Range(act);
  const q = (v: number): number => {
    if (v === -Infinity) return -128;
    if (v === Infinity) return 127;
    const r = roundHalfEven(Math.fround(Math.fround(v) / Math.fround(scale))) + zeroPoint;
    return Math.min(127, Math.max(-128, r));
  };
  return { qmin: q(fmin), qmax: q(fmax) };
}

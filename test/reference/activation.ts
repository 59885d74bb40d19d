// Reference activations over plain arrays: the definitions of src/ir/activations.ts (one per
// activation, written from ONNX's, in double precision) rounded once to f32; PRelu from its ONNX
// definition, with the int8 form docs/ir.md fixes. NOT derived from the kernels.
import type { Activation } from '../../src/ir/types.js';
import { applyAct } from '../../src/ir/activations.js';
import { f32, quantizeValue, type Quant } from './eltwise.js';

export function f32ActRef(x: Float32Array, act: Activation): Float32Array {
  return Float32Array.from(x, (v) => applyAct(v, act));
}

/** int8 activation: QuantizeLinear(act(DequantizeLinear(q))), each step in f32. */
export function qs8ActRef(x: Int8Array, act: Activation, qi: Quant, qo: Quant): Int8Array {
  return Int8Array.from(x, (q) => {
    const v = applyAct(f32((q - qi.zeroPoint) * f32(qi.scale)), act);
    return quantizeValue(f32(v / f32(qo.scale)), qo.zeroPoint, -128, 127);
  });
}

/** PRelu over NHWC rows: x < 0 ? slope[c] x : x, f32. */
export function f32PreluRef(x: Float32Array, channels: number, slope: ArrayLike<number>): Float32Array {
  return Float32Array.from(x, (v, i) => (v < 0 ? f32(v * f32(slope[slope.length === 1 ? 0 : i % channels])) : v));
}

/** int8 PRelu: f32(x - zp_in) times fround(s_in·slope[c]/s_out) below the zero point, fround(s_in/s_out) above; rounded, + zp_out. */
export function qs8PreluRef(x: Int8Array, channels: number, slope: ArrayLike<number>, qi: Quant, qo: Quant): Int8Array {
  const pos = f32(qi.scale / qo.scale);
  return Int8Array.from(x, (q, i) => {
    const v = q - qi.zeroPoint;
    const m = v < 0 ? f32((qi.scale * slope[slope.length === 1 ? 0 : i % channels]) / qo.scale) : pos;
    return quantizeValue(f32(v * m), qo.zeroPoint, -128, 127);
  });
}

// Reference element-wise binary ops with numpy broadcasting (ONNX Add, Sub, Mul, Div, Max, Min),
// over plain arrays, written from the operator definitions: every output index maps back to
// each operand's index (right-aligned shapes, a size-1 axis repeats). int8: the real result
// op(dequantize(a), dequantize(b)) requantized, with the f32 operation order docs/ir.md fixes
// for int8 (emulated with Math.fround after every step). NOT derived from the kernels.
import { f32, quantizeValue, type Quant } from './eltwise.js';

export type BinaryOpName = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';

/** The broadcast output shape, or throws. */
export function broadcastRef(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => {
    const da = a[i - (r - a.length)] ?? 1, db = b[i - (r - b.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`ref: [${a}] and [${b}] do not broadcast`);
    return Math.max(da, db);
  });
}

/** For each output element, the flat index of the element of an operand of shape `s` it reads. */
export function sourceIndex(y: readonly number[], s: readonly number[]): Int32Array {
  const n = y.reduce((p, d) => p * d, 1);
  const out = new Int32Array(n);
  const off = y.length - s.length;
  for (let i = 0; i < n; i++) {
    let rem = i, idx = 0, mul = 1;
    for (let d = y.length - 1; d >= 0; d--) {
      const c = rem % y[d];
      rem = Math.floor(rem / y[d]);
      if (d >= off) {
        const size = s[d - off];
        idx += (size === 1 ? 0 : c) * mul;
        mul *= size;
      }
    }
    out[i] = idx;
  }
  return out;
}

const F32_OPS: Record<BinaryOpName, (a: number, b: number) => number> = {
  add: (a, b) => f32(a + b),
  sub: (a, b) => f32(a - b),
  mul: (a, b) => f32(a * b),
  div: (a, b) => f32(a / b),
  // IEEE maximum / minimum: NaN in, NaN out; +0 above -0 (as Math.max / Math.min).
  max: (a, b) => Math.max(a, b),
  min: (a, b) => Math.min(a, b),
};

/** f32: y = clamp(op(a, b), fmin, fmax) (clamp as the kernels: a NaN passes). */
export function f32BinaryRef(op: BinaryOpName, a: Float32Array, as: number[], b: Float32Array, bs: number[], fmin = -Infinity, fmax = Infinity): Float32Array {
  const ys = broadcastRef(as, bs);
  const ia = sourceIndex(ys, as), ib = sourceIndex(ys, bs);
  return Float32Array.from(ia, (_, i) => {
    let t = F32_OPS[op](a[ia[i]], b[ib[i]]);
    if (t < fmin) t = fmin;
    if (fmax < t) t = fmax;
    return t;
  });
}

/**
 * int8: a' = a - zp_a, b' = b - zp_b; add/sub/max/min of f32(a'·fround(s_a/s_y)) and
 * f32(b'·fround(s_b/s_y)); mul f32(a'·b')·fround(s_a·s_b/s_y); div f32(a'·fround(s_a/(s_b·s_y))) / b';
 * then round half to even, + zp_y, clamp (NaN -> qmin).
 */
export function qs8BinaryRef(op: BinaryOpName, a: Int8Array, as: number[], qa: Quant, b: Int8Array, bs: number[], qb: Quant, qy: Quant,
  qmin = -128, qmax = 127): Int8Array {
  const ys = broadcastRef(as, bs);
  const ia = sourceIndex(ys, as), ib = sourceIndex(ys, bs);
  const ma = f32(qa.scale / qy.scale), mb = f32(qb.scale / qy.scale);
  const mMul = f32((qa.scale * qb.scale) / qy.scale), mDiv = f32(qa.scale / (qb.scale * qy.scale));
  return Int8Array.from(ia, (_, i) => {
    const x = a[ia[i]] - qa.zeroPoint, z = b[ib[i]] - qb.zeroPoint;
    let t: number;
    if (op === 'mul') t = f32(x * z * mMul);
    else if (op === 'div') t = f32(f32(x * mDiv) / z);
    else t = F32_OPS[op](f32(x * ma), f32(z * mb));
    return quantizeValue(t, qy.zeroPoint, qmin, qmax);
  });
}

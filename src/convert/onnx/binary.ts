// QONNX / FINN / Brevitas quantizer ops, read as the QONNX spec defines them
// (docs/qonnx-custom-ops: bipolarquant_v1.md, intquant_v1.md; qonnx's quant.py):
//
//   BipolarQuant(X, scale):                     Y = where(X >= 0, 1, -1) * scale
//   Quant / IntQuant(X, scale, zeropt, bitwidth; signed, narrow, rounding_mode):
//     bitwidth 1, signed:  Y = (where(X/scale + zeropt >= 0, 1, -1) - zeropt) * scale   (bipolar)
//     otherwise:           Y = (round(clamp(X/scale + zeropt, min_int, max_int)) - zeropt) * scale
//
// On a constant (weights, bias) the op is evaluated here (numpy's float32 arithmetic,
// broadcasting scale and zero point against X). On an activation a bipolar quantizer is a
// sign: the importer emits `bitpack` and its scale moves into the readers' weights
// (convert/binarize.ts). Integer quantizers of 2..7 bits have no kernel here, and integer
// activation quantizers are not imported (quantize the float model instead).
import { BranchyUnsupportedError } from '../../errors.js';
import type { Attrs, Const } from './proto.js';
import { roundHalfEven } from '../../ir/numerics.js';

/** Domains whose quantizer ops branchy reads. */
export const QONNX_DOMAINS: ReadonlySet<string> = new Set(['qonnx.custom_op.general', 'finn.custom_op.general', 'onnx.brevitas', 'finn']);
export const QONNX_OPS: ReadonlySet<string> = new Set(['BipolarQuant', 'Quant', 'IntQuant']);

export type QonnxQuant =
  | { kind: 'bipolar'; scale: Const; zeropt: Const | null; divide: boolean }
  | { kind: 'int'; scale: Const; zeropt: Const; bits: number; signed: boolean; narrow: boolean; rounding: string };

const f = Math.fround;

function fail(where: string, what: string, fix: string): never {
  throw new BranchyUnsupportedError(`${where}: ${what}; ${fix}`);
}

/** What a quantizer node means. `constIn(i)` is input i as a constant, or undefined when computed / absent. */
export function readQonnx(where: string, opType: string, a: Attrs, constIn: (i: number) => Const | undefined): QonnxQuant {
  const scale = constIn(1) ?? fail(where, 'the scale is computed or missing', 'export it as an initializer');
  if (opType === 'BipolarQuant') return { kind: 'bipolar', scale, zeropt: null, divide: false };
  const zeropt = constIn(2) ?? fail(where, 'the zero point is computed or missing', 'export it as an initializer');
  const bw = constIn(3) ?? fail(where, 'the bit width is computed or missing', 'export it as an initializer');
  const bits = Number(bw.data[0]);
  if (bw.data.length !== 1 || !Number.isInteger(bits) || bits < 1) fail(where, `bit width ${Array.from(bw.data).join(', ')}`, 'the bit width must be one positive integer');
  const signed = a.int('signed', 1) !== 0;
  const narrow = a.int('narrow', 0) !== 0;
  const rounding = a.string('rounding_mode', 'ROUND').toUpperCase();
  if (bits === 1) {
    if (!signed) {
      fail(where, 'an unsigned 1-bit quantizer ({0, 1}) is not bipolar', 'binary layers take +-1 values: quantize with BipolarQuant or Quant(signed=1, bitwidth=1)');
    }
    if (Array.from(zeropt.data).some((z) => z !== 0)) fail(where, 'a 1-bit quantizer with a non-zero zero point', 'binary layers take +-1 values: use zero point 0');
    return { kind: 'bipolar', scale, zeropt, divide: true };
  }
  if (bits < 8) {
    fail(where, `bit width ${bits}`, 'branchy runs 1-bit (binary, BipolarQuant or Quant with bitwidth 1) and 8-bit layers; quantize this tensor to 1 or 8 bits, or export it in float');
  }
  if (rounding !== 'ROUND' && rounding !== 'FLOOR' && rounding !== 'CEIL') fail(where, `rounding_mode '${rounding}'`, 'use ROUND, FLOOR or CEIL');
  return { kind: 'int', scale, zeropt, bits, signed, narrow, rounding };
}

/** Index into a broadcast operand (numpy rules: dims aligned right, size-1 dims repeat) for each flat index of X. */
function broadcaster(where: string, x: readonly number[], b: readonly number[]): (i: number) => number {
  if (b.reduce((p, d) => p * d, 1) === 1) return () => 0;
  if (b.length > x.length) fail(where, `a scale / zero point of shape [${b.join(', ')}] for an input of rank ${x.length}`, 'the model is malformed');
  const off = x.length - b.length;
  for (let k = 0; k < b.length; k++) {
    if (b[k] !== 1 && b[k] !== x[off + k]) fail(where, `a scale / zero point of shape [${b.join(', ')}] does not broadcast to [${x.join(', ')}]`, 'the model is malformed');
  }
  const xStride = x.map((_, k) => x.slice(k + 1).reduce((p, d) => p * d, 1));
  const bStride = b.map((_, k) => b.slice(k + 1).reduce((p, d) => p * d, 1));
  return (i) => {
    let j = 0;
    for (let k = 0; k < b.length; k++) if (b[k] !== 1) j += (Math.floor(i / xStride[off + k]) % x[off + k]) * bStride[k];
    return j;
  };
}

/** The quantizer applied to a constant, in float32 as the spec's numpy code computes it. */
export function foldQonnx(where: string, q: QonnxQuant, x: Const): Float32Array {
  if (!x.float) fail(where, 'a quantizer of an integer tensor', 'quantizers read float tensors');
  const xd = x.data as Float32Array;
  const sAt = broadcaster(where, x.dims, q.scale.dims);
  const s = q.scale.data;
  const z = q.zeropt?.data;
  const zAt = q.zeropt ? broadcaster(where, x.dims, q.zeropt.dims) : () => 0;
  if (q.kind === 'bipolar') {
    if (!q.divide) return Float32Array.from(xd, (v, i) => f((v >= 0 ? 1 : -1) * s[sAt(i)]));
    return Float32Array.from(xd, (v, i) => {
      const zp = z ? Number(z[zAt(i)]) : 0;
      return f(f((f(f(v / s[sAt(i)]) + zp) >= 0 ? 1 : -1) - zp) * s[sAt(i)]);
    });
  }
  const lo = q.signed ? (q.narrow ? -(2 ** (q.bits - 1)) + 1 : -(2 ** (q.bits - 1))) : 0;
  const hi = q.signed ? 2 ** (q.bits - 1) - 1 : q.narrow ? 2 ** q.bits - 2 : 2 ** q.bits - 1;
  const round = q.rounding === 'FLOOR' ? Math.floor : q.rounding === 'CEIL' ? Math.ceil : roundHalfEven;
  return Float32Array.from(xd, (v, i) => {
    const zp = Number(z![zAt(i)]);
    const y = Math.min(hi, Math.max(lo, f(f(v / s[sAt(i)]) + zp)));
    return f(f(round(y) - zp) * s[sAt(i)]);
  });
}

/** The one scale of a bipolar activation quantizer (the sign's magnitude), or an error. */
export function signScale(where: string, q: QonnxQuant): number {
  const s = Array.from(q.scale.data as ArrayLike<number>);
  if (!s.every((v) => v === s[0]) || !(Number.isFinite(s[0]) && (q.kind === 'bipolar' && !q.divide ? s[0] !== 0 : s[0] > 0))) {
    fail(where, `a binary activation with scale [${s.slice(0, 4).join(', ')}${s.length > 4 ? ', …' : ''}]`,
      'binary activations need one scale for the whole tensor (positive for Quant), which moves into the next layer\'s alpha');
  }
  return s[0];
}

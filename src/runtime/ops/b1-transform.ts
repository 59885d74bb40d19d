// Host side of the binary kernels' numerics (DESIGN.md, Binary; kernels: assembly/b1/):
// sign bits of +-1 tensors, and the per-channel output transform y = acc * mul[c] + add[c]
// turned into what a kernel reads.
//
//   int8 out: q = clamp(round_half_even(f32(f32(acc * m[c]) + a[c])) + zp, qmin, qmax) with
//             m[c] = fround(mul[c] / s_y), a[c] = fround(add[c] / s_y).
//   f32 out:  y = clamp(f32(f32(acc * mul[c]) + add[c]), min, max) (clamp as x < min ? min : x,
//             then max < x ? max : x; min/max: the fused activation's bounds, default +-Infinity).
//   bits out: bit = 1 when f32(f32(acc * mul[c]) + add[c]) < 0 (the next layer's -1). The kernel
//             compares integers, bit = acc * flip[c] < thr[c]; b1Thresholds finds flip and thr
//             that give exactly that bit for every acc the layer can produce (|acc| <= K).
//             mul > 0: flip = 1, bit when acc < thr.  mul < 0: the comparison flips, flip = -1,
//             bit when acc > -thr.  mul = 0: flip = 0, a constant bit (thr 1: set, thr 0: clear).

/** Where a binary layer's output goes. */
export type B1Output =
  | { kind: 'int8'; scale: number; zeroPoint: number; qmin?: number; qmax?: number }
  | { kind: 'f32'; min?: number; max?: number }
  | { kind: 'bits' };

/** Words of a packed row of `channels` bits. */
export const b1Words = (channels: number): number => Math.ceil(channels / 32);

/** Sign bits of a [rows][channels] tensor of +-1 (1 = -1), packed 32 per u32 along channels. */
export function signBits(values: Int8Array, rows: number, channels: number, what: string): Uint32Array {
  if (values.length !== rows * channels) throw new RangeError(`${what}: want ${rows * channels} values, got ${values.length}`);
  const cw = b1Words(channels);
  const out = new Uint32Array(rows * cw);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) {
      const v = values[r * channels + c];
      if (v === -1) out[r * cw + (c >> 5)] |= 1 << (c & 31);
      else if (v !== 1) throw new RangeError(`${what}: value ${v} at [${r}][${c}] is not +1 or -1; binarize the weights first`);
    }
  }
  return out;
}

/** Checks packed bits [rows][ceil(channels/32)]: the right length, and 0 in every bit past `channels`. */
export function checkBits(bits: Uint32Array, rows: number, channels: number, what: string): Uint32Array {
  const cw = b1Words(channels);
  if (bits.length !== rows * cw) throw new RangeError(`${what}: want ${rows * cw} u32 words ([${rows}][${cw}]), got ${bits.length}`);
  const last = channels & 31;
  if (last !== 0) {
    const pad = ~((1 << last) - 1);
    for (let r = 0; r < rows; r++) {
      if (bits[r * cw + cw - 1] & pad) throw new RangeError(`${what}: row ${r} has bits set past channel ${channels}; pad bits must be 0`);
    }
  }
  return bits;
}

/** Either form of binary weights as packed bits [rows][ceil(channels/32)]. */
export function weightBits(spec: { weights?: Int8Array; weightBits?: Uint32Array }, rows: number, channels: number, what: string): Uint32Array {
  if (spec.weights && spec.weightBits) throw new RangeError(`${what}: give weights (+-1) or weightBits, not both`);
  if (spec.weightBits) return checkBits(spec.weightBits, rows, channels, `${what} weightBits`);
  if (spec.weights) return signBits(spec.weights, rows, channels, `${what} weights`);
  throw new RangeError(`${what}: weights missing (weights: +-1 int8, or weightBits: packed u32)`);
}

const f = Math.fround;

/** y = f32(f32(acc * mul) + add), the transform's float value (mul, add already f32). */
export const b1Affine = (acc: number, mul: number, add: number): number => f(f(acc * mul) + add);

/** flip, thr with (acc * flip < thr) === (b1Affine(acc, mul, add) < 0) for every integer |acc| <= kMax. */
export function b1Threshold(mul: number, add: number, kMax: number): { flip: number; thr: number } {
  if (mul === 0) return { flip: 0, thr: add < 0 ? 1 : 0 };
  const neg = (acc: number) => b1Affine(acc, mul, add) < 0;
  // Monotone in acc: for mul > 0 the bit holds on [-kMax, T); for mul < 0 on (U, kMax].
  // Binary search the first acc where the bit differs from its value at the low end.
  let lo = -kMax, hi = kMax + 1;
  const first = neg(lo);
  if (neg(kMax) === first) return mul > 0 ? { flip: 1, thr: first ? kMax + 1 : -kMax } : { flip: -1, thr: first ? kMax + 1 : -kMax };
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (neg(mid) === first) lo = mid;
    else hi = mid;
  }
  // hi is the first acc whose bit differs from acc = -kMax.
  return mul > 0 ? { flip: 1, thr: hi } : { flip: -1, thr: -(hi - 1) };
}

/** The per-channel words a binary kernel's packer copies in (p0, p1) and the params' output fields. */
export interface B1Transform {
  mode: 0 | 1 | 2;
  p0: Uint32Array;
  p1: Uint32Array;
  zpOut: number;
  /** int8 (mode 0): the clamp in the quantized domain (bits: unused, -128 and 127). */
  qmin: number;
  qmax: number;
  /** f32 (mode 2): the output's float bounds (otherwise unused, ±Infinity). */
  fmin: number;
  fmax: number;
}

function checkInt8(what: string, fields: Record<string, number>): void {
  for (const [k, v] of Object.entries(fields)) {
    if (!Number.isInteger(v) || v < -128 || v > 127) throw new RangeError(`${what} ${k} must be an int8, got ${v}`);
  }
}

/** Fold mul/add (real units) and the output into kernel words; kMax bounds |acc| (bits out only). */
export function b1Transform(mul: Float32Array, add: Float32Array, out: B1Output, n: number, kMax: number, what: string): B1Transform {
  if (mul.length !== n || add.length !== n) throw new RangeError(`${what}: mul and add need ${n} channels, got ${mul.length} and ${add.length}`);
  for (let c = 0; c < n; c++) {
    if (!Number.isFinite(mul[c]) || !Number.isFinite(add[c])) throw new RangeError(`${what}: mul/add of channel ${c} is not finite`);
  }
  if (out.kind === 'bits') {
    const flip = new Int32Array(n), thr = new Int32Array(n);
    for (let c = 0; c < n; c++) ({ flip: flip[c], thr: thr[c] } = b1Threshold(mul[c], add[c], kMax));
    return { mode: 1, p0: new Uint32Array(flip.buffer), p1: new Uint32Array(thr.buffer), zpOut: 0, qmin: -128, qmax: 127, fmin: -Infinity, fmax: Infinity };
  }
  if (out.kind === 'f32') {
    const lo = out.min ?? -Infinity, hi = out.max ?? Infinity;
    if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) throw new RangeError(`${what}: f32 output bounds [${lo}, ${hi}] are not a range`);
    return { mode: 2, p0: new Uint32Array(Float32Array.from(mul).buffer), p1: new Uint32Array(Float32Array.from(add).buffer), zpOut: 0, qmin: -128, qmax: 127, fmin: lo, fmax: hi };
  }
  const qmin = out.qmin ?? -128, qmax = out.qmax ?? 127;
  checkInt8(what, { zeroPoint: out.zeroPoint, qmin, qmax });
  if (qmin > qmax) throw new RangeError(`${what}: qmin ${qmin} > qmax ${qmax}`);
  if (!(out.scale > 0) || !Number.isFinite(out.scale)) throw new RangeError(`${what}: output scale must be a positive finite number, got ${out.scale}`);
  const m = new Float32Array(n), a = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    m[c] = f(mul[c] / out.scale);
    a[c] = f(add[c] / out.scale);
    if (!Number.isFinite(m[c]) || !Number.isFinite(a[c])) throw new RangeError(`${what}: mul/add of channel ${c} divided by the output scale overflows f32`);
  }
  return { mode: 0, p0: new Uint32Array(m.buffer), p1: new Uint32Array(a.buffer), zpOut: out.zeroPoint, qmin, qmax, fmin: -Infinity, fmax: Infinity };
}

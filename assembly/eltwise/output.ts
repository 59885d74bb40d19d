// The last step of every int8 output computed from an f32 value t (element-wise add,
// quantize, per-channel multiply-add):
//   y = round_half_even(clamp(t, lo, hi)) + zp,   lo = qmin - zp, hi = qmax - zp
// the same integer as requant_fp32's clamp(round(t), lo, hi) + zp (lo and hi are
// integers, so clamping before or after rounding agrees). The clamp is the select
// `lo < t ? t : lo`, then `hi < t ? hi : t` (f32x4.pmax(lo, t), f32x4.pmin(t, hi)):
// a NaN becomes lo, i.e. qmin. Rounding and conversion are one add of the magic number
// 1.5 * 2^23: for |v| < 2^22, v + 1.5*2^23 rounds v to the nearest integer, ties to
// even (IEEE default rounding), and its bit pattern is 0x4B400000 + round(v).
// output_wasmsimd.ts is its four-lane twin; the two agree bit for bit on every input.

import { MAGIC } from '../common/requant';

/** round_half_even(clamp(t, lo, hi)) + zp; `magic_zp` = MAGIC_BITS - zp. */
// @ts-ignore: decorator
@inline
export function output_fp32(t: f32, lo: f32, hi: f32, magic_zp: i32): i32 {
  t = lo < t ? t : lo;
  t = hi < t ? hi : t;
  return reinterpret<i32>(t + MAGIC) - magic_zp;
}

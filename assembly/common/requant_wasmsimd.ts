// SIMD twin of requant.ts: four lanes at once, bit-identical to the scalar one.
// The clamp runs first (pmin/pmax are exact here: no NaN can reach them, and they are
// cheaper than min/max on x86); the clamped value lies in [-255, 255], so adding
// 1.5·2^23 rounds it to an integer half-to-even in the low mantissa bits (the "magic
// number" conversion), which costs two integer ops instead of V8's long trunc_sat
// sequence. Rounding after the clamp equals clamping after rounding because the bounds
// are integers.
import { clamp_f32x4 } from './clamp_wasmsimd';
import { MAGIC, MAGIC_BITS } from './requant';

/** Twin of requant_f32: clamp x to [lo, hi], round half to even, add zp. */
// @ts-ignore: decorator
@inline
export function requant_f32x4(x: v128, zp: v128, lo: v128, hi: v128): v128 {
  x = f32x4.add(clamp_f32x4(x, lo, hi), f32x4.splat(MAGIC));
  return i32x4.add(i32x4.sub(x, i32x4.splat(MAGIC_BITS)), zp);
}

/** Twin of requant_fp32. */
// @ts-ignore: decorator
@inline
export function requant_fp32x4(acc: v128, scale: v128, zp: v128, lo: v128, hi: v128): v128 {
  return requant_f32x4(f32x4.mul(f32x4.convert_i32x4_s(acc), scale), zp, lo, hi);
}

/**
 * requant_fp32x4 with the zero point folded into the rounding constant: zm = splat(MAGIC_BITS - zp)
 * (zp_magic), so the integer part is one subtraction. The same bits (i32 arithmetic wraps alike).
 */
// @ts-ignore: decorator
@inline
export function requant_fp32x4_zm(acc: v128, scale: v128, zm: v128, lo: v128, hi: v128): v128 {
  const x = f32x4.add(clamp_f32x4(f32x4.mul(f32x4.convert_i32x4_s(acc), scale), lo, hi), f32x4.splat(MAGIC));
  return i32x4.sub(x, zm);
}

/** The folded constant requant_fp32x4_zm takes for output zero point zp. */
// @ts-ignore: decorator
@inline
export function zp_magic(zp: i32): v128 {
  return i32x4.splat(MAGIC_BITS - zp);
}

/** Narrow 16 i32 lanes (already in int8 range) to one i8x16 vector. */
// @ts-ignore: decorator
@inline
export function narrow_i32x16_i8(a: v128, b: v128, c: v128, d: v128): v128 {
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d));
}

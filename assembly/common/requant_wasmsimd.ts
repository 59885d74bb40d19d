// SIMD twin of requant_fp32: four lanes at once, bit-identical to the scalar one.
// pmin/pmax are exact here (no NaN can reach them) and cheaper than min/max on x86.

// @ts-ignore: decorator
@inline
export function requant_fp32x4(acc: v128, scale: v128, zp: v128, lo: v128, hi: v128): v128 {
  let x = f32x4.nearest(f32x4.mul(f32x4.convert_i32x4_s(acc), scale));
  x = f32x4.pmin(f32x4.pmax(x, lo), hi);
  return i32x4.add(i32x4.trunc_sat_f32x4_s(x), zp);
}

/** Narrow 16 i32 lanes (already in int8 range) to one i8x16 vector. */
// @ts-ignore: decorator
@inline
export function narrow_i32x16_i8(a: v128, b: v128, c: v128, d: v128): v128 {
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d));
}

// fp32 requantization, the one definition every int8 kernel uses (DESIGN.md, Numerics):
//   y = clamp(round_half_even(x) + zp, qmin, qmax),   x = f32(acc) * scale (requant_fp32)
// The clamp happens in float before the conversion, against lo = qmin - zp and
// hi = qmax - zp, so the conversion never sees an out-of-range value. The binary kernels'
// int8 output (x = f32(acc) * mul + add) ends the same way.

/** 1.5 * 2^23: for |v| < 2^22, v + MAGIC rounds v half to even into the low mantissa bits. */
// @ts-ignore: decorator
@inline export const MAGIC: f32 = 12582912.0;
/** The bits of MAGIC: reinterpret<i32>(v + MAGIC) - MAGIC_BITS = round_half_even(v). */
// @ts-ignore: decorator
@inline export const MAGIC_BITS: i32 = 0x4b400000;

/** Round x half to even, clamp it to [lo, hi], add zp (requant_f32x4 is its SIMD twin). */
// @ts-ignore: decorator
@inline
export function requant_f32(x: f32, zp: i32, lo: f32, hi: f32): i32 {
  x = nearest<f32>(x);
  x = min<f32>(max<f32>(x, lo), hi);
  return <i32>x + zp;
}

/** Scalar requantization of one accumulator. */
// @ts-ignore: decorator
@inline
export function requant_fp32(acc: i32, scale: f32, zp: i32, lo: f32, hi: f32): i32 {
  return requant_f32(<f32>acc * scale, zp, lo, hi);
}

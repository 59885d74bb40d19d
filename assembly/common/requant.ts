// fp32 requantization, the one definition every int8 kernel uses (DESIGN.md, Numerics):
//   y = clamp(round_half_even(f32(acc) * scale) + zp, qmin, qmax)
// The clamp happens in float before the conversion, against lo = qmin - zp and
// hi = qmax - zp, so the conversion never sees an out-of-range value.

/** Scalar requantization of one accumulator. */
// @ts-ignore: decorator
@inline
export function requant_fp32(acc: i32, scale: f32, zp: i32, lo: f32, hi: f32): i32 {
  let x = nearest<f32>(<f32>acc * scale);
  x = min<f32>(max<f32>(x, lo), hi);
  return <i32>x + zp;
}

/** Saturate an i32 to int8. */
// @ts-ignore: decorator
@inline
export function sat_i8(x: i32): i32 {
  return min<i32>(max<i32>(x, -128), 127);
}

// Clamps every kernel shares, scalar (clamp_wasmsimd.ts: the four-lane twin).

/**
 * Float clamp with the semantics of f32x4.pmax(x, lo) then f32x4.pmin(x, hi): `x < lo ? lo : x`,
 * then `hi < x ? hi : x` (a NaN x passes through), so the scalar and SIMD twins store the same bits.
 */
// @ts-ignore: decorator
@inline
export function clamp_f32(x: f32, lo: f32, hi: f32): f32 {
  x = x < lo ? lo : x;
  return hi < x ? hi : x;
}

/** pmax semantics: a < b ? b : a (a NaN in b is ignored, a NaN in a is kept). */
// @ts-ignore: decorator
@inline
export function pmax_f32(a: f32, b: f32): f32 {
  return a < b ? b : a;
}

/** A weight as every int8 packer reads it: -128 becomes -127 (symmetric int8, every layout and build alike). */
// @ts-ignore: decorator
@inline
export function clamp_w(x: i32): i32 {
  return x < -127 ? -127 : x;
}

/**
 * Output channel nn's bias with the input zero point folded in (the packed layouts' bias'):
 * bias[nn] - zp_in * sum_k clamp_w(w[nn][k]) over the row w[nn][0..k) (bias 0: none).
 */
// @ts-ignore: decorator
@inline
export function folded_bias(w: usize, bias: usize, zp_in: i32, nn: i32, k: i32): i32 {
  let sum: i32 = 0;
  const row = w + <usize>nn * <usize>k;
  for (let t = 0; t < k; t++) sum += clamp_w(<i32>load<i8>(row + <usize>t));
  return (bias != 0 ? load<i32>(bias + <usize>nn * 4) : 0) - zp_in * sum;
}

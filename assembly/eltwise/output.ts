// The last step of every int8 output computed from an f32 value (element-wise add,
// quantize, per-channel multiply): round half to even, clamp, add the zero point.
// It is requant_fp32 (common/requant.ts) with the f32 value given instead of
// f32(acc) * scale, the same operations in the same order:
//   y = clamp(nearest(t), qmin - zp, qmax - zp) as i32 + zp
// output_wasmsimd.ts is its four-lane twin, bit-identical for every input (a NaN
// becomes zp in both: the clamp keeps it, the saturating conversion makes it 0).

/** Round, clamp against lo = qmin - zp and hi = qmax - zp, convert, add zp. */
// @ts-ignore: decorator
@inline
export function output_fp32(t: f32, zp: i32, lo: f32, hi: f32): i32 {
  let x = nearest<f32>(t);
  x = min<f32>(max<f32>(x, lo), hi);
  return <i32>x + zp;
}

/** Float clamp with the semantics of f32x4.pmax then f32x4.pmin (NaN passes through). */
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

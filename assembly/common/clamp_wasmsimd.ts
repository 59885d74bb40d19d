// Four-lane twin of clamp.ts's clamp_f32 (bit-identical).

/** pmax(x, lo) then pmin(x, hi): a NaN x passes through, as in clamp_f32. */
// @ts-ignore: decorator
@inline
export function clamp_f32x4(x: v128, lo: v128, hi: v128): v128 {
  return f32x4.pmin(f32x4.pmax(x, lo), hi);
}

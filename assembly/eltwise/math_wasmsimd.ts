// Two-lane twins of math.ts (read its header): the same f64 operations in the same order.
import {
  E0, E1, E2, E3, E4, E5, E6, E7, E8, E9, EXP_HI, EXP_LO, INV_LN2, LN2_HI, LN2_LO, P1, P2, P3, P4, P5, RND, TWO_OVER_SQRT_PI,
} from './math';

// @ts-ignore: decorator
@inline
function c(v: f64): v128 {
  return f64x2.splat(v);
}

/** Twin of exp_f64. */
// @ts-ignore: decorator
@inline
export function exp_f64x2(x: v128): v128 {
  x = f64x2.min(f64x2.max(x, c(EXP_LO)), c(EXP_HI));
  const kr = f64x2.add(f64x2.mul(x, c(INV_LN2)), c(RND));
  const k = f64x2.sub(kr, c(RND));
  const hi = f64x2.sub(x, f64x2.mul(k, c(LN2_HI))), lo = f64x2.mul(k, c(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  const p = f64x2.add(c(P1), f64x2.mul(t, f64x2.add(c(P2), f64x2.mul(t, f64x2.add(c(P3), f64x2.mul(t, f64x2.add(c(P4), f64x2.mul(t, c(P5)))))))));
  const cc = f64x2.sub(r, f64x2.mul(t, p));
  const q = f64x2.div(f64x2.mul(r, cc), f64x2.sub(c(2.0), cc));
  const y = f64x2.sub(c(1.0), f64x2.sub(f64x2.sub(lo, q), hi));
  return f64x2.mul(y, i64x2.shl(i64x2.add(kr, i64x2.splat(1023)), 52));
}

/** Twin of erfc_f64 (z >= 0). */
// @ts-ignore: decorator
@inline
export function erfc_f64x2(z: v128): v128 {
  const t = f64x2.div(c(1.0), f64x2.add(c(1.0), f64x2.mul(c(0.5), z)));
  let p = f64x2.add(c(E8), f64x2.mul(t, c(E9)));
  p = f64x2.add(c(E7), f64x2.mul(t, p));
  p = f64x2.add(c(E6), f64x2.mul(t, p));
  p = f64x2.add(c(E5), f64x2.mul(t, p));
  p = f64x2.add(c(E4), f64x2.mul(t, p));
  p = f64x2.add(c(E3), f64x2.mul(t, p));
  p = f64x2.add(c(E2), f64x2.mul(t, p));
  p = f64x2.add(c(E1), f64x2.mul(t, p));
  p = f64x2.add(c(E0), f64x2.mul(t, p));
  return f64x2.mul(t, exp_f64x2(f64x2.sub(p, f64x2.mul(z, z))));
}

/** Twin of erf_series_f64. */
// @ts-ignore: decorator
@inline
export function erf_series_f64x2(s: v128): v128 {
  const u = f64x2.mul(s, s);
  let p = f64x2.sub(c(1.0 / 75600.0), f64x2.mul(u, c(1.0 / 685440.0)));
  p = f64x2.sub(c(1.0 / 9360.0), f64x2.mul(u, p));
  p = f64x2.sub(c(1.0 / 1320.0), f64x2.mul(u, p));
  p = f64x2.sub(c(1.0 / 216.0), f64x2.mul(u, p));
  p = f64x2.sub(c(1.0 / 42.0), f64x2.mul(u, p));
  p = f64x2.sub(c(1.0 / 10.0), f64x2.mul(u, p));
  p = f64x2.sub(c(1.0 / 3.0), f64x2.mul(u, p));
  p = f64x2.sub(c(1.0), f64x2.mul(u, p));
  return f64x2.mul(f64x2.mul(c(TWO_OVER_SQRT_PI), s), p);
}

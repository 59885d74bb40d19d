// Two-lane twins of math.ts (read its header): the same f64 operations in the same order.
import {
  E0, E1, E2, E3, E4, E5, E6, E7, E8, E9, EXP_HI, EXP_LO, INV_LN2, LN2_HI, LN2_HI_F, LN2_LO, LN2_LO_F, LOG2E_F, MAGIC_F, MAGIC_F_BITS, P1, P2, P3,
  P4, P5, Q2, Q3, Q4, Q5, Q6, Q7, RND, TWO_OVER_SQRT_PI, Z_MIN_F,
} from './math';

// @ts-ignore: decorator
@inline
function f(v: f32): v128 {
  return f32x4.splat(v);
}

/** Twin of exp_f32 (four lanes). */
// @ts-ignore: decorator
@inline
export function exp_f32x4(z: v128, m1: bool): v128 {
  z = f32x4.max(z, f(Z_MIN_F));
  const nm = f32x4.add(f32x4.mul(z, f(LOG2E_F)), f(MAGIC_F));
  const n = f32x4.sub(nm, f(MAGIC_F));
  const ni = i32x4.sub(nm, i32x4.splat(MAGIC_F_BITS)), h = i32x4.shr_s(ni, 1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(i32x4.sub(ni, h), bias), 23), s2 = i32x4.shl(i32x4.add(h, bias), 23);
  const t = f32x4.sub(f32x4.sub(z, f32x4.mul(n, f(LN2_HI_F))), f32x4.mul(n, f(LN2_LO_F)));
  let q = f32x4.add(f(Q6), f32x4.mul(t, f(Q7)));
  q = f32x4.add(f(Q5), f32x4.mul(t, q));
  q = f32x4.add(f(Q4), f32x4.mul(t, q));
  q = f32x4.add(f(Q3), f32x4.mul(t, q));
  q = f32x4.add(f(Q2), f32x4.mul(t, q));
  const u = f32x4.add(t, f32x4.mul(f32x4.mul(t, t), q));
  if (m1) {
    const s = f32x4.mul(s1, s2);
    return f32x4.add(f32x4.sub(s, f(1.0)), f32x4.mul(s, u));
  }
  return f32x4.mul(f32x4.add(s1, f32x4.mul(s1, u)), s2);
}

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

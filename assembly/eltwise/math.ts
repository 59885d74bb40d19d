// exp and expm1 for the f32 activation kernels (act.ts): in f32 for z <= 0 (sigmoid, silu, tanh,
// elu), and double-precision exp and erfc (gelu, erf). math_wasmsimd.ts is the SIMD twin, the
// same operations in the same order, so the two agree bit for bit. No fused multiply-add
// anywhere. An activation computed in f64 and rounded once to f32 is the correctly rounded f32
// result except when the true value lies within ~1e-15 of a rounding boundary.

// ---- f32: e^z = 2^n e^t, z = n ln2 + t, |t| <= ln2/2; e^t - 1 = t + t^2 q(t) (Taylor to t^7,
// error below 5e-8 relative); 2^n = s1 s2 built in two exponents (n = n - h + h, h = n >> 1), so
// e^z keeps full precision down to 2^-126 and rounds once into the denormals below it. z is
// clamped to >= -104, where e^z rounds to 0 in f32.
// @ts-ignore: decorator
@inline export const MAGIC_F: f32 = 12582912.0;
/** The bits of MAGIC_F: reinterpret<i32>(v + MAGIC_F) - MAGIC_F_BITS = round_half_even(v). */
// @ts-ignore: decorator
@inline export const MAGIC_F_BITS: i32 = 0x4b400000;
// @ts-ignore: decorator
@inline export const LOG2E_F: f32 = 1.4426950216293335;
/** ln 2 split: LN2_HI_F has 9 trailing zero bits, so n * LN2_HI_F is exact for |n| <= 2^9. */
// @ts-ignore: decorator
@inline export const LN2_HI_F: f32 = 0.693145751953125;
// @ts-ignore: decorator
@inline export const LN2_LO_F: f32 = 1.428606765330187e-06;
// @ts-ignore: decorator
@inline export const Z_MIN_F: f32 = -104.0;
// @ts-ignore: decorator
@inline export const Q2: f32 = 0.5;
// @ts-ignore: decorator
@inline export const Q3: f32 = 0.1666666716337204;
// @ts-ignore: decorator
@inline export const Q4: f32 = 0.0416666679084301;
// @ts-ignore: decorator
@inline export const Q5: f32 = 0.008333333767950535;
// @ts-ignore: decorator
@inline export const Q6: f32 = 0.0013888889225199819;
// @ts-ignore: decorator
@inline export const Q7: f32 = 0.00019841270113829523;

/**
 * e^z - 1 (`m1` true) or e^z (false), z <= 0, in f32: u = e^t - 1;
 * e^z = (s1 + s1 u) s2, e^z - 1 = (s - 1) + s u with s = s1 s2 (s - 1 is exact: no cancellation near 0).
 */
// @ts-ignore: decorator
@inline
export function exp_f32(z: f32, m1: bool): f32 {
  z = max<f32>(z, Z_MIN_F);
  const nm = z * LOG2E_F + MAGIC_F;
  const n = nm - MAGIC_F;
  const ni = reinterpret<i32>(nm) - MAGIC_F_BITS, h = ni >> 1;
  const s1 = reinterpret<f32>((ni - h + 127) << 23), s2 = reinterpret<f32>((h + 127) << 23);
  const t = (z - n * LN2_HI_F) - n * LN2_LO_F;
  const u = t + (t * t) * (Q2 + t * (Q3 + t * (Q4 + t * (Q5 + t * (Q6 + t * Q7)))));
  if (m1) {
    const s = s1 * s2;
    return (s - 1.0) + s * u;
  }
  return (s1 + s1 * u) * s2;
}

// ---- f64

/** 1.5 * 2^52: x + RND rounds x to an integer (half to even) in the low bits, for |x| < 2^51. */
// @ts-ignore: decorator
@inline export const RND: f64 = 6755399441055744.0;
// @ts-ignore: decorator
@inline export const INV_LN2: f64 = 1.44269504088896338700e+00;
// fdlibm's e_exp.c split of ln 2 (k * LN2_HI is exact) and its rational coefficients.
// @ts-ignore: decorator
@inline export const LN2_HI: f64 = 6.93147180369123816490e-01;
// @ts-ignore: decorator
@inline export const LN2_LO: f64 = 1.90821492927058770002e-10;
// @ts-ignore: decorator
@inline export const P1: f64 = 1.66666666666666019037e-01;
// @ts-ignore: decorator
@inline export const P2: f64 = -2.77777777770155933842e-03;
// @ts-ignore: decorator
@inline export const P3: f64 = 6.61375632143793436117e-05;
// @ts-ignore: decorator
@inline export const P4: f64 = -1.65339022054652515390e-06;
// @ts-ignore: decorator
@inline export const P5: f64 = 4.13813679705723846039e-08;
/** exp's argument is clamped to [EXP_LO, EXP_HI]: 2^k stays a normal double, the result finite. */
// @ts-ignore: decorator
@inline export const EXP_LO: f64 = -708.0;
// @ts-ignore: decorator
@inline export const EXP_HI: f64 = 709.0;

/**
 * e^x for x clamped to [-708, 709] (NaN stays NaN), < 1 ulp: x = k ln2 + r, |r| <= ln2 / 2,
 * e^r = 1 + 2r / (2 - R(r)) with fdlibm's Remez polynomial, times 2^k built in the exponent bits.
 */
// @ts-ignore: decorator
@inline
export function exp_f64(x: f64): f64 {
  x = min<f64>(max<f64>(x, EXP_LO), EXP_HI);
  const kr = x * INV_LN2 + RND;
  const k = kr - RND;
  const hi = x - k * LN2_HI, lo = k * LN2_LO;
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  return y * reinterpret<f64>((reinterpret<i64>(kr) + 1023) << 52);
}

// The Chebyshev fit of erfc (Numerical Recipes, erfcc): relative error below 1.2e-7 for z >= 0.
// @ts-ignore: decorator
@inline export const E0: f64 = -1.26551223;
// @ts-ignore: decorator
@inline export const E1: f64 = 1.00002368;
// @ts-ignore: decorator
@inline export const E2: f64 = 0.37409196;
// @ts-ignore: decorator
@inline export const E3: f64 = 0.09678418;
// @ts-ignore: decorator
@inline export const E4: f64 = -0.18628806;
// @ts-ignore: decorator
@inline export const E5: f64 = 0.27886807;
// @ts-ignore: decorator
@inline export const E6: f64 = -1.13520398;
// @ts-ignore: decorator
@inline export const E7: f64 = 1.48851587;
// @ts-ignore: decorator
@inline export const E8: f64 = -0.82215223;
// @ts-ignore: decorator
@inline export const E9: f64 = 0.17087277;

/** erfc(z) for z >= 0: t e^(-z^2 + P(t)), t = 1 / (1 + z/2). */
// @ts-ignore: decorator
@inline
export function erfc_f64(z: f64): f64 {
  const t = 1.0 / (1.0 + 0.5 * z);
  const p = E0 + t * (E1 + t * (E2 + t * (E3 + t * (E4 + t * (E5 + t * (E6 + t * (E7 + t * (E8 + t * E9))))))));
  return t * exp_f64(p - z * z);
}

// erf(s) = 2/sqrt(pi) * s * sum_k (-s^2)^k / (k! (2k + 1)) for s < 0.5 (nine terms: < 1e-12).
// @ts-ignore: decorator
@inline export const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
// @ts-ignore: decorator
@inline export const ERF_SMALL: f64 = 0.5;

/** erf(s) for 0 <= s < ERF_SMALL, by its Taylor series (Horner in s^2). */
// @ts-ignore: decorator
@inline
export function erf_series_f64(s: f64): f64 {
  const u = s * s;
  const p = 1.0 - u * (1.0 / 3.0 - u * (1.0 / 10.0 - u * (1.0 / 42.0 - u * (1.0 / 216.0 - u * (1.0 / 1320.0 - u * (1.0 / 9360.0 - u * (1.0 / 75600.0 - u * (1.0 / 685440.0))))))));
  return TWO_OVER_SQRT_PI * s * p;
}

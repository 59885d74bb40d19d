// Activations, WASM SIMD: the twins of act.ts (read its header), same signatures, params and
// operations in the same order (f64 work two lanes at a time), so every output agrees bit for
// bit with the scalar kernels. Tails load a full vector (the host pads every buffer) and store
// only the elements that exist.
import { clamp_f32x4 } from '../common/clamp_wasmsimd';
import { narrow_i32x16_i8 } from '../common/requant_wasmsimd';
import { MAGIC, MAGIC_BITS } from '../common/requant';
import { output_fp32x4, store_bytes_tail, store_f32_tail } from './output_wasmsimd';
import { erf_series_f64x2, erfc_f64x2, exp_f32x4 } from './math_wasmsimd';
import {
  ACT_CLAMP, ACT_ELU, ACT_ERF, ACT_GELU, ACT_HARDSIGMOID, ACT_HARDSWISH, ACT_LEAKYRELU, ACT_SIGMOID, ACT_SILU, ACT_TANH, SQRT1_2,
} from './act';
import {
  F32_ACT_ALPHA, F32_ACT_BETA, F32_ACT_FMAX, F32_ACT_FMIN, F32_ACT_OP, F32_MINMAX_FMAX, F32_MINMAX_FMIN, QS8_VMULCADDC_QMAX,
  QS8_VMULCADDC_QMIN, QS8_VMULCADDC_ZP_IN, QS8_VMULCADDC_ZP_OUT,
} from '../common/params';

// @ts-ignore: decorator
@inline
function c(v: f64): v128 {
  return f64x2.splat(v);
}

/** copysign(r, x) lane by lane (f32 or f64 lanes: `sign` is the sign bits' mask). */
// @ts-ignore: decorator
@inline
function copysign4(r: v128, x: v128, sign: v128): v128 {
  return v128.bitselect(x, r, sign);
}

/** Twin of act_f64 (two lanes). */
// @ts-ignore: decorator
@inline
function act_f64x2(op: i32, x: v128, alpha: v128, beta: v128): v128 {
  const zero = c(0.0), one = c(1.0);
  if (op == ACT_HARDSIGMOID) return f64x2.max(zero, f64x2.min(one, f64x2.add(f64x2.mul(alpha, x), beta)));
  if (op == ACT_HARDSWISH) return f64x2.mul(x, f64x2.max(zero, f64x2.min(one, f64x2.add(f64x2.div(x, c(6.0)), c(0.5)))));
  if (op == ACT_GELU) {
    const z = f64x2.mul(x, c(SQRT1_2));
    const e = erfc_f64x2(f64x2.abs(z));
    return f64x2.mul(f64x2.mul(c(0.5), x), v128.bitselect(e, f64x2.sub(c(2.0), e), f64x2.lt(z, zero)));
  }
  const s = f64x2.abs(x);
  return copysign4(v128.bitselect(erf_series_f64x2(s), f64x2.sub(one, erfc_f64x2(s)), f64x2.lt(s, c(0.5))), x, c(-0.0));
}

/** Twin of act_f32 (four lanes; the f64 ops two lanes at a time). */
// @ts-ignore: decorator
@inline
function act_f32x4(op: i32, x: v128, alpha: v128, beta: v128, fmin: v128, fmax: v128): v128 {
  const one = f32x4.splat(1.0), neg = f32x4.lt(x, f32x4.splat(0));
  if (op == ACT_CLAMP) return f32x4.min(fmax, f32x4.max(fmin, x));
  if (op == ACT_LEAKYRELU) return v128.bitselect(f32x4.mul(x, alpha), x, neg);
  if (op == ACT_SIGMOID || op == ACT_SILU) {
    const e = exp_f32x4(f32x4.neg(f32x4.abs(x)), false);
    const y = f32x4.div(v128.bitselect(e, one, neg), f32x4.add(one, e));
    return op == ACT_SIGMOID ? y : f32x4.mul(x, y);
  }
  if (op == ACT_TANH) {
    const m = exp_f32x4(f32x4.mul(f32x4.splat(-2.0), f32x4.abs(x)), true);
    return copysign4(f32x4.div(f32x4.neg(m), f32x4.add(f32x4.splat(2.0), m)), x, f32x4.splat(-0.0));
  }
  if (op == ACT_ELU) return v128.bitselect(f32x4.mul(alpha, exp_f32x4(x, true)), x, neg);
  const a = f64x2.promote_low_f32x4(alpha), b = f64x2.promote_low_f32x4(beta);
  const lo = act_f64x2(op, f64x2.promote_low_f32x4(x), a, b);
  const hi = act_f64x2(op, f64x2.promote_low_f32x4(v128.shuffle<i32>(x, x, 2, 3, 2, 3)), a, b);
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** The activation over n values, four a step (the tail stores only what exists). */
// @ts-ignore: decorator
@inline
function act_loop(op: i32, n: usize, x: usize, y: usize, alpha: v128, beta: v128, fmin: v128, fmax: v128): void {
  while (n > 0) {
    const r = act_f32x4(op, v128.load(x), alpha, beta, fmin, fmax);
    if (n >= 4) {
      v128.store(y, r);
      n -= 4;
    } else {
      store_f32_tail(y, r, n);
      n = 0;
    }
    x += 16;
    y += 16;
  }
}

export function f32_vact_x4__wasmsimd(n: usize, x: usize, y: usize, params: usize): void {
  const op = load<i32>(params, F32_ACT_OP);
  const alpha = v128.load32_splat(params, F32_ACT_ALPHA), beta = v128.load32_splat(params, F32_ACT_BETA);
  const fmin = v128.load32_splat(params, F32_ACT_FMIN), fmax = v128.load32_splat(params, F32_ACT_FMAX);
  if (op == ACT_CLAMP) act_loop(ACT_CLAMP, n, x, y, alpha, beta, fmin, fmax);
  else if (op == ACT_LEAKYRELU) act_loop(ACT_LEAKYRELU, n, x, y, alpha, beta, fmin, fmax);
  else if (op == ACT_HARDSIGMOID) act_loop(ACT_HARDSIGMOID, n, x, y, alpha, beta, fmin, fmax);
  else if (op == ACT_HARDSWISH) act_loop(ACT_HARDSWISH, n, x, y, alpha, beta, fmin, fmax);
  else if (op == ACT_SIGMOID) act_loop(ACT_SIGMOID, n, x, y, alpha, beta, fmin, fmax);
  else if (op == ACT_SILU) act_loop(ACT_SILU, n, x, y, alpha, beta, fmin, fmax);
  else if (op == ACT_TANH) act_loop(ACT_TANH, n, x, y, alpha, beta, fmin, fmax);
  else if (op == ACT_ELU) act_loop(ACT_ELU, n, x, y, alpha, beta, fmin, fmax);
  else if (op == ACT_GELU) act_loop(ACT_GELU, n, x, y, alpha, beta, fmin, fmax);
  else act_loop(ACT_ERF, n, x, y, alpha, beta, fmin, fmax);
}

/**
 * Sixteen lookups: swizzle picks from one 16-byte slice of the table and gives 0 for an index
 * past 15; the index drops by 16 per slice, so each lane is picked by exactly its own slice.
 */
export function x8_lut_x16__wasmsimd(n: usize, x: usize, y: usize, table: usize): void {
  const t0 = v128.load(table), t1 = v128.load(table, 16), t2 = v128.load(table, 32), t3 = v128.load(table, 48);
  const t4 = v128.load(table, 64), t5 = v128.load(table, 80), t6 = v128.load(table, 96), t7 = v128.load(table, 112);
  const t8 = v128.load(table, 128), t9 = v128.load(table, 144), ta = v128.load(table, 160), tb = v128.load(table, 176);
  const tc = v128.load(table, 192), td = v128.load(table, 208), te = v128.load(table, 224), tf = v128.load(table, 240);
  const k = i8x16.splat(16);
  while (n > 0) {
    let v = v128.load(x);
    let r = i8x16.swizzle(t0, v);
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(t1, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(t2, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(t3, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(t4, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(t5, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(t6, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(t7, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(t8, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(t9, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(ta, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(tb, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(tc, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(td, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(te, v));
    v = i8x16.sub(v, k);
    r = v128.or(r, i8x16.swizzle(tf, v));
    if (n >= 16) {
      v128.store(y, r);
      n -= 16;
    } else {
      store_bytes_tail(y, r, n);
      n = 0;
    }
    x += 16;
    y += 16;
  }
}

export function f32_vprelu_c4__wasmsimd(
  rows: usize, channels: usize, x: usize, x_stride: usize, w: usize, y: usize, y_stride: usize, params: usize,
): void {
  const lo = v128.load32_splat(params, F32_MINMAX_FMIN), hi = v128.load32_splat(params, F32_MINMAX_FMAX);
  const zero = f32x4.splat(0);
  for (let r: usize = 0; r < rows; r++) {
    let xp = x, yp = y, wp = w;
    let left = channels;
    while (left > 0) {
      const v = v128.load(xp);
      const o = clamp_f32x4(f32x4.mul(v, v128.bitselect(v128.load(wp), v128.load(wp, 16), f32x4.lt(v, zero))), lo, hi);
      if (left >= 4) {
        v128.store(yp, o);
        left -= 4;
      } else {
        store_f32_tail(yp, o, left);
        left = 0;
      }
      xp += 16;
      yp += 16;
      wp += 32;
    }
    x += x_stride << 2;
    y += y_stride << 2;
  }
}

/** Four PRelu outputs of four zero-point-corrected i32 lanes v with the multipliers at wp. */
// @ts-ignore: decorator
@inline
function prelu_4(v: v128, wp: usize, lo: v128, hi: v128, magic: v128, mz: v128): v128 {
  const m = v128.bitselect(v128.load(wp), v128.load(wp, 64), i32x4.lt_s(v, i32x4.splat(0)));
  return output_fp32x4(f32x4.mul(f32x4.convert_i32x4_s(v), m), lo, hi, magic, mz);
}

export function qs8_vprelu_c16__wasmsimd(
  rows: usize, channels: usize, x: usize, x_stride: usize, w: usize, y: usize, y_stride: usize, params: usize,
): void {
  const zp_in = i16x8.splat(<i16>load<i32>(params, QS8_VMULCADDC_ZP_IN));
  const zp = load<i32>(params, QS8_VMULCADDC_ZP_OUT), magic = f32x4.splat(MAGIC), mz = i32x4.splat(MAGIC_BITS - zp);
  const lo = f32x4.splat(<f32>(load<i32>(params, QS8_VMULCADDC_QMIN) - zp)), hi = f32x4.splat(<f32>(load<i32>(params, QS8_VMULCADDC_QMAX) - zp));
  for (let r: usize = 0; r < rows; r++) {
    let xp = x, yp = y, wp = w;
    let left = channels;
    while (left > 0) {
      const v = v128.load(xp);
      const l = i16x8.sub(i16x8.extend_low_i8x16_s(v), zp_in), h = i16x8.sub(i16x8.extend_high_i8x16_s(v), zp_in);
      const o = narrow_i32x16_i8(
        prelu_4(i32x4.extend_low_i16x8_s(l), wp, lo, hi, magic, mz), prelu_4(i32x4.extend_high_i16x8_s(l), wp + 16, lo, hi, magic, mz),
        prelu_4(i32x4.extend_low_i16x8_s(h), wp + 32, lo, hi, magic, mz), prelu_4(i32x4.extend_high_i16x8_s(h), wp + 48, lo, hi, magic, mz));
      if (left >= 16) {
        v128.store(yp, o);
        left -= 16;
      } else {
        store_bytes_tail(yp, o, left);
        left = 0;
      }
      xp += 16;
      yp += 16;
      wp += 128;
    }
    x += x_stride;
    y += y_stride;
  }
}

// Activations, scalar twins; SIMD twins with the same signatures in act_wasmsimd.ts.
//
// f32_vact (f32 -> f32, every ONNX activation branchy runs): signature (n, x, y, params),
// params F32_ACT: op (ACT_* below), alpha, beta (f32), fmin, fmax. In place is allowed.
// x is widened to f64, the activation computed in f64 in the order written here, and the
// result rounded once to f32 (math.ts); alpha and beta are read as f32:
//   clamp        min(fmax, max(fmin, x))                   (in f32: relu, relu6, clip)
//   leakyrelu    x < 0 ? x * alpha : x                     (in f32: one rounding either way)
//   hardsigmoid  max(0, min(1, alpha * x + beta))
//   hardswish    x * max(0, min(1, x / 6 + 0.5))
//   sigmoid      1 / (1 + exp(-x))
//   silu         x * (1 / (1 + exp(-x)))
//   tanh         s = |x|: s < 0.0004 ? s - s*s*s / 3 : 1 - 2 / (exp(2s) + 1), with x's sign
//   elu          x < 0 ? alpha * (x > -0.001 ? x + x*x * (0.5 + x / 6) : exp(x) - 1) : x
//   gelu         0.5 * x * (z < 0 ? erfc(-z) : 2 - erfc(z)), z = x / sqrt(2)
//   erf          s = |x|: s < 0.5 ? series(s) : 1 - erfc(s), with x's sign
// max / min are wasm's (NaN in, NaN out; max(+0, -0) = +0), as JavaScript's Math.max / min:
// clamp, leakyrelu, hardsigmoid and hardswish give exactly what the double-precision
// definitions in src/ir/activations.ts give; the others are within 2e-7 relative of them.
//
// x8_lut (int8 -> int8 through a 256-byte table): signature (n, x, y, table),
// y[i] = table[x[i] & 255] (the host builds the table: src/ir/ops/activation.ts). In place is allowed.
//
// f32_vprelu_c4 / qs8_vprelu_c16 (PRelu, a slope per channel, NHWC rows of pixels): the
// signature and packed weights of the per-channel multiply-add (f32_eltwise.ts, qs8_eltwise.ts),
// packed by the same packers with m[c] the negative-side multiplier and b[c] the positive one:
//   f32  y = clamp(x * (x < 0 ? m[c] : b[c]), fmin, fmax)          m = slope, b = 1
//   int8 y = round_half_even(clamp(f32(x - zp_in) * (x < zp_in ? m[c] : b[c]), lo, hi)) + zp_out
//        m[c] = fround(s_in * slope[c] / s_out), b[c] = fround(s_in / s_out)
import { clamp_f32 } from '../common/clamp';
import { MAGIC_BITS } from '../common/requant';
import { output_fp32 } from './output';
import { erf_series_f64, erfc_f64, exp_f64 } from './math';
import {
  F32_ACT_ALPHA, F32_ACT_BETA, F32_ACT_FMAX, F32_ACT_FMIN, F32_ACT_OP, F32_MINMAX_FMAX, F32_MINMAX_FMIN, QS8_VMULCADDC_QMAX,
  QS8_VMULCADDC_QMIN, QS8_VMULCADDC_ZP_IN, QS8_VMULCADDC_ZP_OUT,
} from '../common/params';

// The activations, in the order of the host's ACT_OPS (src/runtime/ops/act.ts).
// @ts-ignore: decorator
@inline export const ACT_CLAMP: i32 = 0;
// @ts-ignore: decorator
@inline export const ACT_LEAKYRELU: i32 = 1;
// @ts-ignore: decorator
@inline export const ACT_HARDSIGMOID: i32 = 2;
// @ts-ignore: decorator
@inline export const ACT_HARDSWISH: i32 = 3;
// @ts-ignore: decorator
@inline export const ACT_SIGMOID: i32 = 4;
// @ts-ignore: decorator
@inline export const ACT_SILU: i32 = 5;
// @ts-ignore: decorator
@inline export const ACT_TANH: i32 = 6;
// @ts-ignore: decorator
@inline export const ACT_ELU: i32 = 7;
// @ts-ignore: decorator
@inline export const ACT_GELU: i32 = 8;
// @ts-ignore: decorator
@inline export const ACT_ERF: i32 = 9;
/** Below this |x| tanh is its two-term series (error < 4e-15 relative). */
// @ts-ignore: decorator
@inline export const TANH_SMALL: f64 = 0.0004;
/** Above this x < 0, elu's exp(x) - 1 is its three-term series (error < 5e-11 relative). */
// @ts-ignore: decorator
@inline export const ELU_SMALL: f64 = -0.001;
// @ts-ignore: decorator
@inline export const SQRT1_2: f64 = 0.7071067811865476;

/** The activations computed in f64 (every op but clamp and leakyrelu). */
// @ts-ignore: decorator
@inline
function act_f64(op: i32, x: f64, alpha: f64, beta: f64): f64 {
  if (op == ACT_HARDSIGMOID) return max<f64>(0.0, min<f64>(1.0, alpha * x + beta));
  if (op == ACT_HARDSWISH) return x * max<f64>(0.0, min<f64>(1.0, x / 6.0 + 0.5));
  if (op == ACT_SIGMOID) return 1.0 / (1.0 + exp_f64(-x));
  if (op == ACT_SILU) return x * (1.0 / (1.0 + exp_f64(-x)));
  if (op == ACT_TANH) {
    const s = abs<f64>(x);
    return copysign<f64>(s < TANH_SMALL ? s - (s * s * s) / 3.0 : 1.0 - 2.0 / (exp_f64(2.0 * s) + 1.0), x);
  }
  if (op == ACT_ELU) return x < 0 ? alpha * (x > ELU_SMALL ? x + x * x * (0.5 + x / 6.0) : exp_f64(x) - 1.0) : x;
  if (op == ACT_GELU) {
    const z = x * SQRT1_2;
    const e = erfc_f64(abs<f64>(z));
    return 0.5 * x * (z < 0 ? e : 2.0 - e);
  }
  const s = abs<f64>(x);
  return copysign<f64>(s < 0.5 ? erf_series_f64(s) : 1.0 - erfc_f64(s), x);
}

// @ts-ignore: decorator
@inline
function act_f32(op: i32, x: f32, alpha: f32, beta: f32, fmin: f32, fmax: f32): f32 {
  if (op == ACT_CLAMP) return min<f32>(fmax, max<f32>(fmin, x));
  if (op == ACT_LEAKYRELU) return x < 0 ? x * alpha : x;
  return <f32>act_f64(op, <f64>x, <f64>alpha, <f64>beta);
}

// @ts-ignore: decorator
@inline
function act_loop(op: i32, n: usize, x: usize, y: usize, alpha: f32, beta: f32, fmin: f32, fmax: f32): void {
  for (let i: usize = 0; i < n; i++) store<f32>(y + (i << 2), act_f32(op, load<f32>(x + (i << 2)), alpha, beta, fmin, fmax));
}

export function f32_vact_x1__scalar(n: usize, x: usize, y: usize, params: usize): void {
  const op = load<i32>(params, F32_ACT_OP);
  const alpha = load<f32>(params, F32_ACT_ALPHA), beta = load<f32>(params, F32_ACT_BETA);
  const fmin = load<f32>(params, F32_ACT_FMIN), fmax = load<f32>(params, F32_ACT_FMAX);
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

export function x8_lut_x1__scalar(n: usize, x: usize, y: usize, table: usize): void {
  for (let i: usize = 0; i < n; i++) store<u8>(y + i, load<u8>(table + <usize>load<u8>(x + i)));
}

export function f32_vprelu_c4__scalar(
  rows: usize, channels: usize, x: usize, x_stride: usize, w: usize, y: usize, y_stride: usize, params: usize,
): void {
  const fmin = load<f32>(params, F32_MINMAX_FMIN), fmax = load<f32>(params, F32_MINMAX_FMAX);
  for (let r: usize = 0; r < rows; r++) {
    for (let c: usize = 0; c < channels; c++) {
      const wp = w + ((c >> 2) << 5) + ((c & 3) << 2);
      const v = load<f32>(x + (c << 2));
      store<f32>(y + (c << 2), clamp_f32(v * (v < 0 ? load<f32>(wp) : load<f32>(wp, 16)), fmin, fmax));
    }
    x += x_stride << 2;
    y += y_stride << 2;
  }
}

export function qs8_vprelu_c16__scalar(
  rows: usize, channels: usize, x: usize, x_stride: usize, w: usize, y: usize, y_stride: usize, params: usize,
): void {
  const zp_in = load<i32>(params, QS8_VMULCADDC_ZP_IN), zp_out = load<i32>(params, QS8_VMULCADDC_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_VMULCADDC_QMIN) - zp_out), hi = <f32>(load<i32>(params, QS8_VMULCADDC_QMAX) - zp_out);
  const mz = MAGIC_BITS - zp_out;
  for (let r: usize = 0; r < rows; r++) {
    for (let c: usize = 0; c < channels; c++) {
      const wp = w + ((c >> 4) << 7) + ((c & 15) << 2);
      const v = <i32>load<i8>(x + c) - zp_in;
      store<i8>(y + c, output_fp32(<f32>v * (v < 0 ? load<f32>(wp) : load<f32>(wp, 64)), lo, hi, mz));
    }
    x += x_stride;
    y += y_stride;
  }
}

// Activations, scalar twins; SIMD twins with the same signatures in act_wasmsimd.ts.
//
// f32_vact (f32 -> f32, every ONNX activation branchy runs): signature (n, x, y, params),
// params F32_ACT: op (ACT_* below), alpha, beta (f32), fmin, fmax. In place is allowed.
// Each op in the order written (math.ts has exp_f32, erfc_f64):
//   in f32, exactly the double-precision definitions of src/ir/activations.ts rounded to f32:
//     clamp        min(fmax, max(fmin, x))                   (relu, relu6, clip)
//     leakyrelu    x < 0 ? x * alpha : x
//   in f64 (x widened, one rounding to f32 at the end), the same exactly:
//     hardsigmoid  max(0, min(1, alpha * x + beta))
//     hardswish    x * max(0, min(1, x / 6 + 0.5))
//   in f32 from exp_f32 (within 1e-6 relative of the definition; outputs below 2^-126 may flush to 0):
//     sigmoid      e = exp(-|x|): (x < 0 ? e : 1) / (1 + e)
//     silu         x * sigmoid(x)
//     tanh         m = expm1(-2|x|): -m / (2 + m), with x's sign
//     elu          x < 0 ? alpha * expm1(x) : x
//   in f64 (within 2e-7 relative):
//     gelu         0.5 * x * (z < 0 ? erfc(-z) : 2 - erfc(z)), z = x / sqrt(2)
//     erf          s = |x|: s < 0.5 ? series(s) : 1 - erfc(s), with x's sign
// max / min are wasm's (NaN in, NaN out; max(+0, -0) = +0), as JavaScript's Math.max / min.
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
import { erf_series_f64, erfc_f64, exp_f32 } from './math';
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
// @ts-ignore: decorator
@inline export const SQRT1_2: f64 = 0.7071067811865476;

/** The ops computed in f64. */
// @ts-ignore: decorator
@inline
function act_f64(op: i32, x: f64, alpha: f64, beta: f64): f64 {
  if (op == ACT_HARDSIGMOID) return max<f64>(0.0, min<f64>(1.0, alpha * x + beta));
  if (op == ACT_HARDSWISH) return x * max<f64>(0.0, min<f64>(1.0, x / 6.0 + 0.5));
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
  if (op == ACT_SIGMOID || op == ACT_SILU) {
    const e = exp_f32(-abs<f32>(x), false);
    const y = (x < 0 ? e : <f32>1.0) / (<f32>1.0 + e);
    return op == ACT_SIGMOID ? y : x * y;
  }
  if (op == ACT_TANH) {
    const m = exp_f32(<f32>-2.0 * abs<f32>(x), true);
    return copysign<f32>(-m / (<f32>2.0 + m), x);
  }
  if (op == ACT_ELU) return x < 0 ? alpha * exp_f32(x, true) : x;
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

// int8 element-wise kernels, scalar twins; SIMD twins with the same signatures in
// qs8_eltwise_wasmsimd.ts. n counts elements; every kernel may run in place (y == x). Params:
// one block per kernel (src/runtime/param-blocks.ts; offsets: common/params.ts):
//
// qs8_vcvt (requantize int8 -> int8, a scale/zp change):
//   QS8_CVT: zp_in, zp_out, qmin, qmax, m = Math.fround(s_in / s_out) (f32)
//   y = requant_fp32(x - zp_in, m, zp_out, qmin - zp_out, qmax - zp_out)
//
// f32_qs8_vcvt (QuantizeLinear f32 -> int8):
//   F32_QS8_CVT: zp_out (zp below), qmin, qmax, scale (f32)
//   y = round_half_even(clamp(x / scale, qmin - zp, qmax - zp)) + zp  (a true division, as ONNX
//       Runtime's MLAS does; qmin/qmax = -128/127 for plain QuantizeLinear; NaN gives qmin)
//
// qs8_f32_vcvt (DequantizeLinear int8 -> f32):
//   QS8_F32_CVT: zp_in (zp below), scale (f32)          y = f32(x - zp) * scale
//
// qs8_vmulcaddc_c16 (Mul / Mul+Add by per-channel constants, NHWC rows of pixels):
//   signature (rows, channels, x, x_stride, w, y, y_stride, params), strides in bytes
//   params QS8_VMULCADDC: zp_in, zp_out, qmin, qmax
//   w (written by qs8_vmulcaddc_pack_c16): per block of 16 channels, 16 f32
//   multipliers m[c] then 16 f32 biases b[c] (128 bytes; the last block zero-padded).
//   m[c] = Math.fround(s_in * k[c] / s_out), b[c] = Math.fround(bias[c] / s_out).
//   y = round_half_even(clamp(f32(x - zp_in) * m[c] + b[c], qmin - zp_out, qmax - zp_out)) + zp_out
//   With b = 0 this is a per-channel requantization (requant_fp32 with m[c]).
import { MAGIC_BITS, requant_fp32 } from '../common/requant';
import { output_fp32 } from './output';
import {
  F32_QS8_CVT_QMAX, F32_QS8_CVT_QMIN, F32_QS8_CVT_SCALE, F32_QS8_CVT_ZP_OUT, QS8_CVT_M, QS8_CVT_QMAX,
  QS8_CVT_QMIN, QS8_CVT_ZP_IN, QS8_CVT_ZP_OUT, QS8_F32_CVT_SCALE, QS8_F32_CVT_ZP_IN, QS8_VMULCADDC_QMAX,
  QS8_VMULCADDC_QMIN, QS8_VMULCADDC_ZP_IN, QS8_VMULCADDC_ZP_OUT
} from '../common/params';

export function qs8_vcvt_x1__scalar(n: usize, x: usize, y: usize, params: usize): void {
  const zp_in = load<i32>(params, QS8_CVT_ZP_IN), zp_out = load<i32>(params, QS8_CVT_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_CVT_QMIN) - zp_out), hi = <f32>(load<i32>(params, QS8_CVT_QMAX) - zp_out);
  const m = load<f32>(params, QS8_CVT_M);
  for (let i: usize = 0; i < n; i++) {
    store<i8>(y + i, requant_fp32(<i32>load<i8>(x + i) - zp_in, m, zp_out, lo, hi));
  }
}

export function f32_qs8_vcvt_x1__scalar(n: usize, x: usize, y: usize, params: usize): void {
  const zp = load<i32>(params, F32_QS8_CVT_ZP_OUT);
  const lo = <f32>(load<i32>(params, F32_QS8_CVT_QMIN) - zp), hi = <f32>(load<i32>(params, F32_QS8_CVT_QMAX) - zp);
  const scale = load<f32>(params, F32_QS8_CVT_SCALE), mz = MAGIC_BITS - zp;
  for (let i: usize = 0; i < n; i++) {
    store<i8>(y + i, output_fp32(load<f32>(x + (i << 2)) / scale, lo, hi, mz));
  }
}

export function qs8_f32_vcvt_x1__scalar(n: usize, x: usize, y: usize, params: usize): void {
  const zp = load<i32>(params, QS8_F32_CVT_ZP_IN), scale = load<f32>(params, QS8_F32_CVT_SCALE);
  for (let i: usize = 0; i < n; i++) {
    store<f32>(y + (i << 2), <f32>(<i32>load<i8>(x + i) - zp) * scale);
  }
}

/** Pack per-channel multipliers m[channels] and biases b[channels] (b_ptr 0: zeros). */
export function qs8_vmulcaddc_pack_c16(channels: usize, m_ptr: usize, b_ptr: usize, out: usize): void {
  const blocks = (channels + 15) >> 4;
  for (let blk: usize = 0; blk < blocks; blk++) {
    const o = out + (blk << 7);
    for (let j: usize = 0; j < 16; j++) {
      const c = (blk << 4) + j;
      const m: f32 = c < channels ? load<f32>(m_ptr + (c << 2)) : 0;
      const b: f32 = c < channels && b_ptr != 0 ? load<f32>(b_ptr + (c << 2)) : 0;
      store<f32>(o + (j << 2), m);
      store<f32>(o + 64 + (j << 2), b);
    }
  }
}

export function qs8_vmulcaddc_c16__scalar(
  rows: usize, channels: usize, x: usize, x_stride: usize, w: usize, y: usize, y_stride: usize, params: usize,
): void {
  const zp_in = load<i32>(params, QS8_VMULCADDC_ZP_IN), zp_out = load<i32>(params, QS8_VMULCADDC_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_VMULCADDC_QMIN) - zp_out), hi = <f32>(load<i32>(params, QS8_VMULCADDC_QMAX) - zp_out);
  const mz = MAGIC_BITS - zp_out;
  for (let r: usize = 0; r < rows; r++) {
    for (let c: usize = 0; c < channels; c++) {
      const wp = w + ((c >> 4) << 7) + ((c & 15) << 2);
      const t = <f32>(<i32>load<i8>(x + c) - zp_in) * load<f32>(wp) + load<f32>(wp, 64);
      store<i8>(y + c, output_fp32(t, lo, hi, mz));
    }
    x += x_stride;
    y += y_stride;
  }
}

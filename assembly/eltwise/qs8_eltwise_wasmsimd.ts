// int8 element-wise kernels, WASM SIMD, 16 elements per step. Same signatures,
// params and numerics as the scalar twins in qs8_eltwise.ts (read its header): the
// same f32 operations in the same order, so the twins agree bit for bit. Tails load a
// full vector (reading at most 15 bytes past the input, which the host pads) and
// store only the elements that exist.
import { narrow_i32x16_i8, requant_fp32x4 } from '../common/requant_wasmsimd';
import { MAGIC, MAGIC_BITS } from '../common/requant';
import { output_fp32x4, store_bytes_tail, store_f32_tail } from './output_wasmsimd';
import {
  F32_QS8_CVT_QMAX, F32_QS8_CVT_QMIN, F32_QS8_CVT_SCALE, F32_QS8_CVT_ZP_OUT, QS8_CVT_M, QS8_CVT_QMAX,
  QS8_CVT_QMIN, QS8_CVT_ZP_IN, QS8_CVT_ZP_OUT, QS8_F32_CVT_SCALE, QS8_F32_CVT_ZP_IN, QS8_VMULCADDC_QMAX,
  QS8_VMULCADDC_QMIN, QS8_VMULCADDC_ZP_IN, QS8_VMULCADDC_ZP_OUT
} from '../common/params';

// @ts-ignore: decorator
@inline
function requant_16(v: v128, zp_in: v128, m: v128, zp_out: v128, lo: v128, hi: v128): v128 {
  const l = i16x8.sub(i16x8.extend_low_i8x16_s(v), zp_in), h = i16x8.sub(i16x8.extend_high_i8x16_s(v), zp_in);
  return narrow_i32x16_i8(
    requant_fp32x4(i32x4.extend_low_i16x8_s(l), m, zp_out, lo, hi),
    requant_fp32x4(i32x4.extend_high_i16x8_s(l), m, zp_out, lo, hi),
    requant_fp32x4(i32x4.extend_low_i16x8_s(h), m, zp_out, lo, hi),
    requant_fp32x4(i32x4.extend_high_i16x8_s(h), m, zp_out, lo, hi));
}

export function qs8_vcvt_x16__wasmsimd(n: usize, x: usize, y: usize, params: usize): void {
  const zp_in = i16x8.splat(<i16>load<i32>(params, QS8_CVT_ZP_IN));
  const zp = load<i32>(params, QS8_CVT_ZP_OUT), zp_out = i32x4.splat(zp);
  const lo = f32x4.splat(<f32>(load<i32>(params, QS8_CVT_QMIN) - zp)), hi = f32x4.splat(<f32>(load<i32>(params, QS8_CVT_QMAX) - zp));
  const m = f32x4.splat(load<f32>(params, QS8_CVT_M));
  for (; n >= 16; n -= 16) {
    v128.store(y, requant_16(v128.load(x), zp_in, m, zp_out, lo, hi));
    x += 16;
    y += 16;
  }
  if (n > 0) store_bytes_tail(y, requant_16(v128.load(x), zp_in, m, zp_out, lo, hi), n);
}

export function f32_qs8_vcvt_x16__wasmsimd(n: usize, x: usize, y: usize, params: usize): void {
  const zp = load<i32>(params, F32_QS8_CVT_ZP_OUT), magic = f32x4.splat(MAGIC), mz = i32x4.splat(MAGIC_BITS - zp);
  const lo = f32x4.splat(<f32>(load<i32>(params, F32_QS8_CVT_QMIN) - zp)), hi = f32x4.splat(<f32>(load<i32>(params, F32_QS8_CVT_QMAX) - zp));
  const scale = f32x4.splat(load<f32>(params, F32_QS8_CVT_SCALE));
  for (; n >= 16; n -= 16) {
    v128.store(y, narrow_i32x16_i8(
      output_fp32x4(f32x4.div(v128.load(x), scale), lo, hi, magic, mz),
      output_fp32x4(f32x4.div(v128.load(x, 16), scale), lo, hi, magic, mz),
      output_fp32x4(f32x4.div(v128.load(x, 32), scale), lo, hi, magic, mz),
      output_fp32x4(f32x4.div(v128.load(x, 48), scale), lo, hi, magic, mz)));
    x += 64;
    y += 16;
  }
  for (; n >= 4; n -= 4) {
    const r = output_fp32x4(f32x4.div(v128.load(x), scale), lo, hi, magic, mz);
    v128.store32_lane(y, narrow_i32x16_i8(r, r, r, r), 0);
    x += 16;
    y += 4;
  }
  if (n > 0) {
    const r = output_fp32x4(f32x4.div(v128.load(x), scale), lo, hi, magic, mz);
    store_bytes_tail(y, narrow_i32x16_i8(r, r, r, r), n);
  }
}

// @ts-ignore: decorator
@inline
function dequant_4(p: usize, zp: v128, scale: v128): v128 {
  const v = i16x8.sub(i16x8.extend_low_i8x16_s(v128.load32_zero(p)), zp);
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(v)), scale);
}

export function qs8_f32_vcvt_x16__wasmsimd(n: usize, x: usize, y: usize, params: usize): void {
  const zp = i16x8.splat(<i16>load<i32>(params, QS8_F32_CVT_ZP_IN)), scale = f32x4.splat(load<f32>(params, QS8_F32_CVT_SCALE));
  for (; n >= 16; n -= 16) {
    const v = v128.load(x);
    const l = i16x8.sub(i16x8.extend_low_i8x16_s(v), zp), h = i16x8.sub(i16x8.extend_high_i8x16_s(v), zp);
    v128.store(y, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(l)), scale));
    v128.store(y, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(l)), scale), 16);
    v128.store(y, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h)), scale), 32);
    v128.store(y, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h)), scale), 48);
    x += 16;
    y += 64;
  }
  for (; n >= 4; n -= 4) {
    v128.store(y, dequant_4(x, zp, scale));
    x += 4;
    y += 16;
  }
  if (n > 0) store_f32_tail(y, dequant_4(x, zp, scale), n);
}

export function qs8_vmulcaddc_c16__wasmsimd(
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
      const t0 = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(l)), v128.load(wp)), v128.load(wp, 64));
      const t1 = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(l)), v128.load(wp, 16)), v128.load(wp, 80));
      const t2 = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(h)), v128.load(wp, 32)), v128.load(wp, 96));
      const t3 = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(h)), v128.load(wp, 48)), v128.load(wp, 112));
      const o = narrow_i32x16_i8(
        output_fp32x4(t0, lo, hi, magic, mz), output_fp32x4(t1, lo, hi, magic, mz),
        output_fp32x4(t2, lo, hi, magic, mz), output_fp32x4(t3, lo, hi, magic, mz));
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

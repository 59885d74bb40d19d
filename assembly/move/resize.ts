// Resize of NHWC images (ONNX Resize / Upsample, nearest and bilinear). The host maps every
// output row and column to input positions once, by ONNX's coordinate transformation and
// nearest mode (src/runtime/ops/resize.ts), into two tables the kernels only read: no
// division, no rounding mode, no clamp of coordinates in here. SIMD twins with the same
// signatures, params and bits: resize_wasmsimd.ts.
//
// Nearest (XX_RESIZE_NEAREST): rows[oy] is the byte offset of input row iy(oy), cols[ox] the
// byte offset of input pixel ix(ox) in a row: y[oy][ox][:] = x[iy][ix][:] (c * el bytes).
//
// Bilinear (F32_RESIZE_LINEAR, QS8_RESIZE_LINEAR): rows[oy] = {i32 r0, i32 r1, f32 wy0, f32 wy1}
// (byte offsets of the two input rows and their weights), cols[ox] = {i32 c0, i32 c1, f32 wx0,
// f32 wx1}. With a, b the values at (r0, c0), (r0, c1) and c, d at (r1, c0), (r1, c1), each
// channel is, in f32 and in this order:
//   f32:  y = (a * wx0 + b * wx1) * wy0 + (c * wx0 + d * wx1) * wy1
//   int8: the same of a - zp_in, ..., d - zp_in (exact in f32), times m = fround(s_in / s_out),
//         then y = requant_f32(v * m, zp_out, qmin - zp_out, qmax - zp_out) (round half to even)
// The twins use the same operations in the same order (no fused multiply-add), so int8 and f32
// outputs are bit-identical across builds.
import { requant_f32 } from '../common/requant';
import {
  F32_RESIZE_LINEAR_C, F32_RESIZE_LINEAR_COLS, F32_RESIZE_LINEAR_OH, F32_RESIZE_LINEAR_OW, F32_RESIZE_LINEAR_ROWS,
  QS8_RESIZE_LINEAR_C, QS8_RESIZE_LINEAR_COLS, QS8_RESIZE_LINEAR_M, QS8_RESIZE_LINEAR_OH, QS8_RESIZE_LINEAR_OW,
  QS8_RESIZE_LINEAR_QMAX, QS8_RESIZE_LINEAR_QMIN, QS8_RESIZE_LINEAR_ROWS, QS8_RESIZE_LINEAR_ZP_IN, QS8_RESIZE_LINEAR_ZP_OUT,
  XX_RESIZE_NEAREST_C, XX_RESIZE_NEAREST_COLS, XX_RESIZE_NEAREST_EL, XX_RESIZE_NEAREST_OH, XX_RESIZE_NEAREST_OW,
  XX_RESIZE_NEAREST_ROWS,
} from '../common/params';

export function xx_resize_nearest_x1__scalar(x: usize, y: usize, params: usize): void {
  const oh = load<i32>(params, XX_RESIZE_NEAREST_OH), ow = load<i32>(params, XX_RESIZE_NEAREST_OW);
  const run = <usize>(load<i32>(params, XX_RESIZE_NEAREST_C) * load<i32>(params, XX_RESIZE_NEAREST_EL));
  const rows = <usize>load<i32>(params, XX_RESIZE_NEAREST_ROWS), cols = <usize>load<i32>(params, XX_RESIZE_NEAREST_COLS);
  for (let oy = 0; oy < oh; oy++) {
    const row = x + <usize>load<i32>(rows + (<usize>oy << 2));
    for (let ox = 0; ox < ow; ox++) {
      memory.copy(y, row + <usize>load<i32>(cols + (<usize>ox << 2)), run);
      y += run;
    }
  }
}

/** One bilinear value (f32): the definition above. */
// @ts-ignore: decorator
@inline
export function lerp2(a: f32, b: f32, c: f32, d: f32, wx0: f32, wx1: f32, wy0: f32, wy1: f32): f32 {
  return (a * wx0 + b * wx1) * wy0 + (c * wx0 + d * wx1) * wy1;
}

export function f32_resize_linear_x1__scalar(x: usize, y: usize, params: usize): void {
  const oh = load<i32>(params, F32_RESIZE_LINEAR_OH), ow = load<i32>(params, F32_RESIZE_LINEAR_OW), c = load<i32>(params, F32_RESIZE_LINEAR_C);
  const rows = <usize>load<i32>(params, F32_RESIZE_LINEAR_ROWS), cols = <usize>load<i32>(params, F32_RESIZE_LINEAR_COLS);
  for (let oy = 0; oy < oh; oy++) {
    const rt = rows + (<usize>oy << 4);
    const r0 = x + <usize>load<i32>(rt), r1 = x + <usize>load<i32>(rt, 4), wy0 = load<f32>(rt, 8), wy1 = load<f32>(rt, 12);
    for (let ox = 0; ox < ow; ox++) {
      const ct = cols + (<usize>ox << 4);
      const c0 = <usize>load<i32>(ct), c1 = <usize>load<i32>(ct, 4), wx0 = load<f32>(ct, 8), wx1 = load<f32>(ct, 12);
      for (let ch = 0; ch < c; ch++) {
        const e = <usize>ch << 2;
        store<f32>(y, lerp2(load<f32>(r0 + c0 + e), load<f32>(r0 + c1 + e), load<f32>(r1 + c0 + e), load<f32>(r1 + c1 + e), wx0, wx1, wy0, wy1));
        y += 4;
      }
    }
  }
}

export function qs8_resize_linear_x1__scalar(x: usize, y: usize, params: usize): void {
  const oh = load<i32>(params, QS8_RESIZE_LINEAR_OH), ow = load<i32>(params, QS8_RESIZE_LINEAR_OW), c = load<i32>(params, QS8_RESIZE_LINEAR_C);
  const rows = <usize>load<i32>(params, QS8_RESIZE_LINEAR_ROWS), cols = <usize>load<i32>(params, QS8_RESIZE_LINEAR_COLS);
  const zp_in = load<i32>(params, QS8_RESIZE_LINEAR_ZP_IN), zp = load<i32>(params, QS8_RESIZE_LINEAR_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_RESIZE_LINEAR_QMIN) - zp), hi = <f32>(load<i32>(params, QS8_RESIZE_LINEAR_QMAX) - zp);
  const m = load<f32>(params, QS8_RESIZE_LINEAR_M);
  for (let oy = 0; oy < oh; oy++) {
    const rt = rows + (<usize>oy << 4);
    const r0 = x + <usize>load<i32>(rt), r1 = x + <usize>load<i32>(rt, 4), wy0 = load<f32>(rt, 8), wy1 = load<f32>(rt, 12);
    for (let ox = 0; ox < ow; ox++) {
      const ct = cols + (<usize>ox << 4);
      const c0 = <usize>load<i32>(ct), c1 = <usize>load<i32>(ct, 4), wx0 = load<f32>(ct, 8), wx1 = load<f32>(ct, 12);
      for (let ch = 0; ch < c; ch++) {
        const e = <usize>ch;
        const a = <f32>(<i32>load<i8>(r0 + c0 + e) - zp_in), b = <f32>(<i32>load<i8>(r0 + c1 + e) - zp_in);
        const cc = <f32>(<i32>load<i8>(r1 + c0 + e) - zp_in), d = <f32>(<i32>load<i8>(r1 + c1 + e) - zp_in);
        store<i8>(y, <i8>requant_f32(lerp2(a, b, cc, d, wx0, wx1, wy0, wy1) * m, zp, lo, hi));
        y += 1;
      }
    }
  }
}

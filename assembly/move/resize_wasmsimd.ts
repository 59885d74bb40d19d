// WASM SIMD twins of resize.ts (same signatures, params and bits): a nearest pixel moves as
// 16-byte vectors (copy_run); bilinear runs 4 f32 channels, or 16 int8 channels widened to
// four f32x4, per step with the scalar's operations in its order; the last channels of a pixel
// go through the scalar definition.
import { copy_run } from '../common/copy_wasmsimd';
import { requant_f32 } from '../common/requant';
import { narrow_i32x16_i8, requant_f32x4 } from '../common/requant_wasmsimd';
import { lerp2 } from './resize';
import {
  F32_RESIZE_LINEAR_C, F32_RESIZE_LINEAR_COLS, F32_RESIZE_LINEAR_OH, F32_RESIZE_LINEAR_OW, F32_RESIZE_LINEAR_ROWS,
  QS8_RESIZE_LINEAR_C, QS8_RESIZE_LINEAR_COLS, QS8_RESIZE_LINEAR_M, QS8_RESIZE_LINEAR_OH, QS8_RESIZE_LINEAR_OW,
  QS8_RESIZE_LINEAR_QMAX, QS8_RESIZE_LINEAR_QMIN, QS8_RESIZE_LINEAR_ROWS, QS8_RESIZE_LINEAR_ZP_IN, QS8_RESIZE_LINEAR_ZP_OUT,
  XX_RESIZE_NEAREST_C, XX_RESIZE_NEAREST_COLS, XX_RESIZE_NEAREST_EL, XX_RESIZE_NEAREST_OH, XX_RESIZE_NEAREST_OW,
  XX_RESIZE_NEAREST_ROWS,
} from '../common/params';

export function xx_resize_nearest_x16__wasmsimd(x: usize, y: usize, params: usize): void {
  const oh = load<i32>(params, XX_RESIZE_NEAREST_OH), ow = load<i32>(params, XX_RESIZE_NEAREST_OW);
  const run = load<i32>(params, XX_RESIZE_NEAREST_C) * load<i32>(params, XX_RESIZE_NEAREST_EL);
  const rows = <usize>load<i32>(params, XX_RESIZE_NEAREST_ROWS), cols = <usize>load<i32>(params, XX_RESIZE_NEAREST_COLS);
  for (let oy = 0; oy < oh; oy++) {
    const row = x + <usize>load<i32>(rows + (<usize>oy << 2));
    for (let ox = 0; ox < ow; ox++) {
      copy_run(y, row + <usize>load<i32>(cols + (<usize>ox << 2)), run);
      y += <usize>run;
    }
  }
}

// @ts-ignore: decorator
@inline
function lerp2x4(a: v128, b: v128, c: v128, d: v128, wx0: v128, wx1: v128, wy0: v128, wy1: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(a, wx0), f32x4.mul(b, wx1)), wy0), f32x4.mul(f32x4.add(f32x4.mul(c, wx0), f32x4.mul(d, wx1)), wy1));
}

export function f32_resize_linear_x4__wasmsimd(x: usize, y: usize, params: usize): void {
  const oh = load<i32>(params, F32_RESIZE_LINEAR_OH), ow = load<i32>(params, F32_RESIZE_LINEAR_OW), c = load<i32>(params, F32_RESIZE_LINEAR_C);
  const rows = <usize>load<i32>(params, F32_RESIZE_LINEAR_ROWS), cols = <usize>load<i32>(params, F32_RESIZE_LINEAR_COLS);
  for (let oy = 0; oy < oh; oy++) {
    const rt = rows + (<usize>oy << 4);
    const r0 = x + <usize>load<i32>(rt), r1 = x + <usize>load<i32>(rt, 4), wy0 = load<f32>(rt, 8), wy1 = load<f32>(rt, 12);
    const vy0 = f32x4.splat(wy0), vy1 = f32x4.splat(wy1);
    for (let ox = 0; ox < ow; ox++) {
      const ct = cols + (<usize>ox << 4);
      const c0 = <usize>load<i32>(ct), c1 = <usize>load<i32>(ct, 4), wx0 = load<f32>(ct, 8), wx1 = load<f32>(ct, 12);
      const vx0 = f32x4.splat(wx0), vx1 = f32x4.splat(wx1);
      const pa = r0 + c0, pb = r0 + c1, pc = r1 + c0, pd = r1 + c1;
      let ch = 0;
      for (; ch + 4 <= c; ch += 4) {
        const e = <usize>ch << 2;
        v128.store(y, lerp2x4(v128.load(pa + e), v128.load(pb + e), v128.load(pc + e), v128.load(pd + e), vx0, vx1, vy0, vy1));
        y += 16;
      }
      for (; ch < c; ch++) {
        const e = <usize>ch << 2;
        store<f32>(y, lerp2(load<f32>(pa + e), load<f32>(pb + e), load<f32>(pc + e), load<f32>(pd + e), wx0, wx1, wy0, wy1));
        y += 4;
      }
    }
  }
}

/** Four f32x4 of (int8 lanes - zp) from one vector of 16 int8. */
// @ts-ignore: decorator
@inline
function widen(v: v128, zp: v128, i: i32): v128 {
  const h = i < 2 ? i16x8.extend_low_i8x16_s(v) : i16x8.extend_high_i8x16_s(v);
  const w = (i & 1) == 0 ? i32x4.extend_low_i16x8_s(h) : i32x4.extend_high_i16x8_s(h);
  return f32x4.convert_i32x4_s(i32x4.sub(w, zp));
}

export function qs8_resize_linear_x16__wasmsimd(x: usize, y: usize, params: usize): void {
  const oh = load<i32>(params, QS8_RESIZE_LINEAR_OH), ow = load<i32>(params, QS8_RESIZE_LINEAR_OW), c = load<i32>(params, QS8_RESIZE_LINEAR_C);
  const rows = <usize>load<i32>(params, QS8_RESIZE_LINEAR_ROWS), cols = <usize>load<i32>(params, QS8_RESIZE_LINEAR_COLS);
  const zp_in = load<i32>(params, QS8_RESIZE_LINEAR_ZP_IN), zp = load<i32>(params, QS8_RESIZE_LINEAR_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_RESIZE_LINEAR_QMIN) - zp), hi = <f32>(load<i32>(params, QS8_RESIZE_LINEAR_QMAX) - zp);
  const m = load<f32>(params, QS8_RESIZE_LINEAR_M);
  const vzin = i32x4.splat(zp_in), vzp = i32x4.splat(zp), vlo = f32x4.splat(lo), vhi = f32x4.splat(hi), vm = f32x4.splat(m);
  for (let oy = 0; oy < oh; oy++) {
    const rt = rows + (<usize>oy << 4);
    const r0 = x + <usize>load<i32>(rt), r1 = x + <usize>load<i32>(rt, 4), wy0 = load<f32>(rt, 8), wy1 = load<f32>(rt, 12);
    const vy0 = f32x4.splat(wy0), vy1 = f32x4.splat(wy1);
    for (let ox = 0; ox < ow; ox++) {
      const ct = cols + (<usize>ox << 4);
      const c0 = <usize>load<i32>(ct), c1 = <usize>load<i32>(ct, 4), wx0 = load<f32>(ct, 8), wx1 = load<f32>(ct, 12);
      const vx0 = f32x4.splat(wx0), vx1 = f32x4.splat(wx1);
      const pa = r0 + c0, pb = r0 + c1, pc = r1 + c0, pd = r1 + c1;
      let ch = 0;
      for (; ch + 16 <= c; ch += 16) {
        const e = <usize>ch;
        const a = v128.load(pa + e), b = v128.load(pb + e), cc = v128.load(pc + e), d = v128.load(pd + e);
        const q0 = requant_f32x4(f32x4.mul(lerp2x4(widen(a, vzin, 0), widen(b, vzin, 0), widen(cc, vzin, 0), widen(d, vzin, 0), vx0, vx1, vy0, vy1), vm), vzp, vlo, vhi);
        const q1 = requant_f32x4(f32x4.mul(lerp2x4(widen(a, vzin, 1), widen(b, vzin, 1), widen(cc, vzin, 1), widen(d, vzin, 1), vx0, vx1, vy0, vy1), vm), vzp, vlo, vhi);
        const q2 = requant_f32x4(f32x4.mul(lerp2x4(widen(a, vzin, 2), widen(b, vzin, 2), widen(cc, vzin, 2), widen(d, vzin, 2), vx0, vx1, vy0, vy1), vm), vzp, vlo, vhi);
        const q3 = requant_f32x4(f32x4.mul(lerp2x4(widen(a, vzin, 3), widen(b, vzin, 3), widen(cc, vzin, 3), widen(d, vzin, 3), vx0, vx1, vy0, vy1), vm), vzp, vlo, vhi);
        v128.store(y, narrow_i32x16_i8(q0, q1, q2, q3));
        y += 16;
      }
      for (; ch < c; ch++) {
        const e = <usize>ch;
        const a = <f32>(<i32>load<i8>(pa + e) - zp_in), b = <f32>(<i32>load<i8>(pb + e) - zp_in);
        const cc = <f32>(<i32>load<i8>(pc + e) - zp_in), d = <f32>(<i32>load<i8>(pd + e) - zp_in);
        store<i8>(y, <i8>requant_f32(lerp2(a, b, cc, d, wx0, wx1, wy0, wy1) * m, zp, lo, hi));
        y += 1;
      }
    }
  }
}

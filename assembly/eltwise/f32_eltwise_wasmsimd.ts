// f32 element-wise kernels, WASM SIMD. Same signatures, params and numerics as the
// scalar twins in f32_eltwise.ts (read its header). Tails load one full vector
// (at most 12 bytes past the input, which the host pads) and store what exists.
import { clamp_f32x4 } from '../common/clamp_wasmsimd';
import { store_f32_tail } from './output_wasmsimd';
import { F32_MINMAX_FMAX, F32_MINMAX_FMIN } from '../common/params';

export function f32_vmulcaddc_c4__wasmsimd(
  rows: usize, channels: usize, x: usize, x_stride: usize, w: usize, y: usize, y_stride: usize, params: usize,
): void {
  const lo = f32x4.splat(load<f32>(params, F32_MINMAX_FMIN)), hi = f32x4.splat(load<f32>(params, F32_MINMAX_FMAX));
  for (let r: usize = 0; r < rows; r++) {
    let xp = x, yp = y, wp = w;
    let left = channels;
    for (; left >= 8; left -= 8) {
      const t0 = f32x4.add(f32x4.mul(v128.load(xp), v128.load(wp)), v128.load(wp, 16));
      const t1 = f32x4.add(f32x4.mul(v128.load(xp, 16), v128.load(wp, 32)), v128.load(wp, 48));
      v128.store(yp, clamp_f32x4(t0, lo, hi));
      v128.store(yp, clamp_f32x4(t1, lo, hi), 16);
      xp += 32;
      yp += 32;
      wp += 64;
    }
    if (left >= 4) {
      v128.store(yp, clamp_f32x4(f32x4.add(f32x4.mul(v128.load(xp), v128.load(wp)), v128.load(wp, 16)), lo, hi));
      xp += 16;
      yp += 16;
      wp += 32;
      left -= 4;
    }
    if (left > 0) {
      store_f32_tail(yp, clamp_f32x4(f32x4.add(f32x4.mul(v128.load(xp), v128.load(wp)), v128.load(wp, 16)), lo, hi), left);
    }
    x += x_stride << 2;
    y += y_stride << 2;
  }
}

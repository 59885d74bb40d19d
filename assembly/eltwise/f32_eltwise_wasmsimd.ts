// f32 element-wise kernels, WASM SIMD. Same signatures, params and numerics as the
// scalar twins in f32_eltwise.ts (read its header). Tails load one full vector
// (at most 12 bytes past the input, which the host pads) and store what exists.
import { clamp_f32x4 } from '../common/clamp_wasmsimd';
import { store_f32_tail } from './output_wasmsimd';
import { F32_MINMAX_FMAX, F32_MINMAX_FMIN } from '../common/params';

export function f32_vadd_x16__wasmsimd(n: usize, a: usize, b: usize, y: usize, params: usize): void {
  const lo = f32x4.splat(load<f32>(params, F32_MINMAX_FMIN)), hi = f32x4.splat(load<f32>(params, F32_MINMAX_FMAX));
  for (; n >= 16; n -= 16) {
    const s0 = f32x4.add(v128.load(a), v128.load(b));
    const s1 = f32x4.add(v128.load(a, 16), v128.load(b, 16));
    const s2 = f32x4.add(v128.load(a, 32), v128.load(b, 32));
    const s3 = f32x4.add(v128.load(a, 48), v128.load(b, 48));
    v128.store(y, clamp_f32x4(s0, lo, hi));
    v128.store(y, clamp_f32x4(s1, lo, hi), 16);
    v128.store(y, clamp_f32x4(s2, lo, hi), 32);
    v128.store(y, clamp_f32x4(s3, lo, hi), 48);
    a += 64;
    b += 64;
    y += 64;
  }
  for (; n >= 4; n -= 4) {
    v128.store(y, clamp_f32x4(f32x4.add(v128.load(a), v128.load(b)), lo, hi));
    a += 16;
    b += 16;
    y += 16;
  }
  if (n > 0) store_f32_tail(y, clamp_f32x4(f32x4.add(v128.load(a), v128.load(b)), lo, hi), n);
}

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

// f32 pooling over NHWC, WASM SIMD: 4 channels per vector, 16 per step where there
// are 16, the window loop inside. Same signatures, params and numerics as the scalar
// twins in f32_pool.ts (read its header); the same additions in the same order, so
// the twins agree bit for bit. The last 1..3 channels use one full vector whose loads
// may run past the pixel (the host pads buffers by 16 bytes) and a partial store.
import { clamp_f32x4 } from '../common/clamp_wasmsimd';
import { store_f32_tail } from '../eltwise/output_wasmsimd';
import { win_hi, win_len, win_lo } from './window';
import {
  F32_GAVGPOOL_C, F32_GAVGPOOL_FMAX, F32_GAVGPOOL_FMIN, F32_GAVGPOOL_HW, F32_GAVGPOOL_N,
  F32_GAVGPOOL_X_STRIDE, F32_GAVGPOOL_Y_STRIDE, F32_POOL_C, F32_POOL_DH, F32_POOL_DW, F32_POOL_FLAGS,
  F32_POOL_FMAX, F32_POOL_FMIN, F32_POOL_H, F32_POOL_KH, F32_POOL_KW, F32_POOL_N, F32_POOL_OH, F32_POOL_OW,
  F32_POOL_PB, F32_POOL_PL, F32_POOL_PR, F32_POOL_PT, F32_POOL_SH, F32_POOL_SW, F32_POOL_W, F32_POOL_X_STRIDE,
  F32_POOL_Y_STRIDE
} from '../common/params';

export function f32_maxpool_c4__wasmsimd(x: usize, y: usize, params: usize): void {
  const n = load<i32>(params, F32_POOL_N), ih = load<i32>(params, F32_POOL_H), iw = load<i32>(params, F32_POOL_W);
  const c = <usize>load<i32>(params, F32_POOL_C), oh = load<i32>(params, F32_POOL_OH), ow = load<i32>(params, F32_POOL_OW);
  const kh = load<i32>(params, F32_POOL_KH), kw = load<i32>(params, F32_POOL_KW);
  const sh = load<i32>(params, F32_POOL_SH), sw = load<i32>(params, F32_POOL_SW);
  const dh = load<i32>(params, F32_POOL_DH), dw = load<i32>(params, F32_POOL_DW);
  const pt = load<i32>(params, F32_POOL_PT), pl = load<i32>(params, F32_POOL_PL);
  const xs = load<i32>(params, F32_POOL_X_STRIDE), ys = load<i32>(params, F32_POOL_Y_STRIDE);
  const vmin = f32x4.splat(load<f32>(params, F32_POOL_FMIN)), vmax = f32x4.splat(load<f32>(params, F32_POOL_FMAX));
  const col_step = <usize>(dw * xs) << 2, row_step = <usize>(dh * iw * xs) << 2;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - pt;
      const ky0 = win_lo(iy0, dh), ky1 = win_hi(iy0, dh, ih, kh);
      const rows = win_len(ky0, ky1);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl;
        const kx0 = win_lo(ix0, dw), kx1 = win_hi(ix0, dw, iw, kw);
        const cols = win_len(kx0, kx1);
        let yp = y + (<usize>(((b * oh + oy) * ow + ox) * ys) << 2);
        let x0 = x + (<usize>(((b * ih + iy0 + ky0 * dh) * iw + ix0 + kx0 * dw) * xs) << 2);
        let left = c;
        for (; left >= 16; left -= 16) {
          let m0 = vmin, m1 = vmin, m2 = vmin, m3 = vmin;
          let row = x0;
          for (let ky = 0; ky < rows; ky++) {
            let p = row;
            for (let kx = 0; kx < cols; kx++) {
              m0 = f32x4.pmax(m0, v128.load(p));
              m1 = f32x4.pmax(m1, v128.load(p, 16));
              m2 = f32x4.pmax(m2, v128.load(p, 32));
              m3 = f32x4.pmax(m3, v128.load(p, 48));
              p += col_step;
            }
            row += row_step;
          }
          v128.store(yp, f32x4.pmin(m0, vmax));
          v128.store(yp, f32x4.pmin(m1, vmax), 16);
          v128.store(yp, f32x4.pmin(m2, vmax), 32);
          v128.store(yp, f32x4.pmin(m3, vmax), 48);
          x0 += 64;
          yp += 64;
        }
        while (left > 0) {
          let m = vmin;
          let row = x0;
          for (let ky = 0; ky < rows; ky++) {
            let p = row;
            for (let kx = 0; kx < cols; kx++) {
              m = f32x4.pmax(m, v128.load(p));
              p += col_step;
            }
            row += row_step;
          }
          m = f32x4.pmin(m, vmax);
          if (left >= 4) {
            v128.store(yp, m);
            left -= 4;
          } else {
            store_f32_tail(yp, m, left);
            left = 0;
          }
          x0 += 16;
          yp += 16;
        }
      }
    }
  }
}

export function f32_avgpool_c4__wasmsimd(x: usize, y: usize, params: usize): void {
  const n = load<i32>(params, F32_POOL_N), ih = load<i32>(params, F32_POOL_H), iw = load<i32>(params, F32_POOL_W);
  const c = <usize>load<i32>(params, F32_POOL_C), oh = load<i32>(params, F32_POOL_OH), ow = load<i32>(params, F32_POOL_OW);
  const kh = load<i32>(params, F32_POOL_KH), kw = load<i32>(params, F32_POOL_KW);
  const sh = load<i32>(params, F32_POOL_SH), sw = load<i32>(params, F32_POOL_SW);
  const dh = load<i32>(params, F32_POOL_DH), dw = load<i32>(params, F32_POOL_DW);
  const pt = load<i32>(params, F32_POOL_PT), pl = load<i32>(params, F32_POOL_PL);
  const pb = load<i32>(params, F32_POOL_PB), pr = load<i32>(params, F32_POOL_PR);
  const xs = load<i32>(params, F32_POOL_X_STRIDE), ys = load<i32>(params, F32_POOL_Y_STRIDE);
  const include_pad = (load<i32>(params, F32_POOL_FLAGS) & 1) != 0;
  const vmin = f32x4.splat(load<f32>(params, F32_POOL_FMIN)), vmax = f32x4.splat(load<f32>(params, F32_POOL_FMAX));
  const col_step = <usize>(dw * xs) << 2, row_step = <usize>(dh * iw * xs) << 2;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - pt;
      const ky0 = win_lo(iy0, dh), ky1 = win_hi(iy0, dh, ih, kh);
      const rows = win_len(ky0, ky1);
      const rows_p = max<i32>(win_hi(iy0, dh, ih + pb, kh), 0);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl;
        const kx0 = win_lo(ix0, dw), kx1 = win_hi(ix0, dw, iw, kw);
        const cols = win_len(kx0, kx1);
        const count_in = rows * cols;
        const count = include_pad ? rows_p * max<i32>(win_hi(ix0, dw, iw + pr, kw), 0) : count_in;
        const vdiv = f32x4.splat(<f32>max<i32>(count, 1));
        let yp = y + (<usize>(((b * oh + oy) * ow + ox) * ys) << 2);
        let x0 = x + (<usize>(((b * ih + iy0 + ky0 * dh) * iw + ix0 + kx0 * dw) * xs) << 2);
        let left = c;
        for (; left >= 16; left -= 16) {
          let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
          let row = x0;
          for (let ky = 0; ky < rows; ky++) {
            let p = row;
            for (let kx = 0; kx < cols; kx++) {
              s0 = f32x4.add(s0, v128.load(p));
              s1 = f32x4.add(s1, v128.load(p, 16));
              s2 = f32x4.add(s2, v128.load(p, 32));
              s3 = f32x4.add(s3, v128.load(p, 48));
              p += col_step;
            }
            row += row_step;
          }
          v128.store(yp, clamp_f32x4(f32x4.div(s0, vdiv), vmin, vmax));
          v128.store(yp, clamp_f32x4(f32x4.div(s1, vdiv), vmin, vmax), 16);
          v128.store(yp, clamp_f32x4(f32x4.div(s2, vdiv), vmin, vmax), 32);
          v128.store(yp, clamp_f32x4(f32x4.div(s3, vdiv), vmin, vmax), 48);
          x0 += 64;
          yp += 64;
        }
        while (left > 0) {
          let s = f32x4.splat(0);
          let row = x0;
          for (let ky = 0; ky < rows; ky++) {
            let p = row;
            for (let kx = 0; kx < cols; kx++) {
              s = f32x4.add(s, v128.load(p));
              p += col_step;
            }
            row += row_step;
          }
          s = clamp_f32x4(f32x4.div(s, vdiv), vmin, vmax);
          if (left >= 4) {
            v128.store(yp, s);
            left -= 4;
          } else {
            store_f32_tail(yp, s, left);
            left = 0;
          }
          x0 += 16;
          yp += 16;
        }
      }
    }
  }
}

export function f32_gavgpool_c4__wasmsimd(x: usize, y: usize, params: usize): void {
  const n = load<i32>(params, F32_GAVGPOOL_N), hw = load<i32>(params, F32_GAVGPOOL_HW), c = <usize>load<i32>(params, F32_GAVGPOOL_C);
  const xs = <usize>load<i32>(params, F32_GAVGPOOL_X_STRIDE) << 2, ys = <usize>load<i32>(params, F32_GAVGPOOL_Y_STRIDE) << 2;
  const vmin = f32x4.splat(load<f32>(params, F32_GAVGPOOL_FMIN)), vmax = f32x4.splat(load<f32>(params, F32_GAVGPOOL_FMAX));
  const vdiv = f32x4.splat(<f32>max<i32>(hw, 1));
  for (let b = 0; b < n; b++) {
    let x0 = x + <usize>b * <usize>hw * xs;
    let yp = y + <usize>b * ys;
    let left = c;
    for (; left >= 16; left -= 16) {
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      let p = x0;
      for (let i = 0; i < hw; i++) {
        s0 = f32x4.add(s0, v128.load(p));
        s1 = f32x4.add(s1, v128.load(p, 16));
        s2 = f32x4.add(s2, v128.load(p, 32));
        s3 = f32x4.add(s3, v128.load(p, 48));
        p += xs;
      }
      v128.store(yp, clamp_f32x4(f32x4.div(s0, vdiv), vmin, vmax));
      v128.store(yp, clamp_f32x4(f32x4.div(s1, vdiv), vmin, vmax), 16);
      v128.store(yp, clamp_f32x4(f32x4.div(s2, vdiv), vmin, vmax), 32);
      v128.store(yp, clamp_f32x4(f32x4.div(s3, vdiv), vmin, vmax), 48);
      x0 += 64;
      yp += 64;
    }
    while (left > 0) {
      let s = f32x4.splat(0);
      let p = x0;
      for (let i = 0; i < hw; i++) {
        s = f32x4.add(s, v128.load(p));
        p += xs;
      }
      s = clamp_f32x4(f32x4.div(s, vdiv), vmin, vmax);
      if (left >= 4) {
        v128.store(yp, s);
        left -= 4;
      } else {
        store_f32_tail(yp, s, left);
        left = 0;
      }
      x0 += 16;
      yp += 16;
    }
  }
}

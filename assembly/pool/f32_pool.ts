// f32 pooling over NHWC, scalar twins (one channel at a time). SIMD twins with the
// same signatures: f32_pool_wasmsimd.ts. Params: F32_POOL, F32_GAVGPOOL (geometry: window.ts):
// after the geometry, fmin and fmax, the output clamp (fused activation; ±Infinity for none).
//
// Max pool:     y = min(max(fmin, x over the in-image positions), fmax), each max as
//               f32x4.pmax does it (a < b ? b : a): a NaN input is ignored; an empty
//               window gives fmin.
// Average pool: s = sum over in-image positions, in window order (ky, then kx);
//               y = clamp(s / f32(count), fmin, fmax), count as in qs8_pool.ts
//               (count_include_pad); an empty count divides by 1 (y = 0).
// Global average pool params (F32_GAVGPOOL): n, hw, c, x_stride, y_stride, fmin, fmax.
// y[b, c] = clamp((sum over pixels in order) / f32(hw)).
// The twins add in the same order, so they agree bit for bit.
import { clamp_f32, pmax_f32 } from '../common/clamp';
import { win_hi, win_len, win_lo } from './window';
import {
  F32_GAVGPOOL_C, F32_GAVGPOOL_FMAX, F32_GAVGPOOL_FMIN, F32_GAVGPOOL_HW, F32_GAVGPOOL_N,
  F32_GAVGPOOL_X_STRIDE, F32_GAVGPOOL_Y_STRIDE, F32_POOL_C, F32_POOL_DH, F32_POOL_DW, F32_POOL_FLAGS,
  F32_POOL_FMAX, F32_POOL_FMIN, F32_POOL_H, F32_POOL_KH, F32_POOL_KW, F32_POOL_N, F32_POOL_OH, F32_POOL_OW,
  F32_POOL_PB, F32_POOL_PL, F32_POOL_PR, F32_POOL_PT, F32_POOL_SH, F32_POOL_SW, F32_POOL_W, F32_POOL_X_STRIDE,
  F32_POOL_Y_STRIDE
} from '../common/params';

export function f32_maxpool_c1__scalar(x: usize, y: usize, params: usize): void {
  const n = load<i32>(params, F32_POOL_N), ih = load<i32>(params, F32_POOL_H), iw = load<i32>(params, F32_POOL_W);
  const c = load<i32>(params, F32_POOL_C), oh = load<i32>(params, F32_POOL_OH), ow = load<i32>(params, F32_POOL_OW);
  const kh = load<i32>(params, F32_POOL_KH), kw = load<i32>(params, F32_POOL_KW);
  const sh = load<i32>(params, F32_POOL_SH), sw = load<i32>(params, F32_POOL_SW);
  const dh = load<i32>(params, F32_POOL_DH), dw = load<i32>(params, F32_POOL_DW);
  const pt = load<i32>(params, F32_POOL_PT), pl = load<i32>(params, F32_POOL_PL);
  const xs = load<i32>(params, F32_POOL_X_STRIDE), ys = load<i32>(params, F32_POOL_Y_STRIDE);
  const fmin = load<f32>(params, F32_POOL_FMIN), fmax = load<f32>(params, F32_POOL_FMAX);
  const col_step = <usize>(dw * xs) << 2, row_step = <usize>(dh * iw * xs) << 2;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - pt;
      const ky0 = win_lo(iy0, dh), ky1 = win_hi(iy0, dh, ih, kh);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl;
        const kx0 = win_lo(ix0, dw), kx1 = win_hi(ix0, dw, iw, kw);
        const yp = y + (<usize>(((b * oh + oy) * ow + ox) * ys) << 2);
        // The output pixel is the running maximum; channels innermost (stride 1).
        for (let ch = 0; ch < c; ch++) store<f32>(yp + (<usize>ch << 2), fmin);
        let row = x + (<usize>(((b * ih + iy0 + ky0 * dh) * iw + ix0 + kx0 * dw) * xs) << 2);
        for (let ky = ky0; ky < ky1; ky++) {
          let p = row;
          for (let kx = kx0; kx < kx1; kx++) {
            for (let ch = 0; ch < c; ch++) {
              const q = yp + (<usize>ch << 2);
              store<f32>(q, pmax_f32(load<f32>(q), load<f32>(p + (<usize>ch << 2))));
            }
            p += col_step;
          }
          row += row_step;
        }
        for (let ch = 0; ch < c; ch++) {
          const q = yp + (<usize>ch << 2);
          const m = load<f32>(q);
          store<f32>(q, fmax < m ? fmax : m);
        }
      }
    }
  }
}

export function f32_avgpool_c1__scalar(x: usize, y: usize, params: usize): void {
  const n = load<i32>(params, F32_POOL_N), ih = load<i32>(params, F32_POOL_H), iw = load<i32>(params, F32_POOL_W);
  const c = load<i32>(params, F32_POOL_C), oh = load<i32>(params, F32_POOL_OH), ow = load<i32>(params, F32_POOL_OW);
  const kh = load<i32>(params, F32_POOL_KH), kw = load<i32>(params, F32_POOL_KW);
  const sh = load<i32>(params, F32_POOL_SH), sw = load<i32>(params, F32_POOL_SW);
  const dh = load<i32>(params, F32_POOL_DH), dw = load<i32>(params, F32_POOL_DW);
  const pt = load<i32>(params, F32_POOL_PT), pl = load<i32>(params, F32_POOL_PL);
  const pb = load<i32>(params, F32_POOL_PB), pr = load<i32>(params, F32_POOL_PR);
  const xs = load<i32>(params, F32_POOL_X_STRIDE), ys = load<i32>(params, F32_POOL_Y_STRIDE);
  const include_pad = (load<i32>(params, F32_POOL_FLAGS) & 1) != 0;
  const fmin = load<f32>(params, F32_POOL_FMIN), fmax = load<f32>(params, F32_POOL_FMAX);
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
        const count_in = rows * win_len(kx0, kx1);
        const count = include_pad ? rows_p * max<i32>(win_hi(ix0, dw, iw + pr, kw), 0) : count_in;
        const div = <f32>max<i32>(count, 1);
        const yp = y + (<usize>(((b * oh + oy) * ow + ox) * ys) << 2);
        const x0 = x + (<usize>(((b * ih + iy0 + ky0 * dh) * iw + ix0 + kx0 * dw) * xs) << 2);
        for (let ch = 0; ch < c; ch++) {
          let s: f32 = 0;
          let row = x0 + (<usize>ch << 2);
          for (let ky = ky0; ky < ky1; ky++) {
            let p = row;
            for (let kx = kx0; kx < kx1; kx++) {
              s += load<f32>(p);
              p += col_step;
            }
            row += row_step;
          }
          store<f32>(yp + (<usize>ch << 2), clamp_f32(s / div, fmin, fmax));
        }
      }
    }
  }
}

export function f32_gavgpool_c1__scalar(x: usize, y: usize, params: usize): void {
  const n = load<i32>(params, F32_GAVGPOOL_N), hw = load<i32>(params, F32_GAVGPOOL_HW), c = load<i32>(params, F32_GAVGPOOL_C);
  const xs = <usize>load<i32>(params, F32_GAVGPOOL_X_STRIDE) << 2, ys = <usize>load<i32>(params, F32_GAVGPOOL_Y_STRIDE) << 2;
  const fmin = load<f32>(params, F32_GAVGPOOL_FMIN), fmax = load<f32>(params, F32_GAVGPOOL_FMAX);
  const div = <f32>max<i32>(hw, 1);
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>hw * xs, yb = y + <usize>b * ys;
    for (let ch = 0; ch < c; ch++) {
      let s: f32 = 0;
      let p = xb + (<usize>ch << 2);
      for (let i = 0; i < hw; i++) {
        s += load<f32>(p);
        p += xs;
      }
      store<f32>(yb + (<usize>ch << 2), clamp_f32(s / div, fmin, fmax));
    }
  }
}

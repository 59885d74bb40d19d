// int8 pooling over NHWC, scalar twins (one channel at a time). SIMD twins with the
// same signatures: qs8_pool_wasmsimd.ts. Params: QS8_POOL, QS8_GAVGPOOL (geometry: window.ts).
//
// int8 fields after the geometry:
//   zp_in, zp_out   input and output zero points (average pools)
//   qmin, qmax      output clamp, the fused activation (max and average pools)
//   m[0..kh*kw]     f32, average pool only: the multiplier for a window of `count`
//                   counted positions, m[count] = Math.fround(s_in / (s_out * count))
//                   computed by the host in double precision, m[0] = 0.
//
// Max pool keeps the input's scale and zero point: y = clamp(max over the window's
// in-image positions, qmin, qmax); a window with no in-image position gives qmin.
//
// Average pool, the one definition (kernels and test/reference/pool.ts):
//   acc   = sum over in-image positions of (x - zp_in), as i32 (the kernels compute
//           sum(x) - count_in * zp_in, the same integer)
//   count = count_include_pad ? positions inside the padded extent
//                               [-pad_begin, size + pad_end) in each axis
//                             : in-image positions
//   y     = requant_fp32(acc, m[count], zp_out, qmin - zp_out, qmax - zp_out)
// The multiplier comes from the host's table, so no kernel ever divides and every
// twin reads the same f32.
//
// Average pool rounding half away from zero (qs8_avgpool_away_*, TFLite's int8
// AVERAGE_POOL_2D; the host requires the output's scale and zero point to be the input's):
//   raw = sum over counted positions of x (a padded position counted reads zp_in)
//   y   = clamp(raw / count rounded half away from zero, qmin, qmax);  count 0: y = clamp(zp_in)
// (TFLite: (raw > 0 ? raw + count / 2 : raw - count / 2) / count in integers.) (With ceil_mode a window may run past the padded extent;
// those positions are never counted, as PyTorch and the ONNX reference do.)
//
// Global average pool params (QS8_GAVGPOOL): n, hw (pixels per image), c, x_stride (elements
// per pixel), y_stride (elements per output row), zp_in, zp_out, qmin, qmax,
// m = Math.fround(s_in / (s_out * hw))
//   y[b, c] = requant_fp32(sum_p (x[b, p, c] - zp_in), m, zp_out, qmin - zp_out, qmax - zp_out)
import { requant_fp32 } from '../common/requant';
import { win_hi, win_len, win_lo } from './window';
import {
  QS8_GAVGPOOL_C, QS8_GAVGPOOL_HW, QS8_GAVGPOOL_M, QS8_GAVGPOOL_N, QS8_GAVGPOOL_QMAX, QS8_GAVGPOOL_QMIN,
  QS8_GAVGPOOL_X_STRIDE, QS8_GAVGPOOL_Y_STRIDE, QS8_GAVGPOOL_ZP_IN, QS8_GAVGPOOL_ZP_OUT, QS8_POOL_C,
  QS8_POOL_DH, QS8_POOL_DW, QS8_POOL_FLAGS, QS8_POOL_H, QS8_POOL_KH, QS8_POOL_KW, QS8_POOL_M, QS8_POOL_N,
  QS8_POOL_OH, QS8_POOL_OW, QS8_POOL_PB, QS8_POOL_PL, QS8_POOL_PR, QS8_POOL_PT, QS8_POOL_QMAX, QS8_POOL_QMIN,
  QS8_POOL_SH, QS8_POOL_SW, QS8_POOL_W, QS8_POOL_X_STRIDE, QS8_POOL_Y_STRIDE, QS8_POOL_ZP_IN, QS8_POOL_ZP_OUT
} from '../common/params';

export function qs8_maxpool_c1__scalar(x: usize, y: usize, params: usize): void {
  const n = load<i32>(params, QS8_POOL_N), ih = load<i32>(params, QS8_POOL_H), iw = load<i32>(params, QS8_POOL_W);
  const c = load<i32>(params, QS8_POOL_C), oh = load<i32>(params, QS8_POOL_OH), ow = load<i32>(params, QS8_POOL_OW);
  const kh = load<i32>(params, QS8_POOL_KH), kw = load<i32>(params, QS8_POOL_KW);
  const sh = load<i32>(params, QS8_POOL_SH), sw = load<i32>(params, QS8_POOL_SW);
  const dh = load<i32>(params, QS8_POOL_DH), dw = load<i32>(params, QS8_POOL_DW);
  const pt = load<i32>(params, QS8_POOL_PT), pl = load<i32>(params, QS8_POOL_PL);
  const xs = load<i32>(params, QS8_POOL_X_STRIDE), ys = load<i32>(params, QS8_POOL_Y_STRIDE);
  const qmin = load<i32>(params, QS8_POOL_QMIN), qmax = load<i32>(params, QS8_POOL_QMAX);
  const col_step = <usize>(dw * xs), row_step = <usize>(dh * iw * xs);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - pt;
      const ky0 = win_lo(iy0, dh), ky1 = win_hi(iy0, dh, ih, kh);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl;
        const kx0 = win_lo(ix0, dw), kx1 = win_hi(ix0, dw, iw, kw);
        const yp = y + <usize>(((b * oh + oy) * ow + ox) * ys);
        // The output pixel is the running maximum; channels innermost (stride 1).
        for (let ch = 0; ch < c; ch++) store<i8>(yp + <usize>ch, qmin);
        let row = x + <usize>(((b * ih + iy0 + ky0 * dh) * iw + ix0 + kx0 * dw) * xs);
        for (let ky = ky0; ky < ky1; ky++) {
          let p = row;
          for (let kx = kx0; kx < kx1; kx++) {
            for (let ch = 0; ch < c; ch++) {
              const q = yp + <usize>ch;
              store<i8>(q, max<i32>(<i32>load<i8>(q), <i32>load<i8>(p + <usize>ch)));
            }
            p += col_step;
          }
          row += row_step;
        }
        for (let ch = 0; ch < c; ch++) store<i8>(yp + <usize>ch, min<i32>(<i32>load<i8>(yp + <usize>ch), qmax));
      }
    }
  }
}

export function qs8_avgpool_c1__scalar(x: usize, y: usize, params: usize): void {
  avgpool(x, y, params, false);
}

export function qs8_avgpool_away_c1__scalar(x: usize, y: usize, params: usize): void {
  avgpool(x, y, params, true);
}

/** TFLite's int8 average: raw / count rounded half away from zero (its integer arithmetic), clamped. */
// @ts-ignore: decorator
@inline
export function div_away(raw: i32, count: i32, qmin: i32, qmax: i32): i32 {
  const half = count >> 1;
  return min<i32>(max<i32>((raw > 0 ? raw + half : raw - half) / count, qmin), qmax);
}

// The average pool of either rounding (`away` a constant at each call: two kernels).
// @ts-ignore: decorator
@inline
function avgpool(x: usize, y: usize, params: usize, away: bool): void {
  const n = load<i32>(params, QS8_POOL_N), ih = load<i32>(params, QS8_POOL_H), iw = load<i32>(params, QS8_POOL_W);
  const c = load<i32>(params, QS8_POOL_C), oh = load<i32>(params, QS8_POOL_OH), ow = load<i32>(params, QS8_POOL_OW);
  const kh = load<i32>(params, QS8_POOL_KH), kw = load<i32>(params, QS8_POOL_KW);
  const sh = load<i32>(params, QS8_POOL_SH), sw = load<i32>(params, QS8_POOL_SW);
  const dh = load<i32>(params, QS8_POOL_DH), dw = load<i32>(params, QS8_POOL_DW);
  const pt = load<i32>(params, QS8_POOL_PT), pl = load<i32>(params, QS8_POOL_PL);
  const pb = load<i32>(params, QS8_POOL_PB), pr = load<i32>(params, QS8_POOL_PR);
  const xs = load<i32>(params, QS8_POOL_X_STRIDE), ys = load<i32>(params, QS8_POOL_Y_STRIDE);
  const include_pad = (load<i32>(params, QS8_POOL_FLAGS) & 1) != 0;
  const zp_in = load<i32>(params, QS8_POOL_ZP_IN), zp_out = load<i32>(params, QS8_POOL_ZP_OUT);
  const qmin = load<i32>(params, QS8_POOL_QMIN), qmax = load<i32>(params, QS8_POOL_QMAX);
  const lo = <f32>(qmin - zp_out), hi = <f32>(qmax - zp_out);
  const col_step = <usize>(dw * xs), row_step = <usize>(dh * iw * xs);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - pt;
      const ky0 = win_lo(iy0, dh), ky1 = win_hi(iy0, dh, ih, kh);
      const rows = win_len(ky0, ky1);
      const rows_p = win_hi(iy0, dh, ih + pb, kh);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl;
        const kx0 = win_lo(ix0, dw), kx1 = win_hi(ix0, dw, iw, kw);
        const count_in = rows * win_len(kx0, kx1);
        const count = include_pad ? max<i32>(rows_p, 0) * max<i32>(win_hi(ix0, dw, iw + pr, kw), 0) : count_in;
        const m = load<f32>(params + QS8_POOL_M + (<usize>count << 2));
        // away: acc - bias is the raw int8 sum over the counted positions (a padded one reads
        // zp_in); an empty window averages to zp_in (divisor 1).
        const bias = away ? (count_in - count) * zp_in - (count == 0 ? zp_in : 0) : count_in * zp_in;
        const divisor = max<i32>(count, 1);
        const yp = y + <usize>(((b * oh + oy) * ow + ox) * ys);
        const x0 = x + <usize>(((b * ih + iy0 + ky0 * dh) * iw + ix0 + kx0 * dw) * xs);
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          let row = x0 + <usize>ch;
          for (let ky = ky0; ky < ky1; ky++) {
            let p = row;
            for (let kx = kx0; kx < kx1; kx++) {
              acc += <i32>load<i8>(p);
              p += col_step;
            }
            row += row_step;
          }
          store<i8>(yp + <usize>ch, away ? div_away(acc - bias, divisor, qmin, qmax) : requant_fp32(acc - bias, m, zp_out, lo, hi));
        }
      }
    }
  }
}

export function qs8_gavgpool_c1__scalar(x: usize, y: usize, params: usize): void {
  const n = load<i32>(params, QS8_GAVGPOOL_N), hw = load<i32>(params, QS8_GAVGPOOL_HW), c = load<i32>(params, QS8_GAVGPOOL_C);
  const xs = <usize>load<i32>(params, QS8_GAVGPOOL_X_STRIDE), ys = <usize>load<i32>(params, QS8_GAVGPOOL_Y_STRIDE);
  const zp_in = load<i32>(params, QS8_GAVGPOOL_ZP_IN), zp_out = load<i32>(params, QS8_GAVGPOOL_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_GAVGPOOL_QMIN) - zp_out), hi = <f32>(load<i32>(params, QS8_GAVGPOOL_QMAX) - zp_out);
  const m = load<f32>(params, QS8_GAVGPOOL_M);
  const bias = hw * zp_in;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>hw * xs, yb = y + <usize>b * ys;
    for (let ch = 0; ch < c; ch++) {
      let acc = 0;
      let p = xb + <usize>ch;
      for (let i = 0; i < hw; i++) {
        acc += <i32>load<i8>(p);
        p += xs;
      }
      store<i8>(yb + <usize>ch, requant_fp32(acc - bias, m, zp_out, lo, hi));
    }
  }
}

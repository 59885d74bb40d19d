// int8 pooling over NHWC, WASM SIMD: 16 channels per vector, 64 (max) or 32 (average)
// channels per step where there are that many, the window loop inside.
// Same signatures, params and numerics as the scalar twins in qs8_pool.ts (read its
// header). Max pool: a full 2x2 window (any stride or dilation) takes an unrolled path. A channel count that is not a multiple of 16 ends with one full-width
// vector whose loads may run past the pixel (allowed: the host pads every buffer by
// 16 bytes) and whose store writes only the channels that exist.
//
// Average pools sum raw int8 in i16 lanes (256 values of -128..127 fit in i16), then
// widen to i32 and subtract count_in * zp_in: exactly the scalar twin's integer.
import { narrow_i32x16_i8, requant_fp32x4 } from '../common/requant_wasmsimd';
import { store_bytes_tail } from '../eltwise/output_wasmsimd';
import { win_hi, win_len, win_lo } from './window';
import {
  QS8_GAVGPOOL_C, QS8_GAVGPOOL_HW, QS8_GAVGPOOL_M, QS8_GAVGPOOL_N, QS8_GAVGPOOL_QMAX, QS8_GAVGPOOL_QMIN,
  QS8_GAVGPOOL_X_STRIDE, QS8_GAVGPOOL_Y_STRIDE, QS8_GAVGPOOL_ZP_IN, QS8_GAVGPOOL_ZP_OUT, QS8_POOL_C,
  QS8_POOL_DH, QS8_POOL_DW, QS8_POOL_FLAGS, QS8_POOL_H, QS8_POOL_KH, QS8_POOL_KW, QS8_POOL_M, QS8_POOL_N,
  QS8_POOL_OH, QS8_POOL_OW, QS8_POOL_PB, QS8_POOL_PL, QS8_POOL_PR, QS8_POOL_PT, QS8_POOL_QMAX, QS8_POOL_QMIN,
  QS8_POOL_SH, QS8_POOL_SW, QS8_POOL_W, QS8_POOL_X_STRIDE, QS8_POOL_Y_STRIDE, QS8_POOL_ZP_IN, QS8_POOL_ZP_OUT
} from '../common/params';

/** Widen two i16x8 sums (16 channels) to i32, subtract the zero-point term, requantize, narrow. */
// @ts-ignore: decorator
@inline
function requant_i16x16(s0: v128, s1: v128, bias: v128, m: v128, zp: v128, lo: v128, hi: v128): v128 {
  return out_i16x16(s0, s1, bias, false, m, zp, lo, hi, m, zp, zp);
}

/**
 * raw / count rounded half away from zero, clamped to [qlo, qhi] (i32x4), for 4 i32 lanes:
 * the quotient in f64 (exact operands, correctly rounded: a tie stays a tie, nothing else
 * becomes one), plus copysign(0.5), truncated. The scalar twin's integer arithmetic exactly.
 */
// @ts-ignore: decorator
@inline
function div_away_x4(raw: v128, count: v128, qlo: v128, qhi: v128): v128 {
  const half = f64x2.splat(0.5), sign = i64x2.splat(i64.MIN_VALUE);
  let l = f64x2.div(f64x2.convert_low_i32x4_s(raw), count);
  let h = f64x2.div(f64x2.convert_low_i32x4_s(i32x4.shuffle(raw, raw, 2, 3, 0, 1)), count);
  l = f64x2.add(l, v128.or(half, v128.and(l, sign)));
  h = f64x2.add(h, v128.or(half, v128.and(h, sign)));
  const q = i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(l), i32x4.trunc_sat_f64x2_s_zero(h), 0, 1, 4, 5);
  return i32x4.min_s(i32x4.max_s(q, qlo), qhi);
}

/** 16 channels' i32 sums less the zero-point term, as int8: requantized, or (`away`) TFLite's rounded average. */
// @ts-ignore: decorator
@inline
function out_x16(a0: v128, a1: v128, a2: v128, a3: v128, away: bool, m: v128, zp: v128, lo: v128, hi: v128, count: v128, qlo: v128, qhi: v128): v128 {
  if (away) return narrow_i32x16_i8(div_away_x4(a0, count, qlo, qhi), div_away_x4(a1, count, qlo, qhi), div_away_x4(a2, count, qlo, qhi), div_away_x4(a3, count, qlo, qhi));
  return narrow_i32x16_i8(requant_fp32x4(a0, m, zp, lo, hi), requant_fp32x4(a1, m, zp, lo, hi), requant_fp32x4(a2, m, zp, lo, hi), requant_fp32x4(a3, m, zp, lo, hi));
}

/** out_x16 of two i16x8 sums (16 channels), widened, the zero-point term subtracted. */
// @ts-ignore: decorator
@inline
function out_i16x16(s0: v128, s1: v128, bias: v128, away: bool, m: v128, zp: v128, lo: v128, hi: v128, count: v128, qlo: v128, qhi: v128): v128 {
  return out_x16(
    i32x4.sub(i32x4.extend_low_i16x8_s(s0), bias), i32x4.sub(i32x4.extend_high_i16x8_s(s0), bias),
    i32x4.sub(i32x4.extend_low_i16x8_s(s1), bias), i32x4.sub(i32x4.extend_high_i16x8_s(s1), bias),
    away, m, zp, lo, hi, count, qlo, qhi,
  );
}

export function qs8_maxpool_c16__wasmsimd(x: usize, y: usize, params: usize): void {
  const n = load<i32>(params, QS8_POOL_N), ih = load<i32>(params, QS8_POOL_H), iw = load<i32>(params, QS8_POOL_W);
  const c = <usize>load<i32>(params, QS8_POOL_C), oh = load<i32>(params, QS8_POOL_OH), ow = load<i32>(params, QS8_POOL_OW);
  const kh = load<i32>(params, QS8_POOL_KH), kw = load<i32>(params, QS8_POOL_KW);
  const sh = load<i32>(params, QS8_POOL_SH), sw = load<i32>(params, QS8_POOL_SW);
  const dh = load<i32>(params, QS8_POOL_DH), dw = load<i32>(params, QS8_POOL_DW);
  const pt = load<i32>(params, QS8_POOL_PT), pl = load<i32>(params, QS8_POOL_PL);
  const xs = load<i32>(params, QS8_POOL_X_STRIDE), ys = load<i32>(params, QS8_POOL_Y_STRIDE);
  const vmin = i8x16.splat(<i8>load<i32>(params, QS8_POOL_QMIN)), vmax = i8x16.splat(<i8>load<i32>(params, QS8_POOL_QMAX));
  const col_step = <usize>(dw * xs), row_step = <usize>(dh * iw * xs);
  // Columns [in_lo, in_hi) whose 2x2 window lies inside the image: in rows whose window does
  // too, the unrolled path, no window arithmetic.
  const two_by_two = kh == 2 && kw == 2;
  const last_ix = iw - 1 - dw + pl; // the window's right tap is inside while ox * sw <= last_ix
  const in_lo = (pl + sw - 1) / sw;
  const in_hi = last_ix >= 0 ? max<i32>(in_lo, min<i32>(ow, last_ix / sw + 1)) : in_lo;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - pt;
      const ky0 = win_lo(iy0, dh), ky1 = win_hi(iy0, dh, ih, kh);
      const rows = win_len(ky0, ky1);
      const full_rows = two_by_two && rows == 2;
      const ox_lo = full_rows ? in_lo : ow, ox_hi = full_rows ? in_hi : ow;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl;
        let yp = y + <usize>(((b * oh + oy) * ow + ox) * ys);
        if (ox >= ox_lo && ox < ox_hi) {
          let x0 = x + <usize>(((b * ih + iy0 + ky0 * dh) * iw + ix0) * xs);
          let left = c;
          const p1 = col_step, p2 = row_step, p3 = row_step + col_step;
          while (left > 0) {
            const m = i8x16.max_s(
              i8x16.max_s(v128.load(x0), v128.load(x0 + p1)),
              i8x16.max_s(v128.load(x0 + p2), v128.load(x0 + p3)),
            );
            const v = i8x16.min_s(i8x16.max_s(m, vmin), vmax);
            if (left >= 16) {
              v128.store(yp, v);
              left -= 16;
            } else {
              store_bytes_tail(yp, v, left);
              left = 0;
            }
            x0 += 16;
            yp += 16;
          }
          continue;
        }
        const kx0 = win_lo(ix0, dw), kx1 = win_hi(ix0, dw, iw, kw);
        const cols = win_len(kx0, kx1);
        let x0 = x + <usize>(((b * ih + iy0 + ky0 * dh) * iw + ix0 + kx0 * dw) * xs);
        let left = c;
        for (; left >= 64; left -= 64) {
          let m0 = vmin, m1 = vmin, m2 = vmin, m3 = vmin;
          let row = x0;
          for (let ky = 0; ky < rows; ky++) {
            let p = row;
            for (let kx = 0; kx < cols; kx++) {
              m0 = i8x16.max_s(m0, v128.load(p));
              m1 = i8x16.max_s(m1, v128.load(p, 16));
              m2 = i8x16.max_s(m2, v128.load(p, 32));
              m3 = i8x16.max_s(m3, v128.load(p, 48));
              p += col_step;
            }
            row += row_step;
          }
          v128.store(yp, i8x16.min_s(m0, vmax));
          v128.store(yp, i8x16.min_s(m1, vmax), 16);
          v128.store(yp, i8x16.min_s(m2, vmax), 32);
          v128.store(yp, i8x16.min_s(m3, vmax), 48);
          x0 += 64;
          yp += 64;
        }
        while (left > 0) {
          let m = vmin;
          let row = x0;
          for (let ky = 0; ky < rows; ky++) {
            let p = row;
            for (let kx = 0; kx < cols; kx++) {
              m = i8x16.max_s(m, v128.load(p));
              p += col_step;
            }
            row += row_step;
          }
          m = i8x16.min_s(m, vmax);
          if (left >= 16) {
            v128.store(yp, m);
            left -= 16;
          } else {
            store_bytes_tail(yp, m, left);
            left = 0;
          }
          x0 += 16;
          yp += 16;
        }
      }
    }
  }
}

export function qs8_avgpool_c16__wasmsimd(x: usize, y: usize, params: usize): void {
  avgpool(x, y, params, false);
}

export function qs8_avgpool_away_c16__wasmsimd(x: usize, y: usize, params: usize): void {
  avgpool(x, y, params, true);
}

// The average pool of either rounding (`away` a constant at each call: two kernels; qs8_pool.ts has the definitions).
// @ts-ignore: decorator
@inline
function avgpool(x: usize, y: usize, params: usize, away: bool): void {
  const n = load<i32>(params, QS8_POOL_N), ih = load<i32>(params, QS8_POOL_H), iw = load<i32>(params, QS8_POOL_W);
  const c = <usize>load<i32>(params, QS8_POOL_C), oh = load<i32>(params, QS8_POOL_OH), ow = load<i32>(params, QS8_POOL_OW);
  const kh = load<i32>(params, QS8_POOL_KH), kw = load<i32>(params, QS8_POOL_KW);
  const sh = load<i32>(params, QS8_POOL_SH), sw = load<i32>(params, QS8_POOL_SW);
  const dh = load<i32>(params, QS8_POOL_DH), dw = load<i32>(params, QS8_POOL_DW);
  const pt = load<i32>(params, QS8_POOL_PT), pl = load<i32>(params, QS8_POOL_PL);
  const pb = load<i32>(params, QS8_POOL_PB), pr = load<i32>(params, QS8_POOL_PR);
  const xs = load<i32>(params, QS8_POOL_X_STRIDE), ys = load<i32>(params, QS8_POOL_Y_STRIDE);
  const include_pad = (load<i32>(params, QS8_POOL_FLAGS) & 1) != 0;
  const zp_in = load<i32>(params, QS8_POOL_ZP_IN), zp_out = load<i32>(params, QS8_POOL_ZP_OUT);
  const vzp = i32x4.splat(zp_out);
  const vlo = f32x4.splat(<f32>(load<i32>(params, QS8_POOL_QMIN) - zp_out));
  const vhi = f32x4.splat(<f32>(load<i32>(params, QS8_POOL_QMAX) - zp_out));
  const vqlo = i32x4.splat(load<i32>(params, QS8_POOL_QMIN)), vqhi = i32x4.splat(load<i32>(params, QS8_POOL_QMAX));
  const col_step = <usize>(dw * xs), row_step = <usize>(dh * iw * xs);
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
        const vm = f32x4.splat(load<f32>(params + QS8_POOL_M + (<usize>count << 2)));
        const vbias = i32x4.splat(away ? (count_in - count) * zp_in - (count == 0 ? zp_in : 0) : count_in * zp_in);
        const vc = f64x2.splat(<f64>max<i32>(count, 1));
        let yp = y + <usize>(((b * oh + oy) * ow + ox) * ys);
        let x0 = x + <usize>(((b * ih + iy0 + ky0 * dh) * iw + ix0 + kx0 * dw) * xs);
        let left = c;
        if (count_in <= 256) {
          for (; left >= 32; left -= 32) {
            let s0 = i16x8.splat(0), s1 = s0, s2 = s0, s3 = s0;
            let row = x0;
            for (let ky = 0; ky < rows; ky++) {
              let p = row;
              for (let kx = 0; kx < cols; kx++) {
                const v = v128.load(p), w = v128.load(p, 16);
                s0 = i16x8.add(s0, i16x8.extend_low_i8x16_s(v));
                s1 = i16x8.add(s1, i16x8.extend_high_i8x16_s(v));
                s2 = i16x8.add(s2, i16x8.extend_low_i8x16_s(w));
                s3 = i16x8.add(s3, i16x8.extend_high_i8x16_s(w));
                p += col_step;
              }
              row += row_step;
            }
            v128.store(yp, out_i16x16(s0, s1, vbias, away, vm, vzp, vlo, vhi, vc, vqlo, vqhi));
            v128.store(yp, out_i16x16(s2, s3, vbias, away, vm, vzp, vlo, vhi, vc, vqlo, vqhi), 16);
            x0 += 32;
            yp += 32;
          }
        }
        while (left > 0) {
          let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
          let row = x0;
          if (count_in <= 256) {
            let s0 = i16x8.splat(0), s1 = s0;
            for (let ky = 0; ky < rows; ky++) {
              let p = row;
              for (let kx = 0; kx < cols; kx++) {
                const v = v128.load(p);
                s0 = i16x8.add(s0, i16x8.extend_low_i8x16_s(v));
                s1 = i16x8.add(s1, i16x8.extend_high_i8x16_s(v));
                p += col_step;
              }
              row += row_step;
            }
            a0 = i32x4.extend_low_i16x8_s(s0);
            a1 = i32x4.extend_high_i16x8_s(s0);
            a2 = i32x4.extend_low_i16x8_s(s1);
            a3 = i32x4.extend_high_i16x8_s(s1);
          } else {
            // Windows of more than 256 positions: widen every vector to i32.
            for (let ky = 0; ky < rows; ky++) {
              let p = row;
              for (let kx = 0; kx < cols; kx++) {
                const v = v128.load(p);
                const l = i16x8.extend_low_i8x16_s(v), h = i16x8.extend_high_i8x16_s(v);
                a0 = i32x4.add(a0, i32x4.extend_low_i16x8_s(l));
                a1 = i32x4.add(a1, i32x4.extend_high_i16x8_s(l));
                a2 = i32x4.add(a2, i32x4.extend_low_i16x8_s(h));
                a3 = i32x4.add(a3, i32x4.extend_high_i16x8_s(h));
                p += col_step;
              }
              row += row_step;
            }
          }
          const r = out_x16(i32x4.sub(a0, vbias), i32x4.sub(a1, vbias), i32x4.sub(a2, vbias), i32x4.sub(a3, vbias), away, vm, vzp, vlo, vhi, vc, vqlo, vqhi);
          if (left >= 16) {
            v128.store(yp, r);
            left -= 16;
          } else {
            store_bytes_tail(yp, r, left);
            left = 0;
          }
          x0 += 16;
          yp += 16;
        }
      }
    }
  }
}

export function qs8_gavgpool_c16__wasmsimd(x: usize, y: usize, params: usize): void {
  const n = load<i32>(params, QS8_GAVGPOOL_N), hw = load<i32>(params, QS8_GAVGPOOL_HW), c = <usize>load<i32>(params, QS8_GAVGPOOL_C);
  const xs = <usize>load<i32>(params, QS8_GAVGPOOL_X_STRIDE), ys = <usize>load<i32>(params, QS8_GAVGPOOL_Y_STRIDE);
  const zp_in = load<i32>(params, QS8_GAVGPOOL_ZP_IN), zp_out = load<i32>(params, QS8_GAVGPOOL_ZP_OUT);
  const vzp = i32x4.splat(zp_out);
  const vlo = f32x4.splat(<f32>(load<i32>(params, QS8_GAVGPOOL_QMIN) - zp_out));
  const vhi = f32x4.splat(<f32>(load<i32>(params, QS8_GAVGPOOL_QMAX) - zp_out));
  const vm = f32x4.splat(load<f32>(params, QS8_GAVGPOOL_M));
  const vbias = i32x4.splat(hw * zp_in);
  for (let b = 0; b < n; b++) {
    let x0 = x + <usize>b * <usize>hw * xs;
    let yp = y + <usize>b * ys;
    let left = c;
    if (hw <= 256) {
      for (; left >= 32; left -= 32) {
        let s0 = i16x8.splat(0), s1 = s0, s2 = s0, s3 = s0;
        let p = x0;
        for (let i = 0; i < hw; i++) {
          const v = v128.load(p), w = v128.load(p, 16);
          s0 = i16x8.add(s0, i16x8.extend_low_i8x16_s(v));
          s1 = i16x8.add(s1, i16x8.extend_high_i8x16_s(v));
          s2 = i16x8.add(s2, i16x8.extend_low_i8x16_s(w));
          s3 = i16x8.add(s3, i16x8.extend_high_i8x16_s(w));
          p += xs;
        }
        v128.store(yp, requant_i16x16(s0, s1, vbias, vm, vzp, vlo, vhi));
        v128.store(yp, requant_i16x16(s2, s3, vbias, vm, vzp, vlo, vhi), 16);
        x0 += 32;
        yp += 32;
      }
    }
    while (left > 0) {
      let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      let p = x0;
      // Chunks of at most 256 pixels summed in i16, then widened.
      for (let done = 0; done < hw; done += 256) {
        const chunk = min<i32>(hw - done, 256);
        let s0 = i16x8.splat(0), s1 = s0;
        for (let i = 0; i < chunk; i++) {
          const v = v128.load(p);
          s0 = i16x8.add(s0, i16x8.extend_low_i8x16_s(v));
          s1 = i16x8.add(s1, i16x8.extend_high_i8x16_s(v));
          p += xs;
        }
        a0 = i32x4.add(a0, i32x4.extend_low_i16x8_s(s0));
        a1 = i32x4.add(a1, i32x4.extend_high_i16x8_s(s0));
        a2 = i32x4.add(a2, i32x4.extend_low_i16x8_s(s1));
        a3 = i32x4.add(a3, i32x4.extend_high_i16x8_s(s1));
      }
      const r = narrow_i32x16_i8(
        requant_fp32x4(i32x4.sub(a0, vbias), vm, vzp, vlo, vhi),
        requant_fp32x4(i32x4.sub(a1, vbias), vm, vzp, vlo, vhi),
        requant_fp32x4(i32x4.sub(a2, vbias), vm, vzp, vlo, vhi),
        requant_fp32x4(i32x4.sub(a3, vbias), vm, vzp, vlo, vhi),
      );
      if (left >= 16) {
        v128.store(yp, r);
        left -= 16;
      } else {
        store_bytes_tail(yp, r, left);
        left = 0;
      }
      x0 += 16;
      yp += 16;
    }
  }
}

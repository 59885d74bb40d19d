// WASM SIMD twin of qs8_reduce.ts (same signature, params and bytes; the sums are exact
// integers and the max is exact, so the order does not matter): 16 columns per vector when
// inner >= 16, a contiguous row (inner = 1) 16 values per step, widened pairwise to i32.
import { qs8_column } from './qs8_reduce';
import { requant_fp32 } from '../common/requant';
import { narrow_i32x16_i8, requant_fp32x4 } from '../common/requant_wasmsimd';
import {
  QS8_REDUCE_INNER, QS8_REDUCE_M, QS8_REDUCE_N, QS8_REDUCE_OP, QS8_REDUCE_OUTER, QS8_REDUCE_QMAX, QS8_REDUCE_QMIN,
  QS8_REDUCE_ZP_IN, QS8_REDUCE_ZP_OUT,
} from '../common/params';

/** The accumulator of a contiguous row of n int8 values (zp_in not taken off). */
// @ts-ignore: decorator
@inline
function qs8_row(x: usize, n: i32, op: i32): i32 {
  let i = 0, r: i32;
  if (op == 0) {
    let s = i32x4.splat(0);
    for (; i + 16 <= n; i += 16) s = i32x4.add(s, i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(v128.load(x + <usize>i))));
    r = i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
    for (; i < n; i++) r += <i32>load<i8>(x + <usize>i);
  } else {
    let s = i8x16.splat(-128);
    for (; i + 16 <= n; i += 16) s = i8x16.max_s(s, v128.load(x + <usize>i));
    s = i8x16.max_s(s, v128.shuffle<i64>(s, s, 1, 0));
    s = i8x16.max_s(s, i64x2.shr_u(s, 32));
    s = i8x16.max_s(s, i32x4.shr_u(s, 16));
    s = i8x16.max_s(s, i16x8.shr_u(s, 8));
    r = <i32>i8x16.extract_lane_s(s, 0);
    for (; i < n; i++) r = max<i32>(r, <i32>load<i8>(x + <usize>i));
  }
  return r;
}

export function qs8_reduce_x16__wasmsimd(x: usize, y: usize, params: usize): void {
  const outer = load<i32>(params, QS8_REDUCE_OUTER), n = load<i32>(params, QS8_REDUCE_N), inner = load<i32>(params, QS8_REDUCE_INNER);
  const op = load<i32>(params, QS8_REDUCE_OP), zp_in = load<i32>(params, QS8_REDUCE_ZP_IN), zp = load<i32>(params, QS8_REDUCE_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_REDUCE_QMIN) - zp), hi = <f32>(load<i32>(params, QS8_REDUCE_QMAX) - zp);
  const m = load<f32>(params, QS8_REDUCE_M);
  const off = op == 0 ? n * zp_in : zp_in;
  const voff = i32x4.splat(off), vm = f32x4.splat(m), vzp = i32x4.splat(zp), vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  const step = <usize>inner;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * <usize>n * step, yo = y + <usize>o * step;
    if (inner == 1) {
      store<i8>(yo, <i8>requant_fp32(qs8_row(xo, n, op) - off, m, zp, lo, hi));
      continue;
    }
    let k = 0;
    for (; k + 16 <= inner; k += 16) {
      const xc = xo + <usize>k;
      let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      if (op == 0) {
        // Chunks of at most 256 rows summed in i16 (|sum| <= 256 * 128), then widened.
        for (let done = 0; done < n; done += 256) {
          const end = min<i32>(n, done + 256);
          let s0 = i16x8.splat(0), s1 = s0;
          for (let i = done; i < end; i++) {
            const v = v128.load(xc + <usize>i * step);
            s0 = i16x8.add(s0, i16x8.extend_low_i8x16_s(v));
            s1 = i16x8.add(s1, i16x8.extend_high_i8x16_s(v));
          }
          a0 = i32x4.add(a0, i32x4.extend_low_i16x8_s(s0));
          a1 = i32x4.add(a1, i32x4.extend_high_i16x8_s(s0));
          a2 = i32x4.add(a2, i32x4.extend_low_i16x8_s(s1));
          a3 = i32x4.add(a3, i32x4.extend_high_i16x8_s(s1));
        }
      } else {
        let s = i8x16.splat(-128);
        for (let i = 0; i < n; i++) s = i8x16.max_s(s, v128.load(xc + <usize>i * step));
        const w0 = i16x8.extend_low_i8x16_s(s), w1 = i16x8.extend_high_i8x16_s(s);
        a0 = i32x4.extend_low_i16x8_s(w0);
        a1 = i32x4.extend_high_i16x8_s(w0);
        a2 = i32x4.extend_low_i16x8_s(w1);
        a3 = i32x4.extend_high_i16x8_s(w1);
      }
      v128.store(yo + <usize>k, narrow_i32x16_i8(
        requant_fp32x4(i32x4.sub(a0, voff), vm, vzp, vlo, vhi), requant_fp32x4(i32x4.sub(a1, voff), vm, vzp, vlo, vhi),
        requant_fp32x4(i32x4.sub(a2, voff), vm, vzp, vlo, vhi), requant_fp32x4(i32x4.sub(a3, voff), vm, vzp, vlo, vhi)));
    }
    for (; k < inner; k++) {
      store<i8>(yo + <usize>k, <i8>requant_fp32(qs8_column(xo + <usize>k, n, step, op) - off, m, zp, lo, hi));
    }
  }
}

// EXPERIMENT: binary rows kernel on scalar i64.popcnt (x86: one popcnt instruction).
import { B1RowsFn } from './gemm';
import { b1_conv_driver } from './conv';
import { b1_out_i8, b1_out_f32, b1_out_bit } from './output';
import {
  B1_GEMM_FMAX, B1_GEMM_FMIN, B1_GEMM_MODE, B1_GEMM_QMAX, B1_GEMM_QMIN, B1_GEMM_ZP_OUT
} from '../common/params';

/** Bytes of one packed block of 8 channels, words in u64 pairs: [kp][8] u64. */
// @ts-ignore: decorator
@inline
export function b1_block_bytes_d(kw: i32): usize {
  return 64 + (<usize>((kw + 1) >> 1) << 6);
}

export function b1_gemm_pack_x8d(n: i32, kw: i32, w: usize, p0: usize, p1: usize, out: usize): void {
  const blocks = (n + 7) >> 3;
  const kp = (kw + 1) >> 1;
  for (let nb = 0; nb < blocks; nb++) {
    const o = out + <usize>nb * b1_block_bytes_d(kw);
    for (let j = 0; j < 8; j++) {
      const ch = nb * 8 + j;
      const live = ch < n;
      store<u32>(o + (<usize>j << 2), live ? load<u32>(p0 + (<usize>ch << 2)) : 0);
      store<u32>(o + 32 + (<usize>j << 2), live ? load<u32>(p1 + (<usize>ch << 2)) : 0);
      for (let k = 0; k < kp * 2; k++) {
        const v: u32 = live && k < kw ? load<u32>(w + ((<usize>ch * <usize>kw + <usize>k) << 2)) : 0;
        store<u32>(o + 64 + (<usize>((k >> 1) * 8 + j) << 3) + (<usize>(k & 1) << 2), v);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function pc(x: u64, w: u64): i64 {
  return <i64>popcnt<u64>(x ^ w);
}

// @ts-ignore: decorator
@inline
function out1(pc_: i64, base: usize, wb: usize, c: usize, o: i32, j: i32, mode: i32, zp: i32, lo: f32, hi: f32): i32 {
  const acc = load<i32>(base + (<usize>o << 2)) - (<i32>pc_ << 1);
  if (mode == 1) return b1_out_bit(acc, load<i32>(wb + (<usize>j << 2)), load<i32>(wb + 32 + (<usize>j << 2))) << j;
  if (mode == 2) store<f32>(c + (<usize>o << 2), b1_out_f32(acc, load<f32>(wb + (<usize>j << 2)), load<f32>(wb + 32 + (<usize>j << 2)), lo, hi));
  else store<i8>(c + <usize>o, <i8>b1_out_i8(acc, load<f32>(wb + (<usize>j << 2)), load<f32>(wb + 32 + (<usize>j << 2)), zp, lo, hi));
  return 0;
}

export function b1_rows_4x8d__scalar(
  rows: i32, a: usize, a_stride: i32, kw: i32, w: usize, n: i32, c: usize, c_stride: i32, params: usize,
  b0: usize, b1: usize, b2: usize, b3: usize,
): void {
  const mode = load<i32>(params, B1_GEMM_MODE);
  const zp = load<i32>(params, B1_GEMM_ZP_OUT);
  const lo = mode == 2 ? load<f32>(params, B1_GEMM_FMIN) : <f32>(load<i32>(params, B1_GEMM_QMIN) - zp);
  const hi = mode == 2 ? load<f32>(params, B1_GEMM_FMAX) : <f32>(load<i32>(params, B1_GEMM_QMAX) - zp);
  const bb = b1_block_bytes_d(kw);
  const blocks = (n + 7) >> 3;
  const kp = kw >> 1;
  const odd = kw & 1;
  for (let r = 0; r < rows; r += 2) {
    const two = r + 1 < rows;
    const a0 = a + <usize>r * <usize>a_stride;
    const a1 = two ? a0 + <usize>a_stride : a0;
    const c0 = c + <usize>r * <usize>c_stride;
    const c1 = c0 + <usize>c_stride;
    const base0 = r == 0 ? b0 : b2;
    const base1 = r == 0 ? b1 : b3;
    for (let nb = 0; nb < blocks; nb++) {
      const wb = w + <usize>nb * bb;
      let bits0 = 0, bits1 = 0;
      for (let h = 0; h < 8; h += 4) {
        let pw = wb + 64 + (<usize>h << 3);
        let s00: i64 = 0, s01: i64 = 0, s02: i64 = 0, s03: i64 = 0;
        let s10: i64 = 0, s11: i64 = 0, s12: i64 = 0, s13: i64 = 0;
        let pa = a0, pb = a1;
        const end = a0 + (<usize>kp << 3);
        for (; pa < end; pa += 8, pb += 8, pw += 64) {
          const x0 = load<u64>(pa);
          const x1 = load<u64>(pb);
          let ww = load<u64>(pw);
          s00 += pc(x0, ww); s10 += pc(x1, ww);
          ww = load<u64>(pw, 8);
          s01 += pc(x0, ww); s11 += pc(x1, ww);
          ww = load<u64>(pw, 16);
          s02 += pc(x0, ww); s12 += pc(x1, ww);
          ww = load<u64>(pw, 24);
          s03 += pc(x0, ww); s13 += pc(x1, ww);
        }
        if (odd) {
          const x0 = <u64>load<u32>(pa);
          const x1 = <u64>load<u32>(pb);
          let ww = load<u64>(pw);
          s00 += pc(x0, ww); s10 += pc(x1, ww);
          ww = load<u64>(pw, 8);
          s01 += pc(x0, ww); s11 += pc(x1, ww);
          ww = load<u64>(pw, 16);
          s02 += pc(x0, ww); s12 += pc(x1, ww);
          ww = load<u64>(pw, 24);
          s03 += pc(x0, ww); s13 += pc(x1, ww);
        }
        const o = nb * 8 + h;
        if (o < n) { bits0 |= out1(s00, base0, wb, c0, o, h, mode, zp, lo, hi); if (two) bits1 |= out1(s10, base1, wb, c1, o, h, mode, zp, lo, hi); }
        if (o + 1 < n) { bits0 |= out1(s01, base0, wb, c0, o + 1, h + 1, mode, zp, lo, hi); if (two) bits1 |= out1(s11, base1, wb, c1, o + 1, h + 1, mode, zp, lo, hi); }
        if (o + 2 < n) { bits0 |= out1(s02, base0, wb, c0, o + 2, h + 2, mode, zp, lo, hi); if (two) bits1 |= out1(s12, base1, wb, c1, o + 2, h + 2, mode, zp, lo, hi); }
        if (o + 3 < n) { bits0 |= out1(s03, base0, wb, c0, o + 3, h + 3, mode, zp, lo, hi); if (two) bits1 |= out1(s13, base1, wb, c1, o + 3, h + 3, mode, zp, lo, hi); }
      }
      if (mode == 1) {
        store<u8>(c0 + <usize>nb, <u8>bits0);
        if (two) store<u8>(c1 + <usize>nb, <u8>bits1);
      }
    }
    if (mode == 1) {
      for (let j = blocks; j < ((n + 31) >> 5) << 2; j++) {
        store<u8>(c0 + <usize>j, 0);
        if (two) store<u8>(c1 + <usize>j, 0);
      }
    }
  }
}

export function b1_conv_4x8d__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  b1_conv_driver(input, w, output, scratch, params, b1_rows_4x8d__scalar);
}

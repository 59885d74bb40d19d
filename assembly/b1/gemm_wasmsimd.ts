// Binary GEMM rows kernel, WASM SIMD128: b1_gemm_4x8__wasmsimd (and the rows kernel the
// conv uses). Signature, params, packed layout: gemm.ts (its scalar twin lives there).
//
// Vectorized over output channels: for each input word k, the row's word is broadcast
// (v128.load32_splat) and XORed with word k of 8 channels (two v128 of packed weights);
// i8x16.popcnt gives per-byte counts, so each i32 lane's 4 bytes belong to one channel.
// Byte counts are summed with i8x16.add for up to 31 words (31 * 8 = 248 < 256), then
// widened once per chunk (i16x8/i32x4.extadd_pairwise_*_u) into i32 lanes: one lane per
// channel, no horizontal reduction. Tile: 4 rows x 8 channels (8 byte accumulators, the
// two weight vectors shared by the 4 rows); rows left over run the 1x8 tile.
import { b1_block_bytes, b1_gemm_driver } from './gemm';
import { b1_out_i8x4, b1_out_f32x4, b1_out_bits8, store_f32x8, store_low_bytes } from './output_wasmsimd';
import { narrow_i32x16_i8 } from '../common/requant_wasmsimd';
import { B1_GEMM_FMAX, B1_GEMM_FMIN, B1_GEMM_MODE, B1_GEMM_QMAX, B1_GEMM_QMIN, B1_GEMM_ZP_OUT } from '../common/params';

const CHUNK: i32 = 31;

/**
 * b + popcount(x ^ w) per byte. P picks the popcount at compile time: u32 `i8x16.popcnt`
 * (simd build), u8 a nibble table through `i8x16.relaxed_swizzle` (relaxed build; the
 * indices are 0..15, where every engine's relaxed swizzle is the plain table lookup).
 * V8 lowers i8x16.popcnt on x86 without AVX-512 BITALG to the same lookup but reloads its
 * two constants through 64-bit addresses for every vector (12 instructions); here `m` (0x0f)
 * and `t` (the table) stay in registers (8).
 */
// @ts-ignore: decorator
@inline
export function pc_add<P>(b: v128, x: v128, w: v128, m: v128, t: v128): v128 {
  const v = v128.xor(x, w);
  if (sizeof<P>() == 1) {
    return i8x16.add(i8x16.add(b, i8x16.relaxed_swizzle(t, v128.and(v, m))), i8x16.relaxed_swizzle(t, v128.and(i16x8.shr_u(v, 4), m)));
  }
  return i8x16.add(b, i8x16.popcnt(v));
}

/** The nibble popcount table and mask (pc_add<u8>). */
// @ts-ignore: decorator
@inline
export function nibble_table(): v128 {
  return i8x16(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
}

// @ts-ignore: decorator
@inline
function widen_add(s: v128, b: v128): v128 {
  return i32x4.add(s, i32x4.extadd_pairwise_i16x8_u(i16x8.extadd_pairwise_i8x16_u(b)));
}

/** Output of one row for channel block nb: popcounts s0 (channels 0..3) and s1 (4..7). */
// @ts-ignore: decorator
@inline
function b1_store_row(
  s0: v128, s1: v128, base: usize, wb: usize, c: usize, nb: i32, n: i32, mode: i32,
  vzp: v128, vlo: v128, vhi: v128,
): void {
  const bp = base + (<usize>nb << 5);
  const acc0 = i32x4.sub(v128.load(bp), i32x4.shl(s0, 1));
  const acc1 = i32x4.sub(v128.load(bp, 16), i32x4.shl(s1, 1));
  if (mode == 1) {
    store<u8>(c + <usize>nb, <u8>b1_out_bits8(acc0, acc1, v128.load(wb), v128.load(wb, 16), v128.load(wb, 32), v128.load(wb, 48)));
  } else if (mode == 2) {
    const y0 = b1_out_f32x4(acc0, v128.load(wb), v128.load(wb, 32), vlo, vhi);
    const y1 = b1_out_f32x4(acc1, v128.load(wb, 16), v128.load(wb, 48), vlo, vhi);
    store_f32x8(y0, y1, c + (<usize>nb << 5), n - (nb << 3));
  } else {
    const y0 = b1_out_i8x4(acc0, v128.load(wb), v128.load(wb, 32), vzp, vlo, vhi);
    const y1 = b1_out_i8x4(acc1, v128.load(wb, 16), v128.load(wb, 48), vzp, vlo, vhi);
    store_low_bytes(narrow_i32x16_i8(y0, y1, y0, y1), c + (<usize>nb << 3), n - (nb << 3));
  }
}

/** Bits out: zero the bytes between the last block's byte and the end of the row's last word. */
// @ts-ignore: decorator
@inline
function b1_zero_row_tail(c: usize, n: i32): void {
  for (let j = (n + 7) >> 3; j < ((n + 31) >> 5) << 2; j++) store<u8>(c + <usize>j, 0);
}

// @ts-ignore: decorator
@inline
function b1_rows_1x8<P>(a0: usize, kw: i32, w: usize, n: i32, c0: usize, base0: usize, mode: i32, vzp: v128, vlo: v128, vhi: v128): void {
  const m = i8x16.splat(15);
  const t = nibble_table();
  const bb = b1_block_bytes(kw);
  const blocks = (n + 7) >> 3;
  for (let nb = 0; nb < blocks; nb++) {
    const wb = w + <usize>nb * bb;
    let pw = wb + 64;
    let s0 = i32x4.splat(0);
    let s1 = i32x4.splat(0);
    let k = 0;
    while (k < kw) {
      const kend = min<i32>(kw, k + CHUNK);
      let b0 = i8x16.splat(0);
      let b1 = i8x16.splat(0);
      for (; k < kend; k++) {
        const x0 = v128.load32_splat(a0 + (<usize>k << 2));
        b0 = pc_add<P>(b0, x0, v128.load(pw), m, t);
        b1 = pc_add<P>(b1, x0, v128.load(pw, 16), m, t);
        pw += 32;
      }
      s0 = widen_add(s0, b0);
      s1 = widen_add(s1, b1);
    }
    b1_store_row(s0, s1, base0, wb, c0, nb, n, mode, vzp, vlo, vhi);
  }
  if (mode == 1) b1_zero_row_tail(c0, n);
}

/** The 4x8 rows kernel over the popcount P (pc_add). */
// @ts-ignore: decorator
@inline
export function b1_rows_4x8<P>(
  rows: i32, a: usize, a_stride: i32, kw: i32, w: usize, n: i32, c: usize, c_stride: i32, params: usize,
  base0: usize, base1: usize, base2: usize, base3: usize,
): void {
  const mode = load<i32>(params, B1_GEMM_MODE);
  const zp = load<i32>(params, B1_GEMM_ZP_OUT);
  const vzp = i32x4.splat(zp);
  const vlo = f32x4.splat(mode == 2 ? load<f32>(params, B1_GEMM_FMIN) : <f32>(load<i32>(params, B1_GEMM_QMIN) - zp));
  const vhi = f32x4.splat(mode == 2 ? load<f32>(params, B1_GEMM_FMAX) : <f32>(load<i32>(params, B1_GEMM_QMAX) - zp));
  if (rows < 4) {
    b1_rows_1x8<P>(a, kw, w, n, c, base0, mode, vzp, vlo, vhi);
    if (rows > 1) b1_rows_1x8<P>(a + <usize>a_stride, kw, w, n, c + <usize>c_stride, base1, mode, vzp, vlo, vhi);
    if (rows > 2) b1_rows_1x8<P>(a + 2 * <usize>a_stride, kw, w, n, c + 2 * <usize>c_stride, base2, mode, vzp, vlo, vhi);
    return;
  }
  const a0 = a;
  const a1 = a0 + <usize>a_stride;
  const a2 = a1 + <usize>a_stride;
  const a3 = a2 + <usize>a_stride;
  const c0 = c;
  const c1 = c0 + <usize>c_stride;
  const c2 = c1 + <usize>c_stride;
  const c3 = c2 + <usize>c_stride;
  const bb = b1_block_bytes(kw);
  const blocks = (n + 7) >> 3;
  const m = i8x16.splat(15);
  const t = nibble_table();
  for (let nb = 0; nb < blocks; nb++) {
    const wb = w + <usize>nb * bb;
    let pw = wb + 64;
    let s00 = i32x4.splat(0), s01 = i32x4.splat(0), s10 = i32x4.splat(0), s11 = i32x4.splat(0);
    let s20 = i32x4.splat(0), s21 = i32x4.splat(0), s30 = i32x4.splat(0), s31 = i32x4.splat(0);
    let k = 0;
    while (k < kw) {
      const kend = min<i32>(kw, k + CHUNK);
      let b00 = i8x16.splat(0), b01 = i8x16.splat(0), b10 = i8x16.splat(0), b11 = i8x16.splat(0);
      let b20 = i8x16.splat(0), b21 = i8x16.splat(0), b30 = i8x16.splat(0), b31 = i8x16.splat(0);
      for (; k < kend; k++) {
        const w0 = v128.load(pw);
        const w1 = v128.load(pw, 16);
        const off = <usize>k << 2;
        const x0 = v128.load32_splat(a0 + off);
        b00 = pc_add<P>(b00, x0, w0, m, t);
        b01 = pc_add<P>(b01, x0, w1, m, t);
        const x1 = v128.load32_splat(a1 + off);
        b10 = pc_add<P>(b10, x1, w0, m, t);
        b11 = pc_add<P>(b11, x1, w1, m, t);
        const x2 = v128.load32_splat(a2 + off);
        b20 = pc_add<P>(b20, x2, w0, m, t);
        b21 = pc_add<P>(b21, x2, w1, m, t);
        const x3 = v128.load32_splat(a3 + off);
        b30 = pc_add<P>(b30, x3, w0, m, t);
        b31 = pc_add<P>(b31, x3, w1, m, t);
        pw += 32;
      }
      s00 = widen_add(s00, b00);
      s01 = widen_add(s01, b01);
      s10 = widen_add(s10, b10);
      s11 = widen_add(s11, b11);
      s20 = widen_add(s20, b20);
      s21 = widen_add(s21, b21);
      s30 = widen_add(s30, b30);
      s31 = widen_add(s31, b31);
    }
    b1_store_row(s00, s01, base0, wb, c0, nb, n, mode, vzp, vlo, vhi);
    b1_store_row(s10, s11, base1, wb, c1, nb, n, mode, vzp, vlo, vhi);
    b1_store_row(s20, s21, base2, wb, c2, nb, n, mode, vzp, vlo, vhi);
    b1_store_row(s30, s31, base3, wb, c3, nb, n, mode, vzp, vlo, vhi);
  }
  if (mode == 1) {
    b1_zero_row_tail(c0, n);
    b1_zero_row_tail(c1, n);
    b1_zero_row_tail(c2, n);
    b1_zero_row_tail(c3, n);
  }
}

export function b1_rows_4x8__wasmsimd(
  rows: i32, a: usize, a_stride: i32, kw: i32, w: usize, n: i32, c: usize, c_stride: i32, params: usize,
  base0: usize, base1: usize, base2: usize, base3: usize,
): void {
  b1_rows_4x8<u32>(rows, a, a_stride, kw, w, n, c, c_stride, params, base0, base1, base2, base3);
}

export function b1_gemm_4x8__wasmsimd(
  m: i32, n: i32, kw: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  b1_gemm_driver(m, n, kw, a, a_stride, w, c, c_stride, params, b1_rows_4x8__wasmsimd);
}

// Direct int8 conv2d for C_in <= 4, WASM SIMD128: qs8_conv_cin4_2x16c2__wasmsimd.
// Signature, params, pair slots, the pair images, the packed "16c2" layout and the scalar
// twin qs8_conv_cin4_2x16c2__scalar: see conv_cin4_scalar.ts.
//
// Main tile: 2 output pixels x 16 output channels (one full packed block). One loop over the
// kernel's pair slots, each at a byte offset from the window's start read from a table (so
// horizontal and vertical pairs run alike, with no loop per kernel row). Per slot: one
// v128.load32_splat per pixel of its activation pair (i16 x, i16 x'), four v128.load8x8_s of
// int8 weights ([4 channels][2] each), eight i32x4.dot_i16x8_s + i32x4.add: 8 accumulators,
// 14 live vectors, no spill. Each accumulator lane is one (pixel, channel) sum, so there is
// no horizontal reduction; the accumulators start at bias' and the fp32 requantization
// (requant_fp32x4) follows per tile. On Zen 3 this beat 4 pixels x 8 channels (34
// instructions per 8 dot products in V8's code, against 30 here) and a 2x20 tile (V8
// hoists the five weight loads and spills three accumulators).
// Channel tail (the last block, 4, 8 or 12 channels wide): a second pass, with the pixels in
// the lanes when C_in = 1, stride_w = 1 and dilation_w = 1 (c1_pixel_lanes__wasmsimd: 8 pixels
// x 4 channels per tile; LeNet's 20-channel conv1 15.6 -> 14.4 us), else with 4x8 and 4x4
// channel tiles. Pixel tails: missing pixels repeat the last pixel's window and are not
// stored; stores write only real channels.
// Fused 2x2/2 max pool (params `pool` = 2, see the scalar header): the main tile pairs conv
// pixels (oy, 2k), (oy, 2k+1) and takes their max; even rows leave it in the row buffer at
// the scratch's end, odd rows max it with the buffer and store the pooled pixel. The
// pixel-lane pass does the same on its 8 lanes (4 pooled pixels). The 4x8/4x4 channel tiles
// do not pool: the host fuses only where the tail is absent or in pixel lanes.
// qs8_b1w_conv_cin4_2x16c2__wasmsimd: the same code on binary weights (+-1 int8 pairs, the
// 12-byte channel header of conv_cin4_scalar.ts) with the binary output transform
// (b1/output.ts: f32(f32(acc) * mul) + add, then the same clamp and rounding).

import { requant_fp32x4_zm, narrow_i32x16_i8, zp_magic } from '../common/requant_wasmsimd';
import { clamp_f32x4 } from '../common/clamp_wasmsimd';
import { MAGIC } from '../common/requant';
import {
  cin4_block_bytes, cin4_header, cin4_build_table, cin4_poolbuf, cin4_position, cin4_row_stride, cin4_rowbuf, cin4_slots, cin4_table, cin4_vertical, padded_w, pair_rows,
} from './conv_cin4_scalar';
import {
  QS8_CONV_CIN4_C, QS8_CONV_CIN4_C_OUT, QS8_CONV_CIN4_DH, QS8_CONV_CIN4_DW, QS8_CONV_CIN4_H, QS8_CONV_CIN4_KH,
  QS8_CONV_CIN4_KW, QS8_CONV_CIN4_N, QS8_CONV_CIN4_OH, QS8_CONV_CIN4_OW, QS8_CONV_CIN4_PL, QS8_CONV_CIN4_POOL,
  QS8_CONV_CIN4_PR, QS8_CONV_CIN4_PT, QS8_CONV_CIN4_QMAX, QS8_CONV_CIN4_QMIN, QS8_CONV_CIN4_SH,
  QS8_CONV_CIN4_SW, QS8_CONV_CIN4_W, QS8_CONV_CIN4_ZP_IN, QS8_CONV_CIN4_ZP_OUT
} from '../common/params';

/** Stores the low n (1..8) bytes of x at dst (also conv_im2row_wasmsimd.ts). */
// @ts-ignore: decorator
@inline
export function store_n8(dst: usize, x: u64, n: i32): void {
  if (n >= 8) {
    store<u64>(dst, x);
    return;
  }
  if (n & 4) {
    store<u32>(dst, <u32>x);
    x >>= 32;
    dst += 4;
  }
  if (n & 2) {
    store<u16>(dst, <u16>x);
    x >>= 16;
    dst += 2;
  }
  if (n & 1) store<u8>(dst, <u8>x);
}

/** Stores the first n (1..16) bytes of v at dst. */
// @ts-ignore: decorator
@inline
export function store_n16(dst: usize, v: v128, n: i32): void {
  if (n >= 16) {
    v128.store(dst, v);
  } else if (n >= 8) {
    store<u64>(dst, <u64>i64x2.extract_lane(v, 0));
    if (n > 8) store_n8(dst + 8, <u64>i64x2.extract_lane(v, 1), n - 8);
  } else {
    store_n8(dst, <u64>i64x2.extract_lane(v, 0), n);
  }
}

/** Stores the low n (1..4) bytes of x at dst. */
// @ts-ignore: decorator
@inline
function store_n4(dst: usize, x: u32, n: i32): void {
  if (n >= 4) {
    store<u32>(dst, x);
    return;
  }
  if (n & 2) {
    store<u16>(dst, <u16>x);
    x >>= 16;
    dst += 2;
  }
  if (n & 1) store<u8>(dst, <u8>x);
}

/**
 * Output of four accumulators: requant_fp32x4_zm with scales s, or (binary weights) the binary
 * transform f32(f32(acc) * s) + a (b1/output_wasmsimd.ts b1_out_i8x4) with the same clamp and
 * rounding; zm = zp_magic(zp).
 */
// @ts-ignore: decorator
@inline
export function out4(acc: v128, s: v128, a: v128, zm: v128, lo: v128, hi: v128, b1w: bool): v128 {
  if (!b1w) return requant_fp32x4_zm(acc, s, zm, lo, hi);
  const x = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), s), a);
  return i32x4.sub(f32x4.add(clamp_f32x4(x, lo, hi), f32x4.splat(MAGIC)), zm);
}

/**
 * Padded, phase-reordered input row iy (image coordinates, inside the image) into rowbuf, in
 * 16-byte steps: left padding, the row (its steps may run past it), then the right padding
 * and one more zp byte. Writes at most rowBytes + 16 bytes (the scratch row buffer's size).
 */
function fill_row__wasmsimd(src: usize, rowbuf: usize, params: usize): void {
  const zp = load<i32>(params, QS8_CONV_CIN4_ZP_IN);
  const vz = i8x16.splat(<i8>zp);
  const W = load<i32>(params, QS8_CONV_CIN4_W);
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const dw = load<i32>(params, QS8_CONV_CIN4_DW);
  const pl = load<i32>(params, QS8_CONV_CIN4_PL);
  const wp = padded_w(params);
  const rowBytes = wp * C;
  if (dw == 1) {
    const lb = pl * C;
    for (let i = 0; i < lb; i += 16) v128.store(rowbuf + <usize>i, vz);
    const d = rowbuf + <usize>lb;
    const n = W * C;
    for (let i = 0; i < n; i += 16) v128.store(d + <usize>i, v128.load(src + <usize>i));
    const r = rowbuf + <usize>(lb + n);
    const rb = rowBytes - lb - n + 1;
    for (let i = 0; i < rb; i += 16) v128.store(r + <usize>i, vz);
    return;
  }
  for (let i = 0; i <= rowBytes; i += 16) v128.store(rowbuf + <usize>i, vz);
  for (let x = 0; x < W; x++) {
    const at = rowbuf + <usize>(cin4_position(x + pl, wp, dw) * C);
    for (let ci = 0; ci < C; ci++) store<u8>(at + <usize>ci, load<u8>(src + <usize>(x * C + ci)));
  }
}

/** SIMD pair image (and vertical pair image) of one image: 8 byte positions -> 8 i32 pairs per step. */
function build_pairs__wasmsimd(inb: usize, scratch: usize, params: usize): void {
  const zp = load<i32>(params, QS8_CONV_CIN4_ZP_IN);
  const H = load<i32>(params, QS8_CONV_CIN4_H);
  const W = load<i32>(params, QS8_CONV_CIN4_W);
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const pt = load<i32>(params, QS8_CONV_CIN4_PT);
  const rows = pair_rows(params);
  const stride = <usize>cin4_row_stride(params) << 2;
  const rowBytes = padded_w(params) * C;
  const rowbuf = scratch + cin4_rowbuf(params);
  // Without horizontal padding or dilation the rows are the input's own (the partner of a
  // row's last byte is whatever follows it: it meets a zero weight).
  const direct = load<i32>(params, QS8_CONV_CIN4_PL) == 0 && load<i32>(params, QS8_CONV_CIN4_PR) == 0 && load<i32>(params, QS8_CONV_CIN4_DW) == 1;
  const zpair = i32x4.splat((zp & 0xffff) | (zp << 16));
  for (let y = 0; y < rows; y++) {
    const dst = scratch + <usize>y * stride;
    const iy = y - pt;
    if (<u32>iy >= <u32>H) {
      for (let e = 0; e < rowBytes; e += 8) {
        v128.store(dst + (<usize>e << 2), zpair);
        v128.store(dst + (<usize>e << 2), zpair, 16);
      }
      continue;
    }
    let src = inb + <usize>iy * <usize>(W * C);
    if (!direct) {
      fill_row__wasmsimd(src, rowbuf, params);
      src = rowbuf;
    }
    for (let e = 0; e < rowBytes; e += 8) {
      const v0 = v128.load8x8_s(src + <usize>e);
      const v1 = v128.load8x8_s(src + <usize>e + 1);
      const d = dst + (<usize>e << 2);
      v128.store(d, v128.shuffle<i16>(v0, v1, 0, 8, 1, 9, 2, 10, 3, 11));
      v128.store(d, v128.shuffle<i16>(v0, v1, 4, 12, 5, 13, 6, 14, 7, 15), 16);
    }
  }
  if (!cin4_vertical(params)) return;
  // Vertical pairs: the low halves of rows y and y + dilation_h, 4 entries per step.
  const dh = load<i32>(params, QS8_CONV_CIN4_DH);
  const down = <usize>dh * stride;
  const vimage = scratch + <usize>rows * stride;
  for (let y = 0; y + dh < rows; y++) {
    const src = scratch + <usize>y * stride;
    const dst = vimage + <usize>y * stride;
    for (let e = 0; e < rowBytes; e += 4) {
      const at = <usize>e << 2;
      v128.store(dst + at, v128.shuffle<i16>(v128.load(src + at), v128.load(src + down + at), 0, 8, 2, 10, 4, 12, 6, 14));
    }
  }
}

/** Window start in the pair image of output pixel (oy, ox). */
// @ts-ignore: decorator
@inline
function window_at(scratch: usize, oy: i32, ox: i32, params: usize, stride: usize, wp: i32): usize {
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const sh = load<i32>(params, QS8_CONV_CIN4_SH);
  const sw = load<i32>(params, QS8_CONV_CIN4_SW);
  const dw = load<i32>(params, QS8_CONV_CIN4_DW);
  return scratch + <usize>(oy * sh) * stride + (<usize>(cin4_position(ox * sw, wp, dw) * C) << 2);
}

/**
 * The main tile: output pixels x0, x1 (window starts) x the 16 channels of packed block wb.
 * mode 0: stores both pixels (the second only when `two`) at d0, d1; fused pool: mode 1 keeps
 * their max at rb (an even row), mode 2 stores max(both, rb) at d0 (an odd row ends a window).
 */
// @ts-ignore: decorator
@inline
function tile_2x16(
  x0: usize, x1: usize, wb: usize, tab: usize, tabEnd: usize, vzp: v128, vlo: v128, vhi: v128,
  mode: i32, d0: usize, d1: usize, two: bool, rb: usize, nc: i32, b1w: bool, bytes: bool = false,
): void {
  // The accumulators start at bias'.
  let acc00 = v128.load(wb);
  let acc01 = v128.load(wb, 16);
  let acc02 = v128.load(wb, 32);
  let acc03 = v128.load(wb, 48);
  let acc10 = acc00;
  let acc11 = acc01;
  let acc12 = acc02;
  let acc13 = acc03;
  let pw = wb + <usize>(16 * cin4_header(b1w));
  for (let t = tab; t < tabEnd; t += 4) {
    const o = <usize>load<u32>(t);
    // bytes: x0, x1 are input pixels and a pair image offset 4e is input byte e; the two
    // bytes splat and sign-extended give the pair image's (i16 x[e], i16 x[e+1]) x 4.
    const a0 = bytes ? i16x8.extend_low_i8x16_s(v128.load16_splat(x0 + (o >> 2))) : v128.load32_splat(x0 + o);
    const a1 = bytes ? i16x8.extend_low_i8x16_s(v128.load16_splat(x1 + (o >> 2))) : v128.load32_splat(x1 + o);
    const w0 = v128.load8x8_s(pw);
    acc00 = i32x4.add(acc00, i32x4.dot_i16x8_s(a0, w0));
    acc10 = i32x4.add(acc10, i32x4.dot_i16x8_s(a1, w0));
    const w1 = v128.load8x8_s(pw, 8);
    acc01 = i32x4.add(acc01, i32x4.dot_i16x8_s(a0, w1));
    acc11 = i32x4.add(acc11, i32x4.dot_i16x8_s(a1, w1));
    const w2 = v128.load8x8_s(pw, 16);
    acc02 = i32x4.add(acc02, i32x4.dot_i16x8_s(a0, w2));
    acc12 = i32x4.add(acc12, i32x4.dot_i16x8_s(a1, w2));
    const w3 = v128.load8x8_s(pw, 24);
    acc03 = i32x4.add(acc03, i32x4.dot_i16x8_s(a0, w3));
    acc13 = i32x4.add(acc13, i32x4.dot_i16x8_s(a1, w3));
    pw += 32;
  }
  const s0 = v128.load(wb, 64);
  const s1 = v128.load(wb, 80);
  const s2 = v128.load(wb, 96);
  const s3 = v128.load(wb, 112);
  const h0 = b1w ? v128.load(wb, 128) : s0;
  const h1 = b1w ? v128.load(wb, 144) : s1;
  const h2 = b1w ? v128.load(wb, 160) : s2;
  const h3 = b1w ? v128.load(wb, 176) : s3;
  const y0 = narrow_i32x16_i8(
    out4(acc00, s0, h0, vzp, vlo, vhi, b1w), out4(acc01, s1, h1, vzp, vlo, vhi, b1w),
    out4(acc02, s2, h2, vzp, vlo, vhi, b1w), out4(acc03, s3, h3, vzp, vlo, vhi, b1w));
  if (mode == 0 && !two) {
    store_n16(d0, y0, nc);
    return;
  }
  const y1 = narrow_i32x16_i8(
    out4(acc10, s0, h0, vzp, vlo, vhi, b1w), out4(acc11, s1, h1, vzp, vlo, vhi, b1w),
    out4(acc12, s2, h2, vzp, vlo, vhi, b1w), out4(acc13, s3, h3, vzp, vlo, vhi, b1w));
  if (mode == 0) {
    store_n16(d0, y0, nc);
    store_n16(d1, y1, nc);
  } else if (mode == 1) {
    v128.store(rb, i8x16.max_s(y0, y1));
  } else {
    store_n16(d0, i8x16.max_s(i8x16.max_s(y0, y1), v128.load(rb)), nc);
  }
}

/**
 * Channels n_from.. (a multiple of 4) of a C_in = 1, stride-1, undilated-width conv with the
 * pixels in the lanes: consecutive output pixels of a row have consecutive pair entries, so
 * one v128.load gives a slot's activation pairs of 4 pixels, and one v128.load8x8_s the 4
 * channels' weight pairs, each splat by a shuffle. Tile 8 pixels x 4 channels: per slot 3 loads,
 * 4 shuffles and 8 dot products. A partial last group of a row computes all 8
 * lanes (reading at most 6 entries past the row: the next row, or the row buffer after the
 * last one, all inside the scratch) and stores the real pixels; a byte transpose
 * (4 channels x 4 pixels -> 4 pixels x 4 channels) precedes the 4-byte stores.
 */
// @ts-ignore: decorator
@inline
function c1_pixel_lanes__wasmsimd(
  w: usize, outb: usize, scratch: usize, tab: usize, tabEnd: usize, params: usize, n_from: i32, pooled: bool, poolbuf: usize, b1w: bool,
): void {
  const zp = load<i32>(params, QS8_CONV_CIN4_ZP_OUT);
  const vzp = zp_magic(zp);
  const vlo = f32x4.splat(<f32>(load<i32>(params, QS8_CONV_CIN4_QMIN) - zp));
  const vhi = f32x4.splat(<f32>(load<i32>(params, QS8_CONV_CIN4_QMAX) - zp));
  const OH = load<i32>(params, QS8_CONV_CIN4_OH);
  const OW = load<i32>(params, QS8_CONV_CIN4_OW);
  const N = load<i32>(params, QS8_CONV_CIN4_C_OUT);
  const sh = load<i32>(params, QS8_CONV_CIN4_SH);
  const bb = <usize>cin4_block_bytes(load<i32>(params, QS8_CONV_CIN4_KH), load<i32>(params, QS8_CONV_CIN4_KW), 1, b1w);
  const stride = <usize>cin4_row_stride(params) << 2;
  const npad = (N + 3) & ~3;
  for (let n = n_from; n < npad; n += 4) {
    const nw = min<i32>(16, npad - (n & ~15));
    const q = <usize>(n & 15) << 2;
    const wb = w + <usize>(n >> 4) * bb;
    const pstep = <usize>nw << 2; // bytes of the block's biases (and of its scales)
    const wstep = <usize>nw << 1; // bytes of one slot's weights
    const b0 = i32x4.splat(load<i32>(wb + q));
    const b1 = i32x4.splat(load<i32>(wb + q, 4));
    const b2 = i32x4.splat(load<i32>(wb + q, 8));
    const b3 = i32x4.splat(load<i32>(wb + q, 12));
    const ps = wb + pstep + q;
    const s0 = f32x4.splat(load<f32>(ps));
    const s1 = f32x4.splat(load<f32>(ps, 4));
    const s2 = f32x4.splat(load<f32>(ps, 8));
    const s3 = f32x4.splat(load<f32>(ps, 12));
    const h0 = b1w ? f32x4.splat(load<f32>(ps + pstep)) : s0;
    const h1 = b1w ? f32x4.splat(load<f32>(ps + pstep, 4)) : s1;
    const h2 = b1w ? f32x4.splat(load<f32>(ps + pstep, 8)) : s2;
    const h3 = b1w ? f32x4.splat(load<f32>(ps + pstep, 12)) : s3;
    const nc = min<i32>(4, N - n);
    const PW = OW >> 1;
    const rows = pooled ? OH & ~1 : OH, cols = pooled ? OW & ~1 : OW;
    for (let oy = 0; oy < rows; oy++) {
      const row = scratch + <usize>(oy * sh) * stride;
      const orow = outb + <usize>((pooled ? (oy >> 1) * PW : oy * OW) * N + n);
      for (let ox = 0; ox < cols; ox += 8) {
        const x0 = row + (<usize>ox << 2);
        let a00 = b0, a01 = b0, a10 = b1, a11 = b1, a20 = b2, a21 = b2, a30 = b3, a31 = b3;
        let pw = wb + pstep * <usize>(b1w ? 3 : 2) + (q >> 1);
        for (let t = tab; t < tabEnd; t += 4) {
          const at = x0 + <usize>load<u32>(t);
          const v0 = v128.load(at);
          const v1 = v128.load(at, 16);
          const w4 = v128.load8x8_s(pw);
          let wv = i32x4.shuffle(w4, w4, 0, 0, 0, 0);
          a00 = i32x4.add(a00, i32x4.dot_i16x8_s(v0, wv));
          a01 = i32x4.add(a01, i32x4.dot_i16x8_s(v1, wv));
          wv = i32x4.shuffle(w4, w4, 1, 1, 1, 1);
          a10 = i32x4.add(a10, i32x4.dot_i16x8_s(v0, wv));
          a11 = i32x4.add(a11, i32x4.dot_i16x8_s(v1, wv));
          wv = i32x4.shuffle(w4, w4, 2, 2, 2, 2);
          a20 = i32x4.add(a20, i32x4.dot_i16x8_s(v0, wv));
          a21 = i32x4.add(a21, i32x4.dot_i16x8_s(v1, wv));
          wv = i32x4.shuffle(w4, w4, 3, 3, 3, 3);
          a30 = i32x4.add(a30, i32x4.dot_i16x8_s(v0, wv));
          a31 = i32x4.add(a31, i32x4.dot_i16x8_s(v1, wv));
          pw += wstep;
        }
        // [c0: p0..p3 | c1 | c2 | c3] -> [p0: c0..c3 | p1 | p2 | p3]
        const lo = v128.shuffle<u8>(narrow_i32x16_i8(
          out4(a00, s0, h0, vzp, vlo, vhi, b1w), out4(a10, s1, h1, vzp, vlo, vhi, b1w),
          out4(a20, s2, h2, vzp, vlo, vhi, b1w), out4(a30, s3, h3, vzp, vlo, vhi, b1w)), vzp,
          0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        const hi = v128.shuffle<u8>(narrow_i32x16_i8(
          out4(a01, s0, h0, vzp, vlo, vhi, b1w), out4(a11, s1, h1, vzp, vlo, vhi, b1w),
          out4(a21, s2, h2, vzp, vlo, vhi, b1w), out4(a31, s3, h3, vzp, vlo, vhi, b1w)), vzp,
          0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        if (pooled) {
          // Horizontal maxima of pixel pairs (p0,p1) (p2,p3) | (p4,p5) (p6,p7): pooled pixels
          // k0..k0+3 (4 bytes each); even rows keep them in the row buffer, odd rows finish.
          const hl = i8x16.max_s(lo, i32x4.shuffle(lo, lo, 1, 0, 3, 2));
          const hh = i8x16.max_s(hi, i32x4.shuffle(hi, hi, 1, 0, 3, 2));
          const q = i32x4.shuffle(hl, hh, 0, 2, 4, 6);
          const k0 = ox >> 1;
          const mq = min<i32>(4, PW - k0);
          const rb = poolbuf + <usize>(k0 * npad + n);
          const sp = <usize>npad;
          const sN = <usize>N;
          const o = orow + <usize>k0 * sN;
          if ((oy & 1) == 0) {
            store<u32>(rb, i32x4.extract_lane(q, 0));
            if (mq > 1) store<u32>(rb + sp, i32x4.extract_lane(q, 1));
            if (mq > 2) store<u32>(rb + 2 * sp, i32x4.extract_lane(q, 2));
            if (mq > 3) store<u32>(rb + 3 * sp, i32x4.extract_lane(q, 3));
          } else {
            store_n4(o, <u32>i32x4.extract_lane(i8x16.max_s(q, v128.load32_splat(rb)), 0), nc);
            if (mq > 1) store_n4(o + sN, <u32>i32x4.extract_lane(i8x16.max_s(q, v128.load32_splat(rb + sp)), 1), nc);
            if (mq > 2) store_n4(o + 2 * sN, <u32>i32x4.extract_lane(i8x16.max_s(q, v128.load32_splat(rb + 2 * sp)), 2), nc);
            if (mq > 3) store_n4(o + 3 * sN, <u32>i32x4.extract_lane(i8x16.max_s(q, v128.load32_splat(rb + 3 * sp)), 3), nc);
          }
          continue;
        }
        const o = orow + <usize>ox * <usize>N;
        const mr = min<i32>(8, OW - ox);
        const sN = <usize>N;
        if (nc == 4 && mr == 8) {
          store<u32>(o, i32x4.extract_lane(lo, 0));
          store<u32>(o + sN, i32x4.extract_lane(lo, 1));
          store<u32>(o + 2 * sN, i32x4.extract_lane(lo, 2));
          store<u32>(o + 3 * sN, i32x4.extract_lane(lo, 3));
          store<u32>(o + 4 * sN, i32x4.extract_lane(hi, 0));
          store<u32>(o + 5 * sN, i32x4.extract_lane(hi, 1));
          store<u32>(o + 6 * sN, i32x4.extract_lane(hi, 2));
          store<u32>(o + 7 * sN, i32x4.extract_lane(hi, 3));
        } else {
          store_n4(o, <u32>i32x4.extract_lane(lo, 0), nc);
          if (mr > 1) store_n4(o + sN, <u32>i32x4.extract_lane(lo, 1), nc);
          if (mr > 2) store_n4(o + 2 * sN, <u32>i32x4.extract_lane(lo, 2), nc);
          if (mr > 3) store_n4(o + 3 * sN, <u32>i32x4.extract_lane(lo, 3), nc);
          if (mr > 4) store_n4(o + 4 * sN, <u32>i32x4.extract_lane(hi, 0), nc);
          if (mr > 5) store_n4(o + 5 * sN, <u32>i32x4.extract_lane(hi, 1), nc);
          if (mr > 6) store_n4(o + 6 * sN, <u32>i32x4.extract_lane(hi, 2), nc);
          if (mr > 7) store_n4(o + 7 * sN, <u32>i32x4.extract_lane(hi, 3), nc);
        }
      }
    }
  }
}

export function qs8_conv_cin4_2x16c2__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  cin4_conv__wasmsimd(input, w, output, scratch, params, false);
}

export function qs8_b1w_conv_cin4_2x16c2__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  cin4_conv__wasmsimd(input, w, output, scratch, params, true);
}

// @ts-ignore: decorator
@inline
function cin4_conv__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize, b1w: bool): void {
  const zp = load<i32>(params, QS8_CONV_CIN4_ZP_OUT);
  const vzp = zp_magic(zp);
  const vlo = f32x4.splat(<f32>(load<i32>(params, QS8_CONV_CIN4_QMIN) - zp));
  const vhi = f32x4.splat(<f32>(load<i32>(params, QS8_CONV_CIN4_QMAX) - zp));
  const batch = load<i32>(params, QS8_CONV_CIN4_N);
  const H = load<i32>(params, QS8_CONV_CIN4_H);
  const W = load<i32>(params, QS8_CONV_CIN4_W);
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const OH = load<i32>(params, QS8_CONV_CIN4_OH);
  const OW = load<i32>(params, QS8_CONV_CIN4_OW);
  const N = load<i32>(params, QS8_CONV_CIN4_C_OUT);
  const KH = load<i32>(params, QS8_CONV_CIN4_KH);
  const KW = load<i32>(params, QS8_CONV_CIN4_KW);
  const wp = padded_w(params);
  const bb = <usize>cin4_block_bytes(KH, KW, C, b1w);
  const stride = <usize>cin4_row_stride(params) << 2;
  // The slots' offsets from a window's start: one table for the whole call.
  cin4_build_table(scratch, params);
  const tab = scratch + cin4_table(params);
  const tabEnd = tab + (<usize>cin4_slots(KH, KW, C) << 2);
  const npad = (N + 3) & ~3;
  const nfull = npad >> 4;
  const nw = npad & 15; // channels of the last, partial block (0: none)
  const P = OH * OW;
  const pooled = load<i32>(params, QS8_CONV_CIN4_POOL) == 2;
  const PH = OH >> 1, PW = OW >> 1;
  const poolbuf = scratch + cin4_poolbuf(params);
  const pixelLanes = C == 1 && load<i32>(params, QS8_CONV_CIN4_SW) == 1 && load<i32>(params, QS8_CONV_CIN4_DW) == 1;
  // A 1x1, stride-1, unpadded conv with even C_in and whole 16-channel blocks reads its
  // activation pairs from the input itself (pair j of pixel p: bytes 2j, 2j+1 of p's C_in), so
  // no pair image is built: on MobileNetV2-224's 112x112x16 expand that image is 800 KB, four
  // times the input, written and read back through L3 under load. (Its scratch stays allocated.)
  // Each 16-channel block widens the pairs again, so with several blocks this runs only when the
  // image would not stay in L2 (DS-CNN's 25x5x64->64, 4 blocks, 32 KB image: 29.5 -> 27.0 GMAC/s).
  const pointwise = KH == 1 && KW == 1 && (C & 1) == 0 && nw == 0 && !pooled &&
    (nfull == 1 || cin4_rowbuf(params) > <usize>(256 << 10)) &&
    load<i32>(params, QS8_CONV_CIN4_SH) == 1 && load<i32>(params, QS8_CONV_CIN4_SW) == 1 &&
    load<i32>(params, QS8_CONV_CIN4_PT) == 0 && load<i32>(params, QS8_CONV_CIN4_PL) == 0 &&
    load<i32>(params, QS8_CONV_CIN4_PR) == 0 && H == OH && W == OW;
  for (let b = 0; b < batch; b++) {
    const inb = input + <usize>b * <usize>(H * W * C);
    const outb = output + <usize>b * <usize>((pooled ? PH * PW : P) * N);
    if (pointwise) {
      for (let p = 0; p < P; p += 2) {
        const two = p + 1 < P;
        const x0 = inb + <usize>p * <usize>C;
        const x1 = two ? x0 + <usize>C : x0;
        const c0 = outb + <usize>p * <usize>N;
        const c1 = c0 + <usize>N;
        for (let nb = 0; nb < nfull; nb++) {
          const off = <usize>nb * 16;
          tile_2x16(x0, x1, w + <usize>nb * bb, tab, tabEnd, vzp, vlo, vhi, 0, c0 + off, c1 + off, two, 0, min<i32>(16, N - nb * 16), b1w, true);
        }
      }
      continue;
    }
    build_pairs__wasmsimd(inb, scratch, params);

    if (pooled) {
      // Fused 2x2/2 max pool: conv pixels (oy, 2k) and (oy, 2k + 1) per tile; even rows leave
      // their horizontal max in the row buffer, odd rows finish the window and store it.
      for (let oy = 0; nfull > 0 && oy < 2 * PH; oy++) {
        const mode = 1 + (oy & 1);
        const d = outb + <usize>((oy >> 1) * PW) * <usize>N;
        for (let k = 0; k < PW; k++) {
          const x0 = window_at(scratch, oy, 2 * k, params, stride, wp);
          const x1 = window_at(scratch, oy, 2 * k + 1, params, stride, wp);
          const c0 = d + <usize>k * <usize>N;
          const rb = poolbuf + <usize>k * <usize>npad;
          for (let nb = 0; nb < nfull; nb++) {
            const off = <usize>nb * 16;
            tile_2x16(x0, x1, w + <usize>nb * bb, tab, tabEnd, vzp, vlo, vhi, mode, c0 + off, 0, true, rb + off, min<i32>(16, N - nb * 16), b1w);
          }
        }
      }
    } else {
      // Full 16-channel blocks, 2 pixels at a time.
      let oy = 0;
      let ox = 0;
      for (let p = 0; nfull > 0 && p < P; p += 2) {
        const x0 = window_at(scratch, oy, ox, params, stride, wp);
        if (++ox == OW) { ox = 0; oy++; }
        const two = p + 1 < P;
        let x1 = x0;
        if (two) {
          x1 = window_at(scratch, oy, ox, params, stride, wp);
          if (++ox == OW) { ox = 0; oy++; }
        }
        const c0 = outb + <usize>p * <usize>N;
        const c1 = c0 + <usize>N;
        for (let nb = 0; nb < nfull; nb++) {
          const off = <usize>nb * 16;
          tile_2x16(x0, x1, w + <usize>nb * bb, tab, tabEnd, vzp, vlo, vhi, 0, c0 + off, c1 + off, two, 0, min<i32>(16, N - nb * 16), b1w);
        }
      }
    }
    if (nw == 0) continue;
    if (pixelLanes) {
      c1_pixel_lanes__wasmsimd(w, outb, scratch, tab, tabEnd, params, nfull * 16, pooled, poolbuf, b1w);
      continue;
    }
    // (A fused pool needs the tail in pixel lanes, or no tail: the host checks.)

    // The last, partial block (4, 8 or 12 channels), 4 pixels at a time: 4x8 then 4x4 tiles.
    const wb = w + <usize>nfull * bb;
    const pstep = <usize>nw << 2; // bytes of the block's biases (and of its scales)
    const wstep = <usize>nw << 1; // bytes of one slot's weights
    const ws = wb + pstep; // its scales (muls; binary weights: then the adds)
    const wq = ws + pstep * <usize>(b1w ? 2 : 1); // its weights
    const n0 = nfull * 16;
    let oy = 0;
    let ox = 0;
    for (let p = 0; p < P; p += 4) {
      const mr = min<i32>(4, P - p);
      const x0 = window_at(scratch, oy, ox, params, stride, wp);
      if (++ox == OW) { ox = 0; oy++; }
      let x1 = x0;
      if (mr > 1) {
        x1 = window_at(scratch, oy, ox, params, stride, wp);
        if (++ox == OW) { ox = 0; oy++; }
      }
      let x2 = x1;
      if (mr > 2) {
        x2 = window_at(scratch, oy, ox, params, stride, wp);
        if (++ox == OW) { ox = 0; oy++; }
      }
      let x3 = x2;
      if (mr > 3) {
        x3 = window_at(scratch, oy, ox, params, stride, wp);
        if (++ox == OW) { ox = 0; oy++; }
      }
      const c0 = outb + <usize>p * <usize>N + <usize>n0;
      const c1 = c0 + <usize>N;
      const c2 = c1 + <usize>N;
      const c3 = c2 + <usize>N;
      let q = 0;
      for (; q + 8 <= nw; q += 8) {
        const pb = wb + (<usize>q << 2);
        let acc00 = v128.load(pb);
        let acc01 = v128.load(pb, 16);
        let acc10 = acc00;
        let acc11 = acc01;
        let acc20 = acc00;
        let acc21 = acc01;
        let acc30 = acc00;
        let acc31 = acc01;
        let pw = wq + (<usize>q << 1);
        for (let t = tab; t < tabEnd; t += 4) {
          const o = <usize>load<u32>(t);
          const w0 = v128.load8x8_s(pw);
          const w1 = v128.load8x8_s(pw, 8);
          let a = v128.load32_splat(x0 + o);
          acc00 = i32x4.add(acc00, i32x4.dot_i16x8_s(a, w0));
          acc01 = i32x4.add(acc01, i32x4.dot_i16x8_s(a, w1));
          a = v128.load32_splat(x1 + o);
          acc10 = i32x4.add(acc10, i32x4.dot_i16x8_s(a, w0));
          acc11 = i32x4.add(acc11, i32x4.dot_i16x8_s(a, w1));
          a = v128.load32_splat(x2 + o);
          acc20 = i32x4.add(acc20, i32x4.dot_i16x8_s(a, w0));
          acc21 = i32x4.add(acc21, i32x4.dot_i16x8_s(a, w1));
          a = v128.load32_splat(x3 + o);
          acc30 = i32x4.add(acc30, i32x4.dot_i16x8_s(a, w0));
          acc31 = i32x4.add(acc31, i32x4.dot_i16x8_s(a, w1));
          pw += wstep;
        }
        const s0 = v128.load(pb + pstep);
        const s1 = v128.load(pb + pstep, 16);
        const h0 = b1w ? v128.load(pb + 2 * pstep) : s0;
        const h1 = b1w ? v128.load(pb + 2 * pstep, 16) : s1;
        const y01 = narrow_i32x16_i8(
          out4(acc00, s0, h0, vzp, vlo, vhi, b1w), out4(acc01, s1, h1, vzp, vlo, vhi, b1w),
          out4(acc10, s0, h0, vzp, vlo, vhi, b1w), out4(acc11, s1, h1, vzp, vlo, vhi, b1w));
        const y23 = narrow_i32x16_i8(
          out4(acc20, s0, h0, vzp, vlo, vhi, b1w), out4(acc21, s1, h1, vzp, vlo, vhi, b1w),
          out4(acc30, s0, h0, vzp, vlo, vhi, b1w), out4(acc31, s1, h1, vzp, vlo, vhi, b1w));
        const nc = min<i32>(8, N - n0 - q);
        const off = <usize>q;
        store_n8(c0 + off, <u64>i64x2.extract_lane(y01, 0), nc);
        if (mr > 1) store_n8(c1 + off, <u64>i64x2.extract_lane(y01, 1), nc);
        if (mr > 2) store_n8(c2 + off, <u64>i64x2.extract_lane(y23, 0), nc);
        if (mr > 3) store_n8(c3 + off, <u64>i64x2.extract_lane(y23, 1), nc);
      }
      if (q < nw) {
        const pb = wb + (<usize>q << 2);
        let acc0 = v128.load(pb);
        let acc1 = acc0;
        let acc2 = acc0;
        let acc3 = acc0;
        let pw = wq + (<usize>q << 1);
        for (let t = tab; t < tabEnd; t += 4) {
          const o = <usize>load<u32>(t);
          const w0 = v128.load8x8_s(pw);
          acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(v128.load32_splat(x0 + o), w0));
          acc1 = i32x4.add(acc1, i32x4.dot_i16x8_s(v128.load32_splat(x1 + o), w0));
          acc2 = i32x4.add(acc2, i32x4.dot_i16x8_s(v128.load32_splat(x2 + o), w0));
          acc3 = i32x4.add(acc3, i32x4.dot_i16x8_s(v128.load32_splat(x3 + o), w0));
          pw += wstep;
        }
        const s0 = v128.load(pb + pstep);
        const h0 = b1w ? v128.load(pb + 2 * pstep) : s0;
        const y = narrow_i32x16_i8(
          out4(acc0, s0, h0, vzp, vlo, vhi, b1w), out4(acc1, s0, h0, vzp, vlo, vhi, b1w),
          out4(acc2, s0, h0, vzp, vlo, vhi, b1w), out4(acc3, s0, h0, vzp, vlo, vhi, b1w));
        const nc = min<i32>(4, N - n0 - q);
        const off = <usize>q;
        store_n4(c0 + off, <u32>i32x4.extract_lane(y, 0), nc);
        if (mr > 1) store_n4(c1 + off, <u32>i32x4.extract_lane(y, 1), nc);
        if (mr > 2) store_n4(c2 + off, <u32>i32x4.extract_lane(y, 2), nc);
        if (mr > 3) store_n4(c3 + off, <u32>i32x4.extract_lane(y, 3), nc);
      }
    }
  }
}

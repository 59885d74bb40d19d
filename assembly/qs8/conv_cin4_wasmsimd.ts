// Direct int8 conv2d for C_in <= 4, WASM SIMD128: qs8_conv_cin4_4x8c2__wasmsimd.
// Signature, params, the pair image, the packed "4c2" layout and the scalar twin
// qs8_conv_cin4_4x8c2__scalar: see conv_cin4_scalar.ts.
//
// Tile: 4 output pixels x 8 output channels (two packed 4-channel blocks), K in pairs.
// Per pair: two v128.load of weights ([ch][2] i16 for 4 channels each), then per pixel one
// v128.load32_splat of its activation pair (i16 x, i16 x') from the pair image and two
// i32x4.dot_i16x8_s + i32x4.add: 8 accumulators, 11 live vectors, no spill. Each
// accumulator lane is one (pixel, channel) sum already, so there is no horizontal
// reduction; bias' and the fp32 requantization (requant_fp32x4) follow per tile.
// N tail: a last single block runs as a 4x4 tile; stores write only real channels.
// M tail: missing pixels repeat the last pixel's window and are not stored.

import { requant_fp32x4, narrow_i32x16_i8 } from '../common/requant_wasmsimd';
import { cin4_block_bytes, cin4_fill_row, cin4_position, cin4_row_pairs, cin4_row_stride } from './conv_cin4_scalar';

/** Stores the low n (1..8) bytes of x at dst. */
// @ts-ignore: decorator
@inline
function store_n8(dst: usize, x: u64, n: i32): void {
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

/** SIMD pair image of one image: 8 byte positions -> 8 i32 pairs per step (rows padded to 8). */
function build_pairs__wasmsimd(inb: usize, scratch: usize, params: usize): void {
  const rows = (load<i32>(params, 32) - 1) * load<i32>(params, 52) + (load<i32>(params, 44) - 1) * load<i32>(params, 60) + 1;
  const stride = <usize>cin4_row_stride(params) << 2;
  const rowBytes = (load<i32>(params, 72) + load<i32>(params, 24) + load<i32>(params, 80)) * load<i32>(params, 28);
  const rowbuf = scratch + <usize>rows * stride;
  for (let y = 0; y < rows; y++) {
    cin4_fill_row(inb, rowbuf, params, y);
    const dst = scratch + <usize>y * stride;
    for (let e = 0; e < rowBytes; e += 8) {
      const v0 = v128.load8x8_s(rowbuf + <usize>e);
      const v1 = v128.load8x8_s(rowbuf + <usize>e + 1);
      const d = dst + (<usize>e << 2);
      v128.store(d, v128.shuffle<i16>(v0, v1, 0, 8, 1, 9, 2, 10, 3, 11));
      v128.store(d, v128.shuffle<i16>(v0, v1, 4, 12, 5, 13, 6, 14, 7, 15), 16);
    }
  }
}

export function qs8_conv_cin4_4x8c2__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  const zp = load<i32>(params);
  const vzp = i32x4.splat(zp);
  const vlo = f32x4.splat(<f32>(load<i32>(params, 4) - zp));
  const vhi = f32x4.splat(<f32>(load<i32>(params, 8) - zp));
  const batch = load<i32>(params, 16);
  const H = load<i32>(params, 20);
  const W = load<i32>(params, 24);
  const C = load<i32>(params, 28);
  const OH = load<i32>(params, 32);
  const OW = load<i32>(params, 36);
  const N = load<i32>(params, 40);
  const KH = load<i32>(params, 44);
  const KW = load<i32>(params, 48);
  const sh = load<i32>(params, 52);
  const sw = load<i32>(params, 56);
  const dh = load<i32>(params, 60);
  const dw = load<i32>(params, 64);
  const wp = load<i32>(params, 72) + W + load<i32>(params, 80);
  const rowLen = <usize>cin4_row_pairs(KW, C) << 3; // bytes of pair image one kernel row reads, step 8
  const bb = <usize>cin4_block_bytes(KH, KW, C);
  const stride = <usize>cin4_row_stride(params) << 2;
  const rowStep = <usize>dh * stride;
  const nblocks = (N + 3) >> 2;
  const P = OH * OW;
  for (let b = 0; b < batch; b++) {
    build_pairs__wasmsimd(input + <usize>b * <usize>(H * W * C), scratch, params);
    const outb = output + <usize>b * <usize>(P * N);
    let oy = 0;
    let ox = 0;
    for (let p = 0; p < P; p += 4) {
      const mr = min<i32>(4, P - p);
      // Window starts of the tile's pixels (a missing pixel repeats the last one).
      const x0 = scratch + <usize>(oy * sh) * stride + (<usize>(cin4_position(ox * sw, wp, dw) * C) << 2);
      if (++ox == OW) { ox = 0; oy++; }
      let x1 = x0;
      if (mr > 1) {
        x1 = scratch + <usize>(oy * sh) * stride + (<usize>(cin4_position(ox * sw, wp, dw) * C) << 2);
        if (++ox == OW) { ox = 0; oy++; }
      }
      let x2 = x1;
      if (mr > 2) {
        x2 = scratch + <usize>(oy * sh) * stride + (<usize>(cin4_position(ox * sw, wp, dw) * C) << 2);
        if (++ox == OW) { ox = 0; oy++; }
      }
      let x3 = x2;
      if (mr > 3) {
        x3 = scratch + <usize>(oy * sh) * stride + (<usize>(cin4_position(ox * sw, wp, dw) * C) << 2);
        if (++ox == OW) { ox = 0; oy++; }
      }
      const c0 = outb + <usize>p * <usize>N;
      const c1 = c0 + <usize>N;
      const c2 = c1 + <usize>N;
      const c3 = c2 + <usize>N;

      let nb = 0;
      for (; nb + 1 < nblocks; nb += 2) {
        const wb0 = w + <usize>nb * bb;
        const wb1 = wb0 + bb;
        let acc00 = i32x4.splat(0);
        let acc01 = i32x4.splat(0);
        let acc10 = i32x4.splat(0);
        let acc11 = i32x4.splat(0);
        let acc20 = i32x4.splat(0);
        let acc21 = i32x4.splat(0);
        let acc30 = i32x4.splat(0);
        let acc31 = i32x4.splat(0);
        let pw0 = wb0 + 32;
        let pw1 = wb1 + 32;
        let roff: usize = 0;
        for (let r = 0; r < KH; r++) {
          for (let j: usize = 0; j < rowLen; j += 8) {
            const o = roff + j;
            const w0 = v128.load(pw0);
            const w1 = v128.load(pw1);
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
            pw0 += 16;
            pw1 += 16;
          }
          roff += rowStep;
        }
        const b0 = v128.load(wb0);
        const b1 = v128.load(wb1);
        const s0 = v128.load(wb0, 16);
        const s1 = v128.load(wb1, 16);
        const y01 = narrow_i32x16_i8(
          requant_fp32x4(i32x4.add(acc00, b0), s0, vzp, vlo, vhi), requant_fp32x4(i32x4.add(acc01, b1), s1, vzp, vlo, vhi),
          requant_fp32x4(i32x4.add(acc10, b0), s0, vzp, vlo, vhi), requant_fp32x4(i32x4.add(acc11, b1), s1, vzp, vlo, vhi));
        const y23 = narrow_i32x16_i8(
          requant_fp32x4(i32x4.add(acc20, b0), s0, vzp, vlo, vhi), requant_fp32x4(i32x4.add(acc21, b1), s1, vzp, vlo, vhi),
          requant_fp32x4(i32x4.add(acc30, b0), s0, vzp, vlo, vhi), requant_fp32x4(i32x4.add(acc31, b1), s1, vzp, vlo, vhi));
        const nc = min<i32>(8, N - nb * 4);
        const off = <usize>nb * 4;
        store_n8(c0 + off, <u64>i64x2.extract_lane(y01, 0), nc);
        if (mr > 1) store_n8(c1 + off, <u64>i64x2.extract_lane(y01, 1), nc);
        if (mr > 2) store_n8(c2 + off, <u64>i64x2.extract_lane(y23, 0), nc);
        if (mr > 3) store_n8(c3 + off, <u64>i64x2.extract_lane(y23, 1), nc);
      }
      if (nb < nblocks) {
        // The last block alone: a 4x4 tile.
        const wb0 = w + <usize>nb * bb;
        let acc0 = i32x4.splat(0);
        let acc1 = i32x4.splat(0);
        let acc2 = i32x4.splat(0);
        let acc3 = i32x4.splat(0);
        let pw0 = wb0 + 32;
        let roff: usize = 0;
        for (let r = 0; r < KH; r++) {
          for (let j: usize = 0; j < rowLen; j += 8) {
            const o = roff + j;
            const w0 = v128.load(pw0);
            acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(v128.load32_splat(x0 + o), w0));
            acc1 = i32x4.add(acc1, i32x4.dot_i16x8_s(v128.load32_splat(x1 + o), w0));
            acc2 = i32x4.add(acc2, i32x4.dot_i16x8_s(v128.load32_splat(x2 + o), w0));
            acc3 = i32x4.add(acc3, i32x4.dot_i16x8_s(v128.load32_splat(x3 + o), w0));
            pw0 += 16;
          }
          roff += rowStep;
        }
        const b0 = v128.load(wb0);
        const s0 = v128.load(wb0, 16);
        const y = narrow_i32x16_i8(
          requant_fp32x4(i32x4.add(acc0, b0), s0, vzp, vlo, vhi), requant_fp32x4(i32x4.add(acc1, b0), s0, vzp, vlo, vhi),
          requant_fp32x4(i32x4.add(acc2, b0), s0, vzp, vlo, vhi), requant_fp32x4(i32x4.add(acc3, b0), s0, vzp, vlo, vhi));
        const nc = min<i32>(4, N - nb * 4);
        const off = <usize>nb * 4;
        store_n4(c0 + off, <u32>i32x4.extract_lane(y, 0), nc);
        if (mr > 1) store_n4(c1 + off, <u32>i32x4.extract_lane(y, 1), nc);
        if (mr > 2) store_n4(c2 + off, <u32>i32x4.extract_lane(y, 2), nc);
        if (mr > 3) store_n4(c3 + off, <u32>i32x4.extract_lane(y, 3), nc);
      }
    }
  }
}

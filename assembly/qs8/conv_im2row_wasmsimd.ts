// Direct int8 conv2d for K = KH*KW*C_in <= 32, WASM SIMD128: qs8_conv_im2row_4x8c2__wasmsimd.
// Signature, params, scratch, the packed "8c2" layout and the scalar twin
// qs8_conv_im2row_4x8c2__scalar: see conv_im2row.ts.
//
// Per output row: the KH padded input rows it reads (each filled once per image: a row slot
// keeps padded row y while the next output rows still read it), then each pixel's window into
// the im2row block as i16 (kernel row r at element r*KW*C_in, 8 bytes per v128.load8x8_s),
// then tiles of 4 pixels x 8 channels: per pair slot four v128.load32_splat at fixed 64-byte
// steps from one pointer, two v128.load8x8_s of weights ([4 channels][2] each), eight
// i32x4.dot_i16x8_s + i32x4.add (8 accumulators, no reduction across lanes); then
// requant_fp32x4 and 8-byte stores. On the detector's 144x256x3 -> 8 3x3 stride-2 conv (Zen 3,
// loaded): 119-121 us against 164-166 for the cin4 kernel (of which ~7 us row fills, ~30 the
// im2row copies); the block aligned to 64 bytes saved 10 us (no copy crosses a cache line);
// two slots per loop step ran slower (152 us against 130), and a loop of 1-4 copy steps per
// kernel row instead of the unrolled ones cost 60 us more.
// A row's last tile computes 4 pixels (the missing ones on whatever the block holds) and
// stores the real ones.

import { requant_fp32x4_zm, narrow_i32x16_i8, zp_magic } from '../common/requant_wasmsimd';
import { store_n8 } from './conv_cin4_wasmsimd';
import { IM2ROW_PIXEL, im2row_block, im2row_block_bytes, im2row_row_bytes, im2row_rows, im2row_slots } from './conv_im2row';
import {
  QS8_CONV_CIN4_C, QS8_CONV_CIN4_C_OUT, QS8_CONV_CIN4_H, QS8_CONV_CIN4_KH, QS8_CONV_CIN4_KW, QS8_CONV_CIN4_N,
  QS8_CONV_CIN4_OH, QS8_CONV_CIN4_OW, QS8_CONV_CIN4_PL, QS8_CONV_CIN4_PR, QS8_CONV_CIN4_PT, QS8_CONV_CIN4_QMAX,
  QS8_CONV_CIN4_QMIN, QS8_CONV_CIN4_SH, QS8_CONV_CIN4_SW, QS8_CONV_CIN4_W, QS8_CONV_CIN4_ZP_IN, QS8_CONV_CIN4_ZP_OUT
} from '../common/params';

/** Padded input row y (padded coordinates) of image inb into dst: pl*C zp bytes, the row, pr*C + 16 zp bytes. */
function im2row_fill(inb: usize, dst: usize, params: usize, y: i32): void {
  const zp = <u8>load<i32>(params, QS8_CONV_CIN4_ZP_IN);
  const H = load<i32>(params, QS8_CONV_CIN4_H);
  const W = load<i32>(params, QS8_CONV_CIN4_W);
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const pl = load<i32>(params, QS8_CONV_CIN4_PL) * C;
  const row = W * C;
  const iy = y - load<i32>(params, QS8_CONV_CIN4_PT);
  const all = (pl + row + load<i32>(params, QS8_CONV_CIN4_PR) * C + 16);
  if (<u32>iy >= <u32>H) {
    memory.fill(dst, zp, <usize>all);
    return;
  }
  memory.fill(dst, zp, <usize>pl);
  memory.copy(dst + <usize>pl, inb + <usize>iy * <usize>row, <usize>row);
  memory.fill(dst + <usize>(pl + row), zp, <usize>(all - pl - row));
}

export function qs8_conv_im2row_4x8c2__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
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
  const sh = load<i32>(params, QS8_CONV_CIN4_SH);
  const step = <usize>(load<i32>(params, QS8_CONV_CIN4_SW) * C); // window start, bytes per output pixel
  const kwc = KW * C;
  const S = <usize>im2row_slots(KH, KW, C);
  const bb = <usize>im2row_block_bytes(KH, KW, C);
  const tags = scratch; // the padded row each slot holds
  const srcs = scratch + (<usize>KH << 2); // the current output row's KH row slots
  const rows = scratch + im2row_rows(params);
  const rb = <usize>im2row_row_bytes(params);
  const block = (scratch + im2row_block(params) + 63) & ~(<usize>63);
  for (let b = 0; b < batch; b++) {
    const inb = input + <usize>b * <usize>(H * W * C);
    for (let r = 0; r < KH; r++) store<i32>(tags + (<usize>r << 2), -1);
    let out = output + <usize>b * <usize>(OH * OW * N);
    for (let oy = 0; oy < OH; oy++) {
      // The padded rows this output row reads, each in its slot (filled when it first comes).
      for (let r = 0; r < KH; r++) {
        const y = oy * sh + r;
        const slot = y % KH;
        const at = rows + <usize>slot * rb;
        if (load<i32>(tags + (<usize>slot << 2)) != y) {
          im2row_fill(inb, at, params, y);
          store<i32>(tags + (<usize>slot << 2), y);
        }
        store<u32>(srcs + (<usize>r << 2), <u32>at);
      }
      // The im2row block of this output row: pixel p at block + 64p, kernel row r at 2*r*kwc.
      if (kwc >= 8) {
        // Row by row, 8-element steps, the last one ending at the row's end (overlapping the
        // one before): nothing written past a kernel row, so any order of rows works.
        for (let r = 0; r < KH; r++) {
          let src = <usize>load<u32>(srcs + (<usize>r << 2));
          let d = block + (<usize>(r * kwc) << 1);
          const last = <usize>(kwc - 8);
          if (kwc <= 16) {
            for (let ox = 0; ox < OW; ox++) {
              v128.store(d, v128.load8x8_s(src));
              v128.store(d + (last << 1), v128.load8x8_s(src + last));
              src += step;
              d += <usize>IM2ROW_PIXEL;
            }
          } else {
            for (let ox = 0; ox < OW; ox++) {
              v128.store(d, v128.load8x8_s(src));
              v128.store(d, v128.load8x8_s(src, 8), 16);
              if (kwc > 24) v128.store(d, v128.load8x8_s(src, 16), 32);
              v128.store(d + (last << 1), v128.load8x8_s(src + last));
              src += step;
              d += <usize>IM2ROW_PIXEL;
            }
          }
        }
      } else {
        // Rows shorter than a step: pixel by pixel, rows in order, each step's spill past its
        // row overwritten by the next row, the last row's by the next pixel, or meeting zero weights.
        for (let ox = 0; ox < OW; ox++) {
          const dst = block + <usize>ox * <usize>IM2ROW_PIXEL;
          const off = <usize>ox * step;
          for (let r = 0; r < KH; r++) {
            v128.store(dst + (<usize>(r * kwc) << 1), v128.load8x8_s(<usize>load<u32>(srcs + (<usize>r << 2)) + off));
          }
        }
      }
      for (let ox = 0; ox < OW; ox += 4) {
        const mr = min<i32>(4, OW - ox);
        const px = block + <usize>ox * <usize>IM2ROW_PIXEL;
        const o0 = out + <usize>ox * <usize>N;
        for (let n0 = 0; n0 < N; n0 += 8) {
          const wb = w + <usize>(n0 >> 3) * bb;
          let acc00 = v128.load(wb);
          let acc01 = v128.load(wb, 16);
          let acc10 = acc00;
          let acc11 = acc01;
          let acc20 = acc00;
          let acc21 = acc01;
          let acc30 = acc00;
          let acc31 = acc01;
          let pw = wb + 64;
          let pa = px;
          const end = px + (S << 2);
          for (; pa < end; pa += 4) {
            const w0 = v128.load8x8_s(pw);
            const w1 = v128.load8x8_s(pw, 8);
            let a = v128.load32_splat(pa);
            acc00 = i32x4.add(acc00, i32x4.dot_i16x8_s(a, w0));
            acc01 = i32x4.add(acc01, i32x4.dot_i16x8_s(a, w1));
            a = v128.load32_splat(pa, 64);
            acc10 = i32x4.add(acc10, i32x4.dot_i16x8_s(a, w0));
            acc11 = i32x4.add(acc11, i32x4.dot_i16x8_s(a, w1));
            a = v128.load32_splat(pa, 128);
            acc20 = i32x4.add(acc20, i32x4.dot_i16x8_s(a, w0));
            acc21 = i32x4.add(acc21, i32x4.dot_i16x8_s(a, w1));
            a = v128.load32_splat(pa, 192);
            acc30 = i32x4.add(acc30, i32x4.dot_i16x8_s(a, w0));
            acc31 = i32x4.add(acc31, i32x4.dot_i16x8_s(a, w1));
            pw += 16;
          }
          const s0 = v128.load(wb, 32);
          const s1 = v128.load(wb, 48);
          const y01 = narrow_i32x16_i8(
            requant_fp32x4_zm(acc00, s0, vzp, vlo, vhi), requant_fp32x4_zm(acc01, s1, vzp, vlo, vhi),
            requant_fp32x4_zm(acc10, s0, vzp, vlo, vhi), requant_fp32x4_zm(acc11, s1, vzp, vlo, vhi));
          const y23 = narrow_i32x16_i8(
            requant_fp32x4_zm(acc20, s0, vzp, vlo, vhi), requant_fp32x4_zm(acc21, s1, vzp, vlo, vhi),
            requant_fp32x4_zm(acc30, s0, vzp, vlo, vhi), requant_fp32x4_zm(acc31, s1, vzp, vlo, vhi));
          const nc = min<i32>(8, N - n0);
          const o = o0 + <usize>n0;
          const sN = <usize>N;
          store_n8(o, <u64>i64x2.extract_lane(y01, 0), nc);
          if (mr > 1) store_n8(o + sN, <u64>i64x2.extract_lane(y01, 1), nc);
          if (mr > 2) store_n8(o + 2 * sN, <u64>i64x2.extract_lane(y23, 0), nc);
          if (mr > 3) store_n8(o + 3 * sN, <u64>i64x2.extract_lane(y23, 1), nc);
        }
      }
      out += <usize>OW * <usize>N;
    }
  }
}

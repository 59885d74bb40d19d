// Binary conv on nibble-split words, relaxed SIMD: b1_conv_4x8n__wasmrelaxed (layouts and
// the split: nibble.ts; its scalar twin b1_conv_4x8n__scalar lives there).
//
// Per word k, a row's (lo, hi, lo, hi) (nibble.ts: stored twice, a plain load) is XORed
// with the (lo, hi) pairs of 2 channels; the XOR is nibbles already, so it is one
// i8x16.relaxed_swizzle into the popcount table (indices 0..15: every engine's plain lookup)
// and one add: 6 vector ops per 128 bit-MACs where i8x16.popcnt costs 8 on x86 without
// AVX-512 BITALG (its shift and masks move to the im2col and the packer, once per word).
// Byte counts (at most 4 per word) are summed for up to 63 words, then widened into i32
// lanes (channel c's lo and hi in lanes 2c, 2c + 1, added pairwise at the end).
// Tile: 4 rows x 4 channels per pass (8 byte accumulators; the table, the two weight
// vectors and one row's pair stay in registers), the two halves of a block of 8 channels
// one after the other; rows past a multiple of 4 run 1 row x 4 channels.
import { b1_conv_driver } from './conv';
import { b1_block_bytes_n } from './nibble';
import { b1_store_row, b1_zero_row_tail, nibble_table, widen_add } from './gemm_wasmsimd';
import { B1_GEMM_FMAX, B1_GEMM_FMIN, B1_GEMM_MODE, B1_GEMM_QMAX, B1_GEMM_QMIN, B1_GEMM_ZP_OUT } from '../common/params';

const CHUNK: i32 = 63;

// @ts-ignore: decorator
@inline
function pc(b: v128, x: v128, w: v128, t: v128): v128 {
  return i8x16.add(b, i8x16.relaxed_swizzle(t, v128.xor(x, w)));
}

/** Channel sums [c0, c1, c2, c3] from the lane pairs of qa (c0 lo, c0 hi, c1 lo, c1 hi) and qb (c2, c3). */
// @ts-ignore: decorator
@inline
function pairs(qa: v128, qb: v128): v128 {
  return i32x4.add(i32x4.shuffle(qa, qb, 0, 2, 4, 6), i32x4.shuffle(qa, qb, 1, 3, 5, 7));
}

/** Popcount sums of 1 row x 4 channels (weights from pw, 64 bytes per word). */
// @ts-ignore: decorator
@inline
function rows_1x4(a0: usize, kw: i32, pw: usize, t: v128): v128 {
  let qa = i32x4.splat(0), qb = qa;
  let k = 0;
  while (k < kw) {
    const kend = min<i32>(kw, k + CHUNK);
    let ba = i8x16.splat(0), bb = ba;
    for (; k < kend; k++) {
      const x = v128.load(a0 + (<usize>k << 6));
      ba = pc(ba, x, v128.load(pw), t);
      bb = pc(bb, x, v128.load(pw, 16), t);
      pw += 64;
    }
    qa = widen_add(qa, ba);
    qb = widen_add(qb, bb);
  }
  return pairs(qa, qb);
}

export function b1_rows_4x8n__wasmrelaxed(
  rows: i32, a: usize, a_stride: i32, kw: i32, w: usize, n: i32, c: usize, c_stride: i32, params: usize,
  base0: usize, base1: usize, base2: usize, base3: usize,
): void {
  const mode = load<i32>(params, B1_GEMM_MODE);
  const zp = load<i32>(params, B1_GEMM_ZP_OUT);
  const vzp = i32x4.splat(zp);
  const vlo = f32x4.splat(mode == 2 ? load<f32>(params, B1_GEMM_FMIN) : <f32>(load<i32>(params, B1_GEMM_QMIN) - zp));
  const vhi = f32x4.splat(mode == 2 ? load<f32>(params, B1_GEMM_FMAX) : <f32>(load<i32>(params, B1_GEMM_QMAX) - zp));
  const t = nibble_table();
  const wbytes = b1_block_bytes_n(kw);
  const blocks = (n + 7) >> 3;
  if (rows < 4) {
    for (let r = 0; r < rows; r++) {
      const ar = a + <usize>r * <usize>a_stride;
      const cr = c + <usize>r * <usize>c_stride;
      const base = r == 0 ? base0 : r == 1 ? base1 : base2;
      for (let nb = 0; nb < blocks; nb++) {
        const wb = w + <usize>nb * wbytes;
        b1_store_row(rows_1x4(ar, kw, wb + 64, t), rows_1x4(ar, kw, wb + 96, t), base, wb, cr, nb, n, mode, vzp, vlo, vhi);
      }
      if (mode == 1) b1_zero_row_tail(cr, n);
    }
    return;
  }
  const c0 = c;
  const c1 = c0 + <usize>c_stride;
  const c2 = c1 + <usize>c_stride;
  const c3 = c2 + <usize>c_stride;
  for (let nb = 0; nb < blocks; nb++) {
    const wb = w + <usize>nb * wbytes;
    let s00 = i32x4.splat(0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
    for (let h = 0; h < 2; h++) {
      let pw = wb + 64 + (<usize>h << 5);
      let q0a = i32x4.splat(0), q0b = q0a, q1a = q0a, q1b = q0a, q2a = q0a, q2b = q0a, q3a = q0a, q3b = q0a;
      let k = 0;
      while (k < kw) {
        const kend = min<i32>(kw, k + CHUNK);
        let b0a = i8x16.splat(0), b0b = b0a, b1a = b0a, b1b = b0a, b2a = b0a, b2b = b0a, b3a = b0a, b3b = b0a;
        let pa = a + (<usize>k << 6);
        for (; k < kend; k++) {
          const wa = v128.load(pw);
          const wc = v128.load(pw, 16);
          let x = v128.load(pa);
          b0a = pc(b0a, x, wa, t);
          b0b = pc(b0b, x, wc, t);
          x = v128.load(pa, 16);
          b1a = pc(b1a, x, wa, t);
          b1b = pc(b1b, x, wc, t);
          x = v128.load(pa, 32);
          b2a = pc(b2a, x, wa, t);
          b2b = pc(b2b, x, wc, t);
          x = v128.load(pa, 48);
          b3a = pc(b3a, x, wa, t);
          b3b = pc(b3b, x, wc, t);
          pw += 64;
          pa += 64;
        }
        q0a = widen_add(q0a, b0a);
        q0b = widen_add(q0b, b0b);
        q1a = widen_add(q1a, b1a);
        q1b = widen_add(q1b, b1b);
        q2a = widen_add(q2a, b2a);
        q2b = widen_add(q2b, b2b);
        q3a = widen_add(q3a, b3a);
        q3b = widen_add(q3b, b3b);
      }
      if (h == 0) {
        s00 = pairs(q0a, q0b); s10 = pairs(q1a, q1b); s20 = pairs(q2a, q2b); s30 = pairs(q3a, q3b);
      } else {
        s01 = pairs(q0a, q0b); s11 = pairs(q1a, q1b); s21 = pairs(q2a, q2b); s31 = pairs(q3a, q3b);
      }
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

export function b1_conv_4x8n__wasmrelaxed(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  b1_conv_driver(input, w, output, scratch, params, b1_rows_4x8n__wasmrelaxed, true);
}

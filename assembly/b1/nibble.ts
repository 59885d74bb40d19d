// Binary conv on nibble-split words ("x8n"), for a popcount by nibble table where every
// index is ready without a shift or a mask: each u32 word v of the im2col rows and of the
// weights is stored as two words, lo = v & 0x0f0f0f0f and hi = (v >> 4) & 0x0f0f0f0f, so
//   popcount(x ^ w) = popcount(x_lo ^ w_lo) + popcount(x_hi ^ w_hi)
// and the SIMD kernel (nibble_relaxed.ts) looks both XORs up in a 16-entry table directly.
// This file: the packer, the split of the im2col rows, and the scalar twin.
//
// Packed weights "x8n" (blocks of 8 output channels, as "x8" in gemm.ts):
//   +0 p0[8]  +32 p1[8]  +64 per word k: (lo, hi) of channel 0, of channel 1, ... 7 ([8][2] u32)
// (64 bytes per k). Rows, in groups of 4 (b1_nibble_split4, after the im2col): per word k
// and row 0..3 the pair (lo, hi) twice, (lo, hi, lo, hi) ([kw][4][4] u32, 64 bytes per k; a
// group of fewer rows repeats its last row), so one v128.load of a row's word lines up with
// two channels' pairs (no splat: on Zen 3 a 64-bit splat load takes a shuffle port, which
// the table lookups need), and the 4 rows of a word are one pointer and constant offsets
// apart. The conv driver (conv.ts, split = true) im2cols every conv through the scratch, 1x1
// too; the rows kernels get a_stride 16 (row r of word k at a + 64k + 16r).
import { b1_conv_driver } from './conv';
import { b1_out_i8, b1_out_f32, b1_out_bit } from './output';
import {
  B1_GEMM_FMAX, B1_GEMM_FMIN, B1_GEMM_MODE, B1_GEMM_QMAX, B1_GEMM_QMIN, B1_GEMM_ZP_OUT
} from '../common/params';

const LO: u32 = 0x0f0f0f0f;

/** Bytes of one packed block of 8 channels over kw words. */
// @ts-ignore: decorator
@inline
export function b1_block_bytes_n(kw: i32): usize {
  return 64 + (<usize>kw << 6);
}

/** Packs w[N][kw] u32 bits and p0[N], p1[N] into the x8n layout (b1_gemm_pack_x8's arguments). */
export function b1_gemm_pack_x8n(n: i32, kw: i32, w: usize, p0: usize, p1: usize, out: usize): void {
  const blocks = (n + 7) >> 3;
  for (let nb = 0; nb < blocks; nb++) {
    const o = out + <usize>nb * b1_block_bytes_n(kw);
    for (let j = 0; j < 8; j++) {
      const ch = nb * 8 + j;
      const live = ch < n;
      store<u32>(o + (<usize>j << 2), live ? load<u32>(p0 + (<usize>ch << 2)) : 0);
      store<u32>(o + 32 + (<usize>j << 2), live ? load<u32>(p1 + (<usize>ch << 2)) : 0);
      for (let k = 0; k < kw; k++) {
        const v: u32 = live ? load<u32>(w + ((<usize>ch * <usize>kw + <usize>k) << 2)) : 0;
        const at = o + 64 + (<usize>k << 6) + (<usize>j << 3);
        store<u32>(at, v & LO);
        store<u32>(at, (v >> 4) & LO, 4);
      }
    }
  }
}

/** Splits and interleaves `rows` (1..4) rows of kw words (a_stride bytes apart) at src into a group at dst. */
export function b1_nibble_split4(src: usize, a_stride: i32, rows: i32, kw: i32, dst: usize): void {
  for (let r = 0; r < 4; r++) {
    const s = src + <usize>min<i32>(r, rows - 1) * <usize>a_stride;
    let d = dst + (<usize>r << 4);
    for (let k = 0; k < kw; k++, d += 64) {
      const v = load<u32>(s + (<usize>k << 2));
      const pair = <u64>(v & LO) | (<u64>((v >> 4) & LO) << 32);
      store<u64>(d, pair);
      store<u64>(d, pair, 8);
    }
  }
}

/** Up to 4 rows of split words (rows >= 1); row r uses base table b<r>. Scalar twin of b1_rows_4x8n__wasmrelaxed. */
export function b1_rows_4x8n__scalar(
  rows: i32, a: usize, a_stride: i32, kw: i32, w: usize, n: i32, c: usize, c_stride: i32, params: usize,
  b0: usize, b1: usize, b2: usize, b3: usize,
): void {
  const mode = load<i32>(params, B1_GEMM_MODE);
  const bits = mode == 1;
  const zp = load<i32>(params, B1_GEMM_ZP_OUT);
  const lo = mode == 2 ? load<f32>(params, B1_GEMM_FMIN) : <f32>(load<i32>(params, B1_GEMM_QMIN) - zp);
  const hi = mode == 2 ? load<f32>(params, B1_GEMM_FMAX) : <f32>(load<i32>(params, B1_GEMM_QMAX) - zp);
  const bb = b1_block_bytes_n(kw);
  for (let r = 0; r < rows; r++) {
    const ar = a + <usize>r * <usize>a_stride;
    const cr = c + <usize>r * <usize>c_stride;
    const base = r == 0 ? b0 : r == 1 ? b1 : r == 2 ? b2 : b3;
    let word: u32 = 0;
    for (let o = 0; o < n; o++) {
      const j = o & 7;
      const wb = w + <usize>(o >> 3) * bb;
      const pw = wb + 64 + (<usize>j << 3);
      let pc: i32 = 0;
      for (let k = 0; k < kw; k++) {
        const x = load<u32>(ar + (<usize>k << 6)) | (load<u32>(ar + (<usize>k << 6), 4) << 4);
        const v = load<u32>(pw + (<usize>k << 6)) | (load<u32>(pw + (<usize>k << 6), 4) << 4);
        pc += <i32>popcnt<u32>(x ^ v);
      }
      const acc = load<i32>(base + (<usize>o << 2)) - (pc << 1);
      if (bits) {
        word |= <u32>b1_out_bit(acc, load<i32>(wb + (<usize>j << 2)), load<i32>(wb + 32 + (<usize>j << 2))) << <u32>(o & 31);
        if ((o & 31) == 31) {
          store<u32>(cr + (<usize>(o >> 5) << 2), word);
          word = 0;
        }
      } else if (mode == 2) {
        store<f32>(cr + (<usize>o << 2), b1_out_f32(acc, load<f32>(wb + (<usize>j << 2)), load<f32>(wb + 32 + (<usize>j << 2)), lo, hi));
      } else {
        store<i8>(cr + <usize>o, <i8>b1_out_i8(acc, load<f32>(wb + (<usize>j << 2)), load<f32>(wb + 32 + (<usize>j << 2)), zp, lo, hi));
      }
    }
    if (bits && (n & 31) != 0) store<u32>(cr + (<usize>(n >> 5) << 2), word);
  }
}

export function b1_conv_4x8n__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  b1_conv_driver(input, w, output, scratch, params, b1_rows_4x8n__scalar, true);
}

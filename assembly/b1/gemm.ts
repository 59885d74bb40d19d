// Binary GEMM / fully connected on bit-packed rows (DESIGN.md, Binary), scalar twin and
// shared definitions. The conv (conv.ts) runs the same row kernels over im2col rows.
//
// For row i and output channel o, over kw words (K = 32*kw bit positions, of which the
// real ones are set per row by the caller's base table):
//   pc  = sum_k popcount(a[i][k] XOR w[o][k])
//   acc = base[o] - 2*pc            (base = K real bits, plus the padding correction for a conv)
// Output transform (output.ts): int8  y = requant(acc*mul[o] + add[o]),
//                               f32   y = clamp(acc*mul[o] + add[o]),
//                               bits  bit = (acc*flip[o] < thr[o]).
//
// Kernel signature: (m, n, kw, a, a_stride, w_packed, c, c_stride, params), strides in bytes.
// Params: B1_GEMM (src/runtime/param-blocks.ts; offsets: common/params.ts): mode (0 = int8 out, 1 = bits out, 2 = f32 out),
//   zp_out, qmin / qmax (f32 out: the same bytes read as fmin / fmax), base: i32 [ceil(n/8)*8]
//   (the row's base table; FC: K for every channel).
// Bits out: each row gets ceil(n/32) words, bits past n are written 0.
//
// Packed weights ("x8": 8 output channels per block), from canonical bits w[N][kw] u32:
//   block nb: +0 p0[8] (int8, f32: mul f32; bits: flip i32)  +32 p1[8] (int8, f32: add f32; bits: thr i32)
//             +64 words [kw][8] u32 (word k of channels 8nb..8nb+7); missing channels are
//             0 words with p0 = p1 = 0 (their outputs are never stored).
import { b1_out_i8, b1_out_f32, b1_out_bit } from './output';
import {
  B1_GEMM_BASE, B1_GEMM_FMAX, B1_GEMM_FMIN, B1_GEMM_MODE, B1_GEMM_QMAX, B1_GEMM_QMIN, B1_GEMM_ZP_OUT
} from '../common/params';

export const B1_NR: i32 = 8;

/** Bytes of one packed block of 8 channels. */
// @ts-ignore: decorator
@inline
export function b1_block_bytes(kw: i32): usize {
  return 64 + (<usize>kw << 5);
}

/** Packs w[N][kw] u32 bits and the per-channel p0[N], p1[N] (4-byte values) into the x8 layout. */
export function b1_gemm_pack_x8(n: i32, kw: i32, w: usize, p0: usize, p1: usize, out: usize): void {
  const blocks = (n + 7) >> 3;
  for (let nb = 0; nb < blocks; nb++) {
    const o = out + <usize>nb * b1_block_bytes(kw);
    for (let j = 0; j < 8; j++) {
      const ch = nb * 8 + j;
      const live = ch < n;
      store<u32>(o + (<usize>j << 2), live ? load<u32>(p0 + (<usize>ch << 2)) : 0);
      store<u32>(o + 32 + (<usize>j << 2), live ? load<u32>(p1 + (<usize>ch << 2)) : 0);
      for (let k = 0; k < kw; k++) {
        store<u32>(o + 64 + (<usize>(k * 8 + j) << 2), live ? load<u32>(w + ((<usize>ch * <usize>kw + <usize>k) << 2)) : 0);
      }
    }
  }
}

export type B1RowsFn = (
  rows: i32, a: usize, a_stride: i32, kw: i32, w: usize, n: i32, c: usize, c_stride: i32, params: usize,
  b0: usize, b1: usize, b2: usize, b3: usize,
) => void;

/** Up to 4 rows (rows >= 1) of the scalar kernel; row r uses base table b<r>. */
export function b1_rows_4x8__scalar(
  rows: i32, a: usize, a_stride: i32, kw: i32, w: usize, n: i32, c: usize, c_stride: i32, params: usize,
  b0: usize, b1: usize, b2: usize, b3: usize,
): void {
  const mode = load<i32>(params, B1_GEMM_MODE);
  const bits = mode == 1;
  const zp = load<i32>(params, B1_GEMM_ZP_OUT);
  const lo = mode == 2 ? load<f32>(params, B1_GEMM_FMIN) : <f32>(load<i32>(params, B1_GEMM_QMIN) - zp);
  const hi = mode == 2 ? load<f32>(params, B1_GEMM_FMAX) : <f32>(load<i32>(params, B1_GEMM_QMAX) - zp);
  const bb = b1_block_bytes(kw);
  for (let r = 0; r < rows; r++) {
    const ar = a + <usize>r * <usize>a_stride;
    const cr = c + <usize>r * <usize>c_stride;
    const base = r == 0 ? b0 : r == 1 ? b1 : r == 2 ? b2 : b3;
    let word: u32 = 0;
    for (let o = 0; o < n; o++) {
      const j = o & 7;
      const wb = w + <usize>(o >> 3) * bb;
      let pc: i32 = 0;
      const pw = wb + 64 + (<usize>j << 2);
      for (let k = 0; k < kw; k++) {
        pc += <i32>popcnt<u32>(load<u32>(ar + (<usize>k << 2)) ^ load<u32>(pw + (<usize>k << 5)));
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

/** The GEMM loop around a rows kernel (a compile-time constant at every use). */
// @ts-ignore: decorator
@inline
export function b1_gemm_driver(
  m: i32, n: i32, kw: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize, rows_fn: B1RowsFn,
): void {
  const base = <usize>load<i32>(params, B1_GEMM_BASE);
  for (let i = 0; i < m; i += 4) {
    rows_fn(min<i32>(4, m - i), a + <usize>i * <usize>a_stride, a_stride, kw, w, n,
      c + <usize>i * <usize>c_stride, c_stride, params, base, base, base, base);
  }
}

export function b1_gemm_4x8__scalar(
  m: i32, n: i32, kw: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  b1_gemm_driver(m, n, kw, a, a_stride, w, c, c_stride, params, b1_rows_4x8__scalar);
}

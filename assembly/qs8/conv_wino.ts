// Winograd F(2x2, 3x3) int8 conv2d NHWC, exact in integers: the packers, the scratch layout,
// the input transform and the scalar twins of qs8_conv_wino_2x16c2__wasmsimd and
// qs8_b1w_conv_wino_2x16c2__wasmsimd (conv_wino_wasmsimd.ts). The host picks them in the SIMD
// builds for 3x3, stride-1, undilated convs with C_in a multiple of 8 (prefersWinograd in
// src/runtime/ops/qs8-conv-wino.ts).
//
// Why: a 2x2 tile of outputs costs 16 multiplies per (C_in, C_out) pair instead of 36 (Lavin &
// Gray, "Fast Algorithms for Convolutional Neural Networks", 2016). XNNPACK runs its int8 convs
// as direct GEMMs; with int8 the transforms stay exact, so this is bit-identical to them:
//   V = B^T d B     d: a 4x4 window of the padded int8 input (zp_in in the padding), per channel;
//                   entries are sums of four +-d: |V| <= 512, an i16.
//   U = G' g G'^T   g: the 3x3 weights of one (C_out, C_in); G' = 2G has integer entries, so
//                   U = 4 G g G^T: |U| <= 9 * 127 = 1143 (int8 weights, an i16) or <= 9 (binary
//                   weights +-1, an i8).
//   M = sum over C_in of V . U (per position xi of the 4x4, i32 arithmetic, which wraps modulo
//       2^32 like the ring operations it is: adds, subtracts and products), Y = A^T M A = 4 * (the
//       conv's sums over the window) modulo 2^32, and exactly so while |Y| <= 4 * 9 * C_in * 128 * 127
//       < 2^31, i.e. C_in <= 2048 (a wrapped intermediate sum comes back), so acc = bias' + (Y >> 2) is the direct conv's accumulator bit
//       for bit, and the output transform that follows is the direct kernel's (cin4_out: requant_fp32, or
//       b1_out_i8 for binary weights).
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G' = [2 0 0; 1 1 1; 1 -1 1; 0 0 2],
//   A^T = [1 1 1 0; 0 1 -1 -1]; position xi = 4i + j (i along rows, j along columns).
//
// In place: the output may start at the input's first byte when it has the input's shape (C_out =
// C_in, pad_left + pad_right = 2) and pad_top <= 2: tile row ty writes output rows 2ty, 2ty + 1
// after it has read input rows up to 2ty + 3 - pad_top into its ring, and no later tile row reads
// the input again below that (the host's canRunInPlace, qs8-conv-wino.ts).
//
// Domain (the host checks; the kernels assume): KH = KW = 3, stride 1, dilation 1, any padding,
// C_in a multiple of 8 up to 256 (WINO_MAX_CHANNELS: a speed limit, the arithmetic holds to 2048), any C_out (padded to 16 in the packing), params QS8_CONV_CIN4
// (pool 2: a fused 2x2/2 max pool, whose windows are exactly the 2x2 output tiles; an odd last
// row or column is dropped, as the pool drops it).
//
// Packed "16c2" Winograd blocks (qs8_conv_wino_pack_16c2 / qs8_b1w_conv_wino_pack_16c2): C_out
// padded to a multiple of 16 (padded channels: zero header and weights), block b of 16 channels
// at b * wino_block_bytes:
//   i32 bias'[16] | f32 scale[16]            (int8 weights; binary: | f32 mul[16] | f32 add[16])
//   then for xi = 0..15, for pair p = 0..C_in/2-1, for channel j = 0..15: U[xi][2p], U[xi][2p+1]
//   as i16 (int8 weights) or i8 (binary weights)
// with bias' = bias - zp_in * sum_k w (the direct kernels' bias'; -128 weights read as -127).
//
// Scratch, per call (built per row of tiles; qs8_conv_wino_scratch_bytes(params) says its size):
//   4 padded input rows of WB = max(2*TW + 2, PL + W) columns (zp_in outside the image),
//   each RB = roundup(WB * C_in, 16) + 16 bytes, a ring: padded row r in slot r & 3, so each
//   input row is read once, in order (tile row ty reads padded rows 2ty .. 2ty + 3: the first all
//   four, the next ones two new rows);
//   V: i16 [16][TW][C_in] (the transformed windows of one row of tiles);
//   M: i32 [16][2][16] (one tile pair's sums for one block); E: i32 [2][4][16] (staged outputs)
//   TW = tiles per row = ceil(OW / 2) (pooled: floor(OW / 2)); TH likewise.

import { cin4_header, cin4_out, pack_header, weight_at } from './conv_cin4_scalar';
import {
  QS8_CONV_CIN4_C, QS8_CONV_CIN4_C_OUT, QS8_CONV_CIN4_H, QS8_CONV_CIN4_N, QS8_CONV_CIN4_OH, QS8_CONV_CIN4_OW,
  QS8_CONV_CIN4_PL, QS8_CONV_CIN4_POOL, QS8_CONV_CIN4_PT, QS8_CONV_CIN4_QMAX, QS8_CONV_CIN4_QMIN, QS8_CONV_CIN4_W,
  QS8_CONV_CIN4_ZP_IN, QS8_CONV_CIN4_ZP_OUT
} from '../common/params';

/** Bytes of one packed block of 16 output channels. */
// @ts-ignore: decorator
@inline
export function wino_block_bytes(c: i32, b1w: bool): i32 {
  return 16 * cin4_header(b1w) + 16 * 16 * c * (b1w ? 1 : 2);
}

// G' = 2G, rows i = 0..3 over kernel taps a = 0..2.
// @ts-ignore: decorator
@inline
function g2(i: i32, a: i32): i32 {
  if (i == 0) return a == 0 ? 2 : 0;
  if (i == 3) return a == 2 ? 2 : 0;
  return i == 2 && a == 1 ? -1 : 1;
}

/**
 * Stores U = G' g G'^T of channel nn, input channel ci (16 values, xi = 4i + j) at dst + xi * step,
 * as i8 (binary weights) or i16. One read of the 3x3 taps per (channel, input channel): this runs
 * once at load, in V8's baseline code.
 */
function wino_weights(w: usize, nn: i32, ci: i32, c: i32, b1w: bool, dst: usize, step: usize): void {
  const k = 9 * c;
  const g = memory.data(36); // g[3][3] i32
  for (let t = 0; t < 9; t++) store<i32>(g + <usize>t * 4, weight_at(w, nn, t * c + ci, k, c, b1w));
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let u = 0;
      for (let a = 0; a < 3; a++) {
        const ga = g2(i, a);
        if (ga == 0) continue;
        for (let b = 0; b < 3; b++) {
          const gb = g2(j, b);
          if (gb != 0) u += ga * gb * load<i32>(g + <usize>(a * 3 + b) * 4);
        }
      }
      const at = dst + <usize>(4 * i + j) * step;
      if (b1w) store<i8>(at, <i8>u);
      else store<i16>(at, <i16>u);
    }
  }
}

// @ts-ignore: decorator
@inline
function pack_wino(w: usize, bias: usize, p1: usize, p2: usize, zp_in: i32, n: i32, c: i32, out: usize, b1w: bool): void {
  const k = 9 * c;
  const npad = (n + 15) & ~15;
  const bb = <usize>wino_block_bytes(c, b1w);
  for (let n0 = 0; n0 < npad; n0 += 16) {
    const o = out + <usize>(n0 >> 4) * bb;
    pack_header(w, bias, p1, p2, zp_in, n, n0, 16, k, c, o, b1w);
    // Weights: [xi][pair][16 channels][2]; channels past n stay zero.
    const wsz: usize = b1w ? 1 : 2;
    const wt = o + <usize>(16 * cin4_header(b1w));
    memory.fill(wt, 0, <usize>(256 * c) * wsz);
    const live = min<i32>(16, n - n0);
    for (let j = 0; j < live; j++) {
      for (let ci = 0; ci < c; ci++) {
        const dst = wt + (<usize>((ci >> 1) * 32 + j * 2 + (ci & 1))) * wsz;
        wino_weights(w, n0 + j, ci, c, b1w, dst, <usize>(16 * c) * wsz);
      }
    }
  }
}

/** Packs canonical OHWI int8 weights w[N][3][3][C], bias i32[N] (0: none), scale f32[N] (kh, kw: 3). */
export function qs8_conv_wino_pack_16c2(
  w: usize, bias: usize, scale: usize, zp_in: i32, n: i32, kh: i32, kw: i32, c: i32, out: usize,
): void {
  pack_wino(w, bias, scale, 0, zp_in, n, c, out, false);
}

/** Packs canonical binary weights (bits [N][3][3][ceil(C/32)] u32, 1 = -1), mul f32[N], add f32[N] (kh, kw: 3). */
export function qs8_b1w_conv_wino_pack_16c2(
  w: usize, mul: usize, add: usize, zp_in: i32, n: i32, kh: i32, kw: i32, c: i32, out: usize,
): void {
  pack_wino(w, 0, mul, add, zp_in, n, c, out, true);
}

/** Tiles per row and per column (pooled: only whole pool windows). */
// @ts-ignore: decorator
@inline
export function wino_tiles_w(params: usize): i32 {
  const ow = load<i32>(params, QS8_CONV_CIN4_OW);
  return load<i32>(params, QS8_CONV_CIN4_POOL) == 2 ? ow >> 1 : (ow + 1) >> 1;
}

// @ts-ignore: decorator
@inline
export function wino_tiles_h(params: usize): i32 {
  const oh = load<i32>(params, QS8_CONV_CIN4_OH);
  return load<i32>(params, QS8_CONV_CIN4_POOL) == 2 ? oh >> 1 : (oh + 1) >> 1;
}

/** Columns of a padded row buffer: every column a tile reads, and the whole image row. */
// @ts-ignore: decorator
@inline
export function wino_row_cols(params: usize): i32 {
  return max<i32>(2 * wino_tiles_w(params) + 2, load<i32>(params, QS8_CONV_CIN4_PL) + load<i32>(params, QS8_CONV_CIN4_W));
}

/** Bytes of one padded row buffer (16 slack bytes for the 16-byte copies). */
// @ts-ignore: decorator
@inline
export function wino_row_bytes(params: usize): usize {
  return <usize>(((wino_row_cols(params) * load<i32>(params, QS8_CONV_CIN4_C) + 15) & ~15) + 16);
}

/** Offsets in the scratch of V, M and E (the rows start at 0). */
// @ts-ignore: decorator
@inline
export function wino_v(params: usize): usize {
  return 4 * wino_row_bytes(params);
}

// @ts-ignore: decorator
@inline
export function wino_m(params: usize): usize {
  return wino_v(params) + <usize>(32 * wino_tiles_w(params) * load<i32>(params, QS8_CONV_CIN4_C));
}

// @ts-ignore: decorator
@inline
export function wino_e(params: usize): usize {
  return wino_m(params) + 2048;
}

/** Scratch bytes the Winograd kernels need for these params (without the 16 read-past bytes). */
export function qs8_conv_wino_scratch_bytes(params: usize): i32 {
  return <i32>wino_e(params) + 512;
}

/** Ring slot of row a (0..3) of tile row ty's window rows. */
// @ts-ignore: decorator
@inline
export function wino_row(scratch: usize, params: usize, ty: i32, a: i32): usize {
  return scratch + <usize>((2 * ty + a) & 3) * wino_row_bytes(params);
}

/** Fills the padded input rows tile row ty reads that the ring lacks (all 4 for ty = 0, then rows 2, 3), scalar. */
export function wino_fill_rows(inb: usize, scratch: usize, params: usize, ty: i32): void {
  const zp = <u8>load<i32>(params, QS8_CONV_CIN4_ZP_IN);
  const H = load<i32>(params, QS8_CONV_CIN4_H);
  const W = load<i32>(params, QS8_CONV_CIN4_W);
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const pl = load<i32>(params, QS8_CONV_CIN4_PL);
  const wb = wino_row_cols(params) * C;
  for (let a = ty == 0 ? 0 : 2; a < 4; a++) {
    const row = wino_row(scratch, params, ty, a);
    const iy = 2 * ty + a - load<i32>(params, QS8_CONV_CIN4_PT);
    if (<u32>iy >= <u32>H) {
      memory.fill(row, zp, <usize>wb);
      continue;
    }
    memory.fill(row, zp, <usize>(pl * C));
    memory.copy(row + <usize>(pl * C), inb + <usize>(iy * W * C), <usize>(W * C));
    memory.fill(row + <usize>((pl + W) * C), zp, <usize>(wb - (pl + W) * C));
  }
}

/** Scalar input transform of tile row (the filled rows) into V: V[xi][tx][c] = (B^T d B)[xi]. */
function wino_input__scalar(scratch: usize, params: usize, ty: i32): void {
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const TW = wino_tiles_w(params);
  const r0 = wino_row(scratch, params, ty, 0), r1 = wino_row(scratch, params, ty, 1);
  const r2 = wino_row(scratch, params, ty, 2), r3 = wino_row(scratch, params, ty, 3);
  const v = scratch + wino_v(params);
  const t = memory.data(64); // t[4][4] i32
  for (let tx = 0; tx < TW; tx++) {
    for (let ci = 0; ci < C; ci++) {
      // Columns first: t[i][b] = (B^T d)[i][b].
      for (let b = 0; b < 4; b++) {
        const at = <usize>((2 * tx + b) * C + ci);
        const d0 = <i32>load<i8>(r0 + at), d1 = <i32>load<i8>(r1 + at), d2 = <i32>load<i8>(r2 + at), d3 = <i32>load<i8>(r3 + at);
        store<i32>(t + <usize>b * 4, d0 - d2);
        store<i32>(t + <usize>(4 + b) * 4, d1 + d2);
        store<i32>(t + <usize>(8 + b) * 4, d2 - d1);
        store<i32>(t + <usize>(12 + b) * 4, d1 - d3);
      }
      for (let i = 0; i < 4; i++) {
        const r = t + <usize>(16 * i);
        const t0 = load<i32>(r), t1 = load<i32>(r, 4), t2 = load<i32>(r, 8), t3 = load<i32>(r, 12);
        const o = v + (<usize>((4 * i * TW + tx) * C + ci) << 1);
        const s = <usize>(TW * C) << 1; // next xi
        store<i16>(o, <i16>(t0 - t2));
        store<i16>(o + s, <i16>(t1 + t2));
        store<i16>(o + 2 * s, <i16>(t2 - t1));
        store<i16>(o + 3 * s, <i16>(t1 - t3));
      }
    }
  }
}

export function qs8_conv_wino_2x16c2__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  wino_conv__scalar(input, w, output, scratch, params, false);
}

export function qs8_b1w_conv_wino_2x16c2__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  wino_conv__scalar(input, w, output, scratch, params, true);
}

// @ts-ignore: decorator
@inline
function wino_conv__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize, b1w: bool): void {
  const zp = load<i32>(params, QS8_CONV_CIN4_ZP_OUT);
  const lo = <f32>(load<i32>(params, QS8_CONV_CIN4_QMIN) - zp);
  const hi = <f32>(load<i32>(params, QS8_CONV_CIN4_QMAX) - zp);
  const batch = load<i32>(params, QS8_CONV_CIN4_N);
  const H = load<i32>(params, QS8_CONV_CIN4_H);
  const W = load<i32>(params, QS8_CONV_CIN4_W);
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const OH = load<i32>(params, QS8_CONV_CIN4_OH);
  const OW = load<i32>(params, QS8_CONV_CIN4_OW);
  const N = load<i32>(params, QS8_CONV_CIN4_C_OUT);
  const pooled = load<i32>(params, QS8_CONV_CIN4_POOL) == 2;
  const TW = wino_tiles_w(params), TH = wino_tiles_h(params);
  const bb = <usize>wino_block_bytes(C, b1w);
  const wsz: usize = b1w ? 1 : 2;
  const v = scratch + wino_v(params);
  const m = scratch + wino_m(params); // M[16] i32 of one (tile, channel)
  const outPixels = pooled ? TH * TW : OH * OW;
  for (let bi = 0; bi < batch; bi++) {
    const inb = input + <usize>bi * <usize>(H * W * C);
    const outb = output + <usize>bi * <usize>(outPixels * N);
    for (let ty = 0; ty < TH; ty++) {
      wino_fill_rows(inb, scratch, params, ty);
      wino_input__scalar(scratch, params, ty);
      for (let tx = 0; tx < TW; tx++) {
        for (let nn = 0; nn < N; nn++) {
          const blk = w + <usize>(nn >> 4) * bb;
          const j = <usize>(nn & 15);
          for (let xi = 0; xi < 16; xi++) {
            let s = 0;
            const vx = v + (<usize>((xi * TW + tx) * C) << 1);
            const ux = blk + <usize>(16 * cin4_header(b1w)) + <usize>xi * <usize>(16 * C) * wsz;
            for (let ci = 0; ci < C; ci++) {
              // U[xi][ci] of channel j: pair ci >> 1, half ci & 1.
              const at = ux + ((<usize>(ci >> 1) * 32 + j * 2 + <usize>(ci & 1)) * wsz);
              const u = b1w ? <i32>load<i8>(at) : <i32>load<i16>(at);
              s += <i32>load<i16>(vx + (<usize>ci << 1)) * u;
            }
            store<i32>(m + (<usize>xi << 2), s);
          }
          // Y = A^T M A (4 x the conv's sums), then acc = bias' + Y / 4 (exact).
          const bias = load<i32>(blk + j * 4);
          const p = blk + <usize>(16 + j) * 4;
          let best = -128;
          for (let r = 0; r < 2; r++) {
            for (let c2 = 0; c2 < 2; c2++) {
              let y = 0;
              for (let i = 0; i < 4; i++) {
                const ai = r == 0 ? (i < 3 ? 1 : 0) : (i == 0 ? 0 : i == 1 ? 1 : -1);
                if (ai == 0) continue;
                for (let jj = 0; jj < 4; jj++) {
                  const aj = c2 == 0 ? (jj < 3 ? 1 : 0) : (jj == 0 ? 0 : jj == 1 ? 1 : -1);
                  if (aj != 0) y += ai * aj * load<i32>(m + (<usize>(4 * i + jj) << 2));
                }
              }
              const acc = bias + (y >> 2);
              const q = cin4_out(acc, p, 64, zp, lo, hi, b1w);
              if (pooled) {
                best = max<i32>(best, q);
                continue;
              }
              const oy = 2 * ty + r, ox = 2 * tx + c2;
              if (oy < OH && ox < OW) store<i8>(outb + <usize>((oy * OW + ox) * N + nn), <i8>q);
            }
          }
          if (pooled) store<i8>(outb + <usize>((ty * TW + tx) * N + nn), <i8>best);
        }
      }
    }
  }
}

// Winograd F(2x2, 3x3) int8 conv2d, WASM SIMD128: qs8_conv_wino_2x16c2__wasmsimd (int8
// weights, U as i16) and qs8_b1w_conv_wino_2x16c2__wasmsimd (binary weights, U as i8).
// Transforms, domain, packed layout, scratch and the scalar twins: conv_wino.ts.
//
// Per row of tiles: the 4 padded input rows (16-byte copies), then V for every tile of the row,
// 8 channels per vector (16 loads, 32 i16 adds, 16 stores per 4x4 window). Per 16-channel block
// and pair of tiles: for each of the 16 positions xi the GEMM tile of tile_2x16 in
// conv_cin4_wasmsimd.ts (per input-channel pair: two v128.load32_splat of V, four weight loads,
// eight i32x4.dot_i16x8_s), its 8 accumulators stored to M; then per tile and 4 channels the
// output transform A^T M A (16 loads, 24 i32 adds), >> 2, + bias', the direct kernel's output
// transform (out4), staged and narrowed per pixel: 4 stores, or their max (fused pool).

import { narrow_i32x16_i8, zp_magic } from '../common/requant_wasmsimd';
import { out4, store_n16 } from './conv_cin4_wasmsimd';
import { cin4_header } from './conv_cin4_scalar';
import { wino_block_bytes, wino_e, wino_m, wino_row, wino_row_cols, wino_tiles_h, wino_tiles_w, wino_v } from './conv_wino';
import {
  QS8_CONV_CIN4_C, QS8_CONV_CIN4_C_OUT, QS8_CONV_CIN4_H, QS8_CONV_CIN4_N, QS8_CONV_CIN4_OH, QS8_CONV_CIN4_OW,
  QS8_CONV_CIN4_PL, QS8_CONV_CIN4_POOL, QS8_CONV_CIN4_PT, QS8_CONV_CIN4_QMAX, QS8_CONV_CIN4_QMIN, QS8_CONV_CIN4_W,
  QS8_CONV_CIN4_ZP_IN, QS8_CONV_CIN4_ZP_OUT
} from '../common/params';

/** The padded input rows tile row ty reads that the ring lacks (wino_fill_rows), in 16-byte steps (each row's copy may run 15 bytes past it, into its slack). */
function fill_rows__wasmsimd(inb: usize, scratch: usize, params: usize, ty: i32): void {
  const vz = i8x16.splat(<i8>load<i32>(params, QS8_CONV_CIN4_ZP_IN));
  const H = load<i32>(params, QS8_CONV_CIN4_H);
  const W = load<i32>(params, QS8_CONV_CIN4_W);
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const lb = load<i32>(params, QS8_CONV_CIN4_PL) * C;
  const wb = wino_row_cols(params) * C;
  const n = W * C;
  const pt = load<i32>(params, QS8_CONV_CIN4_PT);
  for (let a = ty == 0 ? 0 : 2; a < 4; a++) {
    const row = wino_row(scratch, params, ty, a);
    const iy = 2 * ty + a - pt;
    if (<u32>iy >= <u32>H) {
      for (let i = 0; i < wb; i += 16) v128.store(row + <usize>i, vz);
      continue;
    }
    for (let i = 0; i < lb; i += 16) v128.store(row + <usize>i, vz);
    const d = row + <usize>lb;
    const src = inb + <usize>(iy * n);
    for (let i = 0; i < n; i += 16) v128.store(d + <usize>i, v128.load(src + <usize>i));
    for (let i = lb + n; i < wb; i += 16) v128.store(row + <usize>i, vz);
  }
}

/** V[xi][tx][c] = (B^T d B)[xi] for every tile of the filled rows, 8 channels per vector. */
function input_transform__wasmsimd(scratch: usize, params: usize, ty: i32): void {
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const TW = wino_tiles_w(params);
  const q0 = wino_row(scratch, params, ty, 0), q1 = wino_row(scratch, params, ty, 1);
  const q2 = wino_row(scratch, params, ty, 2), q3 = wino_row(scratch, params, ty, 3);
  const v = scratch + wino_v(params);
  const s = <usize>(TW * C) << 1; // bytes from one xi to the next
  const c2 = <usize>C;
  for (let tx = 0; tx < TW; tx++) {
    for (let ci = 0; ci < C; ci += 8) {
      const e = <usize>(2 * tx * C + ci);
      const o = v + (<usize>(tx * C + ci) << 1);
      // Row transform per column b: t_ib = (B^T d)[i][b].
      let d0 = v128.load8x8_s(q0 + e), d1 = v128.load8x8_s(q1 + e), d2 = v128.load8x8_s(q2 + e), d3 = v128.load8x8_s(q3 + e);
      const t00 = i16x8.sub(d0, d2), t10 = i16x8.add(d1, d2), t20 = i16x8.sub(d2, d1), t30 = i16x8.sub(d1, d3);
      d0 = v128.load8x8_s(q0 + e + c2); d1 = v128.load8x8_s(q1 + e + c2); d2 = v128.load8x8_s(q2 + e + c2); d3 = v128.load8x8_s(q3 + e + c2);
      const t01 = i16x8.sub(d0, d2), t11 = i16x8.add(d1, d2), t21 = i16x8.sub(d2, d1), t31 = i16x8.sub(d1, d3);
      d0 = v128.load8x8_s(q0 + e + 2 * c2); d1 = v128.load8x8_s(q1 + e + 2 * c2); d2 = v128.load8x8_s(q2 + e + 2 * c2); d3 = v128.load8x8_s(q3 + e + 2 * c2);
      const t02 = i16x8.sub(d0, d2), t12 = i16x8.add(d1, d2), t22 = i16x8.sub(d2, d1), t32 = i16x8.sub(d1, d3);
      d0 = v128.load8x8_s(q0 + e + 3 * c2); d1 = v128.load8x8_s(q1 + e + 3 * c2); d2 = v128.load8x8_s(q2 + e + 3 * c2); d3 = v128.load8x8_s(q3 + e + 3 * c2);
      const t03 = i16x8.sub(d0, d2), t13 = i16x8.add(d1, d2), t23 = i16x8.sub(d2, d1), t33 = i16x8.sub(d1, d3);
      // Column transform per row i: V[4i + j].
      v128.store(o, i16x8.sub(t00, t02));
      v128.store(o + s, i16x8.add(t01, t02));
      v128.store(o + 2 * s, i16x8.sub(t02, t01));
      v128.store(o + 3 * s, i16x8.sub(t01, t03));
      v128.store(o + 4 * s, i16x8.sub(t10, t12));
      v128.store(o + 5 * s, i16x8.add(t11, t12));
      v128.store(o + 6 * s, i16x8.sub(t12, t11));
      v128.store(o + 7 * s, i16x8.sub(t11, t13));
      v128.store(o + 8 * s, i16x8.sub(t20, t22));
      v128.store(o + 9 * s, i16x8.add(t21, t22));
      v128.store(o + 10 * s, i16x8.sub(t22, t21));
      v128.store(o + 11 * s, i16x8.sub(t21, t23));
      v128.store(o + 12 * s, i16x8.sub(t30, t32));
      v128.store(o + 13 * s, i16x8.add(t31, t32));
      v128.store(o + 14 * s, i16x8.sub(t32, t31));
      v128.store(o + 15 * s, i16x8.sub(t31, t33));
    }
  }
}

/** Four channels' weights of one pair: 4 x (u, u') widened to i16 lanes. */
// @ts-ignore: decorator
@inline
function wload(p: usize, b1w: bool): v128 {
  return b1w ? v128.load8x8_s(p) : v128.load(p);
}

/**
 * M[xi][t][16] for tiles x0, x1 (V entries at tile starts, bytes) and the 16 channels of block
 * weights u (the xi = 0 weights); pairs = C / 2.
 */
// @ts-ignore: decorator
@inline
function gemm_2x16(x0: usize, x1: usize, u: usize, m: usize, pairs: i32, vs: usize, ws: usize, b1w: bool): void {
  const wstep: usize = b1w ? 8 : 16;
  for (let xi = 0; xi < 16; xi++) {
    let acc00 = i32x4.splat(0), acc01 = acc00, acc02 = acc00, acc03 = acc00;
    let acc10 = acc00, acc11 = acc00, acc12 = acc00, acc13 = acc00;
    let pv0 = x0 + <usize>xi * vs, pv1 = x1 + <usize>xi * vs;
    let pw = u + <usize>xi * ws;
    for (let p = 0; p < pairs; p++) {
      const a0 = v128.load32_splat(pv0);
      const a1 = v128.load32_splat(pv1);
      const w0 = wload(pw, b1w);
      acc00 = i32x4.add(acc00, i32x4.dot_i16x8_s(a0, w0));
      acc10 = i32x4.add(acc10, i32x4.dot_i16x8_s(a1, w0));
      const w1 = wload(pw + wstep, b1w);
      acc01 = i32x4.add(acc01, i32x4.dot_i16x8_s(a0, w1));
      acc11 = i32x4.add(acc11, i32x4.dot_i16x8_s(a1, w1));
      const w2 = wload(pw + 2 * wstep, b1w);
      acc02 = i32x4.add(acc02, i32x4.dot_i16x8_s(a0, w2));
      acc12 = i32x4.add(acc12, i32x4.dot_i16x8_s(a1, w2));
      const w3 = wload(pw + 3 * wstep, b1w);
      acc03 = i32x4.add(acc03, i32x4.dot_i16x8_s(a0, w3));
      acc13 = i32x4.add(acc13, i32x4.dot_i16x8_s(a1, w3));
      pv0 += 4;
      pv1 += 4;
      pw += 4 * wstep;
    }
    const o = m + (<usize>xi << 7);
    v128.store(o, acc00);
    v128.store(o, acc01, 16);
    v128.store(o, acc02, 32);
    v128.store(o, acc03, 48);
    v128.store(o, acc10, 64);
    v128.store(o, acc11, 80);
    v128.store(o, acc12, 96);
    v128.store(o, acc13, 112);
  }
}

/**
 * Output transform of tile t (0, 1) of M: per 4 channels q, Y = A^T M A, acc = bias' + (Y >> 2),
 * out4, staged at E[pixel][q]. blk: the block's header.
 */
// @ts-ignore: decorator
@inline
function output_tile(m: usize, e: usize, blk: usize, vzp: v128, vlo: v128, vhi: v128, b1w: bool): void {
  for (let q = 0; q < 4; q++) {
    const mq = m + (<usize>q << 4);
    // Rows: r0_j = M0j + M1j + M2j, r1_j = M1j - M2j - M3j (xi = 4i + j at mq + xi * 128).
    let m0 = v128.load(mq), m1 = v128.load(mq, 512), m2 = v128.load(mq, 1024), m3 = v128.load(mq, 1536);
    const r00 = i32x4.add(i32x4.add(m0, m1), m2), r10 = i32x4.sub(i32x4.sub(m1, m2), m3);
    m0 = v128.load(mq, 128); m1 = v128.load(mq, 640); m2 = v128.load(mq, 1152); m3 = v128.load(mq, 1664);
    const r01 = i32x4.add(i32x4.add(m0, m1), m2), r11 = i32x4.sub(i32x4.sub(m1, m2), m3);
    m0 = v128.load(mq, 256); m1 = v128.load(mq, 768); m2 = v128.load(mq, 1280); m3 = v128.load(mq, 1792);
    const r02 = i32x4.add(i32x4.add(m0, m1), m2), r12 = i32x4.sub(i32x4.sub(m1, m2), m3);
    m0 = v128.load(mq, 384); m1 = v128.load(mq, 896); m2 = v128.load(mq, 1408); m3 = v128.load(mq, 1920);
    const r03 = i32x4.add(i32x4.add(m0, m1), m2), r13 = i32x4.sub(i32x4.sub(m1, m2), m3);
    const bias = v128.load(blk + (<usize>q << 4));
    const s = v128.load(blk + (<usize>q << 4), 64);
    const h = b1w ? v128.load(blk + (<usize>q << 4), 128) : s;
    const y00 = i32x4.add(bias, i32x4.shr_s(i32x4.add(i32x4.add(r00, r01), r02), 2));
    const y01 = i32x4.add(bias, i32x4.shr_s(i32x4.sub(i32x4.sub(r01, r02), r03), 2));
    const y10 = i32x4.add(bias, i32x4.shr_s(i32x4.add(i32x4.add(r10, r11), r12), 2));
    const y11 = i32x4.add(bias, i32x4.shr_s(i32x4.sub(i32x4.sub(r11, r12), r13), 2));
    const eq = e + (<usize>q << 4);
    v128.store(eq, out4(y00, s, h, vzp, vlo, vhi, b1w));
    v128.store(eq, out4(y01, s, h, vzp, vlo, vhi, b1w), 64);
    v128.store(eq, out4(y10, s, h, vzp, vlo, vhi, b1w), 128);
    v128.store(eq, out4(y11, s, h, vzp, vlo, vhi, b1w), 192);
  }
}

/** Staged pixel k (0..3: (0,0), (0,1), (1,0), (1,1)) of E as 16 int8. */
// @ts-ignore: decorator
@inline
function staged(e: usize, k: usize): v128 {
  const p = e + (k << 6);
  return narrow_i32x16_i8(v128.load(p), v128.load(p, 16), v128.load(p, 32), v128.load(p, 48));
}

export function qs8_conv_wino_2x16c2__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  wino_conv__wasmsimd(input, w, output, scratch, params, false);
}

export function qs8_b1w_conv_wino_2x16c2__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  wino_conv__wasmsimd(input, w, output, scratch, params, true);
}

// @ts-ignore: decorator
@inline
function wino_conv__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize, b1w: bool): void {
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
  const pooled = load<i32>(params, QS8_CONV_CIN4_POOL) == 2;
  const TW = wino_tiles_w(params), TH = wino_tiles_h(params);
  const bb = <usize>wino_block_bytes(C, b1w);
  const hdr = <usize>(16 * cin4_header(b1w));
  const v = scratch + wino_v(params);
  const m = scratch + wino_m(params);
  const e = scratch + wino_e(params);
  const vs = <usize>(TW * C) << 1; // V bytes per xi
  const ws = <usize>(16 * C) * (b1w ? 1 : 2); // weight bytes per xi
  const pairs = C >> 1;
  const nblocks = (N + 15) >> 4;
  const sN = <usize>N;
  const outPixels = pooled ? TH * TW : OH * OW;
  for (let bi = 0; bi < batch; bi++) {
    const inb = input + <usize>bi * <usize>(H * W * C);
    const outb = output + <usize>bi * <usize>(outPixels * N);
    for (let ty = 0; ty < TH; ty++) {
      fill_rows__wasmsimd(inb, scratch, params, ty);
      input_transform__wasmsimd(scratch, params, ty);
      const two_rows = pooled || 2 * ty + 1 < OH;
      for (let nb = 0; nb < nblocks; nb++) {
        const blk = w + <usize>nb * bb;
        const nc = min<i32>(16, N - nb * 16);
        const c0 = <usize>(nb * 16);
        for (let tx = 0; tx < TW; tx += 2) {
          const two = tx + 1 < TW;
          const x0 = v + (<usize>(tx * C) << 1);
          const x1 = two ? x0 + (<usize>C << 1) : x0;
          gemm_2x16(x0, x1, blk + hdr, m, pairs, vs, ws, b1w);
          for (let t = 0; t < 2; t++) {
            if (t == 1 && !two) break;
            output_tile(m + (<usize>t << 6), e, blk, vzp, vlo, vhi, b1w);
            const k = tx + t;
            if (pooled) {
              const y = i8x16.max_s(i8x16.max_s(staged(e, 0), staged(e, 1)), i8x16.max_s(staged(e, 2), staged(e, 3)));
              store_n16(outb + <usize>(ty * TW + k) * sN + c0, y, nc);
              continue;
            }
            const ox = 2 * k;
            const d = outb + <usize>(2 * ty * OW + ox) * sN + c0;
            const right = ox + 1 < OW;
            store_n16(d, staged(e, 0), nc);
            if (right) store_n16(d + sN, staged(e, 1), nc);
            if (two_rows) {
              const d1 = d + <usize>OW * sN;
              store_n16(d1, staged(e, 2), nc);
              if (right) store_n16(d1 + sN, staged(e, 3), nc);
            }
          }
        }
      }
    }
  }
}

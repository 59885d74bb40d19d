// int8 3x3 depthwise convolution over pair rows, WASM SIMD128: qs8_dwconv_3x3r_2x16c__wasmsimd.
// Layout, scratch and the scalar twin: dwconv_3x3r.ts.
//
// Stride 1 or 2 with dilation 1 (every MobileNet depthwise layer): two output rows per pass
// (rows2_s1, rows2_s2). At stride 1, rows oy and oy + 1 read the same two pair rows V(r0) and
// V(r0 + 2) (r0 = oy - pt), row oy against A = (w0, w1) and B = (w2, 0), row oy + 1 against
// C = (0, w0) and D = (w1, w2); at stride 2 they read V(r0), V(r0 + 2), V(r0 + 4), sharing the
// middle one. Tiles of 2 rows x 2 pixels x 4 channels, 4 accumulators: per kernel column one
// load of A and D (B = D >> 16 and C = A << 16 per 32-bit lane), one load of each pair entry,
// 8 dots. (A tile of 2 x 4 pixels spilled accumulators in V8's code and was slower on the
// small MLPerf Tiny layers, no faster on MobileNetV2's: bench/dw-ab.mts.) A last odd row, and
// every other stride or dilation, runs the one-row loop:
//
// Per output row: make sure the ring holds the pair rows V(r0) and V(r0 + 2dh) (r0 = oy*sh - pt;
// each pair row is built once and read by the output rows that need it), then tiles of
// 2 output pixels x 16 channels (a last tail of 8 or fewer channels: x 8): per kernel column kx
// and group of 4 channels, the weight vectors A and B are loaded once for both pixels, each
// pixel loads its two pair entries, and four i32x4.dot_i16x8_s + add update its accumulator:
// 8 accumulators, no shuffles, no tap pointers. The accumulators start at bias'; the fp32
// requantization follows per pixel. A channel tail of 9..15 computes 16 lanes (entries past C
// come from bytes past a pixel, at most 7, against zero weights), one of 1..8 computes 8; both
// store the live ones.
//
// A pair row: entry (x, c) at x*Cp*4 + c*4 = (i16 x[r][x - pl][c], i16 x[r + dh][x - pl][c]),
// where a row or column outside the image reads the zero row (zp_in); built 8 channels at a
// time by two v128.load8x8_s and two i16 shuffles.
import { requant_fp32x4_zm, narrow_i32x16_i8, zp_magic } from '../common/requant_wasmsimd';
import { DW3R_GROUP_BYTES, dw3r_ring, dw3r_row_bytes, dw3r_tag_bytes } from './dwconv_3x3r';
import { store_i8_partial } from './dwconv_wasmsimd';
import {
  QS8_DWCONV_C, QS8_DWCONV_DH, QS8_DWCONV_DW, QS8_DWCONV_H, QS8_DWCONV_N, QS8_DWCONV_OH, QS8_DWCONV_OW,
  QS8_DWCONV_PL, QS8_DWCONV_PT, QS8_DWCONV_QMAX, QS8_DWCONV_QMIN, QS8_DWCONV_SH, QS8_DWCONV_SW, QS8_DWCONV_W,
  QS8_DWCONV_ZP_OUT
} from '../common/params';

/** Pair row r of image img into dst: rows r and r + dh, Wn padded columns, Cp channels each. */
function build_pair_row(img: usize, zero: usize, dst: usize, r: i32, params: usize, wn: i32, cp: i32): void {
  const H = load<i32>(params, QS8_DWCONV_H), W = load<i32>(params, QS8_DWCONV_W), C = load<i32>(params, QS8_DWCONV_C);
  const PL = load<i32>(params, QS8_DWCONV_PL), DH = load<i32>(params, QS8_DWCONV_DH);
  const r1 = r + DH;
  // A row outside the image is the zero row at every column (pixel step 0).
  const top = <u32>r < <u32>H ? img + <usize>(r * W * C) : zero;
  const bot = <u32>r1 < <u32>H ? img + <usize>(r1 * W * C) : zero;
  const tstep = <u32>r < <u32>H ? <usize>C : 0;
  const bstep = <u32>r1 < <u32>H ? <usize>C : 0;
  const zz = v128.load8x8_s(zero);
  const zpair = i16x8.shuffle(zz, zz, 0, 8, 1, 9, 2, 10, 3, 11);
  const entry = <usize>cp << 2;
  const x0 = min<i32>(PL, wn); // interior columns [x0, x1)
  const x1 = max<i32>(x0, min<i32>(PL + W, wn));
  let d = dst;
  for (let x = 0; x < x0; x++) {
    for (let c: usize = 0; c < entry; c += 16) v128.store(d + c, zpair);
    d += entry;
  }
  let tp = top + <usize>(x0 - PL) * tstep;
  let bp = bot + <usize>(x0 - PL) * bstep;
  for (let x = x0; x < x1; x++) {
    for (let c = 0; c < cp; c += 8) {
      const a = v128.load8x8_s(tp + <usize>c);
      const b = v128.load8x8_s(bp + <usize>c);
      v128.store(d + (<usize>c << 2), i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11));
      v128.store(d + (<usize>c << 2), i16x8.shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15), 16);
    }
    tp += tstep;
    bp += bstep;
    d += entry;
  }
  for (let x = x1; x < wn; x++) {
    for (let c: usize = 0; c < entry; c += 16) v128.store(d + c, zpair);
    d += entry;
  }
}

/** The ring slot holding pair row r, built first when it holds another row. */
// @ts-ignore: decorator
@inline
function pair_row(img: usize, zero: usize, scratch: usize, r: i32, params: usize, ring: i32, ringStart: usize, rowBytes: usize, wn: i32, cp: i32): usize {
  const s = ((r % ring) + ring) % ring;
  const dst = ringStart + <usize>s * rowBytes;
  const tag = scratch + (<usize>s << 2);
  if (load<i32>(tag) != r) {
    build_pair_row(img, zero, dst, r, params, wn, cp);
    store<i32>(tag, r);
  }
  return dst;
}

/** Requantizes 16 accumulators of one pixel and stores its rem (1..16) live channels at o. */
// @ts-ignore: decorator
@inline
function finish(a0: v128, a1: v128, a2: v128, a3: v128, wg: usize, o: usize, rem: i32, vzm: v128, vlo: v128, vhi: v128): void {
  const y = narrow_i32x16_i8(
    requant_fp32x4_zm(a0, v128.load(wg, 448), vzm, vlo, vhi),
    requant_fp32x4_zm(a1, v128.load(wg, 464), vzm, vlo, vhi),
    requant_fp32x4_zm(a2, v128.load(wg, 480), vzm, vlo, vhi),
    requant_fp32x4_zm(a3, v128.load(wg, 496), vzm, vlo, vhi),
  );
  if (rem >= 16) v128.store(o, y);
  else store_i8_partial(o, y, rem);
}

/** finish for 8 accumulators (channels 0..7 of a group); rem (1..8) live. */
// @ts-ignore: decorator
@inline
function finish8(a0: v128, a1: v128, wg: usize, o: usize, rem: i32, vzm: v128, vlo: v128, vhi: v128): void {
  const h = i16x8.narrow_i32x4_s(requant_fp32x4_zm(a0, v128.load(wg, 448), vzm, vlo, vhi), requant_fp32x4_zm(a1, v128.load(wg, 464), vzm, vlo, vhi));
  const y = i8x16.narrow_i16x8_s(h, h);
  if (rem >= 8) v128.store64_lane(o, y, 0);
  else store_i8_partial(o, y, rem);
}

/** Stores the first rem (1..3) bytes of v at p. */
// @ts-ignore: decorator
@inline
function store_bytes3(p: usize, v: i32, rem: i32): void {
  store<u8>(p, <u8>v);
  if (rem > 1) store<u8>(p, <u8>(v >> 8), 1);
  if (rem > 2) store<u8>(p, <u8>(v >> 16), 2);
}

/**
 * Stores a 2x2-pixel tile of 4 channels, y = i32 lanes (row 0 pixel 0, row 0 pixel 1, row 1
 * pixel 0, row 1 pixel 1), at o (row 0 pixel 0; row 1 at o + rowOut): pixel 1 when `two`,
 * only the first rem channels when rem < 4.
 */
// @ts-ignore: decorator
@inline
function store_tile(o: usize, y: v128, C: usize, rowOut: usize, two: bool, rem: i32): void {
  if (rem >= 4) {
    v128.store32_lane(o, y, 0);
    v128.store32_lane(o + rowOut, y, 2);
    if (two) {
      v128.store32_lane(o + C, y, 1);
      v128.store32_lane(o + rowOut + C, y, 3);
    }
  } else {
    store_bytes3(o, i32x4.extract_lane(y, 0), rem);
    store_bytes3(o + rowOut, i32x4.extract_lane(y, 2), rem);
    if (two) {
      store_bytes3(o + C, i32x4.extract_lane(y, 1), rem);
      store_bytes3(o + rowOut + C, i32x4.extract_lane(y, 3), rem);
    }
  }
}

/** Requantizes the accumulators of a 2x2-pixel tile (one 4-channel quarter, scale sc) into store_tile's lanes. */
// @ts-ignore: decorator
@inline
function requant_tile(a00: v128, a01: v128, a10: v128, a11: v128, sc: v128, vzm: v128, vlo: v128, vhi: v128): v128 {
  return i8x16.narrow_i16x8_s(
    i16x8.narrow_i32x4_s(requant_fp32x4_zm(a00, sc, vzm, vlo, vhi), requant_fp32x4_zm(a01, sc, vzm, vlo, vhi)),
    i16x8.narrow_i32x4_s(requant_fp32x4_zm(a10, sc, vzm, vlo, vhi), requant_fp32x4_zm(a11, sc, vzm, vlo, vhi)),
  );
}

/**
 * Stride 1, dilation 1: output rows oy (at out) and oy + 1 (at out + OW*C) from the pair rows V(r0) at va and V(r0 + 2) at vb, in tiles of 2 rows x 2 pixels
 * x 4 channels: per kernel column, 6 loads (A, D, and the two pair entries of each pixel), two
 * shifts (B, C) and 8 dots for 4 accumulators.
 */
function rows2_s1(
  va: usize, vb: usize, out: usize, OW: i32, C: i32, pxStep: usize, kxStep: usize, packed: usize,
  vzm: v128, vlo: v128, vhi: v128,
): void {
  const rowOut = <usize>(OW * C);
  const dv = vb - va; // wraps: pointer differences are mod 2^32 in wasm32
  for (let ox = 0; ox < OW; ox += 2) {
    const two = ox + 1 < OW;
    const qs: usize = two ? pxStep : 0; // the second pixel's entries (the first's again when there is none; not stored)
    const pa = va + <usize>ox * pxStep;
    const o = out + <usize>(ox * C);
    let wq = packed; // this quarter's bias; A at +64 + 128 kx, D at +128 + 128 kx, scale at +448
    for (let c = 0; c < C; c += 4) {
      let a00 = v128.load(wq); // row 0 pixel 0
      let a01 = a00, a10 = a00, a11 = a00;
      let wk = wq + 64;
      let p0 = pa + (<usize>c << 2);
      for (let kx = 0; kx < 3; kx++) {
        const wa = v128.load(wk);
        const wd = v128.load(wk, 64);
        const wb = i32x4.shr_u(wd, 16);
        const wc = i32x4.shl(wa, 16);
        const p1 = p0 + dv;
        const xa = v128.load(p0), xb = v128.load(p1);
        const ya = v128.load(p0 + qs), yb = v128.load(p1 + qs);
        a00 = i32x4.add(a00, i32x4.add(i32x4.dot_i16x8_s(xa, wa), i32x4.dot_i16x8_s(xb, wb)));
        a10 = i32x4.add(a10, i32x4.add(i32x4.dot_i16x8_s(xa, wc), i32x4.dot_i16x8_s(xb, wd)));
        a01 = i32x4.add(a01, i32x4.add(i32x4.dot_i16x8_s(ya, wa), i32x4.dot_i16x8_s(yb, wb)));
        a11 = i32x4.add(a11, i32x4.add(i32x4.dot_i16x8_s(ya, wc), i32x4.dot_i16x8_s(yb, wd)));
        wk += 128;
        p0 += kxStep;
      }
      store_tile(o + <usize>c, requant_tile(a00, a01, a10, a11, v128.load(wq, 448), vzm, vlo, vhi), <usize>C, rowOut, two, C - c);
      wq += (c & 15) == 12 ? <usize>(DW3R_GROUP_BYTES - 48) : 16;
    }
  }
}

/**
 * Stride 2, dilation 1: output rows oy and oy + 1 from the pair rows V(r0), V(r0 + 2) and
 * V(r0 + 4) at va, vb, vc (row oy reads the first two, row oy + 1 the last two, both against A
 * and B), in tiles of 2 rows x 2 pixels x 4 channels: per kernel column, 8 loads, one shift and
 * 8 dots for 4 accumulators.
 */
function rows2_s2(
  va: usize, vb: usize, vc: usize, out: usize, OW: i32, C: i32, pxStep: usize, kxStep: usize, packed: usize,
  vzm: v128, vlo: v128, vhi: v128,
): void {
  const rowOut = <usize>(OW * C);
  const dv = vb - va, dw = vc - va; // wrap mod 2^32, as in rows2_s1
  for (let ox = 0; ox < OW; ox += 2) {
    const two = ox + 1 < OW;
    const qs: usize = two ? pxStep : 0;
    const pa = va + <usize>ox * pxStep;
    const o = out + <usize>(ox * C);
    let wq = packed;
    for (let c = 0; c < C; c += 4) {
      let a00 = v128.load(wq);
      let a01 = a00, a10 = a00, a11 = a00;
      let wk = wq + 64;
      let p0 = pa + (<usize>c << 2);
      for (let kx = 0; kx < 3; kx++) {
        const wa = v128.load(wk);
        const wb = i32x4.shr_u(v128.load(wk, 64), 16);
        const p1 = p0 + dv, p2 = p0 + dw;
        const x0 = v128.load(p0), x1 = v128.load(p1), x2 = v128.load(p2);
        const y0 = v128.load(p0 + qs), y1 = v128.load(p1 + qs), y2 = v128.load(p2 + qs);
        a00 = i32x4.add(a00, i32x4.add(i32x4.dot_i16x8_s(x0, wa), i32x4.dot_i16x8_s(x1, wb)));
        a10 = i32x4.add(a10, i32x4.add(i32x4.dot_i16x8_s(x1, wa), i32x4.dot_i16x8_s(x2, wb)));
        a01 = i32x4.add(a01, i32x4.add(i32x4.dot_i16x8_s(y0, wa), i32x4.dot_i16x8_s(y1, wb)));
        a11 = i32x4.add(a11, i32x4.add(i32x4.dot_i16x8_s(y1, wa), i32x4.dot_i16x8_s(y2, wb)));
        wk += 128;
        p0 += kxStep;
      }
      store_tile(o + <usize>c, requant_tile(a00, a01, a10, a11, v128.load(wq, 448), vzm, vlo, vhi), <usize>C, rowOut, two, C - c);
      wq += (c & 15) == 12 ? <usize>(DW3R_GROUP_BYTES - 48) : 16;
    }
  }
}

export function qs8_dwconv_3x3r_2x16c__wasmsimd(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize,
): void {
  const N = load<i32>(params, QS8_DWCONV_N), H = load<i32>(params, QS8_DWCONV_H), W = load<i32>(params, QS8_DWCONV_W);
  const C = load<i32>(params, QS8_DWCONV_C), OH = load<i32>(params, QS8_DWCONV_OH), OW = load<i32>(params, QS8_DWCONV_OW);
  const SH = load<i32>(params, QS8_DWCONV_SH), SW = load<i32>(params, QS8_DWCONV_SW);
  const DH = load<i32>(params, QS8_DWCONV_DH), DW = load<i32>(params, QS8_DWCONV_DW), PT = load<i32>(params, QS8_DWCONV_PT);
  const zp = load<i32>(params, QS8_DWCONV_ZP_OUT);
  const vzm = zp_magic(zp);
  const vlo = f32x4.splat(<f32>(load<i32>(params, QS8_DWCONV_QMIN) - zp));
  const vhi = f32x4.splat(<f32>(load<i32>(params, QS8_DWCONV_QMAX) - zp));
  const cp = (C + 7) & ~7;
  const wn = (OW - 1) * SW + 2 * DW + 1;
  const ring = dw3r_ring(params);
  const rowBytes = <usize>dw3r_row_bytes(params);
  const ringStart = scratch + <usize>dw3r_tag_bytes(params);
  const entry = <usize>cp << 2;
  const pxStep = <usize>SW * entry; // from one output pixel's window to the next
  const kxStep = <usize>DW * entry; // from one kernel column to the next
  let out = output;
  for (let n = 0; n < N; n++) {
    const img = input + <usize>(n * H * W * C);
    for (let s = 0; s < ring; s++) store<i32>(scratch + (<usize>s << 2), i32.MIN_VALUE); // a new image: no row built
    for (let oy = 0; oy < OH; oy++) {
      const r0 = oy * SH - PT;
      const va = pair_row(img, zero, scratch, r0, params, ring, ringStart, rowBytes, wn, cp);
      const vb = pair_row(img, zero, scratch, r0 + 2 * DH, params, ring, ringStart, rowBytes, wn, cp);
      // Two rows at a time where the kernel has a two-row pass (a last odd row: the one-row loop below).
      if (SH == 1 && DH == 1 && oy + 1 < OH) {
        // Rows oy and oy + 1 read the same two pair rows.
        rows2_s1(va, vb, out, OW, C, pxStep, kxStep, packed, vzm, vlo, vhi);
        out += <usize>(2 * OW * C);
        oy++;
        continue;
      }
      if (SH == 2 && DH == 1 && oy + 1 < OH) {
        // Rows oy and oy + 1 share the pair row V(r0 + 2) (the ring holds 6: dw3r_ring).
        const vc = pair_row(img, zero, scratch, r0 + 4, params, ring, ringStart, rowBytes, wn, cp);
        rows2_s2(va, vb, vc, out, OW, C, pxStep, kxStep, packed, vzm, vlo, vhi);
        out += <usize>(2 * OW * C);
        oy++;
        continue;
      }
      for (let ox = 0; ox < OW; ox += 2) {
        const two = ox + 1 < OW;
        const pa = va + <usize>ox * pxStep;
        const pb = vb + <usize>ox * pxStep;
        // The second pixel's entries (the first pixel's again when there is none; not stored).
        const qa = two ? pa + pxStep : pa;
        const qb = two ? pb + pxStep : pb;
        let wg = packed;
        let c = 0;
        for (; c + 8 < C; c += 16) {
          const cb = <usize>c << 2;
          let a0 = v128.load(wg, 0);
          let a1 = v128.load(wg, 16);
          let a2 = v128.load(wg, 32);
          let a3 = v128.load(wg, 48);
          let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
          // Kernel columns outside, the 4 channel quarters inside; the accumulators rotate so that
          // quarter j is always a0 / b0. One small loop body (6 loads, 4 dots): V8 hoists every
          // load of a basic block to its top, and a body with all 12 (column, quarter) steps
          // spilled most of the 16 xmm registers.
          let wk = wg + 64;
          let col: usize = cb;
          for (let kx = 0; kx < 3; kx++) {
            for (let j: usize = 0; j < 64; j += 16) {
              const w01 = v128.load(wk + j);
              const w2 = i32x4.shr_u(v128.load(wk + j, 64), 16); // B = (w2, 0) from D = (w1, w2)
              const at = col + j;
              const na = i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(v128.load(pa + at), w01), i32x4.dot_i16x8_s(v128.load(pb + at), w2)));
              const nb = i32x4.add(b0, i32x4.add(i32x4.dot_i16x8_s(v128.load(qa + at), w01), i32x4.dot_i16x8_s(v128.load(qb + at), w2)));
              a0 = a1; a1 = a2; a2 = a3; a3 = na;
              b0 = b1; b1 = b2; b2 = b3; b3 = nb;
            }
            wk += 128;
            col += kxStep;
          }
          const rem = C - c;
          finish(a0, a1, a2, a3, wg, out + <usize>c, rem, vzm, vlo, vhi);
          if (two) finish(b0, b1, b2, b3, wg, out + <usize>(C + c), rem, vzm, vlo, vhi);
          wg += DW3R_GROUP_BYTES;
        }
        if (c < C) {
          // A tail of 1..8 channels: the group's first 8 lanes only (a pair row holds Cp = C
          // rounded up to 8 channels, so 16 lanes would read the next pixel's entry).
          let a0 = v128.load(wg, 0);
          let a1 = v128.load(wg, 16);
          let b0 = a0, b1 = a1;
          let wk = wg + 64;
          let col: usize = <usize>c << 2;
          for (let kx = 0; kx < 3; kx++) {
            for (let j: usize = 0; j < 32; j += 16) {
              const w01 = v128.load(wk + j);
              const w2 = i32x4.shr_u(v128.load(wk + j, 64), 16); // B = (w2, 0) from D = (w1, w2)
              const at = col + j;
              const na = i32x4.add(a0, i32x4.add(i32x4.dot_i16x8_s(v128.load(pa + at), w01), i32x4.dot_i16x8_s(v128.load(pb + at), w2)));
              const nb = i32x4.add(b0, i32x4.add(i32x4.dot_i16x8_s(v128.load(qa + at), w01), i32x4.dot_i16x8_s(v128.load(qb + at), w2)));
              a0 = a1; a1 = na;
              b0 = b1; b1 = nb;
            }
            wk += 128;
            col += kxStep;
          }
          const rem = C - c;
          finish8(a0, a1, wg, out + <usize>c, rem, vzm, vlo, vhi);
          if (two) finish8(b0, b1, wg, out + <usize>(C + c), rem, vzm, vlo, vhi);
        }
        out += <usize>(two ? 2 * C : C);
      }
    }
  }
}

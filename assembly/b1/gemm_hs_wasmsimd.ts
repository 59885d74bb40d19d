// Binary GEMM rows kernel with Harley-Seal carry-save accumulation across K, WASM SIMD128:
// b1_rows_4x8hs__wasmsimd (and b1_gemm_4x8hs / b1_conv_4x8hs around it). Same signature,
// params and packed layout ("x8") as b1_rows_4x8__wasmsimd (gemm_wasmsimd.ts); its scalar
// twin is b1_rows_4x8__scalar (gemm.ts): popcount sums are exact, so both give the same bits.
//
// Per pixel and lane set (4 channels, word k of each in an i32 lane), the XORed words
// v_k = splat(a[k]) ^ w[k] go through a carry-save adder tree instead of one i8x16.popcnt
// each (on x86 without AVX-512 BITALG V8 lowers i8x16.popcnt to ~10 instructions; a
// carry-save adder is 5 bitwise ops):
//   csa(l; a, b): hi = (l & a) | ((l ^ a) & b), l' = l ^ a ^ b   (the 3:2 full adder, bitwise)
// Eight words at a time: ones, twos, fours hold bit-sliced partial counts (weights 1, 2, 4)
// and the carry out of the fours (weight 8) is the only vector popcounted per 8 words:
//   sum_k popcount(v_k) = 8 * sum popcount(eights) + 4 * pc(fours) + 2 * pc(twos) + pc(ones)
// Words past the last group of 8 (kw % 8) are popcounted directly. Byte counts stay in
// i8 lanes (eights: at most 8 per group, 31 groups per chunk; the final small sum at most
// 4*8 + 2*8 + 8 + 7*8 = 112) and are widened to i32 lanes (extadd_pairwise) once per chunk.
// Tile: 2 pixels x 4 channels per pass (both pixels share each weight vector), the two
// lane sets of a block of 8 channels one after the other; rows past an even count run the
// same code with the second pixel aliasing the first (its output is not stored).
import { b1_block_bytes, b1_gemm_driver } from './gemm';
import { b1_conv_driver } from './conv';
import { b1_store_row, b1_zero_row_tail, widen_add } from './gemm_wasmsimd';
import { B1_GEMM_FMAX, B1_GEMM_FMIN, B1_GEMM_MODE, B1_GEMM_QMAX, B1_GEMM_QMIN, B1_GEMM_ZP_OUT } from '../common/params';

/** Groups of 8 words whose eights-popcounts one i8 accumulator holds (31 * 8 = 248 < 256). */
const GROUPS: i32 = 31;

/** Carry of the bitwise full adder l + a + b. */
// @ts-ignore: decorator
@inline
function csa_hi(l: v128, a: v128, b: v128): v128 {
  return v128.or(v128.and(l, a), v128.and(v128.xor(l, a), b));
}

/** Sum bit of the bitwise full adder l + a + b. */
// @ts-ignore: decorator
@inline
function csa_lo(l: v128, a: v128, b: v128): v128 {
  return v128.xor(v128.xor(l, a), b);
}

// @ts-ignore: decorator
@inline
function vx(a: usize, k: i32, w: v128): v128 {
  return v128.xor(v128.load32_splat(a + (<usize>k << 2)), w);
}

/** x + x in i8 lanes (no i8x16.shl: V8 emulates it on x86). */
// @ts-ignore: decorator
@inline
function dbl(x: v128): v128 {
  return i8x16.add(x, x);
}

/** 4 * pc(f) + 2 * pc(t) + pc(o) + d, in i8 lanes (at most 112). */
// @ts-ignore: decorator
@inline
function small_sum(o: v128, t: v128, f: v128, d: v128): v128 {
  return i8x16.add(i8x16.add(dbl(i8x16.add(dbl(i8x16.popcnt(f)), i8x16.popcnt(t))), i8x16.popcnt(o)), d);
}

export function b1_rows_4x8hs__wasmsimd(
  rows: i32, a: usize, a_stride: i32, kw: i32, w: usize, n: i32, c: usize, c_stride: i32, params: usize,
  base0: usize, base1: usize, base2: usize, base3: usize,
): void {
  const mode = load<i32>(params, B1_GEMM_MODE);
  const zp = load<i32>(params, B1_GEMM_ZP_OUT);
  const vzp = i32x4.splat(zp);
  const vlo = f32x4.splat(mode == 2 ? load<f32>(params, B1_GEMM_FMIN) : <f32>(load<i32>(params, B1_GEMM_QMIN) - zp));
  const vhi = f32x4.splat(mode == 2 ? load<f32>(params, B1_GEMM_FMAX) : <f32>(load<i32>(params, B1_GEMM_QMAX) - zp));
  const bb = b1_block_bytes(kw);
  const blocks = (n + 7) >> 3;
  const kg = kw & ~7;
  for (let r = 0; r < rows; r += 2) {
    const two = r + 1 < rows;
    const a0 = a + <usize>r * <usize>a_stride;
    const a1 = two ? a0 + <usize>a_stride : a0;
    const c0 = c + <usize>r * <usize>c_stride;
    const c1 = c0 + <usize>c_stride;
    const bs0 = r == 0 ? base0 : base2;
    const bs1 = r == 0 ? base1 : base3;
    for (let nb = 0; nb < blocks; nb++) {
      const wb = w + <usize>nb * bb;
      let p00 = i32x4.splat(0), p01 = i32x4.splat(0), p10 = i32x4.splat(0), p11 = i32x4.splat(0);
      for (let s = 0; s < 2; s++) {
        let pw = wb + 64 + (<usize>s << 4);
        let o0 = i32x4.splat(0), t0 = o0, f0 = o0, o1 = o0, t1 = o0, f1 = o0;
        let e0 = o0, e1 = o0;
        let k = 0;
        while (k < kg) {
          const kend = min<i32>(kg, k + GROUPS * 8);
          let b0 = i8x16.splat(0), b1 = b0;
          for (; k < kend; k += 8) {
            let w0 = v128.load(pw), w1 = v128.load(pw, 32);
            let x: v128, y: v128, h0: v128, h1: v128, g0: v128, g1: v128, fa0: v128, fa1: v128;
            x = vx(a0, k, w0); y = vx(a0, k + 1, w1); h0 = csa_hi(o0, x, y); o0 = csa_lo(o0, x, y);
            x = vx(a1, k, w0); y = vx(a1, k + 1, w1); h1 = csa_hi(o1, x, y); o1 = csa_lo(o1, x, y);
            w0 = v128.load(pw, 64); w1 = v128.load(pw, 96);
            x = vx(a0, k + 2, w0); y = vx(a0, k + 3, w1); g0 = csa_hi(o0, x, y); o0 = csa_lo(o0, x, y);
            x = vx(a1, k + 2, w0); y = vx(a1, k + 3, w1); g1 = csa_hi(o1, x, y); o1 = csa_lo(o1, x, y);
            fa0 = csa_hi(t0, h0, g0); t0 = csa_lo(t0, h0, g0);
            fa1 = csa_hi(t1, h1, g1); t1 = csa_lo(t1, h1, g1);
            w0 = v128.load(pw, 128); w1 = v128.load(pw, 160);
            x = vx(a0, k + 4, w0); y = vx(a0, k + 5, w1); h0 = csa_hi(o0, x, y); o0 = csa_lo(o0, x, y);
            x = vx(a1, k + 4, w0); y = vx(a1, k + 5, w1); h1 = csa_hi(o1, x, y); o1 = csa_lo(o1, x, y);
            w0 = v128.load(pw, 192); w1 = v128.load(pw, 224);
            x = vx(a0, k + 6, w0); y = vx(a0, k + 7, w1); g0 = csa_hi(o0, x, y); o0 = csa_lo(o0, x, y);
            x = vx(a1, k + 6, w0); y = vx(a1, k + 7, w1); g1 = csa_hi(o1, x, y); o1 = csa_lo(o1, x, y);
            const fb0 = csa_hi(t0, h0, g0); t0 = csa_lo(t0, h0, g0);
            const fb1 = csa_hi(t1, h1, g1); t1 = csa_lo(t1, h1, g1);
            b0 = i8x16.add(b0, i8x16.popcnt(csa_hi(f0, fa0, fb0))); f0 = csa_lo(f0, fa0, fb0);
            b1 = i8x16.add(b1, i8x16.popcnt(csa_hi(f1, fa1, fb1))); f1 = csa_lo(f1, fa1, fb1);
            pw += 256;
          }
          e0 = widen_add(e0, b0);
          e1 = widen_add(e1, b1);
        }
        let d0 = i8x16.splat(0), d1 = d0;
        for (; k < kw; k++) {
          const w0 = v128.load(pw);
          d0 = i8x16.add(d0, i8x16.popcnt(vx(a0, k, w0)));
          d1 = i8x16.add(d1, i8x16.popcnt(vx(a1, k, w0)));
          pw += 32;
        }
        const q0 = widen_add(i32x4.shl(e0, 3), small_sum(o0, t0, f0, d0));
        const q1 = widen_add(i32x4.shl(e1, 3), small_sum(o1, t1, f1, d1));
        if (s == 0) {
          p00 = q0;
          p10 = q1;
        } else {
          p01 = q0;
          p11 = q1;
        }
      }
      b1_store_row(p00, p01, bs0, wb, c0, nb, n, mode, vzp, vlo, vhi);
      if (two) b1_store_row(p10, p11, bs1, wb, c1, nb, n, mode, vzp, vlo, vhi);
    }
    if (mode == 1) {
      b1_zero_row_tail(c0, n);
      if (two) b1_zero_row_tail(c1, n);
    }
  }
}

/** One pixel, one lane set (4 channels): popcount sums over kw words (the 1x4 pass). */
// @ts-ignore: decorator
@inline
function hs_1x4(a0: usize, pw: usize, kw: i32): v128 {
  const kg = kw & ~7;
  let o = i32x4.splat(0), t = o, f = o, e = o;
  let k = 0;
  while (k < kg) {
    const kend = min<i32>(kg, k + GROUPS * 8);
    let b = i8x16.splat(0);
    for (; k < kend; k += 8) {
      let x: v128, y: v128, h: v128, g: v128;
      x = vx(a0, k, v128.load(pw)); y = vx(a0, k + 1, v128.load(pw, 32)); h = csa_hi(o, x, y); o = csa_lo(o, x, y);
      x = vx(a0, k + 2, v128.load(pw, 64)); y = vx(a0, k + 3, v128.load(pw, 96)); g = csa_hi(o, x, y); o = csa_lo(o, x, y);
      const fa = csa_hi(t, h, g); t = csa_lo(t, h, g);
      x = vx(a0, k + 4, v128.load(pw, 128)); y = vx(a0, k + 5, v128.load(pw, 160)); h = csa_hi(o, x, y); o = csa_lo(o, x, y);
      x = vx(a0, k + 6, v128.load(pw, 192)); y = vx(a0, k + 7, v128.load(pw, 224)); g = csa_hi(o, x, y); o = csa_lo(o, x, y);
      const fb = csa_hi(t, h, g); t = csa_lo(t, h, g);
      b = i8x16.add(b, i8x16.popcnt(csa_hi(f, fa, fb))); f = csa_lo(f, fa, fb);
      pw += 256;
    }
    e = widen_add(e, b);
  }
  let d = i8x16.splat(0);
  for (; k < kw; k++) {
    d = i8x16.add(d, i8x16.popcnt(vx(a0, k, v128.load(pw))));
    pw += 32;
  }
  return widen_add(i32x4.shl(e, 3), small_sum(o, t, f, d));
}

export function b1_rows_4x8hs1__wasmsimd(
  rows: i32, a: usize, a_stride: i32, kw: i32, w: usize, n: i32, c: usize, c_stride: i32, params: usize,
  base0: usize, base1: usize, base2: usize, base3: usize,
): void {
  const mode = load<i32>(params, B1_GEMM_MODE);
  const zp = load<i32>(params, B1_GEMM_ZP_OUT);
  const vzp = i32x4.splat(zp);
  const vlo = f32x4.splat(mode == 2 ? load<f32>(params, B1_GEMM_FMIN) : <f32>(load<i32>(params, B1_GEMM_QMIN) - zp));
  const vhi = f32x4.splat(mode == 2 ? load<f32>(params, B1_GEMM_FMAX) : <f32>(load<i32>(params, B1_GEMM_QMAX) - zp));
  const bb = b1_block_bytes(kw);
  const blocks = (n + 7) >> 3;
  for (let r = 0; r < rows; r++) {
    const a0 = a + <usize>r * <usize>a_stride;
    const c0 = c + <usize>r * <usize>c_stride;
    const bs = r == 0 ? base0 : r == 1 ? base1 : r == 2 ? base2 : base3;
    for (let nb = 0; nb < blocks; nb++) {
      const wb = w + <usize>nb * bb;
      const s0 = hs_1x4(a0, wb + 64, kw);
      const s1 = hs_1x4(a0, wb + 80, kw);
      b1_store_row(s0, s1, bs, wb, c0, nb, n, mode, vzp, vlo, vhi);
    }
    if (mode == 1) b1_zero_row_tail(c0, n);
  }
}

export function b1_conv_4x8hs1__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  b1_conv_driver(input, w, output, scratch, params, b1_rows_4x8hs1__wasmsimd);
}

export function b1_gemm_4x8hs__wasmsimd(
  m: i32, n: i32, kw: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  b1_gemm_driver(m, n, kw, a, a_stride, w, c, c_stride, params, b1_rows_4x8hs__wasmsimd);
}

export function b1_conv_4x8hs__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  b1_conv_driver(input, w, output, scratch, params, b1_rows_4x8hs__wasmsimd);
}

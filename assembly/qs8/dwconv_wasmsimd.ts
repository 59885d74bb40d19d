// int8 depthwise convolution, NHWC: WASM SIMD128 kernels. Signature, params and packed
// layout: see dwconv.ts (the scalar twins read the same bytes and give the same int8).
//
// 16 channels per step. Two taps a, b are handled together: v128.load8x8_s widens 8
// channels of each to i16, i16x8 unpack interleaves them into (x_a[c], x_b[c]) pairs and
// i32x4.dot_i16x8_s against the packer's (w_a[c], w_b[c]) pairs adds both products into
// channel c's i32 lane. An odd last tap is paired with itself against (w[c], 0).
// Padded taps read the host's `zero` row (zp_in bytes; zp_in is folded into the bias).
// Tap pointers come from dw_indirection at border pixels only: inside the image they are
// the row's first interior pixel's, plus a byte offset.
// A channel tail (C % 16) computes 16 lanes, reading at most 15 bytes past a pixel,
// and stores only the live ones.
import { requant_fp32x4, narrow_i32x16_i8 } from '../common/requant_wasmsimd';
import { dw16_group_bytes } from './dwconv';
import { dw_indirection } from './dwconv_indirection';
import {
  QS8_DWCONV_C, QS8_DWCONV_DH, QS8_DWCONV_DW, QS8_DWCONV_H, QS8_DWCONV_KH, QS8_DWCONV_KW, QS8_DWCONV_N,
  QS8_DWCONV_OH, QS8_DWCONV_OW, QS8_DWCONV_PL, QS8_DWCONV_PT, QS8_DWCONV_QMAX, QS8_DWCONV_QMIN, QS8_DWCONV_SH,
  QS8_DWCONV_SW, QS8_DWCONV_W, QS8_DWCONV_ZP_OUT
} from '../common/params';

/** Store the first `n` (1..15) bytes of `v` at `p`. */
// @ts-ignore: decorator
@inline
export function store_i8_partial(p: usize, v: v128, n: i32): void {
  if (n & 8) {
    v128.store64_lane(p, v, 0);
    v = i64x2.shuffle(v, v, 1, 1);
    p += 8;
  }
  if (n & 4) {
    v128.store32_lane(p, v, 0);
    v = i64x2.shr_u(v, 32);
    p += 4;
  }
  if (n & 2) {
    v128.store16_lane(p, v, 0);
    v = i64x2.shr_u(v, 16);
    p += 2;
  }
  if (n & 1) v128.store8_lane(p, v, 0);
}

// @ts-ignore: decorator
@inline
function dw16_simd(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize,
  KH: i32, KW: i32,
): void {
  const N = load<i32>(params, QS8_DWCONV_N), H = load<i32>(params, QS8_DWCONV_H), W = load<i32>(params, QS8_DWCONV_W);
  const C = load<i32>(params, QS8_DWCONV_C), OH = load<i32>(params, QS8_DWCONV_OH), OW = load<i32>(params, QS8_DWCONV_OW);
  const SH = load<i32>(params, QS8_DWCONV_SH), SW = load<i32>(params, QS8_DWCONV_SW);
  const DH = load<i32>(params, QS8_DWCONV_DH), DW = load<i32>(params, QS8_DWCONV_DW);
  const PT = load<i32>(params, QS8_DWCONV_PT), PL = load<i32>(params, QS8_DWCONV_PL);
  const zp = load<i32>(params, QS8_DWCONV_ZP_OUT);
  const vzp = i32x4.splat(zp);
  const vlo = f32x4.splat(<f32>(load<i32>(params, QS8_DWCONV_QMIN) - zp));
  const vhi = f32x4.splat(<f32>(load<i32>(params, QS8_DWCONV_QMAX) - zp));
  const T = KH * KW;
  const te = (T + 1) & ~1;
  const gb = <usize>dw16_group_bytes(T);
  const soff = <usize>(64 + te * 32);
  let out = output;
  for (let n = 0; n < N; n++) {
    const img = input + <usize>(n * H * W * C);
    for (let oy = 0; oy < OH; oy++) {
      const iy0 = oy * SH - PT;
      const rowInside = iy0 >= 0 && iy0 + (KH - 1) * DH < H;
      // Interior pixels (every tap inside the image) reuse the tap pointers of the first
      // interior pixel of the row, shifted by `delta`; only border pixels rebuild them.
      let base = -1;
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * SW - PL;
        let delta: usize = 0;
        if (rowInside && ix0 >= 0 && ix0 + (KW - 1) * DW < W) {
          if (base < 0) {
            dw_indirection(img, zero, scratch, H, W, C, KH, KW, DH, DW, iy0, ix0, 1);
            base = ox;
          }
          delta = <usize>((ox - base) * SW * C);
        } else {
          dw_indirection(img, zero, scratch, H, W, C, KH, KW, DH, DW, iy0, ix0, 1);
          base = -1;
        }
        let wg = packed;
        for (let c = 0; c < C; c += 16) {
          const cd = <usize>c + delta;
          let a0 = v128.load(wg, 0);
          let a1 = v128.load(wg, 16);
          let a2 = v128.load(wg, 32);
          let a3 = v128.load(wg, 48);
          let wp = wg + 64;
          let ip = scratch;
          for (let k = 1; k < T; k += 2) {
            const pa = load<usize>(ip, 0) + cd;
            const pb = load<usize>(ip, 4) + cd;
            ip += 8;
            const xa = v128.load8x8_s(pa);
            const xb = v128.load8x8_s(pb);
            a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.shuffle(xa, xb, 0, 8, 1, 9, 2, 10, 3, 11), v128.load(wp, 0)));
            a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.shuffle(xa, xb, 4, 12, 5, 13, 6, 14, 7, 15), v128.load(wp, 16)));
            const ya = v128.load8x8_s(pa, 8);
            const yb = v128.load8x8_s(pb, 8);
            a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.shuffle(ya, yb, 0, 8, 1, 9, 2, 10, 3, 11), v128.load(wp, 32)));
            a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.shuffle(ya, yb, 4, 12, 5, 13, 6, 14, 7, 15), v128.load(wp, 48)));
            wp += 64;
          }
          if (T & 1) {
            const pa = load<usize>(ip, 0) + cd;
            const xa = v128.load8x8_s(pa);
            a0 = i32x4.add(a0, i32x4.dot_i16x8_s(i16x8.shuffle(xa, xa, 0, 0, 1, 1, 2, 2, 3, 3), v128.load(wp, 0)));
            a1 = i32x4.add(a1, i32x4.dot_i16x8_s(i16x8.shuffle(xa, xa, 4, 4, 5, 5, 6, 6, 7, 7), v128.load(wp, 16)));
            const ya = v128.load8x8_s(pa, 8);
            a2 = i32x4.add(a2, i32x4.dot_i16x8_s(i16x8.shuffle(ya, ya, 0, 0, 1, 1, 2, 2, 3, 3), v128.load(wp, 32)));
            a3 = i32x4.add(a3, i32x4.dot_i16x8_s(i16x8.shuffle(ya, ya, 4, 4, 5, 5, 6, 6, 7, 7), v128.load(wp, 48)));
          }
          const sp = wg + soff;
          const y = narrow_i32x16_i8(
            requant_fp32x4(a0, v128.load(sp, 0), vzp, vlo, vhi),
            requant_fp32x4(a1, v128.load(sp, 16), vzp, vlo, vhi),
            requant_fp32x4(a2, v128.load(sp, 32), vzp, vlo, vhi),
            requant_fp32x4(a3, v128.load(sp, 48), vzp, vlo, vhi),
          );
          const rem = C - c;
          if (rem >= 16) v128.store(out + <usize>c, y);
          else store_i8_partial(out + <usize>c, y, rem);
          wg += gb;
        }
        out += <usize>C;
      }
    }
  }
}

/** 5x5 depthwise, any stride, dilation and padding. */
export function qs8_dwconv_5x5_16c__wasmsimd(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize,
): void {
  dw16_simd(input, packed, output, zero, scratch, params, 5, 5);
}

/** Any KH x KW, stride, dilation and padding. */
export function qs8_dwconv_generic_16c__wasmsimd(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize,
): void {
  dw16_simd(input, packed, output, zero, scratch, params, load<i32>(params, QS8_DWCONV_KH), load<i32>(params, QS8_DWCONV_KW));
}

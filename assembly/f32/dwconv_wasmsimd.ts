// f32 depthwise convolution, NHWC, WASM SIMD128: 8 channels (two f32x4) per step,
// tap pointers from dw_indirection, f32x4.mul then f32x4.add. Tails: C % 8 of 1..4
// channels use one vector, 5..7 two; loads read at most 12 bytes past a pixel.
// Signature, params and packed layout: dwconv.ts.
import { clamp_f32x4 } from '../common/clamp_wasmsimd';
import { dw_indirection } from '../qs8/dwconv_indirection';
import {
  F32_DWCONV_C, F32_DWCONV_DH, F32_DWCONV_DW, F32_DWCONV_FMAX, F32_DWCONV_FMIN, F32_DWCONV_H, F32_DWCONV_KH,
  F32_DWCONV_KW, F32_DWCONV_N, F32_DWCONV_OH, F32_DWCONV_OW, F32_DWCONV_PL, F32_DWCONV_PT, F32_DWCONV_SH,
  F32_DWCONV_SW, F32_DWCONV_W
} from '../common/params';

// @ts-ignore: decorator
@inline
function store_f32_partial(p: usize, v: v128, n: i32): void {
  if (n & 4) {
    v128.store(p, v);
    return;
  }
  if (n & 2) {
    v128.store64_lane(p, v, 0);
    v = i64x2.shuffle(v, v, 1, 1);
    p += 8;
  }
  if (n & 1) v128.store32_lane(p, v, 0);
}

// @ts-ignore: decorator
@inline
function dw8_simd(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize, KH: i32, KW: i32,
): void {
  const N = load<i32>(params, F32_DWCONV_N), H = load<i32>(params, F32_DWCONV_H), W = load<i32>(params, F32_DWCONV_W);
  const C = load<i32>(params, F32_DWCONV_C), OH = load<i32>(params, F32_DWCONV_OH), OW = load<i32>(params, F32_DWCONV_OW);
  const SH = load<i32>(params, F32_DWCONV_SH), SW = load<i32>(params, F32_DWCONV_SW);
  const DH = load<i32>(params, F32_DWCONV_DH), DW = load<i32>(params, F32_DWCONV_DW);
  const PT = load<i32>(params, F32_DWCONV_PT), PL = load<i32>(params, F32_DWCONV_PL);
  const lo = v128.load32_splat(params, F32_DWCONV_FMIN), hi = v128.load32_splat(params, F32_DWCONV_FMAX);
  const T = KH * KW;
  const gb = <usize>(32 + 32 * T);
  const C8 = C & ~7;
  let out = output;
  for (let n = 0; n < N; n++) {
    const img = input + <usize>(n * H * W * C) * 4;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        dw_indirection(img, zero, scratch, H, W, C, KH, KW, DH, DW, oy * SH - PT, ox * SW - PL, 4);
        let wg = packed;
        let c = 0;
        for (; c < C8; c += 8) {
          const co = <usize>c << 2;
          let v0 = v128.load(wg, 0);
          let v1 = v128.load(wg, 16);
          let wp = wg + 32;
          for (let k = 0; k < T; k++) {
            const x = load<usize>(scratch + (<usize>k << 2)) + co;
            v0 = f32x4.add(v0, f32x4.mul(v128.load(x, 0), v128.load(wp, 0)));
            v1 = f32x4.add(v1, f32x4.mul(v128.load(x, 16), v128.load(wp, 16)));
            wp += 32;
          }
          v128.store(out + co, clamp_f32x4(v0, lo, hi));
          v128.store(out + co, clamp_f32x4(v1, lo, hi), 16);
          wg += gb;
        }
        const rem = C - c;
        if (rem > 0) {
          const co = <usize>c << 2;
          let v0 = v128.load(wg, 0);
          let wp = wg + 32;
          if (rem > 4) {
            let v1 = v128.load(wg, 16);
            for (let k = 0; k < T; k++) {
              const x = load<usize>(scratch + (<usize>k << 2)) + co;
              v0 = f32x4.add(v0, f32x4.mul(v128.load(x, 0), v128.load(wp, 0)));
              v1 = f32x4.add(v1, f32x4.mul(v128.load(x, 16), v128.load(wp, 16)));
              wp += 32;
            }
            v128.store(out + co, clamp_f32x4(v0, lo, hi));
            store_f32_partial(out + co + 16, clamp_f32x4(v1, lo, hi), rem - 4);
          } else {
            for (let k = 0; k < T; k++) {
              const x = load<usize>(scratch + (<usize>k << 2)) + co;
              v0 = f32x4.add(v0, f32x4.mul(v128.load(x, 0), v128.load(wp, 0)));
              wp += 32;
            }
            store_f32_partial(out + co, clamp_f32x4(v0, lo, hi), rem);
          }
        }
        out += <usize>C << 2;
      }
    }
  }
}

/** 3x3 depthwise, any stride, dilation and padding. */
export function f32_dwconv_3x3_8c__wasmsimd(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize,
): void {
  dw8_simd(input, packed, output, zero, scratch, params, 3, 3);
}

/** Any KH x KW, stride, dilation and padding. */
export function f32_dwconv_generic_8c__wasmsimd(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize,
): void {
  dw8_simd(input, packed, output, zero, scratch, params, load<i32>(params, F32_DWCONV_KH), load<i32>(params, F32_DWCONV_KW));
}

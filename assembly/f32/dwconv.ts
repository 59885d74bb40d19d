// f32 depthwise convolution, NHWC, channel multiplier 1 (ONNX Conv with group = C),
// fused bias and clamp: packer and scalar kernels.
//
// Kernel signature (every f32 dwconv kernel): (input, packed, output, zero, scratch, params)
//   input    f32 [N][H][W][C];  output f32 [N][OH][OW][C]
//   zero     C floats (rounded up to 4) of 0.0: what a padded tap reads
//   scratch  4 * ((KH*KW + 1) & ~1) bytes: tap pointers (see qs8/dwconv_indirection.ts)
//   params   F32_DWCONV (src/runtime/param-blocks.ts; offsets: common/params.ts): the geometry, fmin, fmax
// Packed weights (f32_dwconv_pack_8c), per group of 8 channels (last one zero-padded),
// 32 + 32*T bytes: f32 bias[8], then for each tap k = ky*KW + kx: f32 w[k][c0..c0+7].
// Both twins compute bias, + x*w for k = 0, 1, ... (mul then add), then clamp: same bits.
import { dw_indirection } from '../qs8/dwconv_indirection';
import { clamp_f32 } from '../common/clamp';
import {
  F32_DWCONV_C, F32_DWCONV_DH, F32_DWCONV_DW, F32_DWCONV_FMAX, F32_DWCONV_FMIN, F32_DWCONV_H, F32_DWCONV_KH,
  F32_DWCONV_KW, F32_DWCONV_N, F32_DWCONV_OH, F32_DWCONV_OW, F32_DWCONV_PL, F32_DWCONV_PT, F32_DWCONV_SH,
  F32_DWCONV_SW, F32_DWCONV_W
} from '../common/params';

/** Pack w[KH*KW][C] (f32) and bias[C] (f32, 0 = none). */
export function f32_dwconv_pack_8c(taps: i32, channels: i32, w: usize, bias: usize, out: usize): void {
  const groups = (channels + 7) >> 3;
  let p = out;
  for (let g = 0; g < groups; g++) {
    for (let l = 0; l < 8; l++) {
      const c = g * 8 + l;
      store<f32>(p + (<usize>l << 2), c < channels && bias != 0 ? load<f32>(bias + (<usize>c << 2)) : 0);
    }
    p += 32;
    for (let k = 0; k < taps; k++) {
      for (let l = 0; l < 8; l++) {
        const c = g * 8 + l;
        store<f32>(p + (<usize>l << 2), c < channels ? load<f32>(w + (<usize>(k * channels + c) << 2)) : 0);
      }
      p += 32;
    }
  }
}

// @ts-ignore: decorator
@inline
function dw8_scalar(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize, KH: i32, KW: i32,
): void {
  const N = load<i32>(params, F32_DWCONV_N), H = load<i32>(params, F32_DWCONV_H), W = load<i32>(params, F32_DWCONV_W);
  const C = load<i32>(params, F32_DWCONV_C), OH = load<i32>(params, F32_DWCONV_OH), OW = load<i32>(params, F32_DWCONV_OW);
  const SH = load<i32>(params, F32_DWCONV_SH), SW = load<i32>(params, F32_DWCONV_SW);
  const DH = load<i32>(params, F32_DWCONV_DH), DW = load<i32>(params, F32_DWCONV_DW);
  const PT = load<i32>(params, F32_DWCONV_PT), PL = load<i32>(params, F32_DWCONV_PL);
  const lo = load<f32>(params, F32_DWCONV_FMIN), hi = load<f32>(params, F32_DWCONV_FMAX);
  const T = KH * KW;
  const gb = <usize>(32 + 32 * T);
  let out = output;
  for (let n = 0; n < N; n++) {
    const img = input + <usize>(n * H * W * C) * 4;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        dw_indirection(img, zero, scratch, H, W, C, KH, KW, DH, DW, oy * SH - PT, ox * SW - PL, 4);
        for (let c = 0; c < C; c++) {
          const g = packed + <usize>(c >> 3) * gb + (<usize>(c & 7) << 2);
          const co = <usize>c << 2;
          let acc = load<f32>(g);
          let wp = g + 32;
          for (let k = 0; k < T; k++) {
            acc += load<f32>(load<usize>(scratch + (<usize>k << 2)) + co) * load<f32>(wp);
            wp += 32;
          }
          store<f32>(out + co, clamp_f32(acc, lo, hi));
        }
        out += <usize>C << 2;
      }
    }
  }
}

/** Scalar twin of f32_dwconv_3x3_8c__wasmsimd. */
export function f32_dwconv_3x3_8c__scalar(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize,
): void {
  dw8_scalar(input, packed, output, zero, scratch, params, 3, 3);
}

/** Any KH x KW, stride, dilation, padding. */
export function f32_dwconv_generic_8c__scalar(
  input: usize, packed: usize, output: usize, zero: usize, scratch: usize, params: usize,
): void {
  dw8_scalar(input, packed, output, zero, scratch, params, load<i32>(params, F32_DWCONV_KH), load<i32>(params, F32_DWCONV_KW));
}

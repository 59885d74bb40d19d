// Direct int8 conv2d NHWC for few input channels (C_in <= 4: a network's first layer),
// any kernel size, stride, dilation and asymmetric padding, groups = 1: the packer, the
// input "pair image" builder and the scalar twin of qs8_conv_cin4_2x16c2__wasmsimd.
// Compiled into every build (no SIMD here).
//
// Why: the im2col + GEMM conv copies a few bytes per tap and pads K = KH*KW*C_in up to
// 8 (LeNet's 5x5x1: 25 -> 32, with a per-tile reduction); here every output pixel reads
// its window straight from a prepared copy of the image, and activation pairs are
// broadcast against the weights of 16 output channels ("c2": K in pairs).
//
// K order: kernel row kh holds the KW*C_in bytes (kw, ci) that are contiguous in an input
// row; each row is cut into PR = ceil(KW*C_in / 2) pairs of consecutive elements, the
// second element of an odd row's last pair has weight 0. Pair j of row kh of an output
// pixel is the two int8 values at byte offsets 2j, 2j+1 from the start of the pixel's
// window in row kh.
//
// Pair image (built per image in the scratch buffer): the padded image (zp_in in the
// padding), each row's columns reordered by phase when dilation_w > 1 (columns r, r+dw,
// r+2dw, ... for r = 0..dw-1, so the taps of one window are consecutive), every byte
// position e of a row turned into the i32 (i16 x[e] | i16 x[e+1] << 16), both sign-extended.
// One load of 4 bytes then gives the activation pair of any window, odd offsets included.
//   Wp = pad_left + W + pad_right, rowBytes = Wp*C_in, rowPairs = roundup(rowBytes, 8),
//   Hn = (H_out-1)*stride_h + (KH-1)*dilation_h + 1 rows (the ones windows read),
//   scratch = Hn*rowPairs*4 bytes of pairs, then a row buffer of roundup(rowBytes + 1, 16) + 16
//   bytes (+ the usual 16 read-past bytes). qs8_conv_cin4_scratch_bytes(params) says it.
// A window of output (oy, ox) starts at row oy*stride_h, column ix0 = ox*stride_w (padded
// coordinates), position pos = ix0 when dilation_w = 1, else start(ix0 % dw) + ix0 / dw with
// start(r) = r*floor(Wp/dw) + min(r, Wp % dw); its row kh lies dilation_h*kh rows below.
// Pair entries past a window's reach (row ends) may hold anything: they meet zero weights.
//
// Packed weights "16c2" (qs8_conv_cin4_pack_16c2): C_out padded to a multiple of 4
// (padded channels: zero bias, scale and weights), cut into blocks of nw = 16 channels, the
// last one nw = 4, 8, 12 or 16 wide; block b starts at b * (128 + 64*KH*PR) bytes:
//   i32 bias'[nw] | f32 scale[nw] | i16 w[KH][PR][nw][2]     (8*nw + 4*nw*KH*PR bytes)
// with bias'[n] = bias[n] - zp_in * sum_k w[n,k] (padding reads zp_in, which cancels),
// weights in [-127, 127] (-128 is read as -127, as every qs8 packer does).
//
// Kernel signature and params: those of the im2col conv (conv_scalar.ts), so the host
// hands the same 88-byte block to either: (input, w_packed, output, scratch, params);
// block_m (+84) is unused. Requantization: requant_fp32 (round half to even, clamp).

import { requant_fp32 } from '../common/requant';

// @ts-ignore: decorator
@inline
function clamp_w(x: i32): i32 {
  return x < -127 ? -127 : x;
}

/** Pairs per kernel row. */
// @ts-ignore: decorator
@inline
export function cin4_row_pairs(kw: i32, c: i32): i32 {
  return (kw * c + 1) >> 1;
}

/** Bytes of one full packed block of 16 output channels. */
// @ts-ignore: decorator
@inline
export function cin4_block_bytes(kh: i32, kw: i32, c: i32): i32 {
  return 128 + 64 * kh * cin4_row_pairs(kw, c);
}

/**
 * Packs canonical OHWI weights w[N][KH][KW][C] int8, bias i32[N] (0: none) and scale f32[N]
 * into the "16c2" layout at out (see the header for its size).
 */
export function qs8_conv_cin4_pack_16c2(
  w: usize, bias: usize, scale: usize, zp_in: i32, n: i32, kh: i32, kw: i32, c: i32, out: usize,
): void {
  const pr = cin4_row_pairs(kw, c);
  const rowK = kw * c;
  const k = kh * rowK;
  const npad = (n + 3) & ~3;
  const bb = <usize>cin4_block_bytes(kh, kw, c);
  for (let n0 = 0; n0 < npad; n0 += 16) {
    const nw = min<i32>(16, npad - n0);
    const o = out + <usize>(n0 >> 4) * bb;
    for (let j = 0; j < nw; j++) {
      const nn = n0 + j;
      let b: i32 = 0;
      let s: f32 = 0;
      if (nn < n) {
        let sum: i32 = 0;
        const row = w + <usize>nn * <usize>k;
        for (let t = 0; t < k; t++) sum += clamp_w(<i32>load<i8>(row + <usize>t));
        b = (bias != 0 ? load<i32>(bias + <usize>nn * 4) : 0) - zp_in * sum;
        s = load<f32>(scale + <usize>nn * 4);
      }
      store<i32>(o + <usize>j * 4, b);
      store<f32>(o + <usize>(nw + j) * 4, s);
    }
    let dst = o + <usize>nw * 8;
    for (let r = 0; r < kh; r++) {
      for (let p = 0; p < pr; p++) {
        for (let j = 0; j < nw; j++) {
          const nn = n0 + j;
          for (let h = 0; h < 2; h++) {
            const e = 2 * p + h;
            const v = nn < n && e < rowK ? clamp_w(<i32>load<i8>(w + <usize>nn * <usize>k + <usize>(r * rowK + e))) : 0;
            store<i16>(dst, <i16>v);
            dst += 2;
          }
        }
      }
    }
  }
}

/** Padded width, bytes and pair-row stride (i32 entries) of the pair image. */
// @ts-ignore: decorator
@inline
export function padded_w(params: usize): i32 {
  return load<i32>(params, 72) + load<i32>(params, 24) + load<i32>(params, 80);
}

// @ts-ignore: decorator
@inline
export function pair_rows(params: usize): i32 {
  return (load<i32>(params, 32) - 1) * load<i32>(params, 52) + (load<i32>(params, 44) - 1) * load<i32>(params, 60) + 1;
}

// @ts-ignore: decorator
@inline
export function cin4_row_stride(params: usize): i32 {
  return (padded_w(params) * load<i32>(params, 28) + 7) & ~7;
}

/** Scratch bytes the cin4 kernels need for these params (without the 16 read-past bytes). */
export function qs8_conv_cin4_scratch_bytes(params: usize): i32 {
  const rowBytes = padded_w(params) * load<i32>(params, 28);
  return pair_rows(params) * cin4_row_stride(params) * 4 + ((rowBytes + 1 + 15) & ~15) + 16;
}

/** Byte position of padded column ix in a reordered row (phases of dilation_w), in pixels. */
// @ts-ignore: decorator
@inline
export function cin4_position(ix: i32, wp: i32, dw: i32): i32 {
  if (dw == 1) return ix;
  const r = ix % dw;
  return r * (wp / dw) + min<i32>(r, wp % dw) + ix / dw;
}

/**
 * Writes padded, phase-reordered row y (padded coordinates) of image inb into rowbuf:
 * rowBytes bytes plus one more zp_in byte (the partner of the last pair).
 */
export function cin4_fill_row(inb: usize, rowbuf: usize, params: usize, y: i32): void {
  const zp = <u8>load<i32>(params, 12);
  const H = load<i32>(params, 20);
  const W = load<i32>(params, 24);
  const C = load<i32>(params, 28);
  const dw = load<i32>(params, 64);
  const pt = load<i32>(params, 68);
  const pl = load<i32>(params, 72);
  const wp = padded_w(params);
  const rowBytes = wp * C;
  const iy = y - pt;
  if (<u32>iy >= <u32>H) {
    memory.fill(rowbuf, zp, <usize>(rowBytes + 1));
    return;
  }
  const src = inb + <usize>iy * <usize>(W * C);
  if (dw == 1) {
    memory.fill(rowbuf, zp, <usize>(pl * C));
    memory.copy(rowbuf + <usize>(pl * C), src, <usize>(W * C));
    memory.fill(rowbuf + <usize>((pl + W) * C), zp, <usize>(rowBytes - (pl + W) * C + 1));
    return;
  }
  memory.fill(rowbuf, zp, <usize>(rowBytes + 1));
  for (let x = 0; x < W; x++) {
    const at = rowbuf + <usize>(cin4_position(x + pl, wp, dw) * C);
    for (let ci = 0; ci < C; ci++) store<u8>(at + <usize>ci, load<u8>(src + <usize>(x * C + ci)));
  }
}

/** Scalar pair image of one image (see the header). */
function build_pairs__scalar(inb: usize, scratch: usize, params: usize): void {
  const rows = pair_rows(params);
  const stride = <usize>cin4_row_stride(params) << 2;
  const rowBytes = padded_w(params) * load<i32>(params, 28);
  const rowbuf = scratch + <usize>rows * stride;
  for (let y = 0; y < rows; y++) {
    cin4_fill_row(inb, rowbuf, params, y);
    const dst = scratch + <usize>y * stride;
    for (let e = 0; e < rowBytes; e++) {
      const lo = <u32>(<i32>load<i8>(rowbuf + <usize>e)) & 0xffff;
      const hi = <u32>(<i32>load<i8>(rowbuf + <usize>e + 1)) << 16;
      store<u32>(dst + (<usize>e << 2), lo | hi);
    }
  }
}

/** Scalar twin of qs8_conv_cin4_2x16c2__wasmsimd: same signature, same packed "16c2" layout. */
export function qs8_conv_cin4_2x16c2__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  const zp = load<i32>(params);
  const lo = <f32>(load<i32>(params, 4) - zp);
  const hi = <f32>(load<i32>(params, 8) - zp);
  const batch = load<i32>(params, 16);
  const H = load<i32>(params, 20);
  const W = load<i32>(params, 24);
  const C = load<i32>(params, 28);
  const OH = load<i32>(params, 32);
  const OW = load<i32>(params, 36);
  const N = load<i32>(params, 40);
  const KH = load<i32>(params, 44);
  const KW = load<i32>(params, 48);
  const sh = load<i32>(params, 52);
  const sw = load<i32>(params, 56);
  const dh = load<i32>(params, 60);
  const dw = load<i32>(params, 64);
  const wp = padded_w(params);
  const pr = cin4_row_pairs(KW, C);
  const bb = <usize>cin4_block_bytes(KH, KW, C);
  const npad = (N + 3) & ~3;
  const stride = <usize>cin4_row_stride(params) << 2;
  const rowStep = <usize>dh * stride;
  for (let b = 0; b < batch; b++) {
    build_pairs__scalar(input + <usize>b * <usize>(H * W * C), scratch, params);
    let out = output + <usize>b * <usize>(OH * OW * N);
    for (let oy = 0; oy < OH; oy++) {
      const rowBase = scratch + <usize>(oy * sh) * stride;
      for (let ox = 0; ox < OW; ox++) {
        const base = rowBase + (<usize>(cin4_position(ox * sw, wp, dw) * C) << 2);
        // Four channels at a time: quarter q of the block that holds channel n0.
        for (let n0 = 0; n0 < npad; n0 += 4) {
          const nw = min<i32>(16, npad - (n0 & ~15));
          const q = n0 & 15;
          const wb = w + <usize>(n0 >> 4) * bb;
          const pstep = <usize>nw * 4;
          let acc0 = load<i32>(wb + <usize>q * 4);
          let acc1 = load<i32>(wb + <usize>q * 4, 4);
          let acc2 = load<i32>(wb + <usize>q * 4, 8);
          let acc3 = load<i32>(wb + <usize>q * 4, 12);
          let pw = wb + <usize>nw * 8 + <usize>q * 4;
          for (let r = 0; r < KH; r++) {
            const pa = base + <usize>r * rowStep;
            for (let p = 0; p < pr; p++) {
              const a = load<i32>(pa + (<usize>p << 3));
              const a0 = (a << 16) >> 16;
              const a1 = a >> 16;
              acc0 += a0 * <i32>load<i16>(pw) + a1 * <i32>load<i16>(pw, 2);
              acc1 += a0 * <i32>load<i16>(pw, 4) + a1 * <i32>load<i16>(pw, 6);
              acc2 += a0 * <i32>load<i16>(pw, 8) + a1 * <i32>load<i16>(pw, 10);
              acc3 += a0 * <i32>load<i16>(pw, 12) + a1 * <i32>load<i16>(pw, 14);
              pw += pstep;
            }
          }
          const ps = wb + <usize>(nw + q) * 4;
          const nr = min<i32>(4, N - n0);
          const o = out + <usize>n0;
          store<i8>(o, <i8>requant_fp32(acc0, load<f32>(ps), zp, lo, hi));
          if (nr > 1) store<i8>(o, <i8>requant_fp32(acc1, load<f32>(ps, 4), zp, lo, hi), 1);
          if (nr > 2) store<i8>(o, <i8>requant_fp32(acc2, load<f32>(ps, 8), zp, lo, hi), 2);
          if (nr > 3) store<i8>(o, <i8>requant_fp32(acc3, load<f32>(ps, 12), zp, lo, hi), 3);
        }
        out += <usize>N;
      }
    }
  }
}

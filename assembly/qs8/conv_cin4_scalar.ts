// Direct int8 conv2d NHWC, any C_in (named "cin4" for the few-input-channel first layers it
// was written for), any kernel size, stride, dilation and asymmetric padding, groups = 1:
// the packer, the input "pair image" builder and the scalar twin of
// qs8_conv_cin4_2x16c2__wasmsimd. Compiled into every build (no SIMD here). The host picks it
// for C_in <= 4, and in the SIMD builds for K = KH*KW*C_in <= 256 (prefersDirect in
// src/runtime/ops/qs8-conv-cin4.ts).
//
// Why: the im2col + GEMM conv copies a few bytes per tap and pads K = KH*KW*C_in up to
// 8 (LeNet's 5x5x1: 25 -> 32, with a per-tile reduction); here every output pixel reads
// its window straight from a prepared copy of the image, and activation pairs are
// broadcast against the weights of 16 output channels ("c2": K in pairs), with no
// reduction across lanes: what a short K needs (the pair image is 4 bytes per input byte).
//
// K order, in "pair slots" of two int8 values each (PT slots; KWC = KW*C_in, the bytes
// (kw, ci) of one kernel row, contiguous in an input row; PH = floor(KWC / 2)):
//   horizontal  slot r*PH + j (r < KH, j < PH): elements 2j, 2j+1 of kernel row r
//   vertical    when KWC is odd, slot KH*PH + v (v < floor(KH/2)): the last element
//               (KWC-1) of rows 2v and 2v+1
//   last        when KWC and KH are odd: the last element of row KH-1 and a zero weight
//   PT = KH*PH + (KWC odd ? ceil(KH/2) : 0)      (LeNet's 5x5x1: 13 slots for K = 25)
//
// Scratch (built per image): the pair image, every byte position e of a row of the padded
// image as the i32 (i16 x[e] | i16 x[e+1] << 16), both sign-extended, so that one 4-byte
// load gives the activations of any horizontal slot, odd offsets included; rows are the
// padded image's (zp_in in the padding), columns reordered by phase when dilation_w > 1
// (columns r, r+dw, r+2dw, ... for r = 0..dw-1, so the taps of one window are consecutive).
// When KWC is odd and KH > 1, the vertical pair image follows it: entry (y, e) is
// (i16 x[y][e] | i16 x[y + dilation_h][e] << 16). Then a row buffer and the table of each
// slot's byte offset from a window's start (its entry in one of the two images).
//   Wp = pad_left + W + pad_right, rowBytes = Wp*C_in, stride = roundup(rowBytes, 8) entries,
//   Hn = (H_out-1)*stride_h + (KH-1)*dilation_h + 1 rows (the ones windows read),
//   scratch = Hn*stride*4 (pairs) [+ Hn*stride*4 (vertical pairs)]
//             + roundup(rowBytes + 1, 16) + 16 (row buffer) + roundup(PT*4, 16) (offsets)
//   bytes (+ the usual 16 read-past bytes). qs8_conv_cin4_scratch_bytes(params) says it.
// A window of output (oy, ox) starts at row oy*stride_h, column ix0 = ox*stride_w (padded
// coordinates), position pos = ix0 when dilation_w = 1, else start(ix0 % dw) + ix0 / dw with
// start(r) = r*floor(Wp/dw) + min(r, Wp % dw); its row kh lies dilation_h*kh rows below.
// Pair entries past a window's reach (row ends) may hold anything: they meet zero weights.
//
// Packed weights "16c2" (qs8_conv_cin4_pack_16c2): C_out padded to a multiple of 4
// (padded channels: zero bias, scale and weights), cut into blocks of nw = 16 channels, the
// last one nw = 4, 8, 12 or 16 wide; block b starts at b * (128 + 32*PT) bytes:
//   i32 bias'[nw] | f32 scale[nw] | i8 w[PT][nw][2]     (8*nw + 2*nw*PT bytes)
// (weights int8 as in the file; the SIMD kernel widens 4 channels' pairs per v128.load8x8_s)
// with bias'[n] = bias[n] - zp_in * sum_k w[n,k] (padding reads zp_in, which cancels),
// weights in [-127, 127] (-128 is read as -127, as every qs8 packer does).
//
// Kernel signature: the im2col conv's (conv_scalar.ts), (input, w_packed, output, scratch,
// params). Params: QS8_CONV_CIN4 (src/runtime/param-blocks.ts; offsets: common/params.ts), the im2col conv's
// block with `pool` where that one has block_m: 0, or 2 for a fused 2x2 stride-2 max pool
// (floor mode, no padding): the output is then the pooled [H_out/2][W_out/2][C_out] tensor
// (the conv's own output is never written; an odd last row or column is dropped, as the
// pool drops it), and the scratch ends with a row buffer of floor(W_out/2) * C_out_pad
// bytes (C_out_pad = C_out rounded up to 4) for the horizontal maxima of even rows.
// Requantization: requant_fp32 (round half to even, clamp); max after requantization
// (int8 max equals the pool's on the conv's int8 output, whatever the scales' signs).
//
// Binary weights x int8 activations (qs8_b1w_conv_cin4_2x16c2__*, docs/b1.md): the same
// kernels on the same pair images, with the weights +-1 as int8 and the binary output
// transform (b1/output.ts b1_out_i8: f32(f32(acc) * mul) + add, rounded, clamped). Packed
// by qs8_b1w_conv_cin4_pack_16c2 from the bits (1 = -1): the same "16c2" blocks with a
// 12-byte channel header, block b at b * (192 + 32*PT):
//   i32 bias'[nw] | f32 mul[nw] | f32 add[nw] | i8 w[PT][nw][2]   bias'[n] = -zp_in * sum_k s[n,k]

import { clamp_w, folded_bias } from '../common/clamp';
import { requant_fp32 } from '../common/requant';
import { b1_out_i8 } from '../b1/output';
import {
  QS8_CONV_CIN4_C, QS8_CONV_CIN4_C_OUT, QS8_CONV_CIN4_DH, QS8_CONV_CIN4_DW, QS8_CONV_CIN4_H, QS8_CONV_CIN4_KH,
  QS8_CONV_CIN4_KW, QS8_CONV_CIN4_N, QS8_CONV_CIN4_OH, QS8_CONV_CIN4_OW, QS8_CONV_CIN4_PL, QS8_CONV_CIN4_POOL,
  QS8_CONV_CIN4_PR, QS8_CONV_CIN4_PT, QS8_CONV_CIN4_QMAX, QS8_CONV_CIN4_QMIN, QS8_CONV_CIN4_SH,
  QS8_CONV_CIN4_SW, QS8_CONV_CIN4_W, QS8_CONV_CIN4_ZP_IN, QS8_CONV_CIN4_ZP_OUT
} from '../common/params';

/** Pair slots of a kernel (see the header). */
// @ts-ignore: decorator
@inline
export function cin4_slots(kh: i32, kw: i32, c: i32): i32 {
  const kwc = kw * c;
  return kh * (kwc >> 1) + ((kwc & 1) != 0 ? (kh + 1) >> 1 : 0);
}

/** Header bytes per output channel of a packed block: bias' and scale, or (binary weights) bias', mul and add. */
// @ts-ignore: decorator
@inline
export function cin4_header(b1w: bool): i32 {
  return b1w ? 12 : 8;
}

/** Bytes of one full packed block of 16 output channels. */
// @ts-ignore: decorator
@inline
export function cin4_block_bytes(kh: i32, kw: i32, c: i32, b1w: bool = false): i32 {
  return 16 * cin4_header(b1w) + 32 * cin4_slots(kh, kw, c);
}

/** Offset in an OHWI channel row (K = kh*kwc) of slot t's half h (0 or 1); -1 for the last slot's zero half. */
// @ts-ignore: decorator
@inline
function slot_offset(t: i32, h: i32, kh: i32, kwc: i32): i32 {
  const ph = kwc >> 1;
  if (t < kh * ph) {
    const r = t / ph;
    return r * kwc + 2 * (t - r * ph) + h;
  }
  const r = 2 * (t - kh * ph) + h;
  return r >= kh ? -1 : r * kwc + kwc - 1;
}

/** Weight (channel nn, offset o of its K = kh*kw*c row): int8 (-128 read as -127), or the sign of a bit (1 = -1) of canonical bits [N][KH*KW][ceil(c/32)]. */
// @ts-ignore: decorator
@inline
export function weight_at(w: usize, nn: i32, o: i32, k: i32, c: i32, b1w: bool): i32 {
  if (!b1w) return clamp_w(<i32>load<i8>(w + <usize>nn * <usize>k + <usize>o));
  const cw = (c + 31) >> 5;
  const tap = o / c;
  const ci = o - tap * c;
  const word = load<u32>(w + (<usize>((nn * (k / c) + tap) * cw + (ci >> 5)) << 2));
  return ((word >> <u32>(ci & 31)) & 1) != 0 ? -1 : 1;
}

/**
 * The channel header of a packed block of nw channels from n0 at o (also the Winograd blocks',
 * conv_wino.ts): i32 bias'[nw] | f32 p1[nw] (scale or mul) | (binary weights) f32 add[nw], with
 * bias' = bias - zp_in * sum_k w (int8, -128 read as -127) or -zp_in * sum_k s (binary); channels
 * past n are zero.
 */
export function pack_header(
  w: usize, bias: usize, p1: usize, p2: usize, zp_in: i32, n: i32, n0: i32, nw: i32, k: i32, c: i32, o: usize, b1w: bool,
): void {
  for (let j = 0; j < nw; j++) {
    const nn = n0 + j;
    let b: i32 = 0;
    let s: f32 = 0;
    let a: f32 = 0;
    if (nn < n) {
      if (b1w) {
        let sum = 0;
        for (let kk = 0; kk < k; kk++) sum += weight_at(w, nn, kk, k, c, true);
        b = -zp_in * sum;
        a = load<f32>(p2 + <usize>nn * 4);
      } else {
        b = folded_bias(w, bias, zp_in, nn, k);
      }
      s = load<f32>(p1 + <usize>nn * 4);
    }
    store<i32>(o + <usize>j * 4, b);
    store<f32>(o + <usize>(nw + j) * 4, s);
    if (b1w) store<f32>(o + <usize>(2 * nw + j) * 4, a);
  }
}

/** The "16c2" packer of both weight kinds (see the header); p0 = bias (int8; 0: none) or unused, p1 = scale or mul, p2 = add. */
// @ts-ignore: decorator
@inline
function pack_16c2(
  w: usize, bias: usize, p1: usize, p2: usize, zp_in: i32, n: i32, kh: i32, kw: i32, c: i32, out: usize, b1w: bool,
): void {
  const kwc = kw * c;
  const k = kh * kwc;
  const pt = cin4_slots(kh, kw, c);
  const npad = (n + 3) & ~3;
  const bb = <usize>cin4_block_bytes(kh, kw, c, b1w);
  for (let n0 = 0; n0 < npad; n0 += 16) {
    const nw = min<i32>(16, npad - n0);
    const o = out + <usize>(n0 >> 4) * bb;
    pack_header(w, bias, p1, p2, zp_in, n, n0, nw, k, c, o, b1w);
    let dst = o + <usize>nw * <usize>cin4_header(b1w);
    const live = max<i32>(0, min<i32>(nw, n - n0)); // channels past n stay zero
    for (let t = 0; t < pt; t++) {
      // The slot's two offsets once per slot, not per channel (this runs once, at load, in
      // V8's baseline code: the division per weight was most of a MobileNet's packing time).
      const o0 = slot_offset(t, 0, kh, kwc);
      const o1 = slot_offset(t, 1, kh, kwc);
      for (let j = 0; j < live; j++) {
        store<i8>(dst, <i8>weight_at(w, n0 + j, o0, k, c, b1w));
        store<i8>(dst, <i8>(o1 >= 0 ? weight_at(w, n0 + j, o1, k, c, b1w) : 0), 1);
        dst += 2;
      }
      for (let j = live; j < nw; j++) {
        store<u16>(dst, 0);
        dst += 2;
      }
    }
  }
}

/**
 * Packs canonical OHWI weights w[N][KH][KW][C] int8, bias i32[N] (0: none) and scale f32[N]
 * into the "16c2" layout at out (see the header for its size).
 */
export function qs8_conv_cin4_pack_16c2(
  w: usize, bias: usize, scale: usize, zp_in: i32, n: i32, kh: i32, kw: i32, c: i32, out: usize,
): void {
  pack_16c2(w, bias, scale, 0, zp_in, n, kh, kw, c, out, false);
}

/**
 * Packs canonical binary weights (bits [N][KH][KW][ceil(C/32)] u32, 1 = -1), mul f32[N] and
 * add f32[N] into the binary-weight "16c2" layout at out (see the header).
 */
export function qs8_b1w_conv_cin4_pack_16c2(
  w: usize, mul: usize, add: usize, zp_in: i32, n: i32, kh: i32, kw: i32, c: i32, out: usize,
): void {
  pack_16c2(w, 0, mul, add, zp_in, n, kh, kw, c, out, true);
}

/** Padded width, bytes and pair-row stride (i32 entries) of the pair image. */
// @ts-ignore: decorator
@inline
export function padded_w(params: usize): i32 {
  return load<i32>(params, QS8_CONV_CIN4_PL) + load<i32>(params, QS8_CONV_CIN4_W) + load<i32>(params, QS8_CONV_CIN4_PR);
}

// @ts-ignore: decorator
@inline
export function pair_rows(params: usize): i32 {
  return (load<i32>(params, QS8_CONV_CIN4_OH) - 1) * load<i32>(params, QS8_CONV_CIN4_SH) + (load<i32>(params, QS8_CONV_CIN4_KH) - 1) * load<i32>(params, QS8_CONV_CIN4_DH) + 1;
}

// @ts-ignore: decorator
@inline
export function cin4_row_stride(params: usize): i32 {
  return (padded_w(params) * load<i32>(params, QS8_CONV_CIN4_C) + 7) & ~7;
}

/** True when the kernel has vertical slots (odd KW*C_in and KH > 1): the vertical pair image exists. */
// @ts-ignore: decorator
@inline
export function cin4_vertical(params: usize): bool {
  return ((load<i32>(params, QS8_CONV_CIN4_KW) * load<i32>(params, QS8_CONV_CIN4_C)) & 1) != 0 && load<i32>(params, QS8_CONV_CIN4_KH) > 1;
}

/** Byte offset of the row buffer in the scratch. */
// @ts-ignore: decorator
@inline
export function cin4_rowbuf(params: usize): usize {
  const image = <usize>pair_rows(params) * (<usize>cin4_row_stride(params) << 2);
  return cin4_vertical(params) ? image << 1 : image;
}

/** Byte offset of the slot offset table in the scratch. */
// @ts-ignore: decorator
@inline
export function cin4_table(params: usize): usize {
  const rowBytes = padded_w(params) * load<i32>(params, QS8_CONV_CIN4_C);
  return cin4_rowbuf(params) + <usize>((rowBytes + 1 + 15) & ~15) + 16;
}

/** Byte offset of the fused pool's row buffer in the scratch (after the slot table). */
// @ts-ignore: decorator
@inline
export function cin4_poolbuf(params: usize): usize {
  const pt = cin4_slots(load<i32>(params, QS8_CONV_CIN4_KH), load<i32>(params, QS8_CONV_CIN4_KW), load<i32>(params, QS8_CONV_CIN4_C));
  return cin4_table(params) + <usize>((pt * 4 + 15) & ~15);
}

/** Scratch bytes the cin4 kernels need for these params (without the 16 read-past bytes). */
export function qs8_conv_cin4_scratch_bytes(params: usize): i32 {
  const pooled = load<i32>(params, QS8_CONV_CIN4_POOL) == 2;
  const rowbuf = pooled ? (((load<i32>(params, QS8_CONV_CIN4_OW) >> 1) * ((load<i32>(params, QS8_CONV_CIN4_C_OUT) + 3) & ~3) + 15) & ~15) : 0;
  return <i32>cin4_poolbuf(params) + rowbuf;
}

/** Writes each slot's byte offset from a window's start into the table (see the header). */
export function cin4_build_table(scratch: usize, params: usize): void {
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const KH = load<i32>(params, QS8_CONV_CIN4_KH);
  const kwc = load<i32>(params, QS8_CONV_CIN4_KW) * C;
  const ph = kwc >> 1;
  const rowStep = load<i32>(params, QS8_CONV_CIN4_DH) * (cin4_row_stride(params) << 2);
  const vimage = pair_rows(params) * (cin4_row_stride(params) << 2);
  let tab = scratch + cin4_table(params);
  for (let r = 0; r < KH; r++) {
    for (let j = 0; j < ph; j++) {
      store<u32>(tab, r * rowStep + 8 * j);
      tab += 4;
    }
  }
  if ((kwc & 1) == 0) return;
  const last = 4 * (kwc - 1);
  for (let v = 0; 2 * v + 1 < KH; v++) {
    store<u32>(tab, vimage + 2 * v * rowStep + last);
    tab += 4;
  }
  if ((KH & 1) != 0) store<u32>(tab, (KH - 1) * rowStep + last);
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
  const zp = <u8>load<i32>(params, QS8_CONV_CIN4_ZP_IN);
  const H = load<i32>(params, QS8_CONV_CIN4_H);
  const W = load<i32>(params, QS8_CONV_CIN4_W);
  const C = load<i32>(params, QS8_CONV_CIN4_C);
  const dw = load<i32>(params, QS8_CONV_CIN4_DW);
  const pt = load<i32>(params, QS8_CONV_CIN4_PT);
  const pl = load<i32>(params, QS8_CONV_CIN4_PL);
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

/** Scalar pair image (and vertical pair image) of one image (see the header). */
function build_pairs__scalar(inb: usize, scratch: usize, params: usize): void {
  const rows = pair_rows(params);
  const stride = <usize>cin4_row_stride(params) << 2;
  const rowBytes = padded_w(params) * load<i32>(params, QS8_CONV_CIN4_C);
  const rowbuf = scratch + cin4_rowbuf(params);
  for (let y = 0; y < rows; y++) {
    cin4_fill_row(inb, rowbuf, params, y);
    const dst = scratch + <usize>y * stride;
    for (let e = 0; e < rowBytes; e++) {
      const lo = <u32>(<i32>load<i8>(rowbuf + <usize>e)) & 0xffff;
      const hi = <u32>(<i32>load<i8>(rowbuf + <usize>e + 1)) << 16;
      store<u32>(dst + (<usize>e << 2), lo | hi);
    }
  }
  if (!cin4_vertical(params)) return;
  const down = <usize>load<i32>(params, QS8_CONV_CIN4_DH) * stride;
  const vimage = scratch + <usize>rows * stride;
  for (let y = 0; y + load<i32>(params, QS8_CONV_CIN4_DH) < rows; y++) {
    const src = scratch + <usize>y * stride;
    const dst = vimage + <usize>y * stride;
    for (let e = 0; e < rowBytes; e++) {
      const at = <usize>e << 2;
      store<u32>(dst + at, (load<u32>(src + at) & 0xffff) | (load<u32>(src + down + at) << 16));
    }
  }
}

/** Stores v at o, or the max of v and what is there (a fused pool's later window pixels). */
// @ts-ignore: decorator
@inline
function put(o: usize, v: i32, first: bool): void {
  store<i8>(o, <i8>(first ? v : max<i32>(v, <i32>load<i8>(o))));
}

/** Output of one accumulator: requant_fp32 with scale at p, or (binary weights) b1_out_i8 with mul at p, add at p + a. */
// @ts-ignore: decorator
@inline
export function cin4_out(acc: i32, p: usize, a: usize, zp: i32, lo: f32, hi: f32, b1w: bool): i32 {
  return b1w ? b1_out_i8(acc, load<f32>(p), load<f32>(p + a), zp, lo, hi) : requant_fp32(acc, load<f32>(p), zp, lo, hi);
}

/** Scalar twin of qs8_conv_cin4_2x16c2__wasmsimd: same signature, same packed "16c2" layout. */
export function qs8_conv_cin4_2x16c2__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  cin4_conv__scalar(input, w, output, scratch, params, false);
}

/** Scalar twin of qs8_b1w_conv_cin4_2x16c2__wasmsimd (binary weights, the 12-byte header). */
export function qs8_b1w_conv_cin4_2x16c2__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  cin4_conv__scalar(input, w, output, scratch, params, true);
}

// @ts-ignore: decorator
@inline
function cin4_conv__scalar(input: usize, w: usize, output: usize, scratch: usize, params: usize, b1w: bool): void {
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
  const KH = load<i32>(params, QS8_CONV_CIN4_KH);
  const KW = load<i32>(params, QS8_CONV_CIN4_KW);
  const sh = load<i32>(params, QS8_CONV_CIN4_SH);
  const sw = load<i32>(params, QS8_CONV_CIN4_SW);
  const dw = load<i32>(params, QS8_CONV_CIN4_DW);
  const wp = padded_w(params);
  const pt = cin4_slots(KH, KW, C);
  const bb = <usize>cin4_block_bytes(KH, KW, C, b1w);
  const npad = (N + 3) & ~3;
  const stride = <usize>cin4_row_stride(params) << 2;
  // Fused 2x2/2 max pool: only the conv pixels the pool reads; each store is a max into the
  // pooled pixel (its first, top-left conv pixel stores plainly).
  const pooled = load<i32>(params, QS8_CONV_CIN4_POOL) == 2;
  const PH = OH >> 1, PW = OW >> 1;
  const rows = pooled ? PH * 2 : OH, cols = pooled ? PW * 2 : OW;
  cin4_build_table(scratch, params);
  const tab = scratch + cin4_table(params);
  for (let b = 0; b < batch; b++) {
    build_pairs__scalar(input + <usize>b * <usize>(H * W * C), scratch, params);
    const outb = output + <usize>b * <usize>((pooled ? PH * PW : OH * OW) * N);
    let out = outb;
    for (let oy = 0; oy < rows; oy++) {
      const rowBase = scratch + <usize>(oy * sh) * stride;
      for (let ox = 0; ox < cols; ox++) {
        if (pooled) out = outb + <usize>(((oy >> 1) * PW + (ox >> 1)) * N);
        const first = !pooled || ((oy | ox) & 1) == 0;
        const base = rowBase + (<usize>(cin4_position(ox * sw, wp, dw) * C) << 2);
        // Eight channels at a time (quarters q, q+1 of a block), four in a block's last odd quarter.
        for (let n0 = 0; n0 < npad;) {
          const nw = min<i32>(16, npad - (n0 & ~15));
          const q = n0 & 15;
          const wb = w + <usize>(n0 >> 4) * bb;
          const pstep = <usize>nw * 2;
          const ps = wb + <usize>(nw + q) * 4;
          const pa = <usize>nw * 4; // from a scale (mul) to its add
          const o = out + <usize>n0;
          const nlo = min<i32>(4, N - n0);
          let pw = wb + <usize>nw * <usize>cin4_header(b1w) + <usize>q * 2;
          let acc0 = load<i32>(wb + <usize>q * 4);
          let acc1 = load<i32>(wb + <usize>q * 4, 4);
          let acc2 = load<i32>(wb + <usize>q * 4, 8);
          let acc3 = load<i32>(wb + <usize>q * 4, 12);
          if (q + 8 <= nw) {
            let acc4 = load<i32>(wb + <usize>q * 4, 16);
            let acc5 = load<i32>(wb + <usize>q * 4, 20);
            let acc6 = load<i32>(wb + <usize>q * 4, 24);
            let acc7 = load<i32>(wb + <usize>q * 4, 28);
            for (let t = 0; t < pt; t++) {
              const a = load<i32>(base + <usize>load<u32>(tab + (<usize>t << 2)));
              const a0 = (a << 16) >> 16;
              const a1 = a >> 16;
              acc0 += a0 * <i32>load<i8>(pw) + a1 * <i32>load<i8>(pw, 1);
              acc1 += a0 * <i32>load<i8>(pw, 2) + a1 * <i32>load<i8>(pw, 3);
              acc2 += a0 * <i32>load<i8>(pw, 4) + a1 * <i32>load<i8>(pw, 5);
              acc3 += a0 * <i32>load<i8>(pw, 6) + a1 * <i32>load<i8>(pw, 7);
              acc4 += a0 * <i32>load<i8>(pw, 8) + a1 * <i32>load<i8>(pw, 9);
              acc5 += a0 * <i32>load<i8>(pw, 10) + a1 * <i32>load<i8>(pw, 11);
              acc6 += a0 * <i32>load<i8>(pw, 12) + a1 * <i32>load<i8>(pw, 13);
              acc7 += a0 * <i32>load<i8>(pw, 14) + a1 * <i32>load<i8>(pw, 15);
              pw += pstep;
            }
            const nr = min<i32>(8, N - n0);
            if (nr > 4) put(o + 4, cin4_out(acc4, ps + 16, pa, zp, lo, hi, b1w), first);
            if (nr > 5) put(o + 5, cin4_out(acc5, ps + 20, pa, zp, lo, hi, b1w), first);
            if (nr > 6) put(o + 6, cin4_out(acc6, ps + 24, pa, zp, lo, hi, b1w), first);
            if (nr > 7) put(o + 7, cin4_out(acc7, ps + 28, pa, zp, lo, hi, b1w), first);
            n0 += 8;
          } else {
            for (let t = 0; t < pt; t++) {
              const a = load<i32>(base + <usize>load<u32>(tab + (<usize>t << 2)));
              const a0 = (a << 16) >> 16;
              const a1 = a >> 16;
              acc0 += a0 * <i32>load<i8>(pw) + a1 * <i32>load<i8>(pw, 1);
              acc1 += a0 * <i32>load<i8>(pw, 2) + a1 * <i32>load<i8>(pw, 3);
              acc2 += a0 * <i32>load<i8>(pw, 4) + a1 * <i32>load<i8>(pw, 5);
              acc3 += a0 * <i32>load<i8>(pw, 6) + a1 * <i32>load<i8>(pw, 7);
              pw += pstep;
            }
            n0 += 4;
          }
          put(o, cin4_out(acc0, ps, pa, zp, lo, hi, b1w), first);
          if (nlo > 1) put(o + 1, cin4_out(acc1, ps + 4, pa, zp, lo, hi, b1w), first);
          if (nlo > 2) put(o + 2, cin4_out(acc2, ps + 8, pa, zp, lo, hi, b1w), first);
          if (nlo > 3) put(o + 3, cin4_out(acc3, ps + 12, pa, zp, lo, hi, b1w), first);
        }
        out += <usize>N;
      }
    }
  }
}

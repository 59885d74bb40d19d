// im2col for the int8 conv (conv_scalar.ts, its params): the rows of a block of output pixels,
// each KH runs of KW*C_in bytes taken from the input (zp_in where the window leaves the image).
// One walk, two ways to move bytes: V = u8 (qs8_im2col: every build, the scalar twins) or
// V = v128 (qs8_im2col__wasmsimd, im2col_wasmsimd.ts: the SIMD builds' convs, whose small 3x3
// layers over 20..64 channels spent ~45% of their time in the byte-wise copies). The branch on V
// is resolved when the walk is compiled, so the scalar build never sees a v128 instruction.
import { copy_run, fill_run } from '../common/copy_wasmsimd';
import {
  QS8_CONV_C, QS8_CONV_DH, QS8_CONV_DW, QS8_CONV_H, QS8_CONV_KH, QS8_CONV_KW, QS8_CONV_OW, QS8_CONV_PL,
  QS8_CONV_PT, QS8_CONV_SH, QS8_CONV_SW, QS8_CONV_W, QS8_CONV_X_ROW_STRIDE, QS8_CONV_X_STRIDE, QS8_CONV_ZP_IN
} from '../common/params';

/** Copies n bytes; short runs (a few channels) without the call into memory.copy. */
// @ts-ignore: decorator
@inline
function copy_bytes(dst: usize, src: usize, n: i32): void {
  if (n >= 32) {
    memory.copy(dst, src, <usize>n);
  } else {
    while (n >= 8) {
      store<u64>(dst, load<u64>(src));
      dst += 8;
      src += 8;
      n -= 8;
    }
    while (n > 0) {
      store<u8>(dst, load<u8>(src));
      dst++;
      src++;
      n--;
    }
  }
}

/** Fills n bytes with the byte v. */
// @ts-ignore: decorator
@inline
function fill_bytes(dst: usize, v: u8, n: i32): void {
  if (n >= 32) {
    memory.fill(dst, v, <usize>n);
  } else {
    while (n > 0) {
      store<u8>(dst, v);
      dst++;
      n--;
    }
  }
}

/** Moves n bytes from src to dst (V: see the header). */
// @ts-ignore: decorator
@inline
function move<V>(dst: usize, src: usize, n: i32): void {
  if (isVector<V>()) copy_run(dst, src, n);
  else copy_bytes(dst, src, n);
}

/** Fills n bytes with the byte zp (V: see the header). */
// @ts-ignore: decorator
@inline
function fill<V>(dst: usize, zp: i32, n: i32): void {
  if (isVector<V>()) fill_run(dst, i8x16.splat(<i8>zp), n);
  else fill_bytes(dst, <u8>zp, n);
}

/** `rows` output pixels from pixel p0 of one image into dst (row stride K), moving bytes as V says. */
// @ts-ignore: decorator
@inline
export function im2col_walk<V>(inb: usize, dst: usize, params: usize, p0: i32, rows: i32): void {
  const zp = load<i32>(params, QS8_CONV_ZP_IN);
  const H = load<i32>(params, QS8_CONV_H);
  const W = load<i32>(params, QS8_CONV_W);
  const C = load<i32>(params, QS8_CONV_C);
  const W_out = load<i32>(params, QS8_CONV_OW);
  const KH = load<i32>(params, QS8_CONV_KH);
  const KW = load<i32>(params, QS8_CONV_KW);
  const sh = load<i32>(params, QS8_CONV_SH);
  const sw = load<i32>(params, QS8_CONV_SW);
  const dh = load<i32>(params, QS8_CONV_DH);
  const dw = load<i32>(params, QS8_CONV_DW);
  const pt = load<i32>(params, QS8_CONV_PT);
  const pl = load<i32>(params, QS8_CONV_PL);
  const XS = load<i32>(params, QS8_CONV_X_STRIDE);
  const rowC = <usize>load<i32>(params, QS8_CONV_X_ROW_STRIDE);
  const kwC = KW * C;
  let oy = p0 / W_out;
  let ox = p0 - oy * W_out;
  for (let r = 0; r < rows; r++) {
    const iy0 = oy * sh - pt;
    const ix0 = ox * sw - pl;
    // The kw run is contiguous in the input when dilation_w is 1 and it lies inside the row.
    const run = dw == 1 && XS == C && ix0 >= 0 && ix0 + KW <= W;
    for (let kh = 0; kh < KH; kh++) {
      const iy = iy0 + kh * dh;
      if (<u32>iy >= <u32>H) {
        fill<V>(dst, zp, kwC);
        dst += <usize>kwC;
        continue;
      }
      const src = inb + <usize>iy * rowC;
      if (run) {
        move<V>(dst, src + <usize>ix0 * <usize>XS, kwC);
        dst += <usize>kwC;
        continue;
      }
      if (dw == 1 && XS == C) {
        // A run cut by the padding: zp before, the inside part, zp after.
        const lo = min<i32>(KW, max<i32>(0, -ix0));
        const hi = min<i32>(KW, W - ix0);
        if (lo > 0) fill<V>(dst, zp, lo * C);
        if (hi > lo) move<V>(dst + <usize>(lo * C), src + <usize>((ix0 + lo) * C), (hi - lo) * C);
        if (hi < KW) fill<V>(dst + <usize>(max<i32>(hi, lo) * C), zp, (KW - max<i32>(hi, lo)) * C);
        dst += <usize>kwC;
        continue;
      }
      for (let kw = 0; kw < KW; kw++) {
        const ix = ix0 + kw * dw;
        if (<u32>ix >= <u32>W) fill<V>(dst, zp, C);
        else move<V>(dst, src + <usize>ix * <usize>XS, C);
        dst += <usize>C;
      }
    }
    if (++ox == W_out) {
      ox = 0;
      oy++;
    }
  }
}

/** im2col with byte-wise moves (every build). */
export function qs8_im2col(inb: usize, dst: usize, params: usize, p0: i32, rows: i32): void {
  im2col_walk<u8>(inb, dst, params, p0, rows);
}

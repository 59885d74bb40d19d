// SIMD twin of qs8_im2col (conv_scalar.ts): the same bytes in the same places, moved 16 at a
// time. A run of n >= 16 bytes is copied in 16-byte steps whose last step ends exactly at n
// (overlapping the one before), 8..15 bytes as two overlapping u64, 4..7 as two u32: no
// call into memory.copy (a runtime call in V8, ~as slow as the copy for the 20..100-byte
// runs of small convs) and never a byte written past the run. Small 3x3 convs over 20..64
// channels spent ~45% of their time in the scalar im2col.

// @ts-ignore: decorator
@inline
function copy_run(dst: usize, src: usize, n: i32): void {
  if (n >= 16) {
    const last = <usize>(n - 16);
    for (let i: usize = 0; i < last; i += 16) v128.store(dst + i, v128.load(src + i));
    v128.store(dst + last, v128.load(src + last));
  } else if (n >= 8) {
    const t = <usize>(n - 8);
    const a = load<u64>(src);
    const b = load<u64>(src + t);
    store<u64>(dst, a);
    store<u64>(dst + t, b);
  } else if (n >= 4) {
    const t = <usize>(n - 4);
    const a = load<u32>(src);
    const b = load<u32>(src + t);
    store<u32>(dst, a);
    store<u32>(dst + t, b);
  } else {
    for (let i: usize = 0; i < <usize>n; i++) store<u8>(dst + i, load<u8>(src + i));
  }
}

// @ts-ignore: decorator
@inline
function fill_run(dst: usize, v: v128, n: i32): void {
  if (n >= 16) {
    const last = <usize>(n - 16);
    for (let i: usize = 0; i < last; i += 16) v128.store(dst + i, v);
    v128.store(dst + last, v);
  } else if (n >= 8) {
    const x = <u64>i64x2.extract_lane(v, 0);
    store<u64>(dst, x);
    store<u64>(dst + <usize>(n - 8), x);
  } else {
    const x = <u32>i32x4.extract_lane(v, 0);
    if (n >= 4) {
      store<u32>(dst, x);
      store<u32>(dst + <usize>(n - 4), x);
    } else {
      for (let i: usize = 0; i < <usize>n; i++) store<u8>(dst + i, <u8>x);
    }
  }
}

/** qs8_im2col with SIMD copies: `rows` output pixels from pixel p0 of one image into dst (row stride K). */
export function qs8_im2col__wasmsimd(inb: usize, dst: usize, params: usize, p0: i32, rows: i32): void {
  const vz = i8x16.splat(<i8>load<i32>(params, 12));
  const H = load<i32>(params, 20);
  const W = load<i32>(params, 24);
  const C = load<i32>(params, 28);
  const W_out = load<i32>(params, 36);
  const KH = load<i32>(params, 44);
  const KW = load<i32>(params, 48);
  const sh = load<i32>(params, 52);
  const sw = load<i32>(params, 56);
  const dh = load<i32>(params, 60);
  const dw = load<i32>(params, 64);
  const pt = load<i32>(params, 68);
  const pl = load<i32>(params, 72);
  const rowC = <usize>W * <usize>C;
  const kwC = KW * C;
  let oy = p0 / W_out;
  let ox = p0 - oy * W_out;
  for (let r = 0; r < rows; r++) {
    const iy0 = oy * sh - pt;
    const ix0 = ox * sw - pl;
    // The kw run is contiguous in the input when dilation_w is 1 and it lies inside the row.
    const run = dw == 1 && ix0 >= 0 && ix0 + KW <= W;
    for (let kh = 0; kh < KH; kh++) {
      const iy = iy0 + kh * dh;
      if (<u32>iy >= <u32>H) {
        fill_run(dst, vz, kwC);
        dst += <usize>kwC;
        continue;
      }
      const src = inb + <usize>iy * rowC;
      if (run) {
        copy_run(dst, src + <usize>ix0 * <usize>C, kwC);
        dst += <usize>kwC;
        continue;
      }
      if (dw == 1) {
        // A run cut by the padding: zp before, the inside part, zp after.
        const lo = min<i32>(KW, max<i32>(0, -ix0));
        const hi = min<i32>(KW, W - ix0);
        if (lo > 0) fill_run(dst, vz, lo * C);
        if (hi > lo) copy_run(dst + <usize>(lo * C), src + <usize>((ix0 + lo) * C), (hi - lo) * C);
        if (hi < KW) fill_run(dst + <usize>(max<i32>(hi, lo) * C), vz, (KW - max<i32>(hi, lo)) * C);
        dst += <usize>kwC;
        continue;
      }
      for (let kw = 0; kw < KW; kw++) {
        const ix = ix0 + kw * dw;
        if (<u32>ix >= <u32>W) fill_run(dst, vz, C);
        else copy_run(dst, src + <usize>ix * <usize>C, C);
        dst += <usize>C;
      }
    }
    if (++ox == W_out) {
      ox = 0;
      oy++;
    }
  }
}

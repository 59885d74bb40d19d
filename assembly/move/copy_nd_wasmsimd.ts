// WASM SIMD twin of copy_nd.ts (same signature, params and bytes moved). What differs is the
// innermost loop: runs move as 16-byte vectors (copy_run: exact, never a byte past the run, no
// call into memory.copy), a broadcast row (source stride 0: Pad's edge mode, a constant fill) is
// one splat stored along the row, and a whole contiguous row is one run. Two interleaved source
// rows written element by element (a channel shuffle of two groups: y[2j + g] = x[g][j], 1- or
// 4-byte elements) are zipped 16 bytes at a time.
import { copy_run, fill_run } from '../common/copy_wasmsimd';
import {
  XX_COPY_ND_N0, XX_COPY_ND_N1, XX_COPY_ND_N2, XX_COPY_ND_N3, XX_COPY_ND_N4, XX_COPY_ND_N5, XX_COPY_ND_RUN,
  XX_COPY_ND_XS0, XX_COPY_ND_XS1, XX_COPY_ND_XS2, XX_COPY_ND_XS3, XX_COPY_ND_XS4, XX_COPY_ND_XS5,
  XX_COPY_ND_YS0, XX_COPY_ND_YS1, XX_COPY_ND_YS2, XX_COPY_ND_YS3, XX_COPY_ND_YS4, XX_COPY_ND_YS5,
} from '../common/params';

/** The innermost loop: n runs of `run` bytes. */
// @ts-ignore: decorator
@inline
function copy_row(y: usize, x: usize, n: i32, xs: usize, ys: usize, run: usize): void {
  if (ys == run && xs == run) {
    copy_run(y, x, n * <i32>run);
  } else if (ys == run && xs == 0 && (run == 4 || run == 1)) {
    fill_run(y, run == 4 ? v128.load32_splat(x) : v128.load8_splat(x), n * <i32>run);
  } else if (run == 4) {
    for (let i = 0; i < n; i++) {
      store<u32>(y, load<u32>(x));
      x += xs;
      y += ys;
    }
  } else if (run == 1) {
    for (let i = 0; i < n; i++) {
      store<u8>(y, load<u8>(x));
      x += xs;
      y += ys;
    }
  } else {
    for (let i = 0; i < n; i++) {
      copy_run(y, x, <i32>run);
      x += xs;
      y += ys;
    }
  }
}

/** y[2j + g] = x[g * xs + j], g < 2, j < n: two source rows interleaved (elements of `run` = 1 or 4 bytes). */
// @ts-ignore: decorator
@inline
function zip2(y: usize, x: usize, n: i32, xs: usize, run: usize): void {
  const a = x, b = x + xs;
  let j = 0;
  if (run == 1) {
    for (; j + 16 <= n; j += 16) {
      const va = v128.load(a + <usize>j), vb = v128.load(b + <usize>j);
      v128.store(y + (<usize>j << 1), i8x16.shuffle(va, vb, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
      v128.store(y + (<usize>j << 1), i8x16.shuffle(va, vb, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), 16);
    }
    for (; j < n; j++) {
      store<u8>(y + (<usize>j << 1), load<u8>(a + <usize>j));
      store<u8>(y + (<usize>j << 1), load<u8>(b + <usize>j), 1);
    }
  } else {
    for (; j + 4 <= n; j += 4) {
      const va = v128.load(a + (<usize>j << 2)), vb = v128.load(b + (<usize>j << 2));
      v128.store(y + (<usize>j << 3), i32x4.shuffle(va, vb, 0, 4, 1, 5));
      v128.store(y + (<usize>j << 3), i32x4.shuffle(va, vb, 2, 6, 3, 7), 16);
    }
    for (; j < n; j++) {
      store<u32>(y + (<usize>j << 3), load<u32>(a + (<usize>j << 2)));
      store<u32>(y + (<usize>j << 3), load<u32>(b + (<usize>j << 2)), 4);
    }
  }
}

export function xx_copy_nd_x16__wasmsimd(x: usize, y: usize, params: usize): void {
  const run = <usize>load<i32>(params, XX_COPY_ND_RUN);
  const n0 = load<i32>(params, XX_COPY_ND_N0), n1 = load<i32>(params, XX_COPY_ND_N1), n2 = load<i32>(params, XX_COPY_ND_N2);
  const n3 = load<i32>(params, XX_COPY_ND_N3), n4 = load<i32>(params, XX_COPY_ND_N4), n5 = load<i32>(params, XX_COPY_ND_N5);
  const xs0 = <usize>load<i32>(params, XX_COPY_ND_XS0), xs1 = <usize>load<i32>(params, XX_COPY_ND_XS1), xs2 = <usize>load<i32>(params, XX_COPY_ND_XS2);
  const xs3 = <usize>load<i32>(params, XX_COPY_ND_XS3), xs4 = <usize>load<i32>(params, XX_COPY_ND_XS4), xs5 = <usize>load<i32>(params, XX_COPY_ND_XS5);
  const ys0 = <usize>load<i32>(params, XX_COPY_ND_YS0), ys1 = <usize>load<i32>(params, XX_COPY_ND_YS1), ys2 = <usize>load<i32>(params, XX_COPY_ND_YS2);
  const ys3 = <usize>load<i32>(params, XX_COPY_ND_YS3), ys4 = <usize>load<i32>(params, XX_COPY_ND_YS4), ys5 = <usize>load<i32>(params, XX_COPY_ND_YS5);
  // Two groups interleaved: the innermost loop walks the two rows, the one outside it their elements.
  const zip = n5 == 2 && ys5 == run && xs4 == run && ys4 == run << 1 && (run == 1 || run == 4);
  let x0 = x, y0 = y;
  for (let i0 = 0; i0 < n0; i0++) {
    let x1 = x0, y1 = y0;
    for (let i1 = 0; i1 < n1; i1++) {
      let x2 = x1, y2 = y1;
      for (let i2 = 0; i2 < n2; i2++) {
        let x3 = x2, y3 = y2;
        for (let i3 = 0; i3 < n3; i3++) {
          if (zip) {
            zip2(y3, x3, n4, xs5, run);
          } else {
            let x4 = x3, y4 = y3;
            for (let i4 = 0; i4 < n4; i4++) {
              copy_row(y4, x4, n5, xs5, ys5, run);
              x4 += xs4;
              y4 += ys4;
            }
          }
          x3 += xs3;
          y3 += ys3;
        }
        x2 += xs2;
        y2 += ys2;
      }
      x1 += xs1;
      y1 += ys1;
    }
    x0 += xs0;
    y0 += ys0;
  }
}

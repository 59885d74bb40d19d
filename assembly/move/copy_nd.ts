// Strided N-d copy: the one data-movement kernel of Transpose, Slice (any step, negative too),
// Concat and Split on any axis, Pad (reflect, edge, the interior of constant), DepthToSpace /
// SpaceToDepth, channel shuffle and Flatten. SIMD twin with the same signature: copy_nd_wasmsimd.ts.
//
// Params XX_COPY_ND (src/runtime/param-blocks.ts): six loops, outermost first, each with a count
// n_i and signed byte strides xs_i (source) and ys_i (destination), then `run`, the bytes moved
// at every innermost step (a contiguous run of elements, or one element of 1 or 4 bytes):
//
//   for i0 < n0 ... for i5 < n5:
//     copy run bytes from x + sum(i_k * xs_k) to y + sum(i_k * ys_k)
//
// A stride may be 0 (broadcast: Pad's edge mode, a constant fill) or negative (Slice with a
// negative step, Pad's reflect mode); the host plans the loops (src/runtime/ops/copy.ts: unit
// loops dropped, contiguous loops merged) and points x at the first element read. The bytes read
// and the bytes written must not overlap. Pointers wrap modulo 2^32, so a negative stride is its
// two's complement.
import {
  XX_COPY_ND_N0, XX_COPY_ND_N1, XX_COPY_ND_N2, XX_COPY_ND_N3, XX_COPY_ND_N4, XX_COPY_ND_N5, XX_COPY_ND_RUN,
  XX_COPY_ND_XS0, XX_COPY_ND_XS1, XX_COPY_ND_XS2, XX_COPY_ND_XS3, XX_COPY_ND_XS4, XX_COPY_ND_XS5,
  XX_COPY_ND_YS0, XX_COPY_ND_YS1, XX_COPY_ND_YS2, XX_COPY_ND_YS3, XX_COPY_ND_YS4, XX_COPY_ND_YS5,
} from '../common/params';

/** The innermost loop: n runs of `run` bytes. */
// @ts-ignore: decorator
@inline
function copy_row(y: usize, x: usize, n: i32, xs: usize, ys: usize, run: usize): void {
  if (run == 4) {
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
      memory.copy(y, x, run);
      x += xs;
      y += ys;
    }
  }
}

export function xx_copy_nd_x1__scalar(x: usize, y: usize, params: usize): void {
  const run = <usize>load<i32>(params, XX_COPY_ND_RUN);
  const n0 = load<i32>(params, XX_COPY_ND_N0), n1 = load<i32>(params, XX_COPY_ND_N1), n2 = load<i32>(params, XX_COPY_ND_N2);
  const n3 = load<i32>(params, XX_COPY_ND_N3), n4 = load<i32>(params, XX_COPY_ND_N4), n5 = load<i32>(params, XX_COPY_ND_N5);
  const xs0 = <usize>load<i32>(params, XX_COPY_ND_XS0), xs1 = <usize>load<i32>(params, XX_COPY_ND_XS1), xs2 = <usize>load<i32>(params, XX_COPY_ND_XS2);
  const xs3 = <usize>load<i32>(params, XX_COPY_ND_XS3), xs4 = <usize>load<i32>(params, XX_COPY_ND_XS4), xs5 = <usize>load<i32>(params, XX_COPY_ND_XS5);
  const ys0 = <usize>load<i32>(params, XX_COPY_ND_YS0), ys1 = <usize>load<i32>(params, XX_COPY_ND_YS1), ys2 = <usize>load<i32>(params, XX_COPY_ND_YS2);
  const ys3 = <usize>load<i32>(params, XX_COPY_ND_YS3), ys4 = <usize>load<i32>(params, XX_COPY_ND_YS4), ys5 = <usize>load<i32>(params, XX_COPY_ND_YS5);
  let x0 = x, y0 = y;
  for (let i0 = 0; i0 < n0; i0++) {
    let x1 = x0, y1 = y0;
    for (let i1 = 0; i1 < n1; i1++) {
      let x2 = x1, y2 = y1;
      for (let i2 = 0; i2 < n2; i2++) {
        let x3 = x2, y3 = y2;
        for (let i3 = 0; i3 < n3; i3++) {
          let x4 = x3, y4 = y3;
          for (let i4 = 0; i4 < n4; i4++) {
            copy_row(y4, x4, n5, xs5, ys5, run);
            x4 += xs4;
            y4 += ys4;
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

// Pooling geometry shared by every pooling kernel (int8 and f32, scalar and SIMD).
//
// Params of the windowed pools (max and average): QS8_POOL and F32_POOL (src/runtime/param-blocks.ts; offsets: common/params.ts),
// which start with the same window geometry: sizes, window, strides, dilations, pads
// (bottom and right: average pool with count_include_pad only), the input and output pixel
// strides in elements (>= c: a pool may read a channel slice and write a concat slice) and
// flags (bit 0: count_include_pad); then per data type (see the kernel files).
//
// Output pixel (oy, ox) looks at input rows iy = oy*sh - pad_top + ky*dh for ky in
// [0, kh) and columns likewise. Rows outside [0, ih) are padding: ignored by max pool
// and by the sum of average pool. The host computes oh/ow (ceil_mode included).

/** First window index whose position i0 + k*d is >= 0. */
// @ts-ignore: decorator
@inline
export function win_lo(i0: i32, d: i32): i32 {
  return i0 < 0 ? (d - 1 - i0) / d : 0;
}

/** One past the last window index (clamped to k) whose position i0 + k*d is < size. */
// @ts-ignore: decorator
@inline
export function win_hi(i0: i32, d: i32, size: i32, k: i32): i32 {
  return i0 >= size ? 0 : min<i32>(k, (size - i0 + d - 1) / d);
}

/** Number of window positions in the range [lo, hi) (0 when empty). */
// @ts-ignore: decorator
@inline
export function win_len(lo: i32, hi: i32): i32 {
  return max<i32>(hi - lo, 0);
}

// Four-lane twin of output.ts, plus the partial stores every SIMD kernel of the
// pooling and element-wise families uses for its tail (never write past an output).

/** Twin of output_fp32: clamp (NaN -> lo), round half to even and convert by the magic add. */
// @ts-ignore: decorator
@inline
export function output_fp32x4(t: v128, lo: v128, hi: v128, magic: v128, magic_zp: v128): v128 {
  t = f32x4.pmin(f32x4.pmax(lo, t), hi);
  return i32x4.sub(f32x4.add(t, magic), magic_zp);
}

/** Store the low `n` bytes of `v` (n in 0..15) at `p`. */
// @ts-ignore: decorator
@inline
export function store_bytes_tail(p: usize, v: v128, n: usize): void {
  if (n & 8) {
    v128.store64_lane(p, v, 0);
    v = v128.shuffle<i64>(v, v, 1, 1);
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

/** Store the low `n` f32 lanes of `v` (n in 0..3) at `p`. */
// @ts-ignore: decorator
@inline
export function store_f32_tail(p: usize, v: v128, n: usize): void {
  if (n & 2) {
    v128.store64_lane(p, v, 0);
    v = v128.shuffle<i64>(v, v, 1, 1);
    p += 8;
  }
  if (n & 1) v128.store32_lane(p, v, 0);
}

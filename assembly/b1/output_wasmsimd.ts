// Lane-wise twin of output.ts (bit-identical). The int8 rounding is the "magic number"
// conversion of common/requant_wasmsimd.ts: after the clamp the value lies in
// [-255, 255], where adding 1.5*2^23 rounds it half to even.
import { clamp_f32x4 } from '../common/clamp_wasmsimd';
import { requant_f32x4 } from '../common/requant_wasmsimd';

// @ts-ignore: decorator
@inline
export function b1_out_i8x4(acc: v128, mul: v128, add: v128, zp: v128, lo: v128, hi: v128): v128 {
  return requant_f32x4(f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), mul), add), zp, lo, hi);
}

/** f32 out (output.ts b1_out_f32): the same products and sums, pmax/pmin are its selects. */
// @ts-ignore: decorator
@inline
export function b1_out_f32x4(acc: v128, mul: v128, add: v128, lo: v128, hi: v128): v128 {
  return clamp_f32x4(f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(acc), mul), add), lo, hi);
}

/** Stores the first `count` (1..8) floats of y0:y1 at c. */
// @ts-ignore: decorator
@inline
export function store_f32x8(y0: v128, y1: v128, c: usize, count: i32): void {
  let v = y0;
  if (count >= 4) {
    v128.store(c, y0);
    if (count >= 8) {
      v128.store(c, y1, 16);
      return;
    }
    c += 16;
    count -= 4;
    v = y1;
  }
  if (count & 2) {
    v128.store64_lane(c, v, 0);
    if (count & 1) v128.store32_lane(c, v, 2, 8);
  } else if (count & 1) {
    v128.store32_lane(c, v, 0);
  }
}

/** Bits of 8 channels (acc0: channels 0..3, acc1: 4..7) in the low byte. */
// @ts-ignore: decorator
@inline
export function b1_out_bits8(acc0: v128, acc1: v128, flip0: v128, flip1: v128, thr0: v128, thr1: v128): u32 {
  const m0 = i32x4.bitmask(i32x4.lt_s(i32x4.mul(acc0, flip0), thr0));
  const m1 = i32x4.bitmask(i32x4.lt_s(i32x4.mul(acc1, flip1), thr1));
  return m0 | (m1 << 4);
}

/** Stores the low `count` (1..8) bytes of v at c. */
// @ts-ignore: decorator
@inline
export function store_low_bytes(v: v128, c: usize, count: i32): void {
  if (count >= 8) {
    v128.store64_lane(c, v, 0);
    return;
  }
  let x = <u64>i64x2.extract_lane(v, 0);
  if (count & 4) {
    store<u32>(c, <u32>x);
    x >>= 32;
    c += 4;
  }
  if (count & 2) {
    store<u16>(c, <u16>x);
    x >>= 16;
    c += 2;
  }
  if (count & 1) store<u8>(c, <u8>x);
}

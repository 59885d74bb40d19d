// The output transform of every binary kernel, in one place (scalar; output_wasmsimd.ts
// is its lane-wise twin). acc is the exact integer dot product.
//
// int8: y = f32(f32(acc) * mul) + add, rounded half to even, clamped to [qmin, qmax] - zp,
//       plus zp. mul and add are already divided by the output scale (host side).
// f32:  y = f32(f32(acc) * mul) + add, clamped with the select semantics of f32x4.pmax /
//       pmin (x < lo ? lo : x, then hi < x ? hi : x), so both builds store the same bits.
//       mul and add are the real-unit transform; lo and hi the fused activation's bounds.
// bits: bit = acc * flip < thr (integer compare; flip in {-1, 0, 1}). The host derives
//       flip and thr from mul/add so that the bit is 1 exactly when f32(f32(acc)*mul) + add
//       is negative: mul > 0 gives flip 1 (bit when acc < thr), mul < 0 flips the
//       comparison (flip -1: bit when -acc < thr, i.e. acc > -thr), mul = 0 gives flip 0 and
//       a constant bit (thr 1: always, thr 0: never).
// The rounding and the clamps are the shared ones (common/requant.ts, common/clamp.ts).
import { clamp_f32 } from '../common/clamp';
import { requant_f32 } from '../common/requant';

// @ts-ignore: decorator
@inline
export function b1_out_i8(acc: i32, mul: f32, add: f32, zp: i32, lo: f32, hi: f32): i32 {
  return requant_f32(<f32>acc * mul + add, zp, lo, hi);
}

// @ts-ignore: decorator
@inline
export function b1_out_f32(acc: i32, mul: f32, add: f32, lo: f32, hi: f32): f32 {
  return clamp_f32(<f32>acc * mul + add, lo, hi);
}

// @ts-ignore: decorator
@inline
export function b1_out_bit(acc: i32, flip: i32, thr: i32): i32 {
  return <i32>(acc * flip < thr);
}

// The input check: the index of the first non-finite f32 value (NaN, ±Infinity) of x[0..n),
// or -1. A value is non-finite when its exponent bits are all ones (-0 and subnormals are
// finite). Run on a float input after it is copied into the arena (src/runtime/input.ts).
//
// Signature (n, x): x f32 [n].

export function f32_vfinite_x1__scalar(n: i32, x: usize): i32 {
  for (let i = 0; i < n; i++) {
    if ((load<u32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) return i;
  }
  return -1;
}

// SIMD twin of f32_vfinite_x1__scalar (finite.ts): 16 values per step, their exponent bits
// compared with all ones; the step that holds a non-finite value (and the tail) is scanned
// value by value, so the answer is the scalar kernel's.

export function f32_vfinite_x16__wasmsimd(n: i32, x: usize): i32 {
  const m = i32x4.splat(0x7f800000);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const a = i32x4.eq(v128.and(v128.load(p), m), m);
    const b = i32x4.eq(v128.and(v128.load(p, 16), m), m);
    const c = i32x4.eq(v128.and(v128.load(p, 32), m), m);
    const d = i32x4.eq(v128.and(v128.load(p, 48), m), m);
    if (v128.any_true(v128.or(v128.or(a, b), v128.or(c, d)))) break;
  }
  for (; i < n; i++) {
    if ((load<u32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) return i;
  }
  return -1;
}

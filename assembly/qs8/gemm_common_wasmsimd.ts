// SIMD helpers shared by the qs8 gemm microkernels (inlined; nothing here is exported to wasm).

/** Horizontal sums of four i32x4 accumulators: [sum(a0), sum(a1), sum(a2), sum(a3)]. */
// @ts-ignore: decorator
@inline
export function hsum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const t01 = i32x4.add(v128.shuffle<i32>(a0, a1, 0, 4, 1, 5), v128.shuffle<i32>(a0, a1, 2, 6, 3, 7));
  const t23 = i32x4.add(v128.shuffle<i32>(a2, a3, 0, 4, 1, 5), v128.shuffle<i32>(a2, a3, 2, 6, 3, 7));
  return i32x4.add(v128.shuffle<i32>(t01, t23, 0, 1, 4, 5), v128.shuffle<i32>(t01, t23, 2, 3, 6, 7));
}

/**
 * Stores lane groups of v: row 0 from bytes 0..3 to c0, row 1 from bytes 4..7 to c1,
 * nr (1..4) bytes each. Row 1 first, so an aliased c1 == c0 ends with row 0's bytes.
 */
// @ts-ignore: decorator
@inline
export function store_2x4(v: v128, c0: usize, c1: usize, nr: i32): void {
  if (nr >= 4) {
    v128.store32_lane(c1, v, 1);
    v128.store32_lane(c0, v, 0);
  } else {
    let r0 = <u32>i32x4.extract_lane(v, 0);
    let r1 = <u32>i32x4.extract_lane(v, 1);
    if (nr & 2) {
      store<u16>(c1, r1);
      store<u16>(c0, r0);
      r0 >>= 16;
      r1 >>= 16;
      c0 += 2;
      c1 += 2;
    }
    if (nr & 1) {
      store<u8>(c1, r1);
      store<u8>(c0, r0);
    }
  }
}

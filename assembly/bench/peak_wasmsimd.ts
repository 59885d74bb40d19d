// Peak-throughput loops for the benchmark: the instruction mix of the int8 kernels with
// nothing else in the way (no loads in the loop, 8 independent accumulators so the
// latency of one dot never stalls the next). MACs per call: iters * 8 chains * lanes.

/** iters × 8 × (i32x4.dot_i16x8_s + i32x4.add): 8 MACs per dot. Writes the sum to out. */
export function peak_dot_i16x8__wasmsimd(iters: i32, x_ptr: usize, out: usize): void {
  // Four operands loaded once (V8 keeps loaded values in registers; operands computed from
  // others, x + y say, it recomputed in the loop and spilled accumulators for: 30 against 50 GMAC/s).
  const b0 = v128.load(x_ptr);
  const b1 = v128.load(x_ptr, 16);
  const b2 = v128.load(x_ptr, 32);
  const b3 = v128.load(x_ptr, 48);
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let i = 0; i < iters; i++) {
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(b0, b1));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(b1, b2));
    a2 = i32x4.add(a2, i32x4.dot_i16x8_s(b2, b3));
    a3 = i32x4.add(a3, i32x4.dot_i16x8_s(b3, b0));
    a4 = i32x4.add(a4, i32x4.dot_i16x8_s(b0, b2));
    a5 = i32x4.add(a5, i32x4.dot_i16x8_s(b1, b3));
    a6 = i32x4.add(a6, i32x4.dot_i16x8_s(b2, b0));
    a7 = i32x4.add(a7, i32x4.dot_i16x8_s(b3, b1));
  }
  const s = i32x4.add(i32x4.add(i32x4.add(a0, a1), i32x4.add(a2, a3)), i32x4.add(i32x4.add(a4, a5), i32x4.add(a6, a7)));
  v128.store(out, s);
}

// Peak-throughput loops for the benchmark: the instruction mix of the int8 kernels with
// nothing else in the way (no loads in the loop, 8 independent accumulators so the
// latency of one dot never stalls the next). MACs per call: iters * 8 chains * lanes.

/** iters × 8 × (i32x4.dot_i16x8_s + i32x4.add): 8 MACs per dot. Writes the sum to out. */
export function peak_dot_i16x8__wasmsimd(iters: i32, x_ptr: usize, out: usize): void {
  const x = v128.load(x_ptr);
  const y = v128.load(x_ptr, 16);
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  let b0 = x, b1 = y, b2 = i16x8.add(x, y), b3 = i16x8.sub(x, y);
  for (let i = 0; i < iters; i++) {
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(b0, y));
    a1 = i32x4.add(a1, i32x4.dot_i16x8_s(b1, x));
    a2 = i32x4.add(a2, i32x4.dot_i16x8_s(b2, y));
    a3 = i32x4.add(a3, i32x4.dot_i16x8_s(b3, x));
    a4 = i32x4.add(a4, i32x4.dot_i16x8_s(b0, x));
    a5 = i32x4.add(a5, i32x4.dot_i16x8_s(b1, y));
    a6 = i32x4.add(a6, i32x4.dot_i16x8_s(b2, x));
    a7 = i32x4.add(a7, i32x4.dot_i16x8_s(b3, y));
  }
  const s = i32x4.add(i32x4.add(i32x4.add(a0, a1), i32x4.add(a2, a3)), i32x4.add(i32x4.add(a4, a5), i32x4.add(a6, a7)));
  v128.store(out, s);
}

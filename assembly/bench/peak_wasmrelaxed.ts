// Peak of the relaxed int8 dot (i32x4.relaxed_dot_i8x16_i7x16_add_s): 16 MACs per
// instruction, 8 independent accumulators, no loads in the loop.

export function peak_dot_i8x16_i7__wasmrelaxed(iters: i32, x_ptr: usize, out: usize): void {
  const x = v128.load(x_ptr);
  const y = v128.and(v128.load(x_ptr, 16), i8x16.splat(0x7f)); // the i7 operand stays 0..127
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const b0 = x, b1 = i8x16.add(x, y), b2 = i8x16.sub(x, y), b3 = v128.not(x);
  for (let i = 0; i < iters; i++) {
    a0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b0, y, a0);
    a1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b1, y, a1);
    a2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b2, y, a2);
    a3 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b3, y, a3);
    a4 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b0, y, a4);
    a5 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b1, y, a5);
    a6 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b2, y, a6);
    a7 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b3, y, a7);
  }
  const s = i32x4.add(i32x4.add(i32x4.add(a0, a1), i32x4.add(a2, a3)), i32x4.add(i32x4.add(a4, a5), i32x4.add(a6, a7)));
  v128.store(out, s);
}

// int8 GEMM microkernel, relaxed SIMD: qs8_gemm_2x4c16s__wasmrelaxed.
// Signature, params and the packed "4c16s" layout: see gemm_scalar.ts (its scalar twin
// qs8_gemm_2x4c16s__scalar and the packer qs8_gemm_pack_2x4c16s live there).
//
// i32x4.relaxed_dot_i8x16_i7x16_add_s is only deterministic when its second operand
// is in 0..127, so every weight is packed as two 7-bit halves w+ = max(w,0) and
// w- = max(-w,0) and the kernel adds dot(a, w+) + dot(~a, w-) into one accumulator:
// ~a = -a-1 is an int8 for every a (-a is not, for a = -128), and
// sum a*w+ + sum (~a)*w- = sum a*w - sum w-, the last term folded into the packed bias.
// Tile 2 rows x 4 channels x 16 K, eight accumulators, like the simd kernel.
//
// On Zen 3 (no AVX-VNNI) V8 lowers each relaxed dot to pmaddubsw + pmaddwd + paddd:
// two multiplies per 16 products and two dots per weight, so this kernel runs at about
// 60% of qs8_gemm_2x4c8__wasmsimd there, and the kernel table gives the relaxed build the
// simd kernel. It stays exported and tested for engines where the relaxed dot is one
// instruction (ARM sdot, x86 VNNI).

import { requant_fp32x4, narrow_i32x16_i8 } from '../common/requant_wasmsimd';
import { hsum4, store_2x4 } from './gemm_common_wasmsimd';

export function qs8_gemm_2x4c16s__wasmrelaxed(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  const kp = <usize>((k + 15) & ~15);
  const wblock = <usize>(32 + 8 * kp);
  const zp = load<i32>(params);
  const vzp = i32x4.splat(zp);
  const vlo = f32x4.splat(<f32>(load<i32>(params, 4) - zp));
  const vhi = f32x4.splat(<f32>(load<i32>(params, 8) - zp));
  const nblocks = (n + 3) >> 2;
  const chunk = max<i32>(1, (64 << 10) / <i32>wblock);
  for (let nb0 = 0; nb0 < nblocks; nb0 += chunk) {
    const nb1 = min<i32>(nblocks, nb0 + chunk);
    let i = 0;
    for (; i + 2 <= m; i += 2) {
      const a0 = a + <usize>i * <usize>a_stride;
      const a1 = a0 + <usize>a_stride;
      const c0 = c + <usize>i * <usize>c_stride;
      const c1 = c0 + <usize>c_stride;
      for (let nb = nb0; nb < nb1; nb++) {
        const wb = w + <usize>nb * wblock;
        let acc00 = i32x4.splat(0);
        let acc01 = i32x4.splat(0);
        let acc02 = i32x4.splat(0);
        let acc03 = i32x4.splat(0);
        let acc10 = i32x4.splat(0);
        let acc11 = i32x4.splat(0);
        let acc12 = i32x4.splat(0);
        let acc13 = i32x4.splat(0);
        let pa0 = a0;
        let pa1 = a1;
        let pw = wb + 32;
        const pend = pw + (kp << 3);
        while (pw < pend) {
          const va0 = v128.load(pa0);
          const vn0 = v128.not(va0);
          const va1 = v128.load(pa1);
          const vn1 = v128.not(va1);
          const vp0 = v128.load(pw);
          const vm0 = v128.load(pw, 16);
          acc00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(va0, vp0, acc00);
          acc10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(va1, vp0, acc10);
          acc00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(vn0, vm0, acc00);
          acc10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(vn1, vm0, acc10);
          const vp1 = v128.load(pw, 32);
          const vm1 = v128.load(pw, 48);
          acc01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(va0, vp1, acc01);
          acc11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(va1, vp1, acc11);
          acc01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(vn0, vm1, acc01);
          acc11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(vn1, vm1, acc11);
          const vp2 = v128.load(pw, 64);
          const vm2 = v128.load(pw, 80);
          acc02 = i32x4.relaxed_dot_i8x16_i7x16_add_s(va0, vp2, acc02);
          acc12 = i32x4.relaxed_dot_i8x16_i7x16_add_s(va1, vp2, acc12);
          acc02 = i32x4.relaxed_dot_i8x16_i7x16_add_s(vn0, vm2, acc02);
          acc12 = i32x4.relaxed_dot_i8x16_i7x16_add_s(vn1, vm2, acc12);
          const vp3 = v128.load(pw, 96);
          const vm3 = v128.load(pw, 112);
          acc03 = i32x4.relaxed_dot_i8x16_i7x16_add_s(va0, vp3, acc03);
          acc13 = i32x4.relaxed_dot_i8x16_i7x16_add_s(va1, vp3, acc13);
          acc03 = i32x4.relaxed_dot_i8x16_i7x16_add_s(vn0, vm3, acc03);
          acc13 = i32x4.relaxed_dot_i8x16_i7x16_add_s(vn1, vm3, acc13);
          pa0 += 16;
          pa1 += 16;
          pw += 128;
        }
        const vbias = v128.load(wb);
        const vscale = v128.load(wb, 16);
        const y0 = requant_fp32x4(i32x4.add(hsum4(acc00, acc01, acc02, acc03), vbias), vscale, vzp, vlo, vhi);
        const y1 = requant_fp32x4(i32x4.add(hsum4(acc10, acc11, acc12, acc13), vbias), vscale, vzp, vlo, vhi);
        const off = <usize>nb * 4;
        store_2x4(narrow_i32x16_i8(y0, y1, y0, y1), c0 + off, c1 + off, n - nb * 4);
      }
    }
    if (i < m) {
      const a0 = a + <usize>i * <usize>a_stride;
      const c0 = c + <usize>i * <usize>c_stride;
      for (let nb = nb0; nb < nb1; nb++) {
        const wb = w + <usize>nb * wblock;
        let acc0 = i32x4.splat(0);
        let acc1 = i32x4.splat(0);
        let acc2 = i32x4.splat(0);
        let acc3 = i32x4.splat(0);
        let pa0 = a0;
        let pw = wb + 32;
        const pend = pw + (kp << 3);
        while (pw < pend) {
          const va0 = v128.load(pa0);
          const vn0 = v128.not(va0);
          acc0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(va0, v128.load(pw), acc0);
          acc1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(va0, v128.load(pw, 32), acc1);
          acc2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(va0, v128.load(pw, 64), acc2);
          acc3 = i32x4.relaxed_dot_i8x16_i7x16_add_s(va0, v128.load(pw, 96), acc3);
          acc0 = i32x4.relaxed_dot_i8x16_i7x16_add_s(vn0, v128.load(pw, 16), acc0);
          acc1 = i32x4.relaxed_dot_i8x16_i7x16_add_s(vn0, v128.load(pw, 48), acc1);
          acc2 = i32x4.relaxed_dot_i8x16_i7x16_add_s(vn0, v128.load(pw, 80), acc2);
          acc3 = i32x4.relaxed_dot_i8x16_i7x16_add_s(vn0, v128.load(pw, 112), acc3);
          pa0 += 16;
          pw += 128;
        }
        const y0 = requant_fp32x4(
          i32x4.add(hsum4(acc0, acc1, acc2, acc3), v128.load(wb)), v128.load(wb, 16), vzp, vlo, vhi);
        const off = <usize>nb * 4;
        store_2x4(narrow_i32x16_i8(y0, y0, y0, y0), c0 + off, c0 + off, n - nb * 4);
      }
    }
  }
}

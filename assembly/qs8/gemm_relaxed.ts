// int8 GEMM microkernel, relaxed SIMD: qs8_gemm_2x4c16s__wasmrelaxed.
// Signature, params and the packed "4c16s" layout: see gemm_scalar.ts (its scalar twin
// qs8_gemm_2x4c16s__scalar and the packer qs8_gemm_pack_2x4c16s live there).
//
// The relaxed dots are only deterministic when their second operand is in 0..127, so
// every weight is packed as two 7-bit halves w+ = max(w,0) and w- = max(-w,0). Per 16 K
// and (row, channel): p = i16x8.relaxed_dot(a, w+) - i16x8.relaxed_dot(a, w-), exact in
// i16 (each pair sum is within +-2*128*127 = +-32512, so neither dot saturates and the
// difference, a0*w0 + a1*w1, fits), then i32x4.extadd_pairwise_i16x8_s into the accumulator.
// Tile 2 rows x 4 channels x 16 K, eight accumulators, like the simd kernel.
//
// Why not i32x4.relaxed_dot_i8x16_i7x16_add_s: Node 20's baseline compiler (Liftoff, which
// runs every function until it gets hot) computes it wrongly when its accumulator is a
// temporary (binaryen nests dot(x, y, dot(u, v, acc))): a scratch register aliases the
// accumulator. TurboFan is right. Found by this kernel's tests; the i16 form avoids it.
//
// On Zen 3 (no AVX-VNNI) V8 lowers the i16 relaxed dot to pmaddubsw: three multiplies per
// 16 products (two pmaddubsw, one pmaddwd for the pairwise add) against two pmaddwd in
// qs8_gemm_2x4c8__wasmsimd, so the kernel table gives the relaxed build the simd kernel.
// This one stays exported and tested for engines where the relaxed dot is cheaper (ARM sdot).

import { requant_fp32x4, narrow_i32x16_i8 } from '../common/requant_wasmsimd';
import { hsum4, store_2x4 } from './gemm_common_wasmsimd';
import { qs8_4c16s_block_bytes } from './gemm_scalar';
import { QS8_GEMM_QMAX, QS8_GEMM_QMIN, QS8_GEMM_ZP_OUT } from '../common/params';

/** sum over pairs of a * (w+ - w-), as i32x4 partial sums (see the header for why it is exact). */
// @ts-ignore: decorator
@inline
function dot16(a: v128, wp: v128, wm: v128): v128 {
  const p = i16x8.sub(i16x8.relaxed_dot_i8x16_i7x16_s(a, wp), i16x8.relaxed_dot_i8x16_i7x16_s(a, wm));
  return i32x4.extadd_pairwise_i16x8_s(p);
}

export function qs8_gemm_2x4c16s__wasmrelaxed(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  const kp = <usize>((k + 15) & ~15);
  const wblock = <usize>qs8_4c16s_block_bytes(<i32>kp);
  const zp = load<i32>(params, QS8_GEMM_ZP_OUT);
  const vzp = i32x4.splat(zp);
  const vlo = f32x4.splat(<f32>(load<i32>(params, QS8_GEMM_QMIN) - zp));
  const vhi = f32x4.splat(<f32>(load<i32>(params, QS8_GEMM_QMAX) - zp));
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
          const va1 = v128.load(pa1);
          const vp0 = v128.load(pw, 0);
          const vm0 = v128.load(pw, 16);
          acc00 = i32x4.add(acc00, dot16(va0, vp0, vm0));
          acc10 = i32x4.add(acc10, dot16(va1, vp0, vm0));
          const vp1 = v128.load(pw, 32);
          const vm1 = v128.load(pw, 48);
          acc01 = i32x4.add(acc01, dot16(va0, vp1, vm1));
          acc11 = i32x4.add(acc11, dot16(va1, vp1, vm1));
          const vp2 = v128.load(pw, 64);
          const vm2 = v128.load(pw, 80);
          acc02 = i32x4.add(acc02, dot16(va0, vp2, vm2));
          acc12 = i32x4.add(acc12, dot16(va1, vp2, vm2));
          const vp3 = v128.load(pw, 96);
          const vm3 = v128.load(pw, 112);
          acc03 = i32x4.add(acc03, dot16(va0, vp3, vm3));
          acc13 = i32x4.add(acc13, dot16(va1, vp3, vm3));
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
          acc0 = i32x4.add(acc0, dot16(va0, v128.load(pw, 0), v128.load(pw, 16)));
          acc1 = i32x4.add(acc1, dot16(va0, v128.load(pw, 32), v128.load(pw, 48)));
          acc2 = i32x4.add(acc2, dot16(va0, v128.load(pw, 64), v128.load(pw, 80)));
          acc3 = i32x4.add(acc3, dot16(va0, v128.load(pw, 96), v128.load(pw, 112)));
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

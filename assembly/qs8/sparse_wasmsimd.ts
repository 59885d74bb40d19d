// Block-sparse int8 GEMM microkernel, WASM SIMD128: qs8_spgemm_2x4c8__wasmsimd.
// Signature, params and the packed "sp4c8" layout: see sparse_scalar.ts (its scalar twin
// qs8_spgemm_2x4c8__scalar and the packer qs8_spgemm_pack_4c8 live there).
//
// The dense 2x4c8 kernel (gemm_wasmsimd.ts) with one indirection: each stored block says
// where its 8 activations start (k0), so a zero block costs nothing, not even a load. Per
// stored block: two v128.load8x8_s of activations at k0, four v128.load8x8_s of int8 weights,
// eight i32x4.dot_i16x8_s. The extra i32 load per block is what the sparsity has to pay
// for: 6-13% slower than the dense kernel with no zero block, even at about 10% zero
// blocks, 1.5-1.7x faster at 50%, 3.5-5.7x at 90% (bench/sparse.bench.mts, docs/compression.md).
// Loops: groups of 4 channels in chunks of ~64 KiB of packed weights outside, rows inside
// (as the dense kernel). M tail: a 1x4 tile. N tail: only real channels are stored.

import { requant_fp32x4_zm, narrow_i32x16_i8, zp_magic } from '../common/requant_wasmsimd';
import { hsum4, store_2x4 } from './gemm_common_wasmsimd';
import { QS8_GEMM_QMAX, QS8_GEMM_QMIN, QS8_GEMM_ZP_OUT } from '../common/params';

export function qs8_spgemm_2x4c8__wasmsimd(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  const zp = load<i32>(params, QS8_GEMM_ZP_OUT);
  const vzp = zp_magic(zp);
  const vlo = f32x4.splat(<f32>(load<i32>(params, QS8_GEMM_QMIN) - zp));
  const vhi = f32x4.splat(<f32>(load<i32>(params, QS8_GEMM_QMAX) - zp));
  const groups = (n + 3) >> 2;
  let g0 = 0;
  while (g0 < groups) {
    // A chunk of groups whose packed weights span about 64 KiB (at least one group).
    const start = load<i32>(w + <usize>g0 * 4);
    let g1 = g0 + 1;
    while (g1 < groups && load<i32>(w + <usize>g1 * 4) - start < (64 << 10)) g1++;
    let i = 0;
    for (; i + 2 <= m; i += 2) {
      const a0 = a + <usize>i * <usize>a_stride;
      const a1 = a0 + <usize>a_stride;
      const c0 = c + <usize>i * <usize>c_stride;
      const c1 = c0 + <usize>c_stride;
      for (let g = g0; g < g1; g++) {
        const wb = w + <usize>load<i32>(w + <usize>g * 4);
        const nb = load<i32>(wb, 32);
        let pk = wb + 48;
        let pw = pk + <usize>(((nb + 3) & ~3) << 2);
        const pend = pw + <usize>(nb << 5);
        let acc00 = i32x4.splat(0);
        let acc01 = i32x4.splat(0);
        let acc02 = i32x4.splat(0);
        let acc03 = i32x4.splat(0);
        let acc10 = i32x4.splat(0);
        let acc11 = i32x4.splat(0);
        let acc12 = i32x4.splat(0);
        let acc13 = i32x4.splat(0);
        while (pw < pend) {
          const k0 = <usize>load<i32>(pk);
          const va0 = v128.load8x8_s(a0 + k0);
          const va1 = v128.load8x8_s(a1 + k0);
          const vb0 = v128.load8x8_s(pw);
          acc00 = i32x4.add(acc00, i32x4.dot_i16x8_s(va0, vb0));
          acc10 = i32x4.add(acc10, i32x4.dot_i16x8_s(va1, vb0));
          const vb1 = v128.load8x8_s(pw, 8);
          acc01 = i32x4.add(acc01, i32x4.dot_i16x8_s(va0, vb1));
          acc11 = i32x4.add(acc11, i32x4.dot_i16x8_s(va1, vb1));
          const vb2 = v128.load8x8_s(pw, 16);
          acc02 = i32x4.add(acc02, i32x4.dot_i16x8_s(va0, vb2));
          acc12 = i32x4.add(acc12, i32x4.dot_i16x8_s(va1, vb2));
          const vb3 = v128.load8x8_s(pw, 24);
          acc03 = i32x4.add(acc03, i32x4.dot_i16x8_s(va0, vb3));
          acc13 = i32x4.add(acc13, i32x4.dot_i16x8_s(va1, vb3));
          pk += 4;
          pw += 32;
        }
        const vbias = v128.load(wb);
        const vscale = v128.load(wb, 16);
        const y0 = requant_fp32x4_zm(i32x4.add(hsum4(acc00, acc01, acc02, acc03), vbias), vscale, vzp, vlo, vhi);
        const y1 = requant_fp32x4_zm(i32x4.add(hsum4(acc10, acc11, acc12, acc13), vbias), vscale, vzp, vlo, vhi);
        const off = <usize>g * 4;
        store_2x4(narrow_i32x16_i8(y0, y1, y0, y1), c0 + off, c1 + off, n - g * 4);
      }
    }
    if (i < m) {
      const a0 = a + <usize>i * <usize>a_stride;
      const c0 = c + <usize>i * <usize>c_stride;
      for (let g = g0; g < g1; g++) {
        const wb = w + <usize>load<i32>(w + <usize>g * 4);
        const nb = load<i32>(wb, 32);
        let pk = wb + 48;
        let pw = pk + <usize>(((nb + 3) & ~3) << 2);
        const pend = pw + <usize>(nb << 5);
        let acc0 = i32x4.splat(0);
        let acc1 = i32x4.splat(0);
        let acc2 = i32x4.splat(0);
        let acc3 = i32x4.splat(0);
        while (pw < pend) {
          const va0 = v128.load8x8_s(a0 + <usize>load<i32>(pk));
          acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(va0, v128.load8x8_s(pw)));
          acc1 = i32x4.add(acc1, i32x4.dot_i16x8_s(va0, v128.load8x8_s(pw, 8)));
          acc2 = i32x4.add(acc2, i32x4.dot_i16x8_s(va0, v128.load8x8_s(pw, 16)));
          acc3 = i32x4.add(acc3, i32x4.dot_i16x8_s(va0, v128.load8x8_s(pw, 24)));
          pk += 4;
          pw += 32;
        }
        const y0 = requant_fp32x4_zm(
          i32x4.add(hsum4(acc0, acc1, acc2, acc3), v128.load(wb)), v128.load(wb, 16), vzp, vlo, vhi);
        const off = <usize>g * 4;
        store_2x4(narrow_i32x16_i8(y0, y0, y0, y0), c0 + off, c0 + off, n - g * 4);
      }
    }
    g0 = g1;
  }
}

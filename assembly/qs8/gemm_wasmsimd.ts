// int8 GEMM microkernel, WASM SIMD128: qs8_gemm_2x4c8__wasmsimd.
// Signature, params and the packed "4c8" layout: see gemm_scalar.ts (its scalar twin
// qs8_gemm_2x4c8__scalar and the packer qs8_gemm_pack_2x4c8 live there).
//
// Tile: 2 rows x 4 output channels, K in steps of 8 ("c8"). Per step: two
// v128.load8x8_s of activations, four v128.load8x8_s of int8 weights, eight
// i32x4.dot_i16x8_s + i32x4.add into eight accumulators, which leaves V8 (15 usable
// xmm registers on x64) 14 live vectors and no spill. Each accumulator holds four
// partial sums of one (row, channel); they are reduced once per tile. Measured on
// Zen 3 against 1x4, 3x4 and 4x4 tiles (3x4 and 4x4 spill) and against a 2x unroll
// (V8 already unrolls the loop); 2x4 wins everywhere except M = 1, which has its own
// 1x4 tile below.
//
// Weights stay int8 in memory (issue 21): widening them here costs one vpmovsxbw per 8 weights
// where the old int16 layout had a plain load. Measured on Zen 3 (bench:kernels --stat min,
// alternating builds): 2-5% on the K-bound 1x1 / 3x3 layers before the zero point was folded into
// the rounding constant (requant_fp32x4_zm), 2.6-3.3% after. Tried and slower: a 4x2 tile over
// an int16 activation panel widened once per weight chunk (the same 18 vector ops per k step as
// the int16-weight kernel, but 5% slower: 4 activation loads per step), the 2x4 tile over that
// panel, L1-sized weight chunks, and a 2x source unroll (V8 then spills).
//
// Loops: weights in chunks of ~64 KiB (stay in L2) outside, rows inside, so a
// large layer streams its activations once per chunk, not once per 4 channels.
// M tail: the 1x4 tile. N tail: N is padded to 4 in the packing; only real
// channels are stored. K tail: K is zero-padded to 8 in the packing; rows are read up
// to 7 bytes past K (times a zero weight; READ_PAST covers the last row).

import { requant_fp32x4_zm, narrow_i32x16_i8, zp_magic } from '../common/requant_wasmsimd';
import { hsum4, store_2x4 } from './gemm_common_wasmsimd';
import { qs8_4c8_block_bytes } from './gemm_scalar';
import { QS8_GEMM_QMAX, QS8_GEMM_QMIN, QS8_GEMM_ZP_OUT } from '../common/params';
import { residual_add_2x4 } from './residual_wasmsimd';

export function qs8_gemm_2x4c8__wasmsimd(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  qs8_gemm_2x4c8_body__wasmsimd(m, n, k, a, a_stride, w, c, c_stride, params, false);
}

/**
 * The "4c8" GEMM; with `add` (a constant at every use) each output is the residual add of its
 * requantized value (residual_wasmsimd.ts, params QS8_CONV_ADD) instead of that value.
 */
// @ts-ignore: decorator
@inline
export function qs8_gemm_2x4c8_body__wasmsimd(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize, add: bool,
): void {
  const kp = <usize>((k + 7) & ~7);
  const wblock = <usize>qs8_4c8_block_bytes(<i32>kp);
  const zp = load<i32>(params, QS8_GEMM_ZP_OUT);
  // With add: the value less its zero point (what the add reads), then the add's epilogue.
  const vzp = zp_magic(add ? 0 : zp);
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
        const pend = pw + (kp << 2);
        while (pw < pend) {
          const va0 = v128.load8x8_s(pa0);
          const va1 = v128.load8x8_s(pa1);
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
          pa0 += 8;
          pa1 += 8;
          pw += 32;
        }
        const vbias = v128.load(wb);
        const vscale = v128.load(wb, 16);
        const y0 = requant_fp32x4_zm(i32x4.add(hsum4(acc00, acc01, acc02, acc03), vbias), vscale, vzp, vlo, vhi);
        const y1 = requant_fp32x4_zm(i32x4.add(hsum4(acc10, acc11, acc12, acc13), vbias), vscale, vzp, vlo, vhi);
        const off = <usize>nb * 4;
        const o01 = add ? residual_add_2x4(y0, y1, c0 + off, c1 + off, params) : narrow_i32x16_i8(y0, y1, y0, y1);
        store_2x4(o01, c0 + off, c1 + off, n - nb * 4);
      }
    }
    if (i < m) {
      // Last row alone (M odd; M = 1 is a fully connected layer): the 1x4 tile.
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
        const pend = pw + (kp << 2);
        while (pw < pend) {
          const va0 = v128.load8x8_s(pa0);
          acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(va0, v128.load8x8_s(pw)));
          acc1 = i32x4.add(acc1, i32x4.dot_i16x8_s(va0, v128.load8x8_s(pw, 8)));
          acc2 = i32x4.add(acc2, i32x4.dot_i16x8_s(va0, v128.load8x8_s(pw, 16)));
          acc3 = i32x4.add(acc3, i32x4.dot_i16x8_s(va0, v128.load8x8_s(pw, 24)));
          pa0 += 8;
          pw += 32;
        }
        const y0 = requant_fp32x4_zm(
          i32x4.add(hsum4(acc0, acc1, acc2, acc3), v128.load(wb)), v128.load(wb, 16), vzp, vlo, vhi);
        const off = <usize>nb * 4;
        const o00 = add ? residual_add_2x4(y0, y0, c0 + off, c0 + off, params) : narrow_i32x16_i8(y0, y0, y0, y0);
        store_2x4(o00, c0 + off, c0 + off, n - nb * 4);
      }
    }
  }
}

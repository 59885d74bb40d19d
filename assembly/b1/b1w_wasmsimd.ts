// Binary weights x int8 activations, WASM SIMD128: qs8_b1w_gemm_2x4c8__wasmsimd and the
// conv on it. Semantics, params, packed layout: b1w.ts (scalar twins and packer).
//
// Tile: 2 rows x 4 channels, K in steps of 8, as the qs8 2x4c8 GEMM, but the weights stay
// 1 bit each: per step one u32 word is splat to i32x4 and expanded per channel into an
// i16x8 of +-1 (AND with the channel's 8 single-bit lanes, compare, OR 1), which both rows
// share in an i32x4.dot_i16x8_s. The last partial step masks the activation lanes past K to
// 0 (rows are read up to 7 bytes past K; the buffers' read-past bytes cover the last row).
import { b1w_block_bytes, b1w16_block_bytes } from './b1w';
import { b1_out_i8x4 } from './output_wasmsimd';
import { narrow_i32x16_i8 } from '../common/requant_wasmsimd';
import { hsum4, store_2x4 } from '../qs8/gemm_common_wasmsimd';
import { qs8_conv_driver } from '../qs8/conv_scalar';
import { qs8_im2col__wasmsimd } from '../qs8/im2col_wasmsimd';
import { QS8_GEMM_QMAX, QS8_GEMM_QMIN, QS8_GEMM_ZP_OUT } from '../common/params';

// @ts-ignore: decorator
@inline
function expand(wv: v128, t: v128, one: v128): v128 {
  return v128.or(i16x8.eq(v128.and(wv, t), t), one);
}

// Channel c tests bit 4c + (l >> 1) of lane l's half word (b1w_bit); then the +1 lanes.
// Loaded from static data rather than written as constants: V8 keeps a loaded vector in a
// register (or one stack slot) but may rematerialize a constant at every use in the loop.
const LANE_BITS = memory.data<u16>([
  0x0001, 0x0001, 0x0002, 0x0002, 0x0004, 0x0004, 0x0008, 0x0008,
  0x0010, 0x0010, 0x0020, 0x0020, 0x0040, 0x0040, 0x0080, 0x0080,
  0x0100, 0x0100, 0x0200, 0x0200, 0x0400, 0x0400, 0x0800, 0x0800,
  0x1000, 0x1000, 0x2000, 0x2000, 0x4000, 0x4000, 0x8000, 0x8000,
  1, 1, 1, 1, 1, 1, 1, 1,
]);

export function qs8_b1w_gemm_2x4c8__wasmsimd(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  const zp = load<i32>(params, QS8_GEMM_ZP_OUT);
  const vzp = i32x4.splat(zp);
  const vlo = f32x4.splat(<f32>(load<i32>(params, QS8_GEMM_QMIN) - zp));
  const vhi = f32x4.splat(<f32>(load<i32>(params, QS8_GEMM_QMAX) - zp));
  const rem = k & 7;
  const steps = <usize>(k >> 3);
  const bb = b1w_block_bytes(k);
  const blocks = (n + 3) >> 2;
  for (let i = 0; i < m; i += 2) {
    const a0 = a + <usize>i * <usize>a_stride;
    const a1 = i + 1 < m ? a0 + <usize>a_stride : a0;
    const c0 = c + <usize>i * <usize>c_stride;
    const c1 = i + 1 < m ? c0 + <usize>c_stride : c0;
    for (let nb = 0; nb < blocks; nb++) {
      const wb = w + <usize>nb * bb;
      const t0 = v128.load(LANE_BITS);
      const t1 = v128.load(LANE_BITS, 16);
      const t2 = v128.load(LANE_BITS, 32);
      const t3 = v128.load(LANE_BITS, 48);
      const one = v128.load(LANE_BITS, 64);
      let acc00 = i32x4.splat(0), acc01 = i32x4.splat(0), acc02 = i32x4.splat(0), acc03 = i32x4.splat(0);
      let acc10 = i32x4.splat(0), acc11 = i32x4.splat(0), acc12 = i32x4.splat(0), acc13 = i32x4.splat(0);
      let pa0 = a0;
      let pa1 = a1;
      let pw = wb + 48;
      const pend = pw + (steps << 2);
      while (pw < pend) {
        const wv = v128.load32_splat(pw);
        const x0 = v128.load8x8_s(pa0);
        const x1 = v128.load8x8_s(pa1);
        const s0 = expand(wv, t0, one);
        acc00 = i32x4.add(acc00, i32x4.dot_i16x8_s(x0, s0));
        acc10 = i32x4.add(acc10, i32x4.dot_i16x8_s(x1, s0));
        const s1 = expand(wv, t1, one);
        acc01 = i32x4.add(acc01, i32x4.dot_i16x8_s(x0, s1));
        acc11 = i32x4.add(acc11, i32x4.dot_i16x8_s(x1, s1));
        const s2 = expand(wv, t2, one);
        acc02 = i32x4.add(acc02, i32x4.dot_i16x8_s(x0, s2));
        acc12 = i32x4.add(acc12, i32x4.dot_i16x8_s(x1, s2));
        const s3 = expand(wv, t3, one);
        acc03 = i32x4.add(acc03, i32x4.dot_i16x8_s(x0, s3));
        acc13 = i32x4.add(acc13, i32x4.dot_i16x8_s(x1, s3));
        pa0 += 8;
        pa1 += 8;
        pw += 4;
      }
      if (rem != 0) {
        // Activation lanes past K become 0, so whatever the row holds there adds nothing.
        const tail = i16x8.lt_s(i16x8(0, 1, 2, 3, 4, 5, 6, 7), i16x8.splat(<i16>rem));
        const wv = v128.load32_splat(pw);
        const x0 = v128.and(v128.load8x8_s(pa0), tail);
        const x1 = v128.and(v128.load8x8_s(pa1), tail);
        const s0 = expand(wv, t0, one);
        acc00 = i32x4.add(acc00, i32x4.dot_i16x8_s(x0, s0));
        acc10 = i32x4.add(acc10, i32x4.dot_i16x8_s(x1, s0));
        const s1 = expand(wv, t1, one);
        acc01 = i32x4.add(acc01, i32x4.dot_i16x8_s(x0, s1));
        acc11 = i32x4.add(acc11, i32x4.dot_i16x8_s(x1, s1));
        const s2 = expand(wv, t2, one);
        acc02 = i32x4.add(acc02, i32x4.dot_i16x8_s(x0, s2));
        acc12 = i32x4.add(acc12, i32x4.dot_i16x8_s(x1, s2));
        const s3 = expand(wv, t3, one);
        acc03 = i32x4.add(acc03, i32x4.dot_i16x8_s(x0, s3));
        acc13 = i32x4.add(acc13, i32x4.dot_i16x8_s(x1, s3));
      }
      const vbias = v128.load(wb);
      const vmul = v128.load(wb, 16);
      const vadd = v128.load(wb, 32);
      const y0 = b1_out_i8x4(i32x4.add(hsum4(acc00, acc01, acc02, acc03), vbias), vmul, vadd, vzp, vlo, vhi);
      const y1 = b1_out_i8x4(i32x4.add(hsum4(acc10, acc11, acc12, acc13), vbias), vmul, vadd, vzp, vlo, vhi);
      const off = <usize>nb * 4;
      store_2x4(narrow_i32x16_i8(y0, y1, y0, y1), c0 + off, c1 + off, n - nb * 4);
    }
  }
}

export function qs8_b1w_conv_2x4c8__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  qs8_conv_driver(input, w, output, scratch, params, qs8_b1w_gemm_2x4c8__wasmsimd, qs8_im2col__wasmsimd);
}

// qs8_b1w_gemm_2x4c8w16__wasmsimd (twin: qs8_b1w_gemm_2x4c8w16__scalar): the same product on the "4c8w16" layout (b1w.ts:
// qs8_b1w_gemm_pack_4c8w16), the signs widened to i16 +-1 at load. The inner loop is the qs8
// 2x4c8 GEMM's (assembly/qs8/gemm_wasmsimd.ts: two activation loads, four weight loads, eight
// dot + add per 8 K; 14 live vectors, no spill) instead of a splat and four AND / compare / OR
// expansions per step, which the 2x4 tile could not hide (17 live vectors): 1.5x faster on
// Zen 3 for the same output bits. K past the real depth has weight 0 (no tail masking).
export function qs8_b1w_gemm_2x4c8w16__wasmsimd(
  m: i32, n: i32, k: i32, a: usize, a_stride: i32, w: usize, c: usize, c_stride: i32, params: usize,
): void {
  const zp = load<i32>(params, QS8_GEMM_ZP_OUT);
  const vzp = i32x4.splat(zp);
  const vlo = f32x4.splat(<f32>(load<i32>(params, QS8_GEMM_QMIN) - zp));
  const vhi = f32x4.splat(<f32>(load<i32>(params, QS8_GEMM_QMAX) - zp));
  const steps = <usize>((k + 7) >> 3);
  const bb = b1w16_block_bytes(k);
  const blocks = (n + 3) >> 2;
  for (let i = 0; i < m; i += 2) {
    const a0 = a + <usize>i * <usize>a_stride;
    const a1 = i + 1 < m ? a0 + <usize>a_stride : a0;
    const c0 = c + <usize>i * <usize>c_stride;
    const c1 = i + 1 < m ? c0 + <usize>c_stride : c0;
    for (let nb = 0; nb < blocks; nb++) {
      const wb = w + <usize>nb * bb;
      let acc00 = i32x4.splat(0), acc01 = i32x4.splat(0), acc02 = i32x4.splat(0), acc03 = i32x4.splat(0);
      let acc10 = i32x4.splat(0), acc11 = i32x4.splat(0), acc12 = i32x4.splat(0), acc13 = i32x4.splat(0);
      let pa0 = a0;
      let pa1 = a1;
      let pw = wb + 48;
      const pend = pw + (steps << 6);
      while (pw < pend) {
        const va0 = v128.load8x8_s(pa0);
        const va1 = v128.load8x8_s(pa1);
        const vb0 = v128.load(pw);
        acc00 = i32x4.add(acc00, i32x4.dot_i16x8_s(va0, vb0));
        acc10 = i32x4.add(acc10, i32x4.dot_i16x8_s(va1, vb0));
        const vb1 = v128.load(pw, 16);
        acc01 = i32x4.add(acc01, i32x4.dot_i16x8_s(va0, vb1));
        acc11 = i32x4.add(acc11, i32x4.dot_i16x8_s(va1, vb1));
        const vb2 = v128.load(pw, 32);
        acc02 = i32x4.add(acc02, i32x4.dot_i16x8_s(va0, vb2));
        acc12 = i32x4.add(acc12, i32x4.dot_i16x8_s(va1, vb2));
        const vb3 = v128.load(pw, 48);
        acc03 = i32x4.add(acc03, i32x4.dot_i16x8_s(va0, vb3));
        acc13 = i32x4.add(acc13, i32x4.dot_i16x8_s(va1, vb3));
        pa0 += 8;
        pa1 += 8;
        pw += 64;
      }
      const vbias = v128.load(wb);
      const vmul = v128.load(wb, 16);
      const vadd = v128.load(wb, 32);
      const y0 = b1_out_i8x4(i32x4.add(hsum4(acc00, acc01, acc02, acc03), vbias), vmul, vadd, vzp, vlo, vhi);
      const y1 = b1_out_i8x4(i32x4.add(hsum4(acc10, acc11, acc12, acc13), vbias), vmul, vadd, vzp, vlo, vhi);
      const off = <usize>nb * 4;
      store_2x4(narrow_i32x16_i8(y0, y1, y0, y1), c0 + off, c1 + off, n - nb * 4);
    }
  }
}

export function qs8_b1w_conv_2x4c8w16__wasmsimd(input: usize, w: usize, output: usize, scratch: usize, params: usize): void {
  qs8_conv_driver(input, w, output, scratch, params, qs8_b1w_gemm_2x4c8w16__wasmsimd, qs8_im2col__wasmsimd);
}

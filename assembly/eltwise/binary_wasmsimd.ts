// Element-wise ops of two tensors with broadcasting, WASM SIMD: the twins of binary.ts (read its
// header), same signatures, params and f32 operations in the same order, so int8 outputs agree
// bit for bit and f32 outputs too. int8 takes 16 elements a step, f32 16 then 4; a broadcast
// operand (inc 0) is splat once per run. Tails load a full vector (reading at most 15 bytes
// past a run, which the host pads at the end of every buffer) and store only what exists.
import { clamp_f32x4 } from '../common/clamp_wasmsimd';
import { narrow_i32x16_i8 } from '../common/requant_wasmsimd';
import { MAGIC, MAGIC_BITS } from '../common/requant';
import { output_fp32x4, store_bytes_tail, store_f32_tail } from './output_wasmsimd';
import { OP_ADD, OP_DIV, OP_MAX, OP_MIN, OP_MUL, OP_SUB } from './binary';
import {
  BCAST_A_INC, BCAST_A_S1, BCAST_A_S2, BCAST_A_S3, BCAST_B_INC, BCAST_B_S1, BCAST_B_S2, BCAST_B_S3, BCAST_N1, BCAST_N2,
  BCAST_N3, BCAST_OP, F32_BINARY_FMAX, F32_BINARY_FMIN, QS8_BINARY_A_ZP, QS8_BINARY_B_ZP, QS8_BINARY_M_A, QS8_BINARY_M_B,
  QS8_BINARY_QMAX, QS8_BINARY_QMIN, QS8_BINARY_Y_ZP,
} from '../common/params';

// @ts-ignore: decorator
@inline
function f32_op4(op: i32, a: v128, b: v128): v128 {
  if (op == OP_ADD) return f32x4.add(a, b);
  if (op == OP_SUB) return f32x4.sub(a, b);
  if (op == OP_MUL) return f32x4.mul(a, b);
  if (op == OP_DIV) return f32x4.div(a, b);
  if (op == OP_MAX) return f32x4.max(a, b);
  return f32x4.min(a, b);
}

/** t of four zero-point-corrected int8 values of each operand (i32 lanes), as qs8_op. */
// @ts-ignore: decorator
@inline
function qs8_op4(op: i32, a: v128, b: v128, m_a: v128, m_b: v128): v128 {
  if (op == OP_MUL) return f32x4.mul(f32x4.convert_i32x4_s(i32x4.mul(a, b)), m_a);
  if (op == OP_DIV) return f32x4.div(f32x4.mul(f32x4.convert_i32x4_s(a), m_a), f32x4.convert_i32x4_s(b));
  const ta = f32x4.mul(f32x4.convert_i32x4_s(a), m_a), tb = f32x4.mul(f32x4.convert_i32x4_s(b), m_b);
  if (op == OP_ADD) return f32x4.add(ta, tb);
  if (op == OP_SUB) return f32x4.sub(ta, tb);
  if (op == OP_MAX) return f32x4.max(ta, tb);
  return f32x4.min(ta, tb);
}

/** Sixteen int8 outputs of sixteen int8 a and b. */
// @ts-ignore: decorator
@inline
function qs8_op16(op: i32, va: v128, vb: v128, a_zp: v128, b_zp: v128, m_a: v128, m_b: v128, lo: v128, hi: v128, mz: v128): v128 {
  const magic = f32x4.splat(MAGIC);
  const al = i16x8.sub(i16x8.extend_low_i8x16_s(va), a_zp), ah = i16x8.sub(i16x8.extend_high_i8x16_s(va), a_zp);
  const bl = i16x8.sub(i16x8.extend_low_i8x16_s(vb), b_zp), bh = i16x8.sub(i16x8.extend_high_i8x16_s(vb), b_zp);
  const t0 = qs8_op4(op, i32x4.extend_low_i16x8_s(al), i32x4.extend_low_i16x8_s(bl), m_a, m_b);
  const t1 = qs8_op4(op, i32x4.extend_high_i16x8_s(al), i32x4.extend_high_i16x8_s(bl), m_a, m_b);
  const t2 = qs8_op4(op, i32x4.extend_low_i16x8_s(ah), i32x4.extend_low_i16x8_s(bh), m_a, m_b);
  const t3 = qs8_op4(op, i32x4.extend_high_i16x8_s(ah), i32x4.extend_high_i16x8_s(bh), m_a, m_b);
  return narrow_i32x16_i8(
    output_fp32x4(t0, lo, hi, magic, mz), output_fp32x4(t1, lo, hi, magic, mz),
    output_fp32x4(t2, lo, hi, magic, mz), output_fp32x4(t3, lo, hi, magic, mz));
}

/** One f32 run: a vector of a at `off` bytes (or the splat `sa` when a is broadcast), likewise b. */
// @ts-ignore: decorator
@inline
function f32_vec(op: i32, a_inc: usize, b_inc: usize, a: usize, b: usize, off: usize, sa: v128, sb: v128, lo: v128, hi: v128): v128 {
  return clamp_f32x4(f32_op4(op, a_inc ? v128.load(a + off) : sa, b_inc ? v128.load(b + off) : sb), lo, hi);
}

/** One run of n outputs; T is f32 or i8 (the int8 constants are unused for f32). */
// @ts-ignore: decorator
@inline
function run<T>(op: i32, a_inc: usize, b_inc: usize, n: usize, a: usize, b: usize, y: usize,
  a_zp: v128, b_zp: v128, m_a: v128, m_b: v128, lo: v128, hi: v128, mz: v128): void {
  if (isFloat<T>()) {
    const sa = a_inc ? i32x4.splat(0) : v128.load32_splat(a), sb = b_inc ? i32x4.splat(0) : v128.load32_splat(b);
    for (; n >= 16; n -= 16) {
      v128.store(y, f32_vec(op, a_inc, b_inc, a, b, 0, sa, sb, lo, hi));
      v128.store(y, f32_vec(op, a_inc, b_inc, a, b, 16, sa, sb, lo, hi), 16);
      v128.store(y, f32_vec(op, a_inc, b_inc, a, b, 32, sa, sb, lo, hi), 32);
      v128.store(y, f32_vec(op, a_inc, b_inc, a, b, 48, sa, sb, lo, hi), 48);
      a += a_inc << 6;
      b += b_inc << 6;
      y += 64;
    }
    while (n > 0) {
      const r = f32_vec(op, a_inc, b_inc, a, b, 0, sa, sb, lo, hi);
      if (n >= 4) {
        v128.store(y, r);
        n -= 4;
      } else {
        store_f32_tail(y, r, n);
        n = 0;
      }
      a += a_inc << 4;
      b += b_inc << 4;
      y += 16;
    }
  } else {
    const sa = a_inc ? i32x4.splat(0) : i8x16.splat(load<i8>(a)), sb = b_inc ? i32x4.splat(0) : i8x16.splat(load<i8>(b));
    while (n > 0) {
      const r = qs8_op16(op, a_inc ? v128.load(a) : sa, b_inc ? v128.load(b) : sb, a_zp, b_zp, m_a, m_b, lo, hi, mz);
      if (n >= 16) {
        v128.store(y, r);
        n -= 16;
      } else {
        store_bytes_tail(y, r, n);
        n = 0;
      }
      a += a_inc << 4;
      b += b_inc << 4;
      y += 16;
    }
  }
}

/** Every run of the call (the BCAST loops). */
// @ts-ignore: decorator
@inline
function loops<T>(op: i32, n: usize, a: usize, b: usize, y: usize, params: usize,
  a_zp: v128, b_zp: v128, m_a: v128, m_b: v128, lo: v128, hi: v128, mz: v128): void {
  const sh: usize = isFloat<T>() ? 2 : 0;
  const a_inc = <usize>load<i32>(params, BCAST_A_INC), b_inc = <usize>load<i32>(params, BCAST_B_INC);
  const n1 = load<i32>(params, BCAST_N1), n2 = load<i32>(params, BCAST_N2), n3 = load<i32>(params, BCAST_N3);
  const a_s1 = <usize>load<i32>(params, BCAST_A_S1) << sh, b_s1 = <usize>load<i32>(params, BCAST_B_S1) << sh;
  const a_s2 = <usize>load<i32>(params, BCAST_A_S2) << sh, b_s2 = <usize>load<i32>(params, BCAST_B_S2) << sh;
  const a_s3 = <usize>load<i32>(params, BCAST_A_S3) << sh, b_s3 = <usize>load<i32>(params, BCAST_B_S3) << sh;
  for (let i3 = 0; i3 < n3; i3++) {
    for (let i2 = 0; i2 < n2; i2++) {
      let ap = a + <usize>i3 * a_s3 + <usize>i2 * a_s2, bp = b + <usize>i3 * b_s3 + <usize>i2 * b_s2;
      for (let i1 = 0; i1 < n1; i1++) {
        run<T>(op, a_inc, b_inc, n, ap, bp, y, a_zp, b_zp, m_a, m_b, lo, hi, mz);
        ap += a_s1;
        bp += b_s1;
        y += n << sh;
      }
    }
  }
}

/** The call for each op, the op a constant in each copy. */
// @ts-ignore: decorator
@inline
function dispatch<T>(n: usize, a: usize, b: usize, y: usize, params: usize,
  a_zp: v128, b_zp: v128, m_a: v128, m_b: v128, lo: v128, hi: v128, mz: v128): void {
  const op = load<i32>(params, BCAST_OP);
  if (op == OP_ADD) loops<T>(OP_ADD, n, a, b, y, params, a_zp, b_zp, m_a, m_b, lo, hi, mz);
  else if (op == OP_SUB) loops<T>(OP_SUB, n, a, b, y, params, a_zp, b_zp, m_a, m_b, lo, hi, mz);
  else if (op == OP_MUL) loops<T>(OP_MUL, n, a, b, y, params, a_zp, b_zp, m_a, m_b, lo, hi, mz);
  else if (op == OP_DIV) loops<T>(OP_DIV, n, a, b, y, params, a_zp, b_zp, m_a, m_b, lo, hi, mz);
  else if (op == OP_MAX) loops<T>(OP_MAX, n, a, b, y, params, a_zp, b_zp, m_a, m_b, lo, hi, mz);
  else loops<T>(OP_MIN, n, a, b, y, params, a_zp, b_zp, m_a, m_b, lo, hi, mz);
}

export function f32_vbinary_x16__wasmsimd(n: usize, a: usize, b: usize, y: usize, params: usize): void {
  const z = i32x4.splat(0);
  dispatch<f32>(n, a, b, y, params, z, z, z, z,
    v128.load32_splat(params, F32_BINARY_FMIN), v128.load32_splat(params, F32_BINARY_FMAX), z);
}

export function qs8_vbinary_x16__wasmsimd(n: usize, a: usize, b: usize, y: usize, params: usize): void {
  const zp = load<i32>(params, QS8_BINARY_Y_ZP);
  dispatch<i8>(n, a, b, y, params,
    i16x8.splat(<i16>load<i32>(params, QS8_BINARY_A_ZP)), i16x8.splat(<i16>load<i32>(params, QS8_BINARY_B_ZP)),
    v128.load32_splat(params, QS8_BINARY_M_A), v128.load32_splat(params, QS8_BINARY_M_B),
    f32x4.splat(<f32>(load<i32>(params, QS8_BINARY_QMIN) - zp)), f32x4.splat(<f32>(load<i32>(params, QS8_BINARY_QMAX) - zp)),
    i32x4.splat(MAGIC_BITS - zp));
}

// SIMD twin of residual.ts: the residual add in the epilogue of the 2x4 GEMM tile, the same f32
// operations in the same order as residual_add (and as the element-wise add's SIMD kernel), so
// the bytes agree with the scalar twin and with the conv followed by the add.
import { MAGIC, MAGIC_BITS } from '../common/requant';
import { narrow_i32x16_i8 } from '../common/requant_wasmsimd';
import { output_fp32x4 } from '../eltwise/output_wasmsimd';
import {
  QS8_CONV_ADD_ADD_QMAX, QS8_CONV_ADD_ADD_QMIN, QS8_CONV_ADD_ADD_ZP, QS8_CONV_ADD_M_R, QS8_CONV_ADD_M_V, QS8_CONV_ADD_R_DELTA,
  QS8_CONV_ADD_R_ZP,
} from '../common/params';

/**
 * The add's outputs of a 2x4 tile: v0, v1 the conv's values less its zero point (i32 lanes) of
 * rows 0 and 1, written at c0 and c1 (4 bytes each, as store_2x4 writes them: bytes 0..3 row 0,
 * 4..7 row 1); the residual is read at c0 + r_delta and c1 + r_delta, 4 bytes each (past a
 * row's last channel at most 3 bytes, which the host pads).
 */
// @ts-ignore: decorator
@inline
export function residual_add_2x4(v0: v128, v1: v128, c0: usize, c1: usize, params: usize): v128 {
  const d = <usize>load<i32>(params, QS8_CONV_ADD_R_DELTA);
  const r8 = v128.load32_lane(c1 + d, v128.load32_zero(c0 + d), 1);
  const r16 = i16x8.sub(i16x8.extend_low_i8x16_s(r8), v128.load16_splat(params, QS8_CONV_ADD_R_ZP));
  const m_v = v128.load32_splat(params, QS8_CONV_ADD_M_V), m_r = v128.load32_splat(params, QS8_CONV_ADD_M_R);
  const t0 = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(v0), m_v), f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(r16)), m_r));
  const t1 = f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(v1), m_v), f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(r16)), m_r));
  const zp = load<i32>(params, QS8_CONV_ADD_ADD_ZP);
  const lo = f32x4.splat(<f32>(load<i32>(params, QS8_CONV_ADD_ADD_QMIN) - zp));
  const hi = f32x4.splat(<f32>(load<i32>(params, QS8_CONV_ADD_ADD_QMAX) - zp));
  const magic = f32x4.splat(MAGIC), mz = i32x4.splat(MAGIC_BITS - zp);
  const y0 = output_fp32x4(t0, lo, hi, magic, mz), y1 = output_fp32x4(t1, lo, hi, magic, mz);
  return narrow_i32x16_i8(y0, y1, y0, y1);
}

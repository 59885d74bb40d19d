// The residual add in an int8 conv's epilogue (params QS8_CONV_ADD): the conv's requantized
// output v never reaches memory; each becomes y = v + r as the int8 element-wise add computes it
// (assembly/eltwise/binary.ts, OP_ADD), r the residual tensor's value at the same element:
//   t = f32(v - zp_out) * m_v + f32(r - r_zp) * m_r      (each f32 operation rounded, this order)
//   y = round_half_even(clamp(t, add_qmin - add_zp, add_qmax - add_zp)) + add_zp   (output_fp32)
// v is the conv's clamped int8 value (its own activation), so the fused layer gives the bytes of
// the conv and then the add. f32 addition commutes, so which operand of the add the conv output
// was does not matter; its multiplier is m_v. The residual lies r_delta bytes after the output
// element (both tensors dense, the same shape). residual_wasmsimd.ts is the SIMD twin.
import { MAGIC_BITS } from '../common/requant';
import { output_fp32 } from '../eltwise/output';
import {
  QS8_CONV_ADD_ADD_QMAX, QS8_CONV_ADD_ADD_QMIN, QS8_CONV_ADD_ADD_ZP, QS8_CONV_ADD_M_R, QS8_CONV_ADD_M_V, QS8_CONV_ADD_R_DELTA,
  QS8_CONV_ADD_R_ZP,
} from '../common/params';

/** y of one output: v_c = v - zp_out (the conv's value less its zero point), written at y_ptr; reads the residual at y_ptr + r_delta. */
// @ts-ignore: decorator
@inline
export function residual_add(v_c: i32, y_ptr: usize, params: usize): i32 {
  const zp = load<i32>(params, QS8_CONV_ADD_ADD_ZP);
  const r = <i32>load<i8>(y_ptr + <usize>load<i32>(params, QS8_CONV_ADD_R_DELTA)) - load<i32>(params, QS8_CONV_ADD_R_ZP);
  const t = <f32>v_c * load<f32>(params, QS8_CONV_ADD_M_V) + <f32>r * load<f32>(params, QS8_CONV_ADD_M_R);
  return output_fp32(t, <f32>(load<i32>(params, QS8_CONV_ADD_ADD_QMIN) - zp), <f32>(load<i32>(params, QS8_CONV_ADD_ADD_QMAX) - zp), MAGIC_BITS - zp);
}

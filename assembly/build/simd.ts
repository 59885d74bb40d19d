// The 'simd' build: every kernel this build can run. Keep one export block per family;
// the host's kernel table (src/runtime/kernel-table.ts) says which one each op uses.
export { heap_base } from '../common/heap';

// --- qs8 gemm / conv ---
export {
  qs8_gemm_pack_2x4c8, qs8_gemm_pack_2x4c16s, qs8_gemm_2x4c8__scalar, qs8_gemm_2x4c16s__scalar,
} from '../qs8/gemm_scalar';
export { qs8_conv_2x4c8__scalar, qs8_conv_2x4c16s__scalar } from '../qs8/conv_scalar';
export { qs8_conv_cin4_pack_16c2, qs8_conv_cin4_scratch_bytes, qs8_conv_cin4_2x16c2__scalar } from '../qs8/conv_cin4_scalar';
export { qs8_conv_cin4_2x16c2__wasmsimd } from '../qs8/conv_cin4_wasmsimd';
export { qs8_gemm_2x4c8__wasmsimd } from '../qs8/gemm_wasmsimd';
export { qs8_gemm_pack_2x4c8__wasmsimd } from '../qs8/gemm_pack_wasmsimd';
export { qs8_conv_2x4c8__wasmsimd } from '../qs8/conv_wasmsimd';

// --- qs8 dwconv ---
export { qs8_dwconv_pack_16c, qs8_dwconv_3x3_16c__scalar, qs8_dwconv_5x5_16c__scalar, qs8_dwconv_generic_16c__scalar } from '../qs8/dwconv';
export { qs8_dwconv_3x3_16c__wasmsimd, qs8_dwconv_5x5_16c__wasmsimd, qs8_dwconv_generic_16c__wasmsimd } from '../qs8/dwconv_wasmsimd';

// --- f32 conv / dwconv / gemm ---
export { f32_gemm_pack_4x8, f32_gemm_4x8__scalar } from '../f32/gemm';
export { f32_conv_4x8__scalar } from '../f32/conv';
export { f32_dwconv_pack_8c, f32_dwconv_3x3_8c__scalar, f32_dwconv_generic_8c__scalar } from '../f32/dwconv';
export { f32_gemm_4x8__wasmsimd } from '../f32/gemm_wasmsimd';
export { f32_conv_4x8__wasmsimd } from '../f32/conv_wasmsimd';
export { f32_dwconv_3x3_8c__wasmsimd, f32_dwconv_generic_8c__wasmsimd } from '../f32/dwconv_wasmsimd';

// --- pooling ---
export { qs8_maxpool_c1__scalar, qs8_avgpool_c1__scalar, qs8_gavgpool_c1__scalar } from '../pool/qs8_pool';
export { f32_maxpool_c1__scalar, f32_avgpool_c1__scalar, f32_gavgpool_c1__scalar } from '../pool/f32_pool';
export { qs8_maxpool_c16__wasmsimd, qs8_avgpool_c16__wasmsimd, qs8_gavgpool_c16__wasmsimd } from '../pool/qs8_pool_wasmsimd';
export { f32_maxpool_c4__wasmsimd, f32_avgpool_c4__wasmsimd, f32_gavgpool_c4__wasmsimd } from '../pool/f32_pool_wasmsimd';

// --- element-wise ---
export { qs8_vadd_x1__scalar, qs8_vcvt_x1__scalar, f32_qs8_vcvt_x1__scalar, qs8_f32_vcvt_x1__scalar } from '../eltwise/qs8_eltwise';
export { qs8_vmulcaddc_c16__scalar, qs8_vmulcaddc_pack_c16 } from '../eltwise/qs8_eltwise';
export { f32_vadd_x1__scalar, f32_vmulcaddc_c4__scalar, f32_vmulcaddc_pack_c4 } from '../eltwise/f32_eltwise';
export { xx_copy_nc_x1__scalar } from '../eltwise/copy';
export { u8_qs8_lut_x1__scalar } from '../eltwise/lut';
export { qs8_vadd_x16__wasmsimd, qs8_vcvt_x16__wasmsimd, f32_qs8_vcvt_x16__wasmsimd, qs8_f32_vcvt_x16__wasmsimd } from '../eltwise/qs8_eltwise_wasmsimd';
export { qs8_vmulcaddc_c16__wasmsimd } from '../eltwise/qs8_eltwise_wasmsimd';
export { f32_vadd_x16__wasmsimd, f32_vmulcaddc_c4__wasmsimd } from '../eltwise/f32_eltwise_wasmsimd';
export { xx_copy_nc_x16__wasmsimd } from '../eltwise/copy_wasmsimd';

// --- exit head ---
export { f32_exit_head__scalar, qs8_exit_head__scalar } from '../head/exit_head';

// --- bench peaks ---
export { peak_dot_i16x8__wasmsimd } from '../bench/peak_wasmsimd';

// --- qs8 block-sparse ---
export { qs8_spgemm_packed_bytes, qs8_spgemm_pack_4c8, qs8_spgemm_2x4c8__scalar } from '../qs8/sparse_scalar';
export { qs8_spgemm_2x4c8__wasmsimd } from '../qs8/sparse_wasmsimd';

// --- binary ---
export { b1_bitpack_qs8_x1__scalar, b1_bitpack_f32_x1__scalar } from '../b1/bitpack';
export { b1_gemm_pack_x8, b1_gemm_4x8__scalar } from '../b1/gemm';
export { b1_conv_4x8__scalar } from '../b1/conv';
export { qs8_b1w_gemm_pack_4c8, qs8_b1w_gemm_pack_4c8w16, qs8_b1w_gemm_2x4c8__scalar, qs8_b1w_conv_2x4c8__scalar } from '../b1/b1w';
export { b1_bitpack_qs8_x16__wasmsimd, b1_bitpack_f32_x16__wasmsimd } from '../b1/bitpack_wasmsimd';
export { b1_gemm_4x8__wasmsimd } from '../b1/gemm_wasmsimd';
export { b1_conv_4x8__wasmsimd } from '../b1/conv_wasmsimd';
export { qs8_b1w_gemm_2x4c8__wasmsimd, qs8_b1w_conv_2x4c8__wasmsimd, qs8_b1w_gemm_2x4c8__wasmsimd_w16, qs8_b1w_conv_2x4c8__wasmsimd_w16 } from '../b1/b1w_wasmsimd';

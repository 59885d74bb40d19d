// One table pairing each op's kernel with the packer that lays its weights out, per
// build (XNNPACK's gemm-config.c in miniature). The model file keeps canonical layouts
// (int8 OHWI); the runtime packs at load time through this table, so a new tile size
// never invalidates a saved model.
import type { Build } from './features.js';

export interface KernelChoice {
  /** Export name of the kernel, e.g. `qs8_gemm_4x4c8__wasmsimd`. */
  kernel: string;
  /** Export name of the packer that writes the layout the kernel reads (absent: no packing). */
  packer?: string;
}

export type KernelTable = Record<string, Record<Build, KernelChoice>>;

export const KERNEL_TABLE: KernelTable = {
  // --- qs8 gemm / conv ---
  // relaxed runs the simd kernels: on Zen 3 (no VNNI) the 2x4c16s relaxed-dot kernels reach
  // 65-85% of them (split 7-bit weights: two relaxed dots per weight). Both exported and tested.
  qs8_gemm: {
    scalar: { kernel: 'qs8_gemm_2x4c8__scalar', packer: 'qs8_gemm_pack_2x4c8' },
    simd: { kernel: 'qs8_gemm_2x4c8__wasmsimd', packer: 'qs8_gemm_pack_2x4c8__wasmsimd' },
    relaxed: { kernel: 'qs8_gemm_2x4c8__wasmsimd', packer: 'qs8_gemm_pack_2x4c8__wasmsimd' },
  },
  qs8_conv: {
    scalar: { kernel: 'qs8_conv_2x4c8__scalar', packer: 'qs8_gemm_pack_2x4c8' },
    simd: { kernel: 'qs8_conv_2x4c8__wasmsimd', packer: 'qs8_gemm_pack_2x4c8__wasmsimd' },
    relaxed: { kernel: 'qs8_conv_2x4c8__wasmsimd', packer: 'qs8_gemm_pack_2x4c8__wasmsimd' },
  },
  // Direct conv for C_in <= 4 (first layers): the conv op picks it over the im2col GEMM.
  qs8_conv_cin4: {
    scalar: { kernel: 'qs8_conv_cin4_2x16c2__scalar', packer: 'qs8_conv_cin4_pack_16c2' },
    simd: { kernel: 'qs8_conv_cin4_2x16c2__wasmsimd', packer: 'qs8_conv_cin4_pack_16c2' },
    relaxed: { kernel: 'qs8_conv_cin4_2x16c2__wasmsimd', packer: 'qs8_conv_cin4_pack_16c2' },
  },

  // --- qs8 dwconv ---
  qs8_dwconv_3x3: {
    scalar: { kernel: 'qs8_dwconv_3x3_16c__scalar', packer: 'qs8_dwconv_pack_16c' },
    simd: { kernel: 'qs8_dwconv_3x3_16c__wasmsimd', packer: 'qs8_dwconv_pack_16c' },
    relaxed: { kernel: 'qs8_dwconv_3x3_16c__wasmsimd', packer: 'qs8_dwconv_pack_16c' },
  },
  qs8_dwconv_5x5: {
    scalar: { kernel: 'qs8_dwconv_5x5_16c__scalar', packer: 'qs8_dwconv_pack_16c' },
    simd: { kernel: 'qs8_dwconv_5x5_16c__wasmsimd', packer: 'qs8_dwconv_pack_16c' },
    relaxed: { kernel: 'qs8_dwconv_5x5_16c__wasmsimd', packer: 'qs8_dwconv_pack_16c' },
  },
  qs8_dwconv: {
    scalar: { kernel: 'qs8_dwconv_generic_16c__scalar', packer: 'qs8_dwconv_pack_16c' },
    simd: { kernel: 'qs8_dwconv_generic_16c__wasmsimd', packer: 'qs8_dwconv_pack_16c' },
    relaxed: { kernel: 'qs8_dwconv_generic_16c__wasmsimd', packer: 'qs8_dwconv_pack_16c' },
  },

  // --- f32 conv / dwconv / gemm ---
  f32_gemm: {
    scalar: { kernel: 'f32_gemm_4x8__scalar', packer: 'f32_gemm_pack_4x8' },
    simd: { kernel: 'f32_gemm_4x8__wasmsimd', packer: 'f32_gemm_pack_4x8' },
    relaxed: { kernel: 'f32_gemm_4x8__wasmsimd', packer: 'f32_gemm_pack_4x8' },
  },
  f32_conv: {
    scalar: { kernel: 'f32_conv_4x8__scalar', packer: 'f32_gemm_pack_4x8' },
    simd: { kernel: 'f32_conv_4x8__wasmsimd', packer: 'f32_gemm_pack_4x8' },
    relaxed: { kernel: 'f32_conv_4x8__wasmsimd', packer: 'f32_gemm_pack_4x8' },
  },
  f32_dwconv_3x3: {
    scalar: { kernel: 'f32_dwconv_3x3_8c__scalar', packer: 'f32_dwconv_pack_8c' },
    simd: { kernel: 'f32_dwconv_3x3_8c__wasmsimd', packer: 'f32_dwconv_pack_8c' },
    relaxed: { kernel: 'f32_dwconv_3x3_8c__wasmsimd', packer: 'f32_dwconv_pack_8c' },
  },
  f32_dwconv: {
    scalar: { kernel: 'f32_dwconv_generic_8c__scalar', packer: 'f32_dwconv_pack_8c' },
    simd: { kernel: 'f32_dwconv_generic_8c__wasmsimd', packer: 'f32_dwconv_pack_8c' },
    relaxed: { kernel: 'f32_dwconv_generic_8c__wasmsimd', packer: 'f32_dwconv_pack_8c' },
  },

  // --- pooling ---
  qs8_maxpool: {
    scalar: { kernel: 'qs8_maxpool_c1__scalar' },
    simd: { kernel: 'qs8_maxpool_c16__wasmsimd' },
    relaxed: { kernel: 'qs8_maxpool_c16__wasmsimd' },
  },
  qs8_avgpool: {
    scalar: { kernel: 'qs8_avgpool_c1__scalar' },
    simd: { kernel: 'qs8_avgpool_c16__wasmsimd' },
    relaxed: { kernel: 'qs8_avgpool_c16__wasmsimd' },
  },
  qs8_gavgpool: {
    scalar: { kernel: 'qs8_gavgpool_c1__scalar' },
    simd: { kernel: 'qs8_gavgpool_c16__wasmsimd' },
    relaxed: { kernel: 'qs8_gavgpool_c16__wasmsimd' },
  },
  f32_maxpool: {
    scalar: { kernel: 'f32_maxpool_c1__scalar' },
    simd: { kernel: 'f32_maxpool_c4__wasmsimd' },
    relaxed: { kernel: 'f32_maxpool_c4__wasmsimd' },
  },
  f32_avgpool: {
    scalar: { kernel: 'f32_avgpool_c1__scalar' },
    simd: { kernel: 'f32_avgpool_c4__wasmsimd' },
    relaxed: { kernel: 'f32_avgpool_c4__wasmsimd' },
  },
  f32_gavgpool: {
    scalar: { kernel: 'f32_gavgpool_c1__scalar' },
    simd: { kernel: 'f32_gavgpool_c4__wasmsimd' },
    relaxed: { kernel: 'f32_gavgpool_c4__wasmsimd' },
  },

  // --- element-wise ---
  // No relaxed variants: nothing here has a relaxed instruction worth its
  // implementation-defined cases (relaxed_madd would break bit-identity).
  qs8_add: {
    scalar: { kernel: 'qs8_vadd_x1__scalar' },
    simd: { kernel: 'qs8_vadd_x16__wasmsimd' },
    relaxed: { kernel: 'qs8_vadd_x16__wasmsimd' },
  },
  f32_add: {
    scalar: { kernel: 'f32_vadd_x1__scalar' },
    simd: { kernel: 'f32_vadd_x16__wasmsimd' },
    relaxed: { kernel: 'f32_vadd_x16__wasmsimd' },
  },
  qs8_requantize: {
    scalar: { kernel: 'qs8_vcvt_x1__scalar' },
    simd: { kernel: 'qs8_vcvt_x16__wasmsimd' },
    relaxed: { kernel: 'qs8_vcvt_x16__wasmsimd' },
  },
  qs8_quantize: {
    scalar: { kernel: 'f32_qs8_vcvt_x1__scalar' },
    simd: { kernel: 'f32_qs8_vcvt_x16__wasmsimd' },
    relaxed: { kernel: 'f32_qs8_vcvt_x16__wasmsimd' },
  },
  qs8_dequantize: {
    scalar: { kernel: 'qs8_f32_vcvt_x1__scalar' },
    simd: { kernel: 'qs8_f32_vcvt_x16__wasmsimd' },
    relaxed: { kernel: 'qs8_f32_vcvt_x16__wasmsimd' },
  },
  qs8_mul_c: {
    scalar: { kernel: 'qs8_vmulcaddc_c16__scalar', packer: 'qs8_vmulcaddc_pack_c16' },
    simd: { kernel: 'qs8_vmulcaddc_c16__wasmsimd', packer: 'qs8_vmulcaddc_pack_c16' },
    relaxed: { kernel: 'qs8_vmulcaddc_c16__wasmsimd', packer: 'qs8_vmulcaddc_pack_c16' },
  },
  f32_mul_c: {
    scalar: { kernel: 'f32_vmulcaddc_c4__scalar', packer: 'f32_vmulcaddc_pack_c4' },
    simd: { kernel: 'f32_vmulcaddc_c4__wasmsimd', packer: 'f32_vmulcaddc_pack_c4' },
    relaxed: { kernel: 'f32_vmulcaddc_c4__wasmsimd', packer: 'f32_vmulcaddc_pack_c4' },
  },
  concat: {
    scalar: { kernel: 'xx_copy_nc_x1__scalar' },
    simd: { kernel: 'xx_copy_nc_x16__wasmsimd' },
    relaxed: { kernel: 'xx_copy_nc_x16__wasmsimd' },
  },
  // The fused input step (uint8 pixels -> int8 by a table per channel): scalar in every build.
  u8_qs8_lut: {
    scalar: { kernel: 'u8_qs8_lut_x1__scalar' },
    simd: { kernel: 'u8_qs8_lut_x1__scalar' },
    relaxed: { kernel: 'u8_qs8_lut_x1__scalar' },
  },

  // --- exit head ---
  // Scalar in every build (a few exp per class; Math.exp gives the same bits everywhere).
  qs8_exit_head: {
    scalar: { kernel: 'qs8_exit_head__scalar' },
    simd: { kernel: 'qs8_exit_head__scalar' },
    relaxed: { kernel: 'qs8_exit_head__scalar' },
  },
  f32_exit_head: {
    scalar: { kernel: 'f32_exit_head__scalar' },
    simd: { kernel: 'f32_exit_head__scalar' },
    relaxed: { kernel: 'f32_exit_head__scalar' },
  },

  // --- qs8 block-sparse ---
  qs8_spgemm: {
    scalar: { kernel: 'qs8_spgemm_2x4c8__scalar', packer: 'qs8_spgemm_pack_4c8' },
    simd: { kernel: 'qs8_spgemm_2x4c8__wasmsimd', packer: 'qs8_spgemm_pack_4c8' },
    relaxed: { kernel: 'qs8_spgemm_2x4c8__wasmsimd', packer: 'qs8_spgemm_pack_4c8' },
  },

  // --- binary ---
  b1_bitpack_qs8: {
    scalar: { kernel: 'b1_bitpack_qs8_x1__scalar' },
    simd: { kernel: 'b1_bitpack_qs8_x16__wasmsimd' },
    relaxed: { kernel: 'b1_bitpack_qs8_x16__wasmsimd' },
  },
  b1_bitpack_f32: {
    scalar: { kernel: 'b1_bitpack_f32_x1__scalar' },
    simd: { kernel: 'b1_bitpack_f32_x16__wasmsimd' },
    relaxed: { kernel: 'b1_bitpack_f32_x16__wasmsimd' },
  },
  b1_gemm: {
    scalar: { kernel: 'b1_gemm_4x8__scalar', packer: 'b1_gemm_pack_x8' },
    simd: { kernel: 'b1_gemm_4x8__wasmsimd', packer: 'b1_gemm_pack_x8' },
    relaxed: { kernel: 'b1_gemm_4x8__wasmsimd', packer: 'b1_gemm_pack_x8' },
  },
  b1_conv: {
    scalar: { kernel: 'b1_conv_4x8__scalar', packer: 'b1_gemm_pack_x8' },
    simd: { kernel: 'b1_conv_4x8__wasmsimd', packer: 'b1_gemm_pack_x8' },
    relaxed: { kernel: 'b1_conv_4x8__wasmsimd', packer: 'b1_gemm_pack_x8' },
  },
  qs8_b1w_gemm: {
    scalar: { kernel: 'qs8_b1w_gemm_2x4c8__scalar', packer: 'qs8_b1w_gemm_pack_4c8' },
    simd: { kernel: 'qs8_b1w_gemm_2x4c8__wasmsimd_w16', packer: 'qs8_b1w_gemm_pack_4c8w16' },
    relaxed: { kernel: 'qs8_b1w_gemm_2x4c8__wasmsimd_w16', packer: 'qs8_b1w_gemm_pack_4c8w16' },
  },
  qs8_b1w_conv: {
    scalar: { kernel: 'qs8_b1w_conv_2x4c8__scalar', packer: 'qs8_b1w_gemm_pack_4c8' },
    simd: { kernel: 'qs8_b1w_conv_2x4c8__wasmsimd_w16', packer: 'qs8_b1w_gemm_pack_4c8w16' },
    relaxed: { kernel: 'qs8_b1w_conv_2x4c8__wasmsimd_w16', packer: 'qs8_b1w_gemm_pack_4c8w16' },
  },
};

/** The kernel and packer an op uses in a build. */
export function chooseKernel(op: string, build: Build): KernelChoice {
  const row = KERNEL_TABLE[op];
  if (!row) throw new TypeError(`no kernel registered for op '${op}'`);
  return row[build];
}

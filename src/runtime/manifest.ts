// The kernel manifest: every export of the kernel builds, listed once (XNNPACK's
// XNN_UKERNEL rows). From it come the build entries (assembly/build/*.ts, written by
// scripts/gen-kernels.mts), the typed export table (exports.ts), the kernel table
// (kernel-table.ts) and the kernel lists of the tests and benchmarks.
//
// An entry: `name` the export (dtype_op_tile__isa), `from` the AssemblyScript file under
// assembly/ that exports a function of that name, `sig` its signature kind (exports.ts
// SIGNATURES). A kernel adds `op` (the kernel-table row it serves), `packer` (the export
// that lays out the weights it reads), `params` (its params block, param-blocks.ts),
// `twin` (SIMD kernels: the scalar kernel with the same signature, packed layout, params
// and int8 results) and `alt` (a variant that tests and benchmarks run but the table never
// picks).
//
// Builds compose: the ISA suffix says where an export starts (buildOf): `scalar` has every
// export without one, `simd` adds the `__wasmsimd` ones, `relaxed` adds the `__wasmrelaxed`
// ones. For each op and build the table picks the op's kernel (not `alt`) of the highest
// build at or below it.
import type { Build } from './features.js';
import type { SigName } from './exports.js';
import type { ParamsBlock } from './params.js';
import {
  B1_CONV, B1_GEMM, F32_ACT, F32_BINARY, F32_CONV, F32_DWCONV, F32_GAVGPOOL, F32_MINMAX, F32_POOL, F32_QS8_CVT, QS8_BINARY, QS8_CONV, QS8_CONV_ADD,
  QS8_CONV_CIN4, QS8_CVT, QS8_DWCONV, QS8_EXIT_HEAD, QS8_F32_CVT, QS8_GAVGPOOL, QS8_GEMM, QS8_POOL, QS8_VMULCADDC,
} from './param-blocks.js';
import { F32_REDUCE, F32_RESIZE_LINEAR, F32_SOFTMAX, QS8_REDUCE, QS8_RESIZE_LINEAR, XX_COPY_ND, XX_RESIZE_NEAREST } from './param-blocks.js';

export interface ManifestEntry {
  readonly name: string;
  readonly from: string;
  readonly sig: SigName;
  readonly op?: string;
  readonly packer?: string;
  readonly params?: ParamsBlock;
  readonly twin?: string;
  readonly alt?: true;
}

export const MANIFEST = [
  { name: 'heap_base', from: 'common/heap', sig: 'heap_base' },

  // --- qs8 gemm / conv ---
  // relaxed runs the simd kernels: on Zen 3 (no VNNI) the 2x4c16s relaxed-dot kernels reach
  // 65-85% of them (split 7-bit weights: two relaxed dots per weight). Both exported and tested.
  { name: 'qs8_gemm_pack_2x4c8', from: 'qs8/gemm_scalar', sig: 'qs8_gemm_pack' },
  { name: 'qs8_gemm_pack_2x4c16s', from: 'qs8/gemm_scalar', sig: 'qs8_gemm_pack' },
  { name: 'qs8_gemm_2x4c8__scalar', from: 'qs8/gemm_scalar', sig: 'gemm', op: 'qs8_gemm', packer: 'qs8_gemm_pack_2x4c8', params: QS8_GEMM },
  { name: 'qs8_gemm_2x4c16s__scalar', from: 'qs8/gemm_scalar', sig: 'gemm', op: 'qs8_gemm', packer: 'qs8_gemm_pack_2x4c16s', params: QS8_GEMM, alt: true },
  { name: 'qs8_conv_2x4c8__scalar', from: 'qs8/conv_scalar', sig: 'conv', op: 'qs8_conv', packer: 'qs8_gemm_pack_2x4c8', params: QS8_CONV },
  { name: 'qs8_conv_2x4c16s__scalar', from: 'qs8/conv_scalar', sig: 'conv', op: 'qs8_conv', packer: 'qs8_gemm_pack_2x4c16s', params: QS8_CONV, alt: true },
  // The im2col conv with the residual add after it in its epilogue (conv2d absorbs the add: src/ir/passes/conv-add.ts).
  { name: 'qs8_conv_add_2x4c8__scalar', from: 'qs8/conv_add', sig: 'conv', op: 'qs8_conv_add', packer: 'qs8_gemm_pack_2x4c8', params: QS8_CONV_ADD },
  // Direct conv (small C_in, short K): the conv op picks it over the im2col GEMM (prefersDirect).
  { name: 'qs8_conv_cin4_pack_16c2', from: 'qs8/conv_cin4_scalar', sig: 'qs8_conv_cin4_pack' },
  { name: 'qs8_conv_cin4_scratch_bytes', from: 'qs8/conv_cin4_scalar', sig: 'scratch_bytes', params: QS8_CONV_CIN4 },
  { name: 'qs8_conv_cin4_2x16c2__scalar', from: 'qs8/conv_cin4_scalar', sig: 'conv', op: 'qs8_conv_cin4', packer: 'qs8_conv_cin4_pack_16c2', params: QS8_CONV_CIN4 },
  { name: 'qs8_conv_cin4_2x16c2__wasmsimd', from: 'qs8/conv_cin4_wasmsimd', sig: 'conv', op: 'qs8_conv_cin4', packer: 'qs8_conv_cin4_pack_16c2', params: QS8_CONV_CIN4, twin: 'qs8_conv_cin4_2x16c2__scalar' },
  // Direct conv over an im2row block (K = KH*KW*C_in <= 32, dilation 1): the conv op picks it in the SIMD
  // builds where the direct kernel would run its 4x8 channel tail (prefersIm2row, qs8-conv-im2row.ts).
  { name: 'qs8_conv_im2row_pack_8c2', from: 'qs8/conv_im2row', sig: 'qs8_conv_cin4_pack' },
  { name: 'qs8_conv_im2row_scratch_bytes', from: 'qs8/conv_im2row', sig: 'scratch_bytes', params: QS8_CONV_CIN4 },
  { name: 'qs8_conv_im2row_4x8c2__scalar', from: 'qs8/conv_im2row', sig: 'conv', op: 'qs8_conv_im2row', packer: 'qs8_conv_im2row_pack_8c2', params: QS8_CONV_CIN4 },
  { name: 'qs8_conv_im2row_4x8c2__wasmsimd', from: 'qs8/conv_im2row_wasmsimd', sig: 'conv', op: 'qs8_conv_im2row', packer: 'qs8_conv_im2row_pack_8c2', params: QS8_CONV_CIN4, twin: 'qs8_conv_im2row_4x8c2__scalar' },
  { name: 'qs8_gemm_2x4c8__wasmsimd', from: 'qs8/gemm_wasmsimd', sig: 'gemm', op: 'qs8_gemm', packer: 'qs8_gemm_pack_2x4c8__wasmsimd', params: QS8_GEMM, twin: 'qs8_gemm_2x4c8__scalar' },
  { name: 'qs8_gemm_pack_2x4c8__wasmsimd', from: 'qs8/gemm_pack_wasmsimd', sig: 'qs8_gemm_pack', twin: 'qs8_gemm_pack_2x4c8' },
  { name: 'qs8_conv_2x4c8__wasmsimd', from: 'qs8/conv_wasmsimd', sig: 'conv', op: 'qs8_conv', packer: 'qs8_gemm_pack_2x4c8__wasmsimd', params: QS8_CONV, twin: 'qs8_conv_2x4c8__scalar' },
  { name: 'qs8_conv_add_2x4c8__wasmsimd', from: 'qs8/conv_add_wasmsimd', sig: 'conv', op: 'qs8_conv_add', packer: 'qs8_gemm_pack_2x4c8__wasmsimd', params: QS8_CONV_ADD, twin: 'qs8_conv_add_2x4c8__scalar' },
  { name: 'b1_gemm_4x8__wasmrelaxed', from: 'b1/gemm_relaxed', sig: 'gemm', op: 'b1_gemm', packer: 'b1_gemm_pack_x8', params: B1_GEMM, twin: 'b1_gemm_4x8__scalar' },
  { name: 'b1_conv_4x8__wasmrelaxed', from: 'b1/gemm_relaxed', sig: 'conv', op: 'b1_conv', packer: 'b1_gemm_pack_x8', params: B1_CONV, twin: 'b1_conv_4x8__scalar' },
  { name: 'qs8_gemm_2x4c16s__wasmrelaxed', from: 'qs8/gemm_relaxed', sig: 'gemm', op: 'qs8_gemm', packer: 'qs8_gemm_pack_2x4c16s', params: QS8_GEMM, twin: 'qs8_gemm_2x4c16s__scalar', alt: true },
  { name: 'qs8_conv_2x4c16s__wasmrelaxed', from: 'qs8/conv_relaxed', sig: 'conv', op: 'qs8_conv', packer: 'qs8_gemm_pack_2x4c16s', params: QS8_CONV, twin: 'qs8_conv_2x4c16s__scalar', alt: true },

  // --- qs8 dwconv ---
  { name: 'qs8_dwconv_pack_16c', from: 'qs8/dwconv', sig: 'qs8_dwconv_pack' },
  // 3x3: over pair rows built once per input row (dwconv_3x3r.ts), any stride, dilation and padding.
  { name: 'qs8_dwconv_pack_3x3r', from: 'qs8/dwconv_3x3r', sig: 'qs8_dwconv_pack' },
  { name: 'qs8_dwconv_3x3r_scratch_bytes', from: 'qs8/dwconv_3x3r', sig: 'scratch_bytes', params: QS8_DWCONV },
  { name: 'qs8_dwconv_3x3r_2x16c__scalar', from: 'qs8/dwconv_3x3r', sig: 'dwconv', op: 'qs8_dwconv_3x3', packer: 'qs8_dwconv_pack_3x3r', params: QS8_DWCONV },
  { name: 'qs8_dwconv_5x5_16c__scalar', from: 'qs8/dwconv', sig: 'dwconv', op: 'qs8_dwconv_5x5', packer: 'qs8_dwconv_pack_16c', params: QS8_DWCONV },
  { name: 'qs8_dwconv_generic_16c__scalar', from: 'qs8/dwconv', sig: 'dwconv', op: 'qs8_dwconv', packer: 'qs8_dwconv_pack_16c', params: QS8_DWCONV },
  { name: 'qs8_dwconv_3x3r_2x16c__wasmsimd', from: 'qs8/dwconv_3x3r_wasmsimd', sig: 'dwconv', op: 'qs8_dwconv_3x3', packer: 'qs8_dwconv_pack_3x3r', params: QS8_DWCONV, twin: 'qs8_dwconv_3x3r_2x16c__scalar' },
  { name: 'qs8_dwconv_5x5_16c__wasmsimd', from: 'qs8/dwconv_wasmsimd', sig: 'dwconv', op: 'qs8_dwconv_5x5', packer: 'qs8_dwconv_pack_16c', params: QS8_DWCONV, twin: 'qs8_dwconv_5x5_16c__scalar' },
  { name: 'qs8_dwconv_generic_16c__wasmsimd', from: 'qs8/dwconv_wasmsimd', sig: 'dwconv', op: 'qs8_dwconv', packer: 'qs8_dwconv_pack_16c', params: QS8_DWCONV, twin: 'qs8_dwconv_generic_16c__scalar' },

  // --- f32 conv / dwconv / gemm ---
  { name: 'f32_gemm_pack_4x8', from: 'f32/gemm', sig: 'f32_gemm_pack' },
  { name: 'f32_gemm_4x8__scalar', from: 'f32/gemm', sig: 'gemm', op: 'f32_gemm', packer: 'f32_gemm_pack_4x8', params: F32_MINMAX },
  { name: 'f32_conv_4x8__scalar', from: 'f32/conv', sig: 'conv', op: 'f32_conv', packer: 'f32_gemm_pack_4x8', params: F32_CONV },
  { name: 'f32_dwconv_pack_8c', from: 'f32/dwconv', sig: 'f32_dwconv_pack' },
  { name: 'f32_dwconv_3x3_8c__scalar', from: 'f32/dwconv', sig: 'dwconv', op: 'f32_dwconv_3x3', packer: 'f32_dwconv_pack_8c', params: F32_DWCONV },
  { name: 'f32_dwconv_generic_8c__scalar', from: 'f32/dwconv', sig: 'dwconv', op: 'f32_dwconv', packer: 'f32_dwconv_pack_8c', params: F32_DWCONV },
  { name: 'f32_gemm_4x8__wasmsimd', from: 'f32/gemm_wasmsimd', sig: 'gemm', op: 'f32_gemm', packer: 'f32_gemm_pack_4x8', params: F32_MINMAX, twin: 'f32_gemm_4x8__scalar' },
  { name: 'f32_conv_4x8__wasmsimd', from: 'f32/conv_wasmsimd', sig: 'conv', op: 'f32_conv', packer: 'f32_gemm_pack_4x8', params: F32_CONV, twin: 'f32_conv_4x8__scalar' },
  { name: 'f32_dwconv_3x3_8c__wasmsimd', from: 'f32/dwconv_wasmsimd', sig: 'dwconv', op: 'f32_dwconv_3x3', packer: 'f32_dwconv_pack_8c', params: F32_DWCONV, twin: 'f32_dwconv_3x3_8c__scalar' },
  { name: 'f32_dwconv_generic_8c__wasmsimd', from: 'f32/dwconv_wasmsimd', sig: 'dwconv', op: 'f32_dwconv', packer: 'f32_dwconv_pack_8c', params: F32_DWCONV, twin: 'f32_dwconv_generic_8c__scalar' },

  // --- pooling ---
  { name: 'qs8_maxpool_c1__scalar', from: 'pool/qs8_pool', sig: 'pool', op: 'qs8_maxpool', params: QS8_POOL },
  { name: 'qs8_avgpool_c1__scalar', from: 'pool/qs8_pool', sig: 'pool', op: 'qs8_avgpool', params: QS8_POOL },
  { name: 'qs8_avgpool_away_c1__scalar', from: 'pool/qs8_pool', sig: 'pool', op: 'qs8_avgpool_away', params: QS8_POOL },
  { name: 'qs8_gavgpool_c1__scalar', from: 'pool/qs8_pool', sig: 'pool', op: 'qs8_gavgpool', params: QS8_GAVGPOOL },
  { name: 'f32_maxpool_c1__scalar', from: 'pool/f32_pool', sig: 'pool', op: 'f32_maxpool', params: F32_POOL },
  { name: 'f32_avgpool_c1__scalar', from: 'pool/f32_pool', sig: 'pool', op: 'f32_avgpool', params: F32_POOL },
  { name: 'f32_gavgpool_c1__scalar', from: 'pool/f32_pool', sig: 'pool', op: 'f32_gavgpool', params: F32_GAVGPOOL },
  { name: 'qs8_maxpool_c16__wasmsimd', from: 'pool/qs8_pool_wasmsimd', sig: 'pool', op: 'qs8_maxpool', params: QS8_POOL, twin: 'qs8_maxpool_c1__scalar' },
  { name: 'qs8_avgpool_c16__wasmsimd', from: 'pool/qs8_pool_wasmsimd', sig: 'pool', op: 'qs8_avgpool', params: QS8_POOL, twin: 'qs8_avgpool_c1__scalar' },
  { name: 'qs8_avgpool_away_c16__wasmsimd', from: 'pool/qs8_pool_wasmsimd', sig: 'pool', op: 'qs8_avgpool_away', params: QS8_POOL, twin: 'qs8_avgpool_away_c1__scalar' },
  { name: 'qs8_gavgpool_c16__wasmsimd', from: 'pool/qs8_pool_wasmsimd', sig: 'pool', op: 'qs8_gavgpool', params: QS8_GAVGPOOL, twin: 'qs8_gavgpool_c1__scalar' },
  { name: 'f32_maxpool_c4__wasmsimd', from: 'pool/f32_pool_wasmsimd', sig: 'pool', op: 'f32_maxpool', params: F32_POOL, twin: 'f32_maxpool_c1__scalar' },
  { name: 'f32_avgpool_c4__wasmsimd', from: 'pool/f32_pool_wasmsimd', sig: 'pool', op: 'f32_avgpool', params: F32_POOL, twin: 'f32_avgpool_c1__scalar' },
  { name: 'f32_gavgpool_c4__wasmsimd', from: 'pool/f32_pool_wasmsimd', sig: 'pool', op: 'f32_gavgpool', params: F32_GAVGPOOL, twin: 'f32_gavgpool_c1__scalar' },

  // --- element-wise ---
  // No relaxed variants: nothing here has a relaxed instruction worth its
  // implementation-defined cases (relaxed_madd would break bit-identity).
  { name: 'qs8_vcvt_x1__scalar', from: 'eltwise/qs8_eltwise', sig: 'vunary', op: 'qs8_requantize', params: QS8_CVT },
  { name: 'f32_qs8_vcvt_x1__scalar', from: 'eltwise/qs8_eltwise', sig: 'vunary', op: 'qs8_quantize', params: F32_QS8_CVT },
  { name: 'qs8_f32_vcvt_x1__scalar', from: 'eltwise/qs8_eltwise', sig: 'vunary', op: 'qs8_dequantize', params: QS8_F32_CVT },
  { name: 'qs8_vmulcaddc_c16__scalar', from: 'eltwise/qs8_eltwise', sig: 'vmulcaddc', op: 'qs8_mul_c', packer: 'qs8_vmulcaddc_pack_c16', params: QS8_VMULCADDC },
  { name: 'qs8_vmulcaddc_pack_c16', from: 'eltwise/qs8_eltwise', sig: 'vmulcaddc_pack' },
  { name: 'f32_vmulcaddc_c4__scalar', from: 'eltwise/f32_eltwise', sig: 'vmulcaddc', op: 'f32_mul_c', packer: 'f32_vmulcaddc_pack_c4', params: F32_MINMAX },
  { name: 'f32_vmulcaddc_pack_c4', from: 'eltwise/f32_eltwise', sig: 'vmulcaddc_pack' },
  { name: 'xx_copy_nc_x1__scalar', from: 'eltwise/copy', sig: 'copy', op: 'concat' },
  // Binary ops with broadcasting (Add, Sub, Mul, Div, Max, Min: the op is a params field).
  { name: 'qs8_vbinary_x1__scalar', from: 'eltwise/binary', sig: 'vbinary', op: 'qs8_binary', params: QS8_BINARY },
  { name: 'f32_vbinary_x1__scalar', from: 'eltwise/binary', sig: 'vbinary', op: 'f32_binary', params: F32_BINARY },
  // Activations: f32 (the op is a params field), int8 through a 256-byte table, PRelu per channel.
  { name: 'f32_vact_x1__scalar', from: 'eltwise/act', sig: 'vunary', op: 'f32_act', params: F32_ACT },
  { name: 'x8_lut_x1__scalar', from: 'eltwise/act', sig: 'vunary', op: 'x8_lut' },
  { name: 'f32_vprelu_c4__scalar', from: 'eltwise/act', sig: 'vmulcaddc', op: 'f32_prelu', packer: 'f32_vmulcaddc_pack_c4', params: F32_MINMAX },
  { name: 'qs8_vprelu_c16__scalar', from: 'eltwise/act', sig: 'vmulcaddc', op: 'qs8_prelu', packer: 'qs8_vmulcaddc_pack_c16', params: QS8_VMULCADDC },
  // The fused input step (uint8 pixels -> int8 by a table per channel): scalar in every build.
  { name: 'u8_qs8_lut_x1__scalar', from: 'eltwise/lut', sig: 'lut', op: 'u8_qs8_lut' },
  // The float input's check (index of the first NaN / ±Infinity, or -1), after its copy into the arena.
  { name: 'f32_vfinite_x1__scalar', from: 'eltwise/finite', sig: 'scan', op: 'f32_finite' },
  { name: 'f32_vfinite_x16__wasmsimd', from: 'eltwise/finite_wasmsimd', sig: 'scan', op: 'f32_finite', twin: 'f32_vfinite_x1__scalar' },
  { name: 'qs8_vbinary_x16__wasmsimd', from: 'eltwise/binary_wasmsimd', sig: 'vbinary', op: 'qs8_binary', params: QS8_BINARY, twin: 'qs8_vbinary_x1__scalar' },
  { name: 'f32_vbinary_x16__wasmsimd', from: 'eltwise/binary_wasmsimd', sig: 'vbinary', op: 'f32_binary', params: F32_BINARY, twin: 'f32_vbinary_x1__scalar' },
  { name: 'f32_vact_x4__wasmsimd', from: 'eltwise/act_wasmsimd', sig: 'vunary', op: 'f32_act', params: F32_ACT, twin: 'f32_vact_x1__scalar' },
  { name: 'x8_lut_x16__wasmsimd', from: 'eltwise/act_wasmsimd', sig: 'vunary', op: 'x8_lut', twin: 'x8_lut_x1__scalar' },
  { name: 'f32_vprelu_c4__wasmsimd', from: 'eltwise/act_wasmsimd', sig: 'vmulcaddc', op: 'f32_prelu', packer: 'f32_vmulcaddc_pack_c4', params: F32_MINMAX, twin: 'f32_vprelu_c4__scalar' },
  { name: 'qs8_vprelu_c16__wasmsimd', from: 'eltwise/act_wasmsimd', sig: 'vmulcaddc', op: 'qs8_prelu', packer: 'qs8_vmulcaddc_pack_c16', params: QS8_VMULCADDC, twin: 'qs8_vprelu_c16__scalar' },
  { name: 'qs8_vcvt_x16__wasmsimd', from: 'eltwise/qs8_eltwise_wasmsimd', sig: 'vunary', op: 'qs8_requantize', params: QS8_CVT, twin: 'qs8_vcvt_x1__scalar' },
  { name: 'f32_qs8_vcvt_x16__wasmsimd', from: 'eltwise/qs8_eltwise_wasmsimd', sig: 'vunary', op: 'qs8_quantize', params: F32_QS8_CVT, twin: 'f32_qs8_vcvt_x1__scalar' },
  { name: 'qs8_f32_vcvt_x16__wasmsimd', from: 'eltwise/qs8_eltwise_wasmsimd', sig: 'vunary', op: 'qs8_dequantize', params: QS8_F32_CVT, twin: 'qs8_f32_vcvt_x1__scalar' },
  { name: 'qs8_vmulcaddc_c16__wasmsimd', from: 'eltwise/qs8_eltwise_wasmsimd', sig: 'vmulcaddc', op: 'qs8_mul_c', packer: 'qs8_vmulcaddc_pack_c16', params: QS8_VMULCADDC, twin: 'qs8_vmulcaddc_c16__scalar' },
  { name: 'f32_vmulcaddc_c4__wasmsimd', from: 'eltwise/f32_eltwise_wasmsimd', sig: 'vmulcaddc', op: 'f32_mul_c', packer: 'f32_vmulcaddc_pack_c4', params: F32_MINMAX, twin: 'f32_vmulcaddc_c4__scalar' },
  { name: 'xx_copy_nc_x16__wasmsimd', from: 'eltwise/copy_wasmsimd', sig: 'copy', op: 'concat', twin: 'xx_copy_nc_x1__scalar' },

  // --- exit head ---
  // Scalar in every build (a few exp per class; Math.exp gives the same bits everywhere).
  { name: 'f32_exit_head__scalar', from: 'head/exit_head', sig: 'exit_head', op: 'f32_exit_head' },
  { name: 'qs8_exit_head__scalar', from: 'head/exit_head', sig: 'exit_head', op: 'qs8_exit_head', params: QS8_EXIT_HEAD },

  // --- bench peaks (bench/peak.ts) ---
  { name: 'peak_dot_i16x8__wasmsimd', from: 'bench/peak_wasmsimd', sig: 'peak' },
  { name: 'peak_dot_i8x16_i7__wasmrelaxed', from: 'bench/peak_wasmrelaxed', sig: 'peak' },

  // --- qs8 block-sparse ---
  { name: 'qs8_spgemm_packed_bytes', from: 'qs8/sparse_scalar', sig: 'qs8_spgemm_packed_bytes' },
  { name: 'qs8_spgemm_pack_4c8', from: 'qs8/sparse_scalar', sig: 'qs8_spgemm_pack' },
  { name: 'qs8_spgemm_2x4c8__scalar', from: 'qs8/sparse_scalar', sig: 'gemm', op: 'qs8_spgemm', packer: 'qs8_spgemm_pack_4c8', params: QS8_GEMM },
  { name: 'qs8_spgemm_2x4c8__wasmsimd', from: 'qs8/sparse_wasmsimd', sig: 'gemm', op: 'qs8_spgemm', packer: 'qs8_spgemm_pack_4c8', params: QS8_GEMM, twin: 'qs8_spgemm_2x4c8__scalar' },

  // --- binary ---
  { name: 'b1_bitpack_qs8_x1__scalar', from: 'b1/bitpack', sig: 'bitpack', op: 'b1_bitpack_qs8' },
  { name: 'b1_bitpack_f32_x1__scalar', from: 'b1/bitpack', sig: 'bitpack', op: 'b1_bitpack_f32' },
  { name: 'b1_gemm_pack_x8', from: 'b1/gemm', sig: 'b1_gemm_pack' },
  { name: 'b1_gemm_4x8__scalar', from: 'b1/gemm', sig: 'gemm', op: 'b1_gemm', packer: 'b1_gemm_pack_x8', params: B1_GEMM },
  { name: 'b1_conv_4x8__scalar', from: 'b1/conv', sig: 'conv', op: 'b1_conv', packer: 'b1_gemm_pack_x8', params: B1_CONV },
  { name: 'qs8_b1w_gemm_pack_4c8', from: 'b1/b1w', sig: 'b1w_gemm_pack' },
  { name: 'qs8_b1w_gemm_2x4c8__scalar', from: 'b1/b1w', sig: 'gemm', op: 'qs8_b1w_gemm', packer: 'qs8_b1w_gemm_pack_4c8', params: QS8_GEMM },
  { name: 'qs8_b1w_conv_2x4c8__scalar', from: 'b1/b1w', sig: 'conv', op: 'qs8_b1w_conv', packer: 'qs8_b1w_gemm_pack_4c8', params: QS8_CONV },
  // The same weights widened to i16 at load ("4c8w16"): the SIMD builds' choice (docs/b1.md).
  { name: 'qs8_b1w_gemm_pack_4c8w16', from: 'b1/b1w', sig: 'b1w_gemm_pack' },
  { name: 'qs8_b1w_gemm_2x4c8w16__scalar', from: 'b1/b1w', sig: 'gemm', op: 'qs8_b1w_gemm', packer: 'qs8_b1w_gemm_pack_4c8w16', params: QS8_GEMM, alt: true },
  { name: 'qs8_b1w_conv_2x4c8w16__scalar', from: 'b1/b1w', sig: 'conv', op: 'qs8_b1w_conv', packer: 'qs8_b1w_gemm_pack_4c8w16', params: QS8_CONV, alt: true },
  { name: 'b1_bitpack_qs8_x16__wasmsimd', from: 'b1/bitpack_wasmsimd', sig: 'bitpack', op: 'b1_bitpack_qs8', twin: 'b1_bitpack_qs8_x1__scalar' },
  { name: 'b1_bitpack_f32_x16__wasmsimd', from: 'b1/bitpack_wasmsimd', sig: 'bitpack', op: 'b1_bitpack_f32', twin: 'b1_bitpack_f32_x1__scalar' },
  { name: 'b1_gemm_4x8__wasmsimd', from: 'b1/gemm_wasmsimd', sig: 'gemm', op: 'b1_gemm', packer: 'b1_gemm_pack_x8', params: B1_GEMM, twin: 'b1_gemm_4x8__scalar' },
  { name: 'b1_conv_4x8__wasmsimd', from: 'b1/conv_wasmsimd', sig: 'conv', op: 'b1_conv', packer: 'b1_gemm_pack_x8', params: B1_CONV, twin: 'b1_conv_4x8__scalar' },
  { name: 'qs8_b1w_gemm_2x4c8__wasmsimd', from: 'b1/b1w_wasmsimd', sig: 'gemm', op: 'qs8_b1w_gemm', packer: 'qs8_b1w_gemm_pack_4c8', params: QS8_GEMM, twin: 'qs8_b1w_gemm_2x4c8__scalar', alt: true },
  { name: 'qs8_b1w_conv_2x4c8__wasmsimd', from: 'b1/b1w_wasmsimd', sig: 'conv', op: 'qs8_b1w_conv', packer: 'qs8_b1w_gemm_pack_4c8', params: QS8_CONV, twin: 'qs8_b1w_conv_2x4c8__scalar', alt: true },
  { name: 'qs8_b1w_gemm_2x4c8w16__wasmsimd', from: 'b1/b1w_wasmsimd', sig: 'gemm', op: 'qs8_b1w_gemm', packer: 'qs8_b1w_gemm_pack_4c8w16', params: QS8_GEMM, twin: 'qs8_b1w_gemm_2x4c8w16__scalar' },
  { name: 'qs8_b1w_conv_2x4c8w16__wasmsimd', from: 'b1/b1w_wasmsimd', sig: 'conv', op: 'qs8_b1w_conv', packer: 'qs8_b1w_gemm_pack_4c8w16', params: QS8_CONV, twin: 'qs8_b1w_conv_2x4c8w16__scalar' },
  // The direct small-C_in conv on binary weights (+-1 int8 pairs, the binary output transform):
  // prepareQs8B1wConv picks it where the int8 conv picks qs8_conv_cin4 (prefersDirect); it can fuse a 2x2 max pool.
  { name: 'qs8_b1w_conv_cin4_pack_16c2', from: 'qs8/conv_cin4_scalar', sig: 'b1w_conv_cin4_pack' },
  { name: 'qs8_b1w_conv_cin4_2x16c2__scalar', from: 'qs8/conv_cin4_scalar', sig: 'conv', op: 'qs8_b1w_conv_cin4', packer: 'qs8_b1w_conv_cin4_pack_16c2', params: QS8_CONV_CIN4 },
  { name: 'qs8_b1w_conv_cin4_2x16c2__wasmsimd', from: 'qs8/conv_cin4_wasmsimd', sig: 'conv', op: 'qs8_b1w_conv_cin4', packer: 'qs8_b1w_conv_cin4_pack_16c2', params: QS8_CONV_CIN4, twin: 'qs8_b1w_conv_cin4_2x16c2__scalar' },

  // Winograd F(2x2, 3x3), exact in integers (qs8/conv_wino.ts): 3x3 stride-1 convs with C_in a
  // multiple of 8, int8 or binary weights; the conv ops pick it in the SIMD builds (prefersWinograd).
  { name: 'qs8_conv_wino_pack_16c2', from: 'qs8/conv_wino', sig: 'qs8_conv_cin4_pack' },
  { name: 'qs8_b1w_conv_wino_pack_16c2', from: 'qs8/conv_wino', sig: 'b1w_conv_cin4_pack' },
  { name: 'qs8_conv_wino_scratch_bytes', from: 'qs8/conv_wino', sig: 'scratch_bytes', params: QS8_CONV_CIN4 },
  { name: 'qs8_conv_wino_2x16c2__scalar', from: 'qs8/conv_wino', sig: 'conv', op: 'qs8_conv_wino', packer: 'qs8_conv_wino_pack_16c2', params: QS8_CONV_CIN4 },
  { name: 'qs8_b1w_conv_wino_2x16c2__scalar', from: 'qs8/conv_wino', sig: 'conv', op: 'qs8_b1w_conv_wino', packer: 'qs8_b1w_conv_wino_pack_16c2', params: QS8_CONV_CIN4 },
  { name: 'qs8_conv_wino_2x16c2__wasmsimd', from: 'qs8/conv_wino_wasmsimd', sig: 'conv', op: 'qs8_conv_wino', packer: 'qs8_conv_wino_pack_16c2', params: QS8_CONV_CIN4, twin: 'qs8_conv_wino_2x16c2__scalar' },
  { name: 'qs8_b1w_conv_wino_2x16c2__wasmsimd', from: 'qs8/conv_wino_wasmsimd', sig: 'conv', op: 'qs8_b1w_conv_wino', packer: 'qs8_b1w_conv_wino_pack_16c2', params: QS8_CONV_CIN4, twin: 'qs8_b1w_conv_wino_2x16c2__scalar' },

  // --- data movement, reduce, resize, softmax (assembly/move) ---
  { name: 'xx_copy_nd_x1__scalar', from: 'move/copy_nd', sig: 'move', op: 'xx_copy_nd', params: XX_COPY_ND },
  { name: 'f32_softmax_x1__scalar', from: 'move/softmax', sig: 'move', op: 'f32_softmax', params: F32_SOFTMAX },
  { name: 'f32_reduce_x1__scalar', from: 'move/f32_reduce', sig: 'move', op: 'f32_reduce', params: F32_REDUCE },
  { name: 'qs8_reduce_x1__scalar', from: 'move/qs8_reduce', sig: 'move', op: 'qs8_reduce', params: QS8_REDUCE },
  { name: 'xx_resize_nearest_x1__scalar', from: 'move/resize', sig: 'move', op: 'xx_resize_nearest', params: XX_RESIZE_NEAREST },
  { name: 'f32_resize_linear_x1__scalar', from: 'move/resize', sig: 'move', op: 'f32_resize_linear', params: F32_RESIZE_LINEAR },
  { name: 'qs8_resize_linear_x1__scalar', from: 'move/resize', sig: 'move', op: 'qs8_resize_linear', params: QS8_RESIZE_LINEAR },
  { name: 'xx_copy_nd_x16__wasmsimd', from: 'move/copy_nd_wasmsimd', sig: 'move', op: 'xx_copy_nd', params: XX_COPY_ND, twin: 'xx_copy_nd_x1__scalar' },
  { name: 'f32_softmax_x4__wasmsimd', from: 'move/softmax_wasmsimd', sig: 'move', op: 'f32_softmax', params: F32_SOFTMAX, twin: 'f32_softmax_x1__scalar' },
  { name: 'f32_reduce_x4__wasmsimd', from: 'move/f32_reduce_wasmsimd', sig: 'move', op: 'f32_reduce', params: F32_REDUCE, twin: 'f32_reduce_x1__scalar' },
  { name: 'qs8_reduce_x16__wasmsimd', from: 'move/qs8_reduce_wasmsimd', sig: 'move', op: 'qs8_reduce', params: QS8_REDUCE, twin: 'qs8_reduce_x1__scalar' },
  { name: 'xx_resize_nearest_x16__wasmsimd', from: 'move/resize_wasmsimd', sig: 'move', op: 'xx_resize_nearest', params: XX_RESIZE_NEAREST, twin: 'xx_resize_nearest_x1__scalar' },
  { name: 'f32_resize_linear_x4__wasmsimd', from: 'move/resize_wasmsimd', sig: 'move', op: 'f32_resize_linear', params: F32_RESIZE_LINEAR, twin: 'f32_resize_linear_x1__scalar' },
  { name: 'qs8_resize_linear_x16__wasmsimd', from: 'move/resize_wasmsimd', sig: 'move', op: 'qs8_resize_linear', params: QS8_RESIZE_LINEAR, twin: 'qs8_resize_linear_x1__scalar' },
] as const satisfies readonly ManifestEntry[];

const LEVEL: Record<Build, number> = { scalar: 0, simd: 1, relaxed: 2 };

/** The lowest build that has an export: its ISA suffix (none: every build). */
export function buildOf(name: string): Build {
  return name.endsWith('__wasmrelaxed') ? 'relaxed' : name.endsWith('__wasmsimd') ? 'simd' : 'scalar';
}

/** Whether `build` has the export `name` (each build is the one below plus its own exports). */
export function inBuild(name: string, build: Build): boolean {
  return LEVEL[buildOf(name)] <= LEVEL[build];
}

const BY_NAME = new Map<string, ManifestEntry>(MANIFEST.map((e) => [e.name, e]));

/** The manifest entry of an export. */
export function entryOf(name: string): ManifestEntry {
  const e = BY_NAME.get(name);
  if (!e) throw new TypeError(`'${name}' is not in the kernel manifest (src/runtime/manifest.ts)`);
  return e;
}

/** Every export a build has, in manifest order. */
export function exportsOf(build: Build): ManifestEntry[] {
  return MANIFEST.filter((e) => inBuild(e.name, build));
}

/** Every kernel of an op that a build has (the table's choice, its scalar twins, the variants), in manifest order. */
export function kernelsOf(op: string, build: Build): string[] {
  return exportsOf(build).filter((e) => e.op === op).map((e) => e.name);
}

/** The packer that lays out the weights a kernel reads. */
export function packerOf(kernel: string): string {
  const p = entryOf(kernel).packer;
  if (!p) throw new TypeError(`kernel '${kernel}' takes no packed weights`);
  return p;
}

// The typed export table of a kernel build. Every build exports the same names for
// the kernels it has; a name missing from a build (a SIMD kernel in the scalar build)
// is optional here and the kernel table never selects it there.
// Pointers and sizes are plain numbers (wasm i32); every kernel returns nothing.

type Ptr = number;

export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): Ptr;

  // --- qs8 gemm / conv ---
  /** qs8 gemm packers: (w [N][K] i8, bias i32 (0 = none), scale f32, zp_in, N, K, out); see assembly/qs8/gemm_scalar.ts. */
  qs8_gemm_pack_2x4c8(w: Ptr, bias: Ptr, scale: Ptr, zpIn: number, n: number, k: number, out: Ptr): void;
  qs8_gemm_pack_2x4c16s(w: Ptr, bias: Ptr, scale: Ptr, zpIn: number, n: number, k: number, out: Ptr): void;
  /** The "4c8" packer with SIMD (same bytes as qs8_gemm_pack_2x4c8); simd and relaxed builds. */
  qs8_gemm_pack_2x4c8__wasmsimd?(w: Ptr, bias: Ptr, scale: Ptr, zpIn: number, n: number, k: number, out: Ptr): void;
  /** qs8 gemm kernels: (m, n, k, a, a_stride, w_packed, c, c_stride, params). */
  qs8_gemm_2x4c8__scalar(m: number, n: number, k: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;
  qs8_gemm_2x4c16s__scalar(m: number, n: number, k: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;
  qs8_gemm_2x4c8__wasmsimd?(m: number, n: number, k: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;
  qs8_gemm_2x4c16s__wasmrelaxed?(m: number, n: number, k: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;
  /** qs8 conv kernels: (input, w_packed, output, scratch, params); see assembly/qs8/conv_scalar.ts. */
  qs8_conv_2x4c8__scalar(input: Ptr, w: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;
  qs8_conv_2x4c16s__scalar(input: Ptr, w: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;
  qs8_conv_2x4c8__wasmsimd?(input: Ptr, w: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;
  qs8_conv_2x4c16s__wasmrelaxed?(input: Ptr, w: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;
  /** Direct conv for C_in <= 4, packer "16c2": (w OHWI i8, bias i32 (0 = none), scale f32, zp_in, N, KH, KW, C_in, out); see assembly/qs8/conv_cin4_scalar.ts. */
  qs8_conv_cin4_pack_16c2(w: Ptr, bias: Ptr, scale: Ptr, zpIn: number, n: number, kh: number, kw: number, c: number, out: Ptr): void;
  /** Scratch bytes of the direct conv for a conv params block. */
  qs8_conv_cin4_scratch_bytes(params: Ptr): number;
  qs8_conv_cin4_2x16c2__scalar(input: Ptr, w: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;
  qs8_conv_cin4_2x16c2__wasmsimd?(input: Ptr, w: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;

  // --- qs8 dwconv ---
  /** Packer for every qs8 dwconv kernel: (taps, C, w[KH][KW][C] i8, bias i32 (0 = none), scale f32, zp_in, out). */
  qs8_dwconv_pack_16c(taps: number, channels: number, w: Ptr, bias: Ptr, scale: Ptr, zpIn: number, out: Ptr): void;
  /** qs8 dwconv kernels: (input, packed, output, zero, scratch, params); see assembly/qs8/dwconv.ts. */
  qs8_dwconv_3x3_16c__scalar(input: Ptr, packed: Ptr, output: Ptr, zero: Ptr, scratch: Ptr, params: Ptr): void;
  qs8_dwconv_5x5_16c__scalar(input: Ptr, packed: Ptr, output: Ptr, zero: Ptr, scratch: Ptr, params: Ptr): void;
  qs8_dwconv_generic_16c__scalar(input: Ptr, packed: Ptr, output: Ptr, zero: Ptr, scratch: Ptr, params: Ptr): void;
  qs8_dwconv_3x3_16c__wasmsimd?(input: Ptr, packed: Ptr, output: Ptr, zero: Ptr, scratch: Ptr, params: Ptr): void;
  qs8_dwconv_5x5_16c__wasmsimd?(input: Ptr, packed: Ptr, output: Ptr, zero: Ptr, scratch: Ptr, params: Ptr): void;
  qs8_dwconv_generic_16c__wasmsimd?(input: Ptr, packed: Ptr, output: Ptr, zero: Ptr, scratch: Ptr, params: Ptr): void;

  // --- f32 conv / dwconv / gemm ---
  /** f32 GEMM packer: (N, K, B[N][K], bias[N] (0 = none), out). Also packs conv weights (OHWI = [OC][KH*KW*C]). */
  f32_gemm_pack_4x8(n: number, k: number, b: Ptr, bias: Ptr, out: Ptr): void;
  /** f32 GEMM: (M, N, K, a, a_stride bytes, packed, c, c_stride bytes, params {fmin, fmax}); see assembly/f32/gemm.ts. */
  f32_gemm_4x8__scalar(m: number, n: number, k: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;
  f32_gemm_4x8__wasmsimd?(m: number, n: number, k: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;
  /** f32 conv: (input, packed, output, scratch, params); see assembly/f32/conv.ts. */
  f32_conv_4x8__scalar(input: Ptr, packed: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;
  f32_conv_4x8__wasmsimd?(input: Ptr, packed: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;
  /** f32 dwconv packer: (taps, C, w[KH][KW][C], bias[C] (0 = none), out). */
  f32_dwconv_pack_8c(taps: number, channels: number, w: Ptr, bias: Ptr, out: Ptr): void;
  /** f32 dwconv: (input, packed, output, zero, scratch, params); see assembly/f32/dwconv.ts. */
  f32_dwconv_3x3_8c__scalar(input: Ptr, packed: Ptr, output: Ptr, zero: Ptr, scratch: Ptr, params: Ptr): void;
  f32_dwconv_generic_8c__scalar(input: Ptr, packed: Ptr, output: Ptr, zero: Ptr, scratch: Ptr, params: Ptr): void;
  f32_dwconv_3x3_8c__wasmsimd?(input: Ptr, packed: Ptr, output: Ptr, zero: Ptr, scratch: Ptr, params: Ptr): void;
  f32_dwconv_generic_8c__wasmsimd?(input: Ptr, packed: Ptr, output: Ptr, zero: Ptr, scratch: Ptr, params: Ptr): void;

  // --- pooling ---
  /** Pools over NHWC: (x, y, params); params layouts in assembly/pool/{window,qs8_pool,f32_pool}.ts. */
  qs8_maxpool_c1__scalar(x: Ptr, y: Ptr, params: Ptr): void;
  qs8_avgpool_c1__scalar(x: Ptr, y: Ptr, params: Ptr): void;
  qs8_gavgpool_c1__scalar(x: Ptr, y: Ptr, params: Ptr): void;
  f32_maxpool_c1__scalar(x: Ptr, y: Ptr, params: Ptr): void;
  f32_avgpool_c1__scalar(x: Ptr, y: Ptr, params: Ptr): void;
  f32_gavgpool_c1__scalar(x: Ptr, y: Ptr, params: Ptr): void;
  qs8_maxpool_c16__wasmsimd?(x: Ptr, y: Ptr, params: Ptr): void;
  qs8_avgpool_c16__wasmsimd?(x: Ptr, y: Ptr, params: Ptr): void;
  qs8_gavgpool_c16__wasmsimd?(x: Ptr, y: Ptr, params: Ptr): void;
  f32_maxpool_c4__wasmsimd?(x: Ptr, y: Ptr, params: Ptr): void;
  f32_avgpool_c4__wasmsimd?(x: Ptr, y: Ptr, params: Ptr): void;
  f32_gavgpool_c4__wasmsimd?(x: Ptr, y: Ptr, params: Ptr): void;

  // --- element-wise ---
  /** Binary element-wise: (n, a, b, y, params); assembly/eltwise/{qs8,f32}_eltwise.ts. */
  qs8_vadd_x1__scalar(n: number, a: Ptr, b: Ptr, y: Ptr, params: Ptr): void;
  f32_vadd_x1__scalar(n: number, a: Ptr, b: Ptr, y: Ptr, params: Ptr): void;
  qs8_vadd_x16__wasmsimd?(n: number, a: Ptr, b: Ptr, y: Ptr, params: Ptr): void;
  f32_vadd_x16__wasmsimd?(n: number, a: Ptr, b: Ptr, y: Ptr, params: Ptr): void;
  /** Conversions (n, x, y, params): requantize int8, quantize f32 -> int8, dequantize int8 -> f32. */
  qs8_vcvt_x1__scalar(n: number, x: Ptr, y: Ptr, params: Ptr): void;
  f32_qs8_vcvt_x1__scalar(n: number, x: Ptr, y: Ptr, params: Ptr): void;
  qs8_f32_vcvt_x1__scalar(n: number, x: Ptr, y: Ptr, params: Ptr): void;
  qs8_vcvt_x16__wasmsimd?(n: number, x: Ptr, y: Ptr, params: Ptr): void;
  f32_qs8_vcvt_x16__wasmsimd?(n: number, x: Ptr, y: Ptr, params: Ptr): void;
  qs8_f32_vcvt_x16__wasmsimd?(n: number, x: Ptr, y: Ptr, params: Ptr): void;
  /** Per-channel multiply(-add) packers: (channels, scale f32[C], bias f32[C] (0 = none), out). */
  qs8_vmulcaddc_pack_c16(channels: number, m: Ptr, b: Ptr, out: Ptr): void;
  f32_vmulcaddc_pack_c4(channels: number, s: Ptr, b: Ptr, out: Ptr): void;
  /** Per-channel multiply(-add): (rows, channels, x, x_stride, w_packed, y, y_stride, params). */
  qs8_vmulcaddc_c16__scalar(rows: number, channels: number, x: Ptr, xStride: number, w: Ptr, y: Ptr, yStride: number, params: Ptr): void;
  f32_vmulcaddc_c4__scalar(rows: number, channels: number, x: Ptr, xStride: number, w: Ptr, y: Ptr, yStride: number, params: Ptr): void;
  qs8_vmulcaddc_c16__wasmsimd?(rows: number, channels: number, x: Ptr, xStride: number, w: Ptr, y: Ptr, yStride: number, params: Ptr): void;
  f32_vmulcaddc_c4__wasmsimd?(rows: number, channels: number, x: Ptr, xStride: number, w: Ptr, y: Ptr, yStride: number, params: Ptr): void;
  /** Strided row copy for channel concat: (rows, bytes, x, x_stride, y, y_stride), strides in bytes. */
  xx_copy_nc_x1__scalar(rows: number, bytes: number, x: Ptr, xStride: number, y: Ptr, yStride: number): void;
  xx_copy_nc_x16__wasmsimd?(rows: number, bytes: number, x: Ptr, xStride: number, y: Ptr, yStride: number): void;
  /** uint8 -> int8 table lookup to NHWC: (pixels, channels, x, x_channel_stride, x_pixel_stride, table [C][256], y); assembly/eltwise/lut.ts. */
  u8_qs8_lut_x1__scalar(pixels: number, channels: number, x: Ptr, xChannelStride: number, xPixelStride: number, table: Ptr, y: Ptr): void;

  // --- exit head ---
  /** Softmax + entropy + top-1 + argmax per row: (rows, classes, x, y, argmax, params); assembly/head/exit_head.ts. */
  f32_exit_head__scalar(rows: number, classes: number, x: Ptr, y: Ptr, argmax: Ptr, params: Ptr): void;
  qs8_exit_head__scalar(rows: number, classes: number, x: Ptr, y: Ptr, argmax: Ptr, params: Ptr): void;

  // --- bench peaks ---

  // --- qs8 block-sparse ---
  /** Block-sparse packer "sp4c8": (w [N][K] i8, bias i32 (0 = none), scale f32, zp_in, N, K, out) -> bytes written; assembly/qs8/sparse_scalar.ts. */
  qs8_spgemm_pack_4c8(w: Ptr, bias: Ptr, scale: Ptr, zpIn: number, n: number, k: number, out: Ptr): number;
  qs8_spgemm_packed_bytes(w: Ptr, n: number, k: number): number;
  /** Block-sparse qs8 gemm: the dense gemm's signature over the "sp4c8" layout. */
  qs8_spgemm_2x4c8__scalar(m: number, n: number, k: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;
  qs8_spgemm_2x4c8__wasmsimd?(m: number, n: number, k: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;

  // --- binary ---
  /** Bit packing (rows, channels, x int8|f32, y u32 bits, zp); assembly/b1/bitpack.ts. */
  b1_bitpack_qs8_x1__scalar(rows: number, channels: number, x: Ptr, y: Ptr, zp: number): void;
  b1_bitpack_f32_x1__scalar(rows: number, channels: number, x: Ptr, y: Ptr, zp: number): void;
  b1_bitpack_qs8_x16__wasmsimd?(rows: number, channels: number, x: Ptr, y: Ptr, zp: number): void;
  b1_bitpack_f32_x16__wasmsimd?(rows: number, channels: number, x: Ptr, y: Ptr, zp: number): void;
  /** Binary GEMM packer "x8": (N, kw, w [N][kw] u32, p0 [N], p1 [N], out); assembly/b1/gemm.ts. */
  b1_gemm_pack_x8(n: number, kw: number, w: Ptr, p0: Ptr, p1: Ptr, out: Ptr): void;
  /** Binary GEMM: (m, n, kw words, a, a_stride bytes, packed, c, c_stride bytes, params). */
  b1_gemm_4x8__scalar(m: number, n: number, kw: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;
  b1_gemm_4x8__wasmsimd?(m: number, n: number, kw: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;
  /** Binary conv: (input bits, packed, output, scratch, params); assembly/b1/conv.ts. */
  b1_conv_4x8__scalar(input: Ptr, w: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;
  b1_conv_4x8__wasmsimd?(input: Ptr, w: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;
  /** Binary weights x int8 packer "4c8": (N, taps, C, w bits, mul f32, add f32, zp_in, out); assembly/b1/b1w.ts. */
  qs8_b1w_gemm_pack_4c8(n: number, taps: number, channels: number, w: Ptr, mul: Ptr, add: Ptr, zpIn: number, out: Ptr): void;
  /** Binary weights x int8: the qs8 gemm / conv signatures and params. */
  qs8_b1w_gemm_2x4c8__scalar(m: number, n: number, k: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;
  qs8_b1w_gemm_2x4c8__wasmsimd?(m: number, n: number, k: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;
  qs8_b1w_conv_2x4c8__scalar(input: Ptr, w: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;
  qs8_b1w_conv_2x4c8__wasmsimd?(input: Ptr, w: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;
  /** The same weights widened to i16 at load ("4c8w16", SIMD builds); assembly/b1/b1w.ts. */
  qs8_b1w_gemm_pack_4c8w16?(n: number, taps: number, channels: number, w: Ptr, mul: Ptr, add: Ptr, zpIn: number, out: Ptr): void;
  qs8_b1w_gemm_2x4c8__wasmsimd_w16?(m: number, n: number, k: number, a: Ptr, aStride: number, w: Ptr, c: Ptr, cStride: number, params: Ptr): void;
  qs8_b1w_conv_2x4c8__wasmsimd_w16?(input: Ptr, w: Ptr, output: Ptr, scratch: Ptr, params: Ptr): void;

  /** Any other export, looked up by name (tests use this for twins that are not in the table). */
  readonly [name: string]: unknown;
}

/** Look up an export by name and check it is a function. */
export function kernelFn(exports: KernelExports, name: string): (...args: number[]) => void {
  const f = exports[name];
  if (typeof f !== 'function') throw new TypeError(`this build has no kernel '${name}'`);
  return f as (...args: number[]) => void;
}


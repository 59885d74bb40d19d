// f32 GEMM / fully connected, convolution and depthwise convolution (NHWC), with fused
// bias and clamp [fmin, fmax] (±Infinity: no clamp). Pack once at load, run many times:
//
//   const fc = prepareF32Gemm(mem, build, { n, k, weights /* [N][K] */, bias, fmin, fmax });
//   runF32Gemm(mem, fc, aPtr, cPtr, m);                       // A [M][K] -> C [M][N]
//   const conv = prepareF32Conv(mem, build, { geom, outChannels, weights /* OHWI */, bias });
//   runF32Conv(mem, conv, inPtr, outPtr);                     // [N][H][W][C] -> [N][OH][OW][OC]
//   const dw = prepareF32Dwconv(mem, build, { geom, weights /* [KH][KW][C] */, bias });
//   runF32Dwconv(mem, dw, inPtr, outPtr);
//
// Kernels and packed layouts: assembly/f32/{gemm,conv,dwconv}.ts. ONNX Gemm maps here
// with transB = 1 (B given as [N][K]); alpha/beta/transB = 0 are the converter's to fold.
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { chooseKernel } from '../kernel-table.js';
import { writeParams } from '../params.js';
import { F32_CONV, F32_DWCONV, F32_MINMAX } from '../param-blocks.js';
import { type ConvGeometry, type ResolvedGeometry, resolveGeometry, geometryFields } from './qs8-dwconv.js';

export interface F32Clamp {
  /** Lower clamp (default -Infinity). */
  fmin?: number;
  /** Upper clamp (default +Infinity). */
  fmax?: number;
}

function clampRange(c: F32Clamp): [number, number] {
  const lo = c.fmin ?? -Infinity, hi = c.fmax ?? Infinity;
  if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) throw new RangeError(`f32 clamp: bad range [${lo}, ${hi}]`);
  return [lo, hi];
}

/** Bytes of packed GEMM weights (mirror of f32_gemm_packed_bytes). */
export const f32GemmPackedBytes = (n: number, k: number): number => Math.ceil(n / 8) * (k + 1) * 32;
/** Bytes of packed dwconv weights. */
export const f32DwPackedBytes = (taps: number, c: number): number => Math.ceil(c / 8) * (32 + 32 * taps);

function packGemm(mem: LinearMemory, packer: string, n: number, k: number, weights: Float32Array, bias: Float32Array | null | undefined): number {
  if (weights.length !== n * k) throw new RangeError(`f32 weights: want ${n * k} (N*K), got ${weights.length}`);
  if (bias && bias.length !== n) throw new RangeError(`f32 bias: want ${n}, got ${bias.length}`);
  const packed = mem.alloc(f32GemmPackedBytes(n, k));
  mem.temporary(() => kernelFn(mem.mod.exports, packer)(n, k, mem.put(weights), bias ? mem.put(bias) : 0, packed));
  return packed;
}

// ---------------------------------------------------------------- GEMM

export interface F32GemmSpec extends F32Clamp {
  /** Output columns. */
  n: number;
  /** Reduction length. */
  k: number;
  /** Weights [N][K] (ONNX Gemm B with transB = 1, or MatMul's B transposed). */
  weights: Float32Array;
  bias?: Float32Array | null;
  kernel?: string;
}

export interface F32GemmLayer {
  readonly n: number;
  readonly k: number;
  readonly kernel: string;
  readonly packed: number;
  readonly params: number;
}

export function prepareF32Gemm(mem: LinearMemory, build: Build, spec: F32GemmSpec): F32GemmLayer {
  for (const [name, v] of Object.entries({ n: spec.n, k: spec.k })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`f32 gemm: ${name} must be a positive integer, got ${v}`);
  }
  const choice = chooseKernel('f32_gemm', build);
  const kernel = spec.kernel ?? choice.kernel;
  kernelFn(mem.mod.exports, kernel);
  const packed = packGemm(mem, choice.packer!, spec.n, spec.k, spec.weights, spec.bias);
  const [fmin, fmax] = clampRange(spec);
  const params = writeParams(mem, F32_MINMAX, { fmin, fmax });
  return { n: spec.n, k: spec.k, kernel, packed, params };
}

/**
 * C[M][N] = clamp(A[M][K] B^T + bias). Strides are in elements (default: dense rows).
 * `a` may be read up to 16 bytes past its end; `c` is written exactly.
 */
export function runF32Gemm(mem: LinearMemory, layer: F32GemmLayer, a: number, c: number, m: number, aStride = layer.k, cStride = layer.n): void {
  kernelFn(mem.mod.exports, layer.kernel)(m, layer.n, layer.k, a, aStride * 4, layer.packed, c, cStride * 4, layer.params);
}

// ---------------------------------------------------------------- Conv

export interface F32ConvSpec extends F32Clamp {
  geom: ConvGeometry;
  outChannels: number;
  /** Pixel strides of the input and output in elements (default: geom.c and outChannels): one group of a grouped conv. */
  xStride?: number;
  yStride?: number;
  /** Elements from one output row to the next (default ow * yStride): one phase of a transposed conv. */
  yRowStride?: number;
  /** Elements from one input row to the next (default w * xStride): a window of a wider input. */
  xRowStride?: number;
  /** Weights OHWI: [OC][KH][KW][C]. */
  weights: Float32Array;
  bias?: Float32Array | null;
  kernel?: string;
}

export interface F32ConvLayer {
  readonly geom: ResolvedGeometry;
  readonly outChannels: number;
  /** 'gemm': a 1x1 stride-1 unpadded conv run as one GEMM over the input; 'conv': im2col + GEMM. */
  readonly path: 'gemm' | 'conv';
  readonly kernel: string;
  readonly packed: number;
  readonly scratch: number;
  readonly params: number;
  readonly outputFloats: number;
  readonly xStride: number;
  readonly yStride: number;
}

export function prepareF32Conv(mem: LinearMemory, build: Build, spec: F32ConvSpec): F32ConvLayer {
  const g = resolveGeometry(spec.geom);
  const oc = spec.outChannels;
  if (!Number.isInteger(oc) || oc < 1) throw new RangeError(`f32 conv: outChannels must be a positive integer, got ${oc}`);
  const k = g.kh * g.kw * g.c;
  const [lo, hi] = clampRange(spec);
  const xStride = spec.xStride ?? g.c, yStride = spec.yStride ?? oc;
  if (!Number.isInteger(xStride) || xStride < g.c || !Number.isInteger(yStride) || yStride < oc) {
    throw new RangeError(`f32 conv: pixel strides ${xStride}, ${yStride} must be integers >= ${g.c}, ${oc}`);
  }
  const yRowStride = spec.yRowStride ?? g.ow * yStride, xRowStride = spec.xRowStride ?? g.w * xStride;
  if (!Number.isInteger(xRowStride) || xRowStride < (g.w - 1) * xStride + g.c) throw new RangeError(`f32 conv: input row stride ${xRowStride} overlaps a row of ${g.w} pixels of stride ${xStride}`);
  if (!Number.isInteger(yRowStride) || yRowStride < (g.ow - 1) * yStride + oc) throw new RangeError(`f32 conv: row stride ${yRowStride} overlaps a row of ${g.ow} pixels of stride ${yStride}`);
  const pointwise = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt + g.pl + g.pb + g.pr === 0;
  const path = pointwise && spec.kernel === undefined && yRowStride === g.ow * yStride && xRowStride === g.w * xStride ? 'gemm' : 'conv';
  const choice = chooseKernel(path === 'gemm' ? 'f32_gemm' : 'f32_conv', build);
  const kernel = spec.kernel ?? choice.kernel;
  kernelFn(mem.mod.exports, kernel);
  const packed = packGemm(mem, choice.packer!, oc, k, spec.weights, spec.bias);
  if (path === 'gemm') {
    const params = writeParams(mem, F32_MINMAX, { fmin: lo, fmax: hi });
    return { geom: g, outChannels: oc, path, kernel, packed, scratch: 0, params, outputFloats: g.n * g.oh * g.ow * oc, xStride, yStride };
  }
  const scratch = mem.alloc(16 * k);
  const params = writeParams(mem, F32_CONV, { ...geometryFields(g), c_out: oc, fmin: lo, fmax: hi, x_stride: xStride, x_row_stride: xRowStride, y_stride: yStride, y_row_stride: yRowStride });
  return { geom: g, outChannels: oc, path, kernel, packed, scratch, params, outputFloats: g.n * g.oh * g.ow * oc, xStride, yStride };
}

export function runF32Conv(mem: LinearMemory, layer: F32ConvLayer, input: number, output: number): void {
  const f = kernelFn(mem.mod.exports, layer.kernel);
  const g = layer.geom;
  if (layer.path === 'gemm') {
    f(g.n * g.h * g.w, layer.outChannels, g.c, input, layer.xStride * 4, layer.packed, output, layer.yStride * 4, layer.params);
  } else {
    f(input, layer.packed, output, layer.scratch, layer.params);
  }
}

// ---------------------------------------------------------------- Depthwise

export interface F32DwconvSpec extends F32Clamp {
  geom: ConvGeometry;
  /** Weights [KH][KW][C]. */
  weights: Float32Array;
  bias?: Float32Array | null;
  kernel?: string;
}

export interface F32DwconvLayer {
  readonly geom: ResolvedGeometry;
  readonly kernel: string;
  readonly packed: number;
  readonly zero: number;
  readonly scratch: number;
  readonly params: number;
  readonly outputFloats: number;
}

export function prepareF32Dwconv(mem: LinearMemory, build: Build, spec: F32DwconvSpec): F32DwconvLayer {
  const g = resolveGeometry(spec.geom);
  const taps = g.kh * g.kw;
  if (spec.weights.length !== taps * g.c) throw new RangeError(`f32 dwconv weights: want ${taps * g.c} (KH*KW*C), got ${spec.weights.length}`);
  if (spec.bias && spec.bias.length !== g.c) throw new RangeError(`f32 dwconv bias: want ${g.c}, got ${spec.bias.length}`);
  const [lo, hi] = clampRange(spec);
  const choice = chooseKernel(g.kh === 3 && g.kw === 3 ? 'f32_dwconv_3x3' : 'f32_dwconv', build);
  const kernel = spec.kernel ?? choice.kernel;
  kernelFn(mem.mod.exports, kernel);
  const packed = mem.alloc(f32DwPackedBytes(taps, g.c));
  mem.temporary(() => kernelFn(mem.mod.exports, choice.packer!)(taps, g.c, mem.put(spec.weights), spec.bias ? mem.put(spec.bias) : 0, packed));
  const zeroFloats = Math.ceil(g.c / 4) * 4;
  const zero = mem.alloc(zeroFloats * 4);
  mem.f32(zero, zeroFloats).fill(0);
  const scratch = mem.alloc(4 * ((taps + 1) & ~1));
  const params = writeParams(mem, F32_DWCONV, { ...geometryFields(g), fmin: lo, fmax: hi });
  return { geom: g, kernel, packed, zero, scratch, params, outputFloats: g.n * g.oh * g.ow * g.c };
}

export function runF32Dwconv(mem: LinearMemory, layer: F32DwconvLayer, input: number, output: number): void {
  kernelFn(mem.mod.exports, layer.kernel)(input, layer.packed, output, layer.zero, layer.scratch, layer.params);
}

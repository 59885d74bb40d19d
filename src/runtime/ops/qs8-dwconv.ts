// int8 depthwise convolution (NHWC, channel multiplier 1): pack once, run many times.
//
//   const layer = prepareQs8Dwconv(mem, build, { geom, weights, bias, scale, zpIn, zpOut, qmin, qmax });
//   runQs8Dwconv(mem, layer, inputPtr, outputPtr);   // int8 [N][H][W][C] -> int8 [N][OH][OW][C]
//
// Kernels and packed layouts: assembly/qs8/dwconv.ts (5x5, generic) and assembly/qs8/dwconv_3x3r.ts
// (3x3). The host writes, at prepare time, the params block, the packed weights and a `zero`
// row filled with zp_in (what padded taps read); the kernel's scratch (the 3x3 kernel's ring of
// pair rows, the others' tap pointers) is the layer's own or, in a model, the arena's
// (scratchBytes, runQs8Dwconv's last argument).
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { chooseKernel } from '../kernel-table.js';
import { writeParams } from '../params.js';
import { packerOf } from '../manifest.js';
import { QS8_DWCONV } from '../param-blocks.js';
import { windowOut } from '../../ir/window.js';

/** Spatial geometry of a convolution over an NHWC tensor (shared by the dwconv and conv wrappers). */
export interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  /** Input channels (= output channels for depthwise). */
  c: number;
  kh: number;
  kw: number;
  strideH?: number;
  strideW?: number;
  dilationH?: number;
  dilationW?: number;
  /** ONNX pads order: [top, left, bottom, right]. Default all 0. */
  pads?: readonly [number, number, number, number];
}

export interface ResolvedGeometry {
  n: number; h: number; w: number; c: number; kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; pb: number; pr: number;
  oh: number; ow: number;
}

/** Fill defaults and compute the output size (ONNX Conv: floor((in + pads - dil*(k-1) - 1)/stride) + 1). */
export function resolveGeometry(g: ConvGeometry): ResolvedGeometry {
  const [pt, pl, pb, pr] = g.pads ?? [0, 0, 0, 0];
  const sh = g.strideH ?? 1, sw = g.strideW ?? 1, dh = g.dilationH ?? 1, dw = g.dilationW ?? 1;
  for (const [k, v] of Object.entries({ n: g.n, h: g.h, w: g.w, c: g.c, kh: g.kh, kw: g.kw, sh, sw, dh, dw })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`conv geometry: ${k} must be a positive integer, got ${v}`);
  }
  for (const v of [pt, pl, pb, pr]) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`conv geometry: pads must be non-negative integers, got ${v}`);
  }
  const oh = windowOut(g.h, g.kh, sh, dh, pt, pb, false);
  const ow = windowOut(g.w, g.kw, sw, dw, pl, pr, false);
  if (oh < 1 || ow < 1) throw new RangeError(`conv geometry: empty output ${oh}x${ow}`);
  return { n: g.n, h: g.h, w: g.w, c: g.c, kh: g.kh, kw: g.kw, sh, sw, dh, dw, pt, pl, pb, pr, oh, ow };
}

/** The geometry fields every dwconv / f32 conv params block starts with (param-blocks.ts). */
export function geometryFields(g: ResolvedGeometry) {
  return { n: g.n, h: g.h, w: g.w, c: g.c, oh: g.oh, ow: g.ow, kh: g.kh, kw: g.kw, sh: g.sh, sw: g.sw, dh: g.dh, dw: g.dw, pt: g.pt, pl: g.pl };
}

/** Bytes of one packed 16-channel group: the "3x3r" layout's 512 (dwconv_3x3r.ts), else dw16_group_bytes. */
export const qs8DwGroupBytes = (taps: number, packer: string): number =>
  packer === 'qs8_dwconv_pack_3x3r' ? 512 : 128 + 32 * ((taps + 1) & ~1);

export interface Qs8DwconvSpec {
  geom: ConvGeometry;
  /** Canonical int8 weights [KH][KW][C]. */
  weights: Int8Array;
  /** int32 bias [C] with scale s_in*s_w[c]; null = none. */
  bias?: Int32Array | null;
  /** Per-channel requantization multipliers m[c] (int8Params in src/ir/ops/quant-params.ts). */
  scale: Float32Array;
  zpIn: number;
  zpOut: number;
  /** Fused activation range in the output's quantized domain (none: -128, 127). */
  qmin?: number;
  qmax?: number;
  /** Override the kernel export (tests: scalar twins, the generic kernel). */
  kernel?: string;
  /** Allocate the scratch now (default true); false: pass one (scratchBytes) to runQs8Dwconv. */
  allocScratch?: boolean;
}

export interface Qs8DwconvLayer {
  readonly geom: ResolvedGeometry;
  readonly kernel: string;
  readonly packed: number;
  readonly zero: number;
  /** Scratch bytes the kernel needs (plus the usual 16 read-past bytes), and the layer's own (0: none allocated). */
  readonly scratchBytes: number;
  readonly scratch: number;
  readonly params: number;
  /** Bytes of one input / output tensor. */
  readonly inputBytes: number;
  readonly outputBytes: number;
}

/** Table op for a kernel size: the 3x3 and 5x5 fast paths, or the generic kernel. */
export function qs8DwconvOp(kh: number, kw: number): string {
  if (kh === 3 && kw === 3) return 'qs8_dwconv_3x3';
  if (kh === 5 && kw === 5) return 'qs8_dwconv_5x5';
  return 'qs8_dwconv';
}

/** Check the spec, pack the weights and write params, zero row and scratch. Call once at load. */
export function prepareQs8Dwconv(mem: LinearMemory, build: Build, spec: Qs8DwconvSpec): Qs8DwconvLayer {
  const g = resolveGeometry(spec.geom);
  const taps = g.kh * g.kw;
  const qmin = spec.qmin ?? -128, qmax = spec.qmax ?? 127;
  if (spec.weights.length !== taps * g.c) throw new RangeError(`dwconv weights: want ${taps * g.c} (KH*KW*C), got ${spec.weights.length}`);
  if (spec.scale.length !== g.c) throw new RangeError(`dwconv scale: want ${g.c} channels, got ${spec.scale.length}`);
  if (spec.bias && spec.bias.length !== g.c) throw new RangeError(`dwconv bias: want ${g.c} channels, got ${spec.bias.length}`);
  for (const [k, v] of Object.entries({ zpIn: spec.zpIn, zpOut: spec.zpOut, qmin, qmax })) {
    if (!Number.isInteger(v) || v < -128 || v > 127) throw new RangeError(`dwconv ${k} must be an int8, got ${v}`);
  }
  if (qmin > qmax) throw new RangeError(`dwconv qmin ${qmin} > qmax ${qmax}`);

  const kernel = spec.kernel ?? chooseKernel(qs8DwconvOp(g.kh, g.kw), build).kernel;
  const exp = mem.mod.exports;
  kernelFn(exp, kernel); // throws now if this build lacks it
  const packer = packerOf(kernel);
  if (packer === 'qs8_dwconv_pack_3x3r' && taps !== 9) throw new RangeError(`dwconv: ${kernel} is a 3x3 kernel, got ${g.kh}x${g.kw}`);

  const packed = mem.alloc(Math.ceil(g.c / 16) * qs8DwGroupBytes(taps, packer));
  mem.temporary(() =>
    kernelFn(exp, packer)(taps, g.c, mem.put(spec.weights), spec.bias ? mem.put(spec.bias) : 0, mem.put(spec.scale), spec.zpIn, packed),
  );

  const zeroBytes = Math.ceil(g.c / 16) * 16;
  const zero = mem.alloc(zeroBytes);
  mem.i8(zero, zeroBytes).fill(spec.zpIn);
  const params = writeParams(mem, QS8_DWCONV, { ...geometryFields(g), zp_out: spec.zpOut, qmin, qmax });
  const scratchBytes = packer === 'qs8_dwconv_pack_3x3r' ? exp.qs8_dwconv_3x3r_scratch_bytes(params) : 4 * ((taps + 1) & ~1);
  const scratch = spec.allocScratch !== false ? mem.alloc(scratchBytes) : 0;
  return {
    geom: g, kernel, packed, zero, scratchBytes, scratch, params,
    inputBytes: g.n * g.h * g.w * g.c,
    outputBytes: g.n * g.oh * g.ow * g.c,
  };
}

/**
 * Whether the layer may write its output over its input (the executor's allowInPlace): the SIMD
 * 3x3 kernel over pair rows (assembly/qs8/dwconv_3x3r_wasmsimd.ts) at stride 1 or 2, dilation 1,
 * pad_top <= 2 and no wider output rows than input rows. It builds each pair row once, from input
 * rows it reads before writing the output rows that need them, and by the time it writes output
 * rows oy and oy + 1 (bytes up to (oy + 2) * OW * C) the next input row it has still to read is
 * row oy + 4 - pad_top (stride 1) or 2 * oy + 6 - pad_top (stride 2), at or past those bytes.
 * Not the scalar twin (it reads its taps from the input itself) nor the 5x5 and generic kernels.
 */
export function dwInPlace(layer: Qs8DwconvLayer): boolean {
  const g = layer.geom;
  return /^qs8_dwconv_3x3r_.*__wasm/.test(layer.kernel) && g.dh === 1 && (g.sh === 1 || g.sh === 2) && g.pt <= 2 && g.ow <= g.w;
}

/**
 * Run a prepared layer: input int8 NHWC at `input`, output int8 NHWC written at `output`.
 * `scratch` (default: the layer's own) must hold layer.scratchBytes plus 16 read-past bytes.
 */
export function runQs8Dwconv(mem: LinearMemory, layer: Qs8DwconvLayer, input: number, output: number, scratch = layer.scratch): void {
  if (scratch === 0) throw new RangeError('dwconv: this layer needs a scratch buffer of layer.scratchBytes');
  kernelFn(mem.mod.exports, layer.kernel)(input, layer.packed, output, layer.zero, scratch, layer.params);
}

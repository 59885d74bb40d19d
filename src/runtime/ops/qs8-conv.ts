// int8 conv2d NHWC (groups = 1): pack once, run many times.
//
//   const layer = prepareQs8Conv(mem, build, { geom, cOut, weights, bias, scale, zpIn, zpOut, qmin, qmax });
//   runQs8Conv(mem, layer, inputPtr, outputPtr);   // int8 [N][H][W][C_in] -> int8 [N][OH][OW][C_out]
//
// One kernel call per layer: a 1x1 / stride 1 / unpadded conv is a GEMM straight over the
// input; anything else im2cols blocks of `blockM` output pixels into a scratch buffer
// (padding = zp_in) and runs the GEMM microkernel on each block. A layer with at most
// CIN4_MAX_CHANNELS (4) input channels, and in the SIMD builds a short, small one
// (K = KH*KW*C_in <= 256 and K*C_out <= 16384, `prefersDirect`), runs the direct kernel instead
// (qs8-conv-cin4.ts), which needs no im2col, pads K only to pairs and has no per-tile reduction;
// over a large image it runs in bands of output rows, one call each (directBands), so that its
// pair image (4 bytes per input byte) takes a band's rows of the arena, not the whole image's.
// Kernels and params: assembly/qs8/conv_scalar.ts; packed layouts: assembly/qs8/gemm_scalar.ts.
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { chooseKernel } from '../kernel-table.js';
import { writeParams } from '../params.js';
import { QS8_CONV, QS8_CONV_ADD, QS8_CONV_CIN4 } from '../param-blocks.js';
import { type ConvGeometry, type ResolvedGeometry, resolveGeometry } from './qs8-dwconv.js';
import { type Qs8GemmTile, type Qs8WeightsSpec, packQs8Weights } from './qs8-gemm.js';
import { cin4ScratchBytes, isCin4Kernel, packCin4Weights, prefersDirect } from './qs8-conv-cin4.js';
import { im2rowScratchBytes, isIm2rowKernel, packIm2rowWeights, prefersIm2row } from './qs8-conv-im2row.js';
import { isWinoKernel, packWinoWeights, prefersWinograd, winoInPlace, winoScratchBytes } from './qs8-conv-wino.js';

export interface Qs8ConvSpec extends Qs8WeightsSpec {
  /** Geometry; `c` is the input channel count. */
  geom: ConvGeometry;
  /** Output channels. */
  cOut: number;
  /** Pixel strides of the input and output in elements (default: geom.c and cOut): one group of a grouped conv (im2col kernel only). */
  xStride?: number;
  yStride?: number;
  /** Elements from one output row to the next (default ow * yStride): one phase of a transposed conv. */
  yRowStride?: number;
  /** Elements from one input row to the next (default w * xStride): a window of a wider input. */
  xRowStride?: number;
  /** Canonical int8 weights OHWI [C_out][KH][KW][C_in]. */
  weights: Int8Array;
  /** Output pixels per im2col block (default: about 32 KiB of scratch); ignored by the direct kernel. */
  blockM?: number;
  /** Allocate the scratch buffer now (default true); false: pass one to runQs8Conv. */
  allocScratch?: boolean;
  /**
   * Fuse a following 2×2 stride-2 max pool (floor mode, no padding): the layer then writes the
   * pooled [OH/2][OW/2][C_out] tensor and never its own output. Only where
   * canFuseMaxPool2x2 says so (the direct small-C_in kernel); otherwise a RangeError.
   */
  fuseMaxPool2x2?: boolean;
  /** The direct kernel's scratch above which it runs in bands of output rows (default DIRECT_BAND_SCRATCH; Infinity: one call). */
  bandScratch?: number;
  /**
   * Fuse the int8 residual add after the conv (y = v + r, v the conv's output, r a tensor of the
   * output's shape): the layer writes y and never v, the same bytes as the conv and then the add
   * (assembly/qs8/residual.ts). The im2col kernels only (canFuseResidualAdd); runQs8Conv then takes r.
   */
  residual?: ResidualAdd;
  /**
   * Let a 3x3 stride-1 conv run on the Winograd kernel where the build picks it (default true;
   * qs8-conv-wino.ts): 2.25x fewer multiplies, its packed weights i16 (3.6x the int8 weights' bytes).
   * false: the direct and im2col kernels, whose weights stay int8.
   */
  winograd?: boolean;
}

/** The add a conv takes into its epilogue: r's zero point, y's quantization and clamp, the add's multipliers. */
export interface ResidualAdd {
  /** Zero point of the residual r. */
  zp: number;
  /** Zero point of y and its clamp (the add's fused activation). */
  zpY: number;
  qmin: number;
  qmax: number;
  /** The add's multipliers of the conv's output (s_v / s_y) and of r (s_r / s_y), in double (binaryMultipliers). */
  mV: number;
  mR: number;
}

export interface Qs8ConvLayer {
  readonly geom: ResolvedGeometry;
  readonly cOut: number;
  readonly kernel: string;
  readonly tile: Qs8GemmTile;
  readonly packed: number;
  /** The params block (QS8_CONV, or QS8_CONV_CIN4 for the direct kernel). */
  readonly params: number;
  /** True when the layer is a plain GEMM over the input (no scratch). */
  readonly pointwise: boolean;
  /** True when a direct kernel runs it: the small-C_in one (scratch: the padded pair image) or the im2row one. */
  readonly direct: boolean;
  /** Output pixels per im2col block (0 for the direct kernel). */
  readonly blockM: number;
  /** Scratch bytes runQs8Conv needs (0 for a pointwise layer); plus the usual read-past padding. */
  readonly scratchBytes: number;
  /** The layer's own scratch (0 when none was allocated). */
  readonly scratch: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
  /** True when the layer also does the 2×2/2 max pool after it (outputBytes is the pooled size). */
  readonly pooled: boolean;
  /** The direct kernel's calls, one per band of output rows, when it runs the layer in bands (directBands). */
  readonly bands?: readonly DirectBand[];
  /** True when the layer adds a residual in its epilogue (spec.residual): runQs8Conv needs its pointer. */
  readonly residual: boolean;
}

/** One call of the direct kernel over a band of output rows: its params block, and where its rows start (byte offsets). */
export interface DirectBand {
  params: number;
  x: number;
  y: number;
}

const SCRATCH_TARGET = 8 << 10;

/** The kernel the runtime picks for a conv layer in this build: the direct one where it is faster. */
function convKernel(g: ResolvedGeometry, cOut: number, build: Build, winograd = true): string {
  const simd = build !== 'scalar';
  const op = winograd && prefersWinograd(g, cOut, simd) ? 'qs8_conv_wino' : prefersIm2row(g, cOut, simd) ? 'qs8_conv_im2row' : prefersDirect(g, cOut, simd) ? 'qs8_conv_cin4' : 'qs8_conv';
  return chooseKernel(op, build).kernel;
}

/**
 * Whether a conv with this geometry, C_out and build can take the 2×2/2 max pool after it into
 * its kernel: the direct small-C_in kernel, an output of at least 2×2, and (SIMD) C_out a
 * multiple of 16 or a C_in = 1, stride-1, undilated-width conv (its channel tail runs in
 * pixel lanes, which pool; the 4×4 channel tiles do not).
 */
export function canFuseMaxPool2x2(geom: ConvGeometry, cOut: number, build: Build, kernel?: string, winograd = true): boolean {
  const g = resolveGeometry(geom);
  const k = kernel ?? convKernel(g, cOut, build, winograd);
  if (!(isCin4Kernel(k) || isWinoKernel(k)) || g.oh < 2 || g.ow < 2) return false;
  if (k.endsWith('__scalar') || isWinoKernel(k)) return true;
  return ((cOut + 3) & ~3) % 16 === 0 || (g.c === 1 && g.sw === 1 && g.dw === 1);
}

/**
 * Whether a conv with this geometry, C_out and build can take the residual add after it into its
 * epilogue: the im2col kernels over whole tensors (the direct small-C_in kernel, which the
 * runtime prefers for short K, has no such epilogue; nor has a group's or a phase's strided output).
 */
export function canFuseResidualAdd(geom: ConvGeometry, cOut: number, build: Build, strided = false, winograd = true): boolean {
  const k = convKernel(resolveGeometry(geom), cOut, build, winograd);
  return !strided && !isCin4Kernel(k) && !isIm2rowKernel(k) && !isWinoKernel(k);
}

/** Check the spec, pack the weights, write the params and (by default) allocate the scratch. Call once at load. */
export function prepareQs8Conv(mem: LinearMemory, build: Build, spec: Qs8ConvSpec): Qs8ConvLayer {
  const g = resolveGeometry(spec.geom);
  if (!Number.isInteger(spec.cOut) || spec.cOut < 1) throw new RangeError(`conv cOut must be a positive integer, got ${spec.cOut}`);
  const k = g.kh * g.kw * g.c;
  const xStride = spec.xStride ?? g.c, yStride = spec.yStride ?? spec.cOut;
  if (!Number.isInteger(xStride) || xStride < g.c || !Number.isInteger(yStride) || yStride < spec.cOut) {
    throw new RangeError(`conv: pixel strides ${xStride}, ${yStride} must be integers >= ${g.c}, ${spec.cOut}`);
  }
  const yRowStride = spec.yRowStride ?? g.ow * yStride, xRowStride = spec.xRowStride ?? g.w * xStride;
  if (!Number.isInteger(xRowStride) || xRowStride < (g.w - 1) * xStride + g.c) throw new RangeError(`conv: input row stride ${xRowStride} overlaps a row of ${g.w} pixels of stride ${xStride}`);
  if (!Number.isInteger(yRowStride) || yRowStride < (g.ow - 1) * yStride + spec.cOut) throw new RangeError(`conv: row stride ${yRowStride} overlaps a row of ${g.ow} pixels of stride ${yStride}`);
  const strided = xStride !== g.c || yStride !== spec.cOut || yRowStride !== g.ow * yStride || xRowStride !== g.w * xStride;
  const kernel = spec.kernel ?? (spec.residual ? chooseKernel('qs8_conv_add', build).kernel : strided ? chooseKernel('qs8_conv', build).kernel : convKernel(g, spec.cOut, build, spec.winograd));
  if (strided && (isCin4Kernel(kernel) || isIm2rowKernel(kernel) || isWinoKernel(kernel))) throw new RangeError(`conv: the direct kernel ${kernel} reads whole tensors; a group (strides ${xStride}, ${yStride}) runs on the im2col kernel`);
  if (spec.fuseMaxPool2x2 && !canFuseMaxPool2x2(spec.geom, spec.cOut, build, kernel)) {
    throw new RangeError(`conv ${g.kh}×${g.kw} ${g.c}→${spec.cOut} (${kernel}) cannot fuse a 2×2 max pool; check canFuseMaxPool2x2 first`);
  }
  if (spec.residual && (spec.fuseMaxPool2x2 || strided || (spec.kernel === undefined && !canFuseResidualAdd(spec.geom, spec.cOut, build, false, spec.winograd)))) {
    throw new RangeError(`conv ${g.kh}×${g.kw} ${g.c}→${spec.cOut} (${kernel}) cannot fuse a residual add; check canFuseResidualAdd first`);
  }
  if (isCin4Kernel(kernel)) return prepareDirect(mem, spec, g, kernel);
  if (isIm2rowKernel(kernel)) return prepareOneCall(mem, spec, g, kernel, packIm2rowWeights(mem, kernel, g, spec.cOut, spec), im2rowScratchBytes);
  if (isWinoKernel(kernel)) return prepareOneCall(mem, spec, g, kernel, packWinoWeights(mem, kernel, g, spec.cOut, spec), winoScratchBytes);
  const { tile, packed } = packQs8Weights(mem, kernel, spec.cOut, k, spec, 'conv');

  const pointwise = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt + g.pl + g.pb + g.pr === 0;
  const pixels = g.oh * g.ow;
  // Strided output rows: im2col blocks stay within a row.
  const rowsMax = yRowStride === g.ow * yStride && xRowStride === g.w * xStride ? pixels : g.ow;
  let blockM = spec.blockM ?? Math.max(tile.mr, Math.floor(SCRATCH_TARGET / k / tile.mr) * tile.mr);
  if (!Number.isInteger(blockM) || blockM < 1) throw new RangeError(`conv blockM must be a positive integer, got ${blockM}`);
  blockM = Math.min(blockM, rowsMax);
  const scratchBytes = pointwise ? 0 : blockM * k;
  const scratch = !pointwise && spec.allocScratch !== false ? mem.alloc(scratchBytes) : 0;
  const fields = { ...convFields(spec, g), block_m: blockM, x_stride: xStride, x_row_stride: xRowStride, y_stride: yStride, y_row_stride: yRowStride };
  const r = spec.residual;
  const params = r
    ? writeParams(mem, QS8_CONV_ADD, { ...fields, r_delta: 0, r_zp: r.zp, add_zp: r.zpY, add_qmin: r.qmin, add_qmax: r.qmax, m_v: r.mV, m_r: r.mR })
    : writeParams(mem, QS8_CONV, fields);
  return {
    geom: g, cOut: spec.cOut, kernel, tile, packed, params, pointwise, direct: false, blockM, scratchBytes, scratch,
    inputBytes: g.n * g.h * g.w * g.c,
    outputBytes: g.n * pixels * spec.cOut,
    pooled: false,
    residual: r !== undefined,
  };
}

/**
 * The fields the int8 conv params blocks share (QS8_CONV, QS8_CONV_CIN4; the binary-weight conv
 * writes QS8_CONV too): the output quantization, zp_in and the geometry.
 */
export function convFields(
  q: { zpOut: number; qmin?: number; qmax?: number; zpIn: number; cOut: number }, g: ResolvedGeometry,
) {
  return {
    zp_out: q.zpOut, qmin: q.qmin ?? -128, qmax: q.qmax ?? 127, zp_in: q.zpIn, c_out: q.cOut,
    n: g.n, h: g.h, w: g.w, c: g.c, oh: g.oh, ow: g.ow, kh: g.kh, kw: g.kw,
    sh: g.sh, sw: g.sw, dh: g.dh, dw: g.dw, pt: g.pt, pl: g.pl, pb: g.pb, pr: g.pr,
  };
}

/** The direct small-C_in kernel: its own block (a fused pool where the im2col conv has block_m), scratch for the pair image. */
function prepareDirect(mem: LinearMemory, spec: Qs8ConvSpec, g: ResolvedGeometry, kernel: string): Qs8ConvLayer {
  const { tile, packed } = packCin4Weights(mem, kernel, g, spec.cOut, spec);
  const pooled = spec.fuseMaxPool2x2 === true;
  const params = writeParams(mem, QS8_CONV_CIN4, { ...convFields(spec, g), pool: pooled ? 2 : 0 });
  const bands = directBands(mem, spec, g, pooled, cin4ScratchBytes(mem, params));
  const scratchBytes = bands ? bands.scratchBytes : cin4ScratchBytes(mem, params);
  const scratch = spec.allocScratch !== false ? mem.alloc(scratchBytes) : 0;
  return {
    geom: g, cOut: spec.cOut, kernel, tile, packed, params, pointwise: false, direct: true, blockM: 0, scratchBytes, scratch,
    inputBytes: g.n * g.h * g.w * g.c,
    outputBytes: pooled ? g.n * (g.oh >> 1) * (g.ow >> 1) * spec.cOut : g.n * g.oh * g.ow * spec.cOut,
    pooled,
    bands: bands?.bands,
    residual: false,
  };
}

/**
 * The im2row and Winograd kernels (qs8-conv-im2row.ts, qs8-conv-wino.ts): packed weights, the
 * direct kernel's params block (with a fused pool: Winograd only, canFuseMaxPool2x2 checked it),
 * one call per image with the kernel's own scratch.
 */
function prepareOneCall(
  mem: LinearMemory, spec: Qs8ConvSpec, g: ResolvedGeometry, kernel: string, { tile, packed }: { tile: Qs8GemmTile; packed: number },
  scratchOf: (mem: LinearMemory, params: number) => number,
): Qs8ConvLayer {
  const pooled = spec.fuseMaxPool2x2 === true;
  const params = writeParams(mem, QS8_CONV_CIN4, { ...convFields(spec, g), pool: pooled ? 2 : 0 });
  const scratchBytes = scratchOf(mem, params);
  const scratch = spec.allocScratch !== false ? mem.alloc(scratchBytes) : 0;
  return {
    geom: g, cOut: spec.cOut, kernel, tile, packed, params, pointwise: false, direct: true, blockM: 0, scratchBytes, scratch,
    inputBytes: g.n * g.h * g.w * g.c,
    outputBytes: pooled ? g.n * (g.oh >> 1) * (g.ow >> 1) * spec.cOut : g.n * g.oh * g.ow * spec.cOut,
    pooled,
    residual: false,
  };
}

/** The direct kernel's scratch (its pair image) above which a layer runs in bands of output rows. */
export const DIRECT_BAND_SCRATCH = 8 << 10;

/**
 * Bands of output rows for the direct kernel, each a call with its own params block over the
 * input rows its windows read (the top band keeps the top padding, the bottom one the bottom
 * padding), so the pair image is built per band and the scratch holds one band's: about
 * DIRECT_BAND_SCRATCH (spec.bandScratch) instead of 4× the whole input. Every output pixel reads the same window
 * values as in one call, so the output is the same bytes. A band has enough rows that the
 * window rows two bands both build ((KH-1)*DH) are at most half of its own. null: one call
 * (the scratch is small already, a batch of several images, or one band would hold every row).
 */
export function directBands(
  mem: LinearMemory, spec: Parameters<typeof convFields>[0] & { bandScratch?: number }, g: ResolvedGeometry, pooled: boolean, whole: number,
): { bands: DirectBand[]; scratchBytes: number } | null {
  const target = spec.bandScratch ?? DIRECT_BAND_SCRATCH;
  const unit = pooled ? 2 : 1; // conv rows per output row
  const units = Math.floor(g.oh / unit);
  if (g.n !== 1 || whole <= target || units < 2) return null;
  const minRows = Math.max(unit, Math.ceil((2 * (g.kh - 1) * g.dh) / g.sh));
  let per = Math.max(Math.ceil(minRows / unit), Math.floor((units * target) / whole));
  if (per >= units) return null;
  per = Math.ceil(units / Math.ceil(units / per)); // even bands
  const bands: DirectBand[] = [];
  let scratchBytes = 0;
  for (let u0 = 0; u0 < units; u0 += per) {
    const r0 = u0 * unit, rows = Math.min(per, units - u0) * unit;
    // The padded rows the band's windows read, in input coordinates.
    const top = r0 * g.sh - g.pt, bottom = (r0 + rows - 1) * g.sh + (g.kh - 1) * g.dh - g.pt;
    const in0 = Math.max(0, top), in1 = Math.min(g.h - 1, bottom);
    if (in1 < in0) return null; // a band of padding only: one call
    const bg = resolveGeometry({
      n: 1, h: in1 - in0 + 1, w: g.w, c: g.c, kh: g.kh, kw: g.kw, strideH: g.sh, strideW: g.sw, dilationH: g.dh, dilationW: g.dw,
      pads: [in0 - top, g.pl, bottom - in1, g.pr],
    });
    if (bg.oh !== rows) throw new Error(`internal: conv band of ${rows} rows resolved to ${bg.oh}`);
    const params = writeParams(mem, QS8_CONV_CIN4, { ...convFields(spec, bg), pool: pooled ? 2 : 0 });
    scratchBytes = Math.max(scratchBytes, cin4ScratchBytes(mem, params));
    bands.push({ params, x: in0 * g.w * g.c, y: (r0 / unit) * (pooled ? g.ow >> 1 : g.ow) * spec.cOut });
  }
  return { bands, scratchBytes };
}

/**
 * Whether an int8 conv layer may write its output over its input (the executor's allowInPlace):
 * on the Winograd kernel where winoInPlace says so; on the direct small-C_in kernel as follows.
 * Each call reads every input row of its band into the pair image
 * before it writes an output (assembly/qs8/conv_cin4_*.ts), so a layer run in one call may; run
 * in bands, each band's output must end at or before the first input byte the next band reads
 * (1x1 convs; windows that do not overlap). Not where the SIMD kernel reads a 1x1 conv's pairs
 * from the input itself with more than one 16-channel block (it reads a pixel again for each
 * block, after writing the first): it takes that path only where the pair image would pass
 * 256 KiB, which a layer with less scratch never has. Not with a fused pool or residual add.
 */
export function convInPlace(layer: Qs8ConvLayer): boolean {
  if (isWinoKernel(layer.kernel)) return winoInPlace(layer.geom, layer.cOut);
  if (!isCin4Kernel(layer.kernel) || layer.pooled || layer.residual) return false;
  const g = layer.geom;
  const oneByOne = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0 && g.pr === 0 && g.oh === g.h && g.ow === g.w;
  if (oneByOne && layer.cOut > 16 && layer.scratchBytes > 256 << 10) return false;
  return (layer.bands ?? []).every((b) => b.y <= b.x);
}

/**
 * Run a prepared layer: int8 NHWC input at `input`, int8 NHWC output written at `output`.
 * `scratch` (default: the layer's own) must hold layer.scratchBytes plus 16 read-past bytes;
 * `residual`: a layer with a fused residual add reads r there (the output's shape, dense, not
 * overlapping the output).
 */
export function runQs8Conv(mem: LinearMemory, layer: Qs8ConvLayer, input: number, output: number, scratch = layer.scratch, residual = 0): void {
  if (!layer.pointwise && scratch === 0) throw new RangeError('conv: this layer needs a scratch buffer of layer.scratchBytes');
  if (layer.residual) {
    if (residual === 0) throw new RangeError('conv: this layer adds a residual; pass its pointer');
    // The residual's place relative to the output (the arena's pointers are fixed once planned).
    const at = layer.params + QS8_CONV_ADD.offset.r_delta;
    if (mem.i32(at, 1)[0] !== residual - output) mem.i32(at, 1)[0] = residual - output;
  }
  runDirectBands(mem, layer, input, output, scratch);
}

/** One call of a conv kernel, or one per band of output rows (directBands); also the binary-weight direct conv's. */
export function runDirectBands(
  mem: LinearMemory, layer: { kernel: string; packed: number; params: number; bands?: readonly DirectBand[] }, input: number, output: number, scratch: number,
): void {
  const f = kernelFn(mem.mod.exports, layer.kernel);
  if (!layer.bands) return void f(input, layer.packed, output, scratch, layer.params);
  for (const b of layer.bands) f(input + b.x, layer.packed, output + b.y, scratch, b.params);
}

// Binary layers (DESIGN.md, Binary): bit packing, binary conv2d / fully connected on packed
// bits, and binary weights x int8 activations. Pack once, run many times:
//
//   const pk = prepareB1Bitpack(mem, build, { rows, channels, dtype: 'int8', zeroPoint });
//   runB1Bitpack(mem, pk, x, bits);                    // int8/f32 [rows][C] -> u32 [rows][ceil(C/32)]
//   const conv = prepareB1Conv(mem, build, { geom, cOut, weights, mul, add, out: { kind: 'bits' } });
//   runB1Conv(mem, conv, bits, y);                     // bits NHWC -> int8, f32 or bits NHWC
//   const fc = prepareB1Gemm(mem, build, { n, k, weights, mul, add, out });
//   runB1Gemm(mem, fc, m, a, c);
//   prepareQs8B1wConv / prepareQs8B1wGemm + run*: int8 activations, binary weights, int8 out.
//
// Weights: canonical OHWI (a gemm's [N][K]) as +-1 int8 (`weights`) or as packed bits
// (`weightBits`, [O][KH][KW][ceil(C/32)] u32, 1 = -1, pad bits 0). The output transform and
// its thresholds: b1-transform.ts. Kernels, params and layouts: assembly/b1/.
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { chooseKernel } from '../kernel-table.js';
import { packerOf } from '../manifest.js';
import { writeParams } from '../params.js';
import { B1_CONV, B1_GEMM, QS8_CONV, QS8_CONV_CIN4, QS8_GEMM } from '../param-blocks.js';
import { type ConvGeometry, type ResolvedGeometry, resolveGeometry } from './qs8-dwconv.js';
import { type B1Output, type B1Transform, b1Transform, b1Words, weightBits } from './b1-transform.js';
import { canFuseMaxPool2x2, convFields, directBands, runDirectBands, type DirectBand } from './qs8-conv.js';
import { cin4PackedBytes, cin4ScratchBytes, isCin4Kernel, prefersDirect } from './qs8-conv-cin4.js';
import { checkWinoGeometry, isWinoKernel, prefersWinograd, winoPackedBytes, winoScratchBytes } from './qs8-conv-wino.js';

export type { B1Output } from './b1-transform.js';

// ---- bit packing ----

export interface B1BitpackSpec {
  rows: number;
  channels: number;
  dtype: 'int8' | 'f32';
  /** int8 only: the input's zero point (a value is negative when q < zeroPoint). */
  zeroPoint?: number;
  kernel?: string;
}

export interface B1BitpackLayer {
  readonly kernel: string;
  readonly rows: number;
  readonly channels: number;
  readonly zeroPoint: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
}

export function prepareB1Bitpack(mem: LinearMemory, build: Build, spec: B1BitpackSpec): B1BitpackLayer {
  for (const [k, v] of Object.entries({ rows: spec.rows, channels: spec.channels })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`bitpack ${k} must be a positive integer, got ${v}`);
  }
  const zp = spec.dtype === 'int8' ? spec.zeroPoint ?? 0 : 0;
  if (!Number.isInteger(zp) || zp < -128 || zp > 127) throw new RangeError(`bitpack zeroPoint must be an int8, got ${zp}`);
  const kernel = spec.kernel ?? chooseKernel(spec.dtype === 'int8' ? 'b1_bitpack_qs8' : 'b1_bitpack_f32', build).kernel;
  kernelFn(mem.mod.exports, kernel);
  return {
    kernel, rows: spec.rows, channels: spec.channels, zeroPoint: zp,
    inputBytes: spec.rows * spec.channels * (spec.dtype === 'int8' ? 1 : 4),
    outputBytes: spec.rows * b1Words(spec.channels) * 4,
  };
}

export function runB1Bitpack(mem: LinearMemory, layer: B1BitpackLayer, x: number, y: number): void {
  kernelFn(mem.mod.exports, layer.kernel)(layer.rows, layer.channels, x, y, layer.zeroPoint);
}

// ---- binary conv / gemm on bits ----

interface B1WeightsSpec {
  /** +-1 int8, OHWI ([N][K] for a gemm). */
  weights?: Int8Array;
  /** Packed sign bits, [O][KH][KW][ceil(C/32)] u32 ([N][ceil(K/32)] for a gemm). */
  weightBits?: Uint32Array;
  /** Per-channel transform y = acc * mul + add (real units; XNOR-Net scale, folded BN). */
  mul: Float32Array;
  add: Float32Array;
  out: B1Output;
  /** Override the kernel export (tests: scalar twins); the packer follows from the table. */
  kernel?: string;
}

export interface B1ConvSpec extends B1WeightsSpec {
  /** Geometry; `c` is the input channel count (bits per pixel). */
  geom: ConvGeometry;
  cOut: number;
  /** Output pixels per im2col block (default: about 16 KiB of scratch, a multiple of 4). */
  blockM?: number;
  /** Allocate the scratch now (default true); false: pass one to runB1Conv. */
  allocScratch?: boolean;
}

export interface B1ConvLayer {
  readonly geom: ResolvedGeometry;
  readonly cOut: number;
  readonly kernel: string;
  readonly packed: number;
  readonly params: number;
  readonly pointwise: boolean;
  readonly blockM: number;
  readonly scratchBytes: number;
  readonly scratch: number;
  /** Border classes (distinct padding patterns) in the base table. */
  readonly classes: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
  /** Bytes per output pixel: C_out (int8), 4*C_out (f32) or 4*ceil(C_out/32) (bits). */
  readonly outputPixelBytes: number;
}

export interface B1GemmSpec extends B1WeightsSpec {
  /** Output channels. */
  n: number;
  /** Input bits per row. */
  k: number;
}

export interface B1GemmLayer {
  readonly kernel: string;
  readonly n: number;
  readonly k: number;
  readonly packed: number;
  readonly params: number;
  readonly inputRowBytes: number;
  readonly outputRowBytes: number;
}

/** The binary params' output fields (B1_GEMM, B1_CONV): the int8 clamp, or (f32 out) the float bounds in its bytes. */
function b1Out(t: B1Transform) {
  const head = { mode: t.mode, zp_out: t.zpOut };
  return t.mode === 2 ? { ...head, fmin: t.fmin, fmax: t.fmax } : { ...head, qmin: t.qmin, qmax: t.qmax };
}

const blockBytesX8 = (kw: number): number => 64 + 32 * kw;

/** Packs [n][kw] bits with the transform through the x8 packer; returns the packed pointer. */
function packX8(mem: LinearMemory, kernel: string, op: 'b1_gemm' | 'b1_conv', build: Build, n: number, kw: number,
  bits: Uint32Array, p0: Uint32Array, p1: Uint32Array): number {
  kernelFn(mem.mod.exports, kernel); // throws now if this build lacks it
  const pack = kernelFn(mem.mod.exports, chooseKernel(op, build).packer!);
  // The canonical copies are freed after packing.
  const packed = mem.alloc(Math.ceil(n / 8) * blockBytesX8(kw));
  mem.temporary(() => pack(n, kw, mem.put(bits), mem.put(p0), mem.put(p1), packed));
  return packed;
}

/** Distinct padding patterns along one axis: class index per output position and each class's valid taps. */
function axisClasses(out: number, inSize: number, k: number, stride: number, dil: number, pad: number): { cls: Int32Array; valid: boolean[][] } {
  const cls = new Int32Array(out);
  const keys = new Map<string, number>();
  const valid: boolean[][] = [];
  for (let o = 0; o < out; o++) {
    const v: boolean[] = [];
    for (let t = 0; t < k; t++) {
      const i = o * stride - pad + t * dil;
      v.push(i >= 0 && i < inSize);
    }
    const key = v.map(Number).join('');
    let c = keys.get(key);
    if (c === undefined) {
      keys.set(key, (c = valid.length));
      valid.push(v);
    }
    cls[o] = c;
  }
  return { cls, valid };
}

/**
 * The padding-correction ("base") table [rowClass][colClass][ceil(cOut/8)*8]:
 * base = C * (taps inside) + 2 * sum over padded taps of popcount(w[o][tap]) (assembly/b1/conv.ts).
 */
function baseTable(g: ResolvedGeometry, cOut: number, bits: Uint32Array, rows: boolean[][], cols: boolean[][]): Int32Array {
  const cw = b1Words(g.c);
  const taps = g.kh * g.kw;
  const pop = new Int32Array(cOut * taps);
  for (let o = 0; o < cOut; o++) {
    for (let t = 0; t < taps; t++) {
      let p = 0;
      for (let j = 0; j < cw; j++) {
        let v = bits[(o * taps + t) * cw + j];
        while (v) {
          v &= v - 1;
          p++;
        }
      }
      pop[o * taps + t] = p;
    }
  }
  const np = Math.ceil(cOut / 8) * 8;
  const table = new Int32Array(rows.length * cols.length * np);
  for (let rc = 0; rc < rows.length; rc++) {
    for (let cc = 0; cc < cols.length; cc++) {
      const row = table.subarray((rc * cols.length + cc) * np);
      for (let o = 0; o < cOut; o++) {
        let inside = 0, padded = 0;
        for (let kh = 0; kh < g.kh; kh++) {
          for (let kw = 0; kw < g.kw; kw++) {
            if (rows[rc][kh] && cols[cc][kw]) inside++;
            else padded += pop[o * taps + kh * g.kw + kw];
          }
        }
        row[o] = g.c * inside + 2 * padded;
      }
    }
  }
  return table;
}

const SCRATCH_TARGET = 16 << 10;

/** Check the spec, pack the weights, build the padding table, write the params. Call once at load. */
export function prepareB1Conv(mem: LinearMemory, build: Build, spec: B1ConvSpec): B1ConvLayer {
  const g = resolveGeometry(spec.geom);
  if (!Number.isInteger(spec.cOut) || spec.cOut < 1) throw new RangeError(`binary conv cOut must be a positive integer, got ${spec.cOut}`);
  const taps = g.kh * g.kw;
  const cw = b1Words(g.c);
  const kw = taps * cw;
  const bits = weightBits(spec, spec.cOut * taps, g.c, 'binary conv');
  const t = b1Transform(spec.mul, spec.add, spec.out, spec.cOut, taps * g.c, 'binary conv');
  const kernel = spec.kernel ?? chooseKernel('b1_conv', build).kernel;
  const packed = packX8(mem, kernel, 'b1_conv', build, spec.cOut, kw, bits, t.p0, t.p1);

  const rows = axisClasses(g.oh, g.h, g.kh, g.sh, g.dh, g.pt);
  const cols = axisClasses(g.ow, g.w, g.kw, g.sw, g.dw, g.pl);
  const base = mem.put(baseTable(g, spec.cOut, bits, rows.valid, cols.valid));
  const rowCls = mem.put(rows.cls);
  const colCls = mem.put(cols.cls);

  const pointwise = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt + g.pl + g.pb + g.pr === 0;
  const pixels = g.oh * g.ow;
  let blockM = spec.blockM ?? Math.max(4, Math.floor(SCRATCH_TARGET / (4 * kw) / 4) * 4);
  if (!Number.isInteger(blockM) || blockM < 1) throw new RangeError(`binary conv blockM must be a positive integer, got ${blockM}`);
  blockM = Math.min(blockM, pixels);
  const scratchBytes = pointwise ? 0 : blockM * kw * 4;
  const scratch = !pointwise && spec.allocScratch !== false ? mem.alloc(scratchBytes) : 0;
  const outputPixelBytes = t.mode === 1 ? b1Words(spec.cOut) * 4 : t.mode === 2 ? 4 * spec.cOut : spec.cOut;
  const params = writeParams(mem, B1_CONV, {
    ...b1Out(t), base,
    n: g.n, h: g.h, w: g.w, cw, oh: g.oh, ow: g.ow, c_out: spec.cOut, kh: g.kh, kw: g.kw,
    sh: g.sh, sw: g.sw, dh: g.dh, dw: g.dw, pt: g.pt, pl: g.pl, block_m: blockM,
    row_class: rowCls, col_class: colCls, col_classes: cols.valid.length, c_stride: outputPixelBytes,
  });
  return {
    geom: g, cOut: spec.cOut, kernel, packed, params, pointwise, blockM, scratchBytes, scratch,
    classes: rows.valid.length * cols.valid.length,
    inputBytes: g.n * g.h * g.w * cw * 4,
    outputBytes: g.n * pixels * outputPixelBytes,
    outputPixelBytes,
  };
}

/**
 * Run a prepared layer: packed bits NHWC at `input`, output (int8 or bits NHWC) at `output`.
 * `scratch` (default: the layer's own) must hold layer.scratchBytes.
 */
export function runB1Conv(mem: LinearMemory, layer: B1ConvLayer, input: number, output: number, scratch = layer.scratch): void {
  if (!layer.pointwise && scratch === 0) throw new RangeError('binary conv: this layer needs a scratch buffer of layer.scratchBytes');
  kernelFn(mem.mod.exports, layer.kernel)(input, layer.packed, output, scratch, layer.params);
}

/** Check the spec, pack the weights and write the params of a binary fully connected layer. */
export function prepareB1Gemm(mem: LinearMemory, build: Build, spec: B1GemmSpec): B1GemmLayer {
  for (const [k, v] of Object.entries({ n: spec.n, k: spec.k })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`binary gemm ${k} must be a positive integer, got ${v}`);
  }
  const kw = b1Words(spec.k);
  const bits = weightBits(spec, spec.n, spec.k, 'binary gemm');
  const t = b1Transform(spec.mul, spec.add, spec.out, spec.n, spec.k, 'binary gemm');
  const kernel = spec.kernel ?? chooseKernel('b1_gemm', build).kernel;
  const packed = packX8(mem, kernel, 'b1_gemm', build, spec.n, kw, bits, t.p0, t.p1);
  const base = mem.put(new Int32Array(Math.ceil(spec.n / 8) * 8).fill(spec.k));
  const params = writeParams(mem, B1_GEMM, { ...b1Out(t), base });
  return {
    kernel, n: spec.n, k: spec.k, packed, params,
    inputRowBytes: kw * 4,
    outputRowBytes: t.mode === 1 ? b1Words(spec.n) * 4 : t.mode === 2 ? 4 * spec.n : spec.n,
  };
}

/** C[m] rows = transform(A[m] bits x W^T); strides in bytes (defaults: dense rows). */
export function runB1Gemm(
  mem: LinearMemory, layer: B1GemmLayer, m: number, a: number, c: number,
  aStride = layer.inputRowBytes, cStride = layer.outputRowBytes,
): void {
  if (m < 1) return;
  kernelFn(mem.mod.exports, layer.kernel)(m, layer.n, b1Words(layer.k), a, aStride, layer.packed, c, cStride, layer.params);
}

// ---- binary weights x int8 activations ----

interface Qs8B1wSpec {
  weights?: Int8Array;
  weightBits?: Uint32Array;
  mul: Float32Array;
  add: Float32Array;
  /** The int8 input's zero point. */
  zpIn: number;
  out: Extract<B1Output, { kind: 'int8' }>;
  kernel?: string;
}

export interface Qs8B1wConvSpec extends Qs8B1wSpec {
  geom: ConvGeometry;
  cOut: number;
  blockM?: number;
  allocScratch?: boolean;
  /** Write the 2×2 stride-2 max pool of the output instead (the direct kernel; where canFuseMaxPool2x2 allows it for the layer's kernel, else a RangeError). */
  fuseMaxPool2x2?: boolean;
  /** The direct kernel's scratch above which it runs in bands of output rows (as the int8 conv's, qs8-conv.ts; Infinity: one call). */
  bandScratch?: number;
  /** Let a 3x3 stride-1 conv run on the Winograd kernel where the build picks it (default true; as Qs8ConvSpec.winograd). */
  winograd?: boolean;
}

export interface Qs8B1wGemmSpec extends Qs8B1wSpec {
  n: number;
  k: number;
}

export interface Qs8B1wConvLayer {
  readonly geom: ResolvedGeometry;
  readonly cOut: number;
  readonly kernel: string;
  readonly packed: number;
  readonly params: number;
  readonly pointwise: boolean;
  readonly blockM: number;
  readonly scratchBytes: number;
  readonly scratch: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
  /** True when the direct small-C_in kernel runs it (qs8_b1w_conv_cin4). */
  readonly direct: boolean;
  /** True when it also does the 2×2/2 max pool after it (outputBytes is the pooled size). */
  readonly pooled: boolean;
  /** The direct kernel's calls, one per band of output rows, when it runs in bands. */
  readonly bands?: readonly DirectBand[];
}

export interface Qs8B1wGemmLayer {
  readonly kernel: string;
  readonly n: number;
  readonly k: number;
  readonly packed: number;
  readonly params: number;
}

/** Bytes of one packed block of 4 channels over depth k: bits ("4c8") or widened to i16 ("4c8w16"). */
const blockBytesB1w = (packer: string, k: number): number => 48 + (packer.endsWith('w16') ? 64 : 4) * Math.ceil(k / 8);

function packB1w(mem: LinearMemory, kernel: string, packer: string, n: number, taps: number, c: number,
  bits: Uint32Array, mul: Uint32Array, add: Uint32Array, zpIn: number): number {
  if (!Number.isInteger(zpIn) || zpIn < -128 || zpIn > 127) throw new RangeError(`binary-weight layer zpIn must be an int8, got ${zpIn}`);
  kernelFn(mem.mod.exports, kernel);
  const pack = kernelFn(mem.mod.exports, packer);
  const packed = mem.alloc(Math.ceil(n / 4) * blockBytesB1w(packer, taps * c));
  mem.temporary(() => pack(n, taps, c, mem.put(bits), mem.put(mul), mem.put(add), zpIn, packed));
  return packed;
}

/** The kernel a binary-weight conv runs in this build: the direct one where the int8 conv would pick its direct one (prefersDirect). */
export function b1wConvKernel(geom: ConvGeometry, cOut: number, build: Build, winograd = true): string {
  const g = resolveGeometry(geom), simd = build !== 'scalar';
  return chooseKernel(winograd && prefersWinograd(g, cOut, simd) ? 'qs8_b1w_conv_wino' : prefersDirect(g, cOut, simd) ? 'qs8_b1w_conv_cin4' : 'qs8_b1w_conv', build).kernel;
}

export function prepareQs8B1wConv(mem: LinearMemory, build: Build, spec: Qs8B1wConvSpec): Qs8B1wConvLayer {
  const g = resolveGeometry(spec.geom);
  if (!Number.isInteger(spec.cOut) || spec.cOut < 1) throw new RangeError(`binary-weight conv cOut must be a positive integer, got ${spec.cOut}`);
  if (spec.out?.kind !== 'int8') throw new RangeError('binary-weight conv: out must be { kind: \'int8\', scale, zeroPoint }');
  const taps = g.kh * g.kw;
  const k = taps * g.c;
  const bits = weightBits(spec, spec.cOut * taps, g.c, 'binary-weight conv');
  const t = b1Transform(spec.mul, spec.add, spec.out, spec.cOut, k, 'binary-weight conv');
  const kernel = spec.kernel ?? b1wConvKernel(spec.geom, spec.cOut, build, spec.winograd);
  if (spec.fuseMaxPool2x2 && !canFuseMaxPool2x2(spec.geom, spec.cOut, build, kernel)) {
    throw new RangeError(`binary-weight conv ${g.kh}×${g.kw} ${g.c}→${spec.cOut} (${kernel}) cannot fuse a 2×2 max pool; check canFuseMaxPool2x2 first`);
  }
  if (isCin4Kernel(kernel) || isWinoKernel(kernel)) return prepareB1wDirect(mem, spec, g, kernel, bits, t);
  const packed = packB1w(mem, kernel, packerOf(kernel), spec.cOut, taps, g.c, bits, t.p0, t.p1, spec.zpIn);
  const pointwise = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt + g.pl + g.pb + g.pr === 0;
  const pixels = g.oh * g.ow;
  let blockM = spec.blockM ?? Math.max(2, Math.floor((32 << 10) / k / 2) * 2);
  if (!Number.isInteger(blockM) || blockM < 1) throw new RangeError(`binary-weight conv blockM must be a positive integer, got ${blockM}`);
  blockM = Math.min(blockM, pixels);
  const scratchBytes = pointwise ? 0 : blockM * k;
  const scratch = !pointwise && spec.allocScratch !== false ? mem.alloc(scratchBytes) : 0;
  // The qs8 conv params block: the b1w conv runs the int8 conv's driver.
  const params = writeParams(mem, QS8_CONV, {
    ...convFields({ zpOut: t.zpOut, qmin: t.qmin, qmax: t.qmax, zpIn: spec.zpIn, cOut: spec.cOut }, g), block_m: blockM,
    x_stride: g.c, x_row_stride: g.w * g.c, y_stride: spec.cOut, y_row_stride: g.ow * spec.cOut,
  });
  return {
    geom: g, cOut: spec.cOut, kernel, packed, params, pointwise, blockM, scratchBytes, scratch,
    inputBytes: g.n * g.h * g.w * g.c, outputBytes: g.n * pixels * spec.cOut, direct: false, pooled: false,
  };
}

/** The direct kernel (qs8/conv_cin4_scalar.ts): the binary-weight "16c2" packing, the direct conv's params and scratch. */
function prepareB1wDirect(
  mem: LinearMemory, spec: Qs8B1wConvSpec, g: ResolvedGeometry, kernel: string, bits: Uint32Array, t: B1Transform,
): Qs8B1wConvLayer {
  if (!Number.isInteger(spec.zpIn) || spec.zpIn < -128 || spec.zpIn > 127) throw new RangeError(`binary-weight layer zpIn must be an int8, got ${spec.zpIn}`);
  const wino = isWinoKernel(kernel);
  if (wino) checkWinoGeometry(g, kernel);
  kernelFn(mem.mod.exports, kernel);
  const pack = kernelFn(mem.mod.exports, packerOf(kernel));
  const packed = mem.alloc(wino ? winoPackedBytes(spec.cOut, g.c, true) : cin4PackedBytes(spec.cOut, g.kh, g.kw, g.c, 12));
  mem.temporary(() => pack(mem.put(bits), mem.put(t.p0), mem.put(t.p1), spec.zpIn, spec.cOut, g.kh, g.kw, g.c, packed));
  const pooled = spec.fuseMaxPool2x2 === true;
  const q = { zpOut: t.zpOut, qmin: t.qmin, qmax: t.qmax, zpIn: spec.zpIn, cOut: spec.cOut, bandScratch: spec.bandScratch };
  const params = writeParams(mem, QS8_CONV_CIN4, { ...convFields(q, g), pool: pooled ? 2 : 0 });
  // (The Winograd kernel's scratch is one row of tiles already: no bands.)
  const bands = wino ? null : directBands(mem, q, g, pooled, cin4ScratchBytes(mem, params));
  const scratchBytes = bands ? bands.scratchBytes : wino ? winoScratchBytes(mem, params) : cin4ScratchBytes(mem, params);
  const scratch = spec.allocScratch !== false ? mem.alloc(scratchBytes) : 0;
  return {
    geom: g, cOut: spec.cOut, kernel, packed, params, pointwise: false, blockM: 0, scratchBytes, scratch,
    inputBytes: g.n * g.h * g.w * g.c,
    outputBytes: g.n * (pooled ? (g.oh >> 1) * (g.ow >> 1) : g.oh * g.ow) * spec.cOut, direct: true, pooled, bands: bands?.bands,
  };
}

export function runQs8B1wConv(mem: LinearMemory, layer: Qs8B1wConvLayer, input: number, output: number, scratch = layer.scratch): void {
  if (!layer.pointwise && scratch === 0) throw new RangeError('binary-weight conv: this layer needs a scratch buffer of layer.scratchBytes');
  runDirectBands(mem, layer, input, output, scratch);
}

export function prepareQs8B1wGemm(mem: LinearMemory, build: Build, spec: Qs8B1wGemmSpec): Qs8B1wGemmLayer {
  for (const [k, v] of Object.entries({ n: spec.n, k: spec.k })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`binary-weight gemm ${k} must be a positive integer, got ${v}`);
  }
  if (spec.out?.kind !== 'int8') throw new RangeError('binary-weight gemm: out must be { kind: \'int8\', scale, zeroPoint }');
  const bits = weightBits(spec, spec.n, spec.k, 'binary-weight gemm');
  const t = b1Transform(spec.mul, spec.add, spec.out, spec.n, spec.k, 'binary-weight gemm');
  const choice = chooseKernel('qs8_b1w_gemm', build);
  const kernel = spec.kernel ?? choice.kernel;
  const packed = packB1w(mem, kernel, packerOf(kernel), spec.n, 1, spec.k, bits, t.p0, t.p1, spec.zpIn);
  const params = writeParams(mem, QS8_GEMM, { zp_out: t.zpOut, qmin: t.qmin, qmax: t.qmax });
  return { kernel, n: spec.n, k: spec.k, packed, params };
}

/** C[m][n] int8 from A[m][k] int8; strides in bytes. Rows are read up to 7 bytes past k. */
export function runQs8B1wGemm(
  mem: LinearMemory, layer: Qs8B1wGemmLayer, m: number, a: number, c: number, aStride = layer.k, cStride = layer.n,
): void {
  if (m < 1) return;
  kernelFn(mem.mod.exports, layer.kernel)(m, layer.n, layer.k, a, aStride, layer.packed, c, cStride, layer.params);
}

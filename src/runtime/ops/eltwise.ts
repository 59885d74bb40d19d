// Element-wise ops over int8 (qs8) and f32 tensors: Requantize / QuantizeLinear /
// DequantizeLinear, Mul (and Mul+Add) by per-channel constants, and Concat along NHWC
// channels (binary ops with broadcasting: broadcast.ts). Prepare once, run many times:
//
//   const q = prepareQuantize(mem, build, { n, output: qy });  runConvert(mem, q, x, y);
//   const cat = prepareConcat(mem, build, { dtype: 'qs8', pixels, channels: [16, 24] });
//   runConcat(mem, cat, [x0, x1], y);
//
// Kernels and the fp32 arithmetic each one does: assembly/eltwise/*.ts.
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { chooseKernel } from '../kernel-table.js';
import { writeParams } from '../params.js';
import { F32_MINMAX, F32_QS8_CVT, QS8_CVT, QS8_F32_CVT, QS8_VMULCADDC } from '../param-blocks.js';
import type { PoolDType, QuantParams } from './pool.js';

export type EltDType = PoolDType;

export const isInt8 = (v: number): boolean => Number.isInteger(v) && v >= -128 && v <= 127;

export function checkQuant(what: string, q: QuantParams | undefined): QuantParams {
  if (!q) throw new RangeError(`${what}: quantization (scale, zeroPoint) required`);
  if (!(q.scale > 0) || !Number.isFinite(q.scale)) throw new RangeError(`${what}: scale must be positive and finite, got ${q.scale}`);
  if (!isInt8(q.zeroPoint)) throw new RangeError(`${what}: zero point must be an int8, got ${q.zeroPoint}`);
  return q;
}

function int8Clamp(what: string, qmin = -128, qmax = 127): [number, number] {
  if (!isInt8(qmin) || !isInt8(qmax) || qmin > qmax) throw new RangeError(`${what}: bad clamp [${qmin}, ${qmax}]`);
  return [qmin, qmax];
}

function f32Clamp(what: string, fmin = -Infinity, fmax = Infinity): [number, number] {
  if (Number.isNaN(fmin) || Number.isNaN(fmax) || fmin > fmax) throw new RangeError(`${what}: bad clamp [${fmin}, ${fmax}]`);
  return [fmin, fmax];
}

export function count(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`${what} must be a non-negative integer, got ${v}`);
  return v;
}

/** The kernel of `op` for the build (or `override`), checked to exist in the loaded build. */
export function pick(mem: LinearMemory, build: Build, op: string, override?: string): string {
  const kernel = override ?? chooseKernel(op, build).kernel;
  kernelFn(mem.mod.exports, kernel); // throws now if this build lacks it
  return kernel;
}

// ------------------------------------------------------ Requantize / Quantize / Dequantize

export interface ConvertLayer {
  readonly kernel: string;
  readonly params: number;
  readonly n: number;
}

/** int8 -> int8 with a new scale / zero point: y = requant_fp32(x - zp_in, fround(s_in/s_out), zp_out). */
export function prepareRequantize(
  mem: LinearMemory, build: Build,
  s: { n: number; input: QuantParams; output: QuantParams; qmin?: number; qmax?: number; kernel?: string },
): ConvertLayer {
  const inp = checkQuant('requantize input', s.input), out = checkQuant('requantize output', s.output);
  const [qmin, qmax] = int8Clamp('requantize', s.qmin, s.qmax);
  const params = writeParams(mem, QS8_CVT, { zp_in: inp.zeroPoint, zp_out: out.zeroPoint, qmin, qmax, m: inp.scale / out.scale });
  return { kernel: pick(mem, build, 'qs8_requantize', s.kernel), params, n: count('requantize: n', s.n) };
}

/** QuantizeLinear f32 -> int8: y = saturate(round_half_even(x / scale) + zp), optionally clamped to [qmin, qmax]. */
export function prepareQuantize(
  mem: LinearMemory, build: Build,
  s: { n: number; output: QuantParams; qmin?: number; qmax?: number; kernel?: string },
): ConvertLayer {
  const out = checkQuant('quantize output', s.output);
  const [qmin, qmax] = int8Clamp('quantize', s.qmin, s.qmax);
  const params = writeParams(mem, F32_QS8_CVT, { zp_out: out.zeroPoint, qmin, qmax, scale: out.scale });
  return { kernel: pick(mem, build, 'qs8_quantize', s.kernel), params, n: count('quantize: n', s.n) };
}

/** DequantizeLinear int8 -> f32: y = f32(x - zp) * scale. Output must not overlap the input. */
export function prepareDequantize(
  mem: LinearMemory, build: Build,
  s: { n: number; input: QuantParams; kernel?: string },
): ConvertLayer {
  const inp = checkQuant('dequantize input', s.input);
  const params = writeParams(mem, QS8_F32_CVT, { zp_in: inp.zeroPoint, scale: inp.scale });
  return { kernel: pick(mem, build, 'qs8_dequantize', s.kernel), params, n: count('dequantize: n', s.n) };
}

export function runConvert(mem: LinearMemory, layer: ConvertLayer, x: number, y: number): void {
  kernelFn(mem.mod.exports, layer.kernel)(layer.n, x, y, layer.params);
}

// ------------------------------------------------------------- Mul (+ Add) per channel

export interface MulChannelSpec {
  dtype: EltDType;
  /** Pixels (N*H*W) and channels of the NHWC tensor. */
  rows: number;
  channels: number;
  /** The real-valued per-channel constant k[c] (ONNX Mul's constant input, broadcast over C). */
  scale: Float32Array | readonly number[];
  /** Optional real-valued per-channel constant added after the product (Mul then Add). */
  bias?: Float32Array | readonly number[] | null;
  /** Pixel strides in elements (default channels). */
  xStride?: number;
  yStride?: number;
  /** qs8: input and output quantization. */
  input?: QuantParams;
  output?: QuantParams;
  qmin?: number;
  qmax?: number;
  fmin?: number;
  fmax?: number;
  kernel?: string;
}

export interface MulChannelLayer {
  readonly kernel: string;
  readonly packed: number;
  readonly params: number;
  readonly rows: number;
  readonly channels: number;
  /** Pixel strides in elements (for int8 also bytes). */
  readonly xStride: number;
  readonly yStride: number;
}

/**
 * Mul by a per-channel constant (optionally then Add one), NHWC.
 * f32: y = clamp(x * k[c] + b[c]).
 * qs8: y = round(f32(x - zp_in) * m[c] + bb[c]) + zp_out, m[c] = fround(s_in * k[c] / s_out),
 *      bb[c] = fround(b[c] / s_out): with no bias, a per-channel requantization.
 */
export function prepareMulChannel(mem: LinearMemory, build: Build, s: MulChannelSpec): MulChannelLayer {
  const rows = count('mul: rows', s.rows), channels = count('mul: channels', s.channels);
  if (s.scale.length !== channels) throw new RangeError(`mul: want ${channels} per-channel constants, got ${s.scale.length}`);
  if (s.bias && s.bias.length !== channels) throw new RangeError(`mul: want ${channels} per-channel biases, got ${s.bias.length}`);
  const xs = s.xStride ?? channels, ys = s.yStride ?? channels;
  if (!Number.isInteger(xs) || xs < channels || !Number.isInteger(ys) || ys < channels) {
    throw new RangeError(`mul: pixel strides must be integers >= channels (${channels}), got ${xs}, ${ys}`);
  }
  const op = `${s.dtype}_mul_c`;
  const choice = chooseKernel(op, build);
  const kernel = pick(mem, build, op, s.kernel);
  const m = new Float32Array(channels);
  const b = new Float32Array(channels);
  let params: number, packedBytes: number;
  if (s.dtype === 'qs8') {
    const inp = checkQuant('mul input', s.input), out = checkQuant('mul output', s.output);
    const [qmin, qmax] = int8Clamp('mul', s.qmin, s.qmax);
    for (let c = 0; c < channels; c++) {
      m[c] = Math.fround((inp.scale * s.scale[c]) / out.scale);
      b[c] = s.bias ? Math.fround(s.bias[c] / out.scale) : 0;
    }
    params = writeParams(mem, QS8_VMULCADDC, { zp_in: inp.zeroPoint, zp_out: out.zeroPoint, qmin, qmax });
    packedBytes = Math.ceil(channels / 16) * 128;
  } else if (s.dtype === 'f32') {
    const [fmin, fmax] = f32Clamp('mul', s.fmin, s.fmax);
    m.set(s.scale);
    if (s.bias) b.set(s.bias);
    params = writeParams(mem, F32_MINMAX, { fmin, fmax });
    packedBytes = Math.ceil(channels / 4) * 32;
  } else {
    throw new TypeError(`mul: unknown dtype '${String(s.dtype)}'`);
  }
  const packed = mem.alloc(packedBytes);
  mem.temporary(() => kernelFn(mem.mod.exports, choice.packer!)(channels, mem.put(m), mem.put(b), packed));
  return { kernel, packed, params, rows, channels, xStride: xs, yStride: ys };
}

export function runMulChannel(mem: LinearMemory, layer: MulChannelLayer, x: number, y: number): void {
  kernelFn(mem.mod.exports, layer.kernel)(layer.rows, layer.channels, x, layer.xStride, layer.packed, y, layer.yStride, layer.params);
}

// ------------------------------------------------------------------------- Concat

export interface ConcatSpec {
  dtype: EltDType;
  /** Pixels (N*H*W) of every input and of the output. */
  pixels: number;
  /** Channels of each input, in order; the output has their sum. */
  channels: readonly number[];
  kernel?: string;
}

export interface ConcatLayer {
  readonly kernel: string;
  readonly pixels: number;
  /** Bytes per pixel of each input, its byte offset inside an output pixel, and the output's bytes per pixel. */
  readonly inputBytes: readonly number[];
  readonly offsets: readonly number[];
  readonly outputPixelBytes: number;
}

/** Concat along channels of NHWC tensors that share one quantization (the host requantizes the others first). */
export function prepareConcat(mem: LinearMemory, build: Build, s: ConcatSpec): ConcatLayer {
  const pixels = count('concat: pixels', s.pixels);
  if (s.dtype !== 'qs8' && s.dtype !== 'f32') throw new TypeError(`concat: unknown dtype '${String(s.dtype)}'`);
  if (s.channels.length === 0) throw new RangeError('concat: no inputs');
  const el = s.dtype === 'f32' ? 4 : 1;
  const inputBytes: number[] = [], offsets: number[] = [];
  let at = 0;
  for (const c of s.channels) {
    count('concat: channels', c);
    inputBytes.push(c * el);
    offsets.push(at);
    at += c * el;
  }
  return { kernel: pick(mem, build, 'concat', s.kernel), pixels, inputBytes, offsets, outputPixelBytes: at };
}

/** Copy each input into its channel slice of every output pixel. */
export function runConcat(mem: LinearMemory, layer: ConcatLayer, inputs: readonly number[], y: number): void {
  if (inputs.length !== layer.inputBytes.length) throw new RangeError(`concat: want ${layer.inputBytes.length} inputs, got ${inputs.length}`);
  const f = kernelFn(mem.mod.exports, layer.kernel);
  for (let i = 0; i < inputs.length; i++) {
    const bytes = layer.inputBytes[i];
    if (bytes > 0) f(layer.pixels, bytes, inputs[i], bytes, y + layer.offsets[i], layer.outputPixelBytes);
  }
}

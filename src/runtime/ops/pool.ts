// Pooling over NHWC tensors, int8 (qs8) and f32: MaxPool, AveragePool, GlobalAveragePool.
// Prepare once (params written to linear memory), run many times, pointer in / pointer out:
//
//   const pool = preparePool2d(mem, build, { op: 'max', dtype: 'qs8', n, h, w, c, kh: 3, kw: 3, strideH: 2, strideW: 2 });
//   runPool2d(mem, pool, x, y);          // y holds n * pool.oh * pool.ow * c elements
//   const gap = prepareGlobalAvgPool(mem, build, { dtype: 'qs8', n, h, w, c, input, output });
//   runGlobalAvgPool(mem, gap, x, y);    // y: n rows of c
//
// Kernels, params layouts and the int8 average's one definition: assembly/pool/*.ts.
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { chooseKernel } from '../kernel-table.js';
import { writeParams } from '../params.js';
import { F32_GAVGPOOL, F32_POOL, QS8_GAVGPOOL, QS8_POOL } from '../param-blocks.js';
import { windowOut } from '../../ir/window.js';

export type PoolDType = 'qs8' | 'f32';

/** How an int8 average rounds (assembly/pool/qs8_pool.ts has both definitions). */
export type AvgRounding = 'half_even' | 'half_away';

/** A tensor's int8 quantization: real = (q - zeroPoint) * scale. */
export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

export interface Pool2dSpec {
  op: 'max' | 'avg';
  dtype: PoolDType;
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  strideH?: number;
  strideW?: number;
  dilationH?: number;
  dilationW?: number;
  /** ONNX pads order: [top, left, bottom, right]. Default all 0. */
  pads?: readonly [number, number, number, number];
  /** ONNX ceil_mode: round the output size up (a window may then run past the padding). */
  ceilMode?: boolean;
  /** ONNX count_include_pad (average pool): divide by the positions inside the padded extent. */
  countIncludePad?: boolean;
  /**
   * qs8 average pool: `half_even` (default) requantizes the average; `half_away` is TFLite's
   * int8 average, the raw values' mean rounded half away from zero (input and output quantization equal).
   */
  rounding?: AvgRounding;
  /** Input / output pixel strides in elements (default c): read a channel slice, write into a concat. */
  xStride?: number;
  yStride?: number;
  /** qs8 average pool: the input's and output's quantization (max pool keeps the input's). */
  input?: QuantParams;
  output?: QuantParams;
  /** Fused activation: [qmin, qmax] in the output's quantized domain (qs8), [fmin, fmax] (f32). */
  qmin?: number;
  qmax?: number;
  fmin?: number;
  fmax?: number;
  /** Override the kernel export (tests: the scalar twins inside a SIMD build). */
  kernel?: string;
}

export interface Pool2dLayer {
  readonly kernel: string;
  readonly params: number;
  readonly dtype: PoolDType;
  readonly oh: number;
  readonly ow: number;
  /** Bytes the input and output tensors span at their pixel strides. */
  readonly inputBytes: number;
  readonly outputBytes: number;
}

/** ONNX pool output size along one axis (src/ir/window.ts, ceil mode as ONNX Runtime / PyTorch). */
export const poolOutputSize = (size: number, k: number, stride: number, dilation: number, padBegin: number, padEnd: number, ceilMode = false): number =>
  windowOut(size, k, stride, dilation, padBegin, padEnd, ceilMode);

const isInt8 = (v: number): boolean => Number.isInteger(v) && v >= -128 && v <= 127;

function checkQuant(what: string, q: QuantParams | undefined): QuantParams {
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

function positive(what: string, fields: Record<string, number>): void {
  for (const [k, v] of Object.entries(fields)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what}: ${k} must be a positive integer, got ${v}`);
  }
}

/** Check the spec, write the params block (and the int8 average's multiplier table). Call once at load. */
export function preparePool2d(mem: LinearMemory, build: Build, s: Pool2dSpec): Pool2dLayer {
  const what = `${s.dtype} ${s.op}pool`;
  const sh = s.strideH ?? 1, sw = s.strideW ?? 1, dh = s.dilationH ?? 1, dw = s.dilationW ?? 1;
  positive(what, { n: s.n, h: s.h, w: s.w, c: s.c, kh: s.kh, kw: s.kw, sh, sw, dh, dw });
  const [pt, pl, pb, pr] = s.pads ?? [0, 0, 0, 0];
  for (const v of [pt, pl, pb, pr]) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${what}: pads must be non-negative integers, got ${v}`);
  }
  const xs = s.xStride ?? s.c, ys = s.yStride ?? s.c;
  if (!Number.isInteger(xs) || xs < s.c || !Number.isInteger(ys) || ys < s.c) {
    throw new RangeError(`${what}: pixel strides must be integers >= c (${s.c}), got ${xs}, ${ys}`);
  }
  const oh = poolOutputSize(s.h, s.kh, sh, dh, pt, pb, s.ceilMode);
  const ow = poolOutputSize(s.w, s.kw, sw, dw, pl, pr, s.ceilMode);
  if (oh < 1 || ow < 1) throw new RangeError(`${what}: empty output ${oh}x${ow}`);

  const window = {
    n: s.n, h: s.h, w: s.w, c: s.c, oh, ow, kh: s.kh, kw: s.kw, sh, sw, dh, dw, pt, pl, pb, pr,
    x_stride: xs, y_stride: ys, flags: s.countIncludePad ? 1 : 0,
  };
  let write: () => number;
  if (s.dtype === 'qs8') {
    const [qmin, qmax] = int8Clamp(what, s.qmin, s.qmax);
    if (s.op === 'max') {
      write = () => writeParams(mem, QS8_POOL, { ...window, zp_in: 0, zp_out: 0, qmin, qmax, m: [] });
    } else {
      const inp = checkQuant(`${what} input`, s.input), out = checkQuant(`${what} output`, s.output);
      if (s.rounding === 'half_away' && (inp.scale !== out.scale || inp.zeroPoint !== out.zeroPoint)) {
        throw new RangeError(`${what}: rounding half_away (TFLite's int8 average) needs the output's scale and zero point to be the input's`);
      }
      // A window counts at most the taps that land on the padded input along each axis.
      const m = qs8AvgPoolMultipliers(inp.scale, out.scale, Math.min(s.kh, s.h + pt + pb) * Math.min(s.kw, s.w + pl + pr));
      write = () => writeParams(mem, QS8_POOL, { ...window, zp_in: inp.zeroPoint, zp_out: out.zeroPoint, qmin, qmax, m });
    }
  } else if (s.dtype === 'f32') {
    const [fmin, fmax] = f32Clamp(what, s.fmin, s.fmax);
    write = () => writeParams(mem, F32_POOL, { ...window, fmin, fmax });
  } else {
    throw new TypeError(`pool: unknown dtype '${String(s.dtype)}'`);
  }
  if (s.op !== 'max' && s.op !== 'avg') throw new TypeError(`pool: unknown op '${String(s.op)}'`);

  if (s.rounding !== undefined && s.rounding !== 'half_even' && s.rounding !== 'half_away') throw new TypeError(`${what}: unknown rounding '${String(s.rounding)}'`);
  const away = s.dtype === 'qs8' && s.op === 'avg' && s.rounding === 'half_away';
  const kernel = s.kernel ?? chooseKernel(`${s.dtype}_${s.op}pool${away ? '_away' : ''}`, build).kernel;
  kernelFn(mem.mod.exports, kernel); // throws now if this build lacks it
  const params = write();
  const el = s.dtype === 'f32' ? 4 : 1;
  return {
    kernel, params, dtype: s.dtype, oh, ow,
    inputBytes: s.n * s.h * s.w * xs * el,
    outputBytes: s.n * oh * ow * ys * el,
  };
}

/** The int8 average pool's multiplier for each count 0..maxCount: m[k] = fround(s_in / (s_out * k)), m[0] = 0. */
export function qs8AvgPoolMultipliers(sIn: number, sOut: number, maxCount: number): number[] {
  const m = [0];
  for (let k = 1; k <= maxCount; k++) m.push(Math.fround(sIn / (sOut * k)));
  return m;
}

/** Run a prepared pool: input NHWC at `x`, output NHWC written at `y`. */
export function runPool2d(mem: LinearMemory, layer: Pool2dLayer, x: number, y: number): void {
  kernelFn(mem.mod.exports, layer.kernel)(x, y, layer.params);
}

export interface GlobalAvgPoolSpec {
  dtype: PoolDType;
  n: number;
  h: number;
  w: number;
  c: number;
  /** Input pixel stride and output row stride, elements (default c). */
  xStride?: number;
  yStride?: number;
  input?: QuantParams;
  output?: QuantParams;
  qmin?: number;
  qmax?: number;
  fmin?: number;
  fmax?: number;
  kernel?: string;
}

export interface GlobalAvgPoolLayer {
  readonly kernel: string;
  readonly params: number;
  readonly dtype: PoolDType;
  readonly inputBytes: number;
  readonly outputBytes: number;
}

/** GlobalAveragePool: y[n][c] = mean over the h*w pixels (int8: requantized once with m = fround(s_in / (s_out * h * w))). */
export function prepareGlobalAvgPool(mem: LinearMemory, build: Build, s: GlobalAvgPoolSpec): GlobalAvgPoolLayer {
  const what = `${s.dtype} global average pool`;
  positive(what, { n: s.n, h: s.h, w: s.w, c: s.c });
  const xs = s.xStride ?? s.c, ys = s.yStride ?? s.c;
  if (!Number.isInteger(xs) || xs < s.c || !Number.isInteger(ys) || ys < s.c) {
    throw new RangeError(`${what}: strides must be integers >= c (${s.c}), got ${xs}, ${ys}`);
  }
  const hw = s.h * s.w;
  let params: number;
  if (s.dtype === 'qs8') {
    const inp = checkQuant(`${what} input`, s.input), out = checkQuant(`${what} output`, s.output);
    const [qmin, qmax] = int8Clamp(what, s.qmin, s.qmax);
    params = writeParams(mem, QS8_GAVGPOOL, {
      n: s.n, hw, c: s.c, x_stride: xs, y_stride: ys, zp_in: inp.zeroPoint, zp_out: out.zeroPoint, qmin, qmax, m: inp.scale / (out.scale * hw),
    });
  } else if (s.dtype === 'f32') {
    const [fmin, fmax] = f32Clamp(what, s.fmin, s.fmax);
    params = writeParams(mem, F32_GAVGPOOL, { n: s.n, hw, c: s.c, x_stride: xs, y_stride: ys, fmin, fmax });
  } else {
    throw new TypeError(`global average pool: unknown dtype '${String(s.dtype)}'`);
  }
  const kernel = s.kernel ?? chooseKernel(`${s.dtype}_gavgpool`, build).kernel;
  kernelFn(mem.mod.exports, kernel);
  const el = s.dtype === 'f32' ? 4 : 1;
  return { kernel, params, dtype: s.dtype, inputBytes: s.n * hw * xs * el, outputBytes: s.n * ys * el };
}

export function runGlobalAvgPool(mem: LinearMemory, layer: GlobalAvgPoolLayer, x: number, y: number): void {
  kernelFn(mem.mod.exports, layer.kernel)(x, y, layer.params);
}

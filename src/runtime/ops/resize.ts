// Resize of NHWC images (ONNX Resize / Upsample): ONNX's coordinate transformation and nearest
// modes, evaluated once here (in f32, as ONNX Runtime does) into the row and column tables the kernels
// read (assembly/move/resize.ts has the kernels' arithmetic).
//
//   const r = prepareResize(mem, build, { dtype: 'f32', mode: 'linear', coord: 'half_pixel', h, w, c, oh, ow, scales: [2, 2] });
//   runResize(mem, r, x, y);
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { writeParams } from '../params.js';
import { F32_RESIZE_LINEAR, QS8_RESIZE_LINEAR, XX_RESIZE_NEAREST } from '../param-blocks.js';
import { moveKernel, runMove, type MoveLayer } from './reduce.js';
import { prepareRequantize, runConvert, type ConvertLayer } from './eltwise.js';
import type { QuantParams } from './pool.js';

import type { CoordMode, NearestMode } from '../../ir/ops/resize.js';

export type { CoordMode, NearestMode };

const f = Math.fround;

/**
 * The input coordinate of output coordinate o along an axis: ONNX's formulas, evaluated in f32
 * operation by operation as ONNX Runtime does (so a coordinate that lands on a tie, x.5, rounds
 * as there); the scale is the f32 one.
 */
export function inputCoord(o: number, scale: number, inLen: number, outLen: number, mode: CoordMode): number {
  const s = f(scale);
  switch (mode) {
    case 'half_pixel': return f(f(f(o + 0.5) / s) - 0.5);
    case 'half_pixel_symmetric': {
      const adj = f(outLen / f(s * inLen)), offset = f(f(inLen / 2) * f(1 - adj));
      return f(f(offset + f(f(o + 0.5) / s)) - 0.5);
    }
    case 'pytorch_half_pixel': return outLen > 1 ? f(f(f(o + 0.5) / s) - 0.5) : 0;
    case 'align_corners': return outLen === 1 ? 0 : f(f(o * (inLen - 1)) / (outLen - 1));
    case 'asymmetric': return f(o / s);
    case 'tf_half_pixel_for_nearest': return f(f(o + 0.5) / s);
  }
}

/** The input index nearest_mode picks for coordinate c, clamped into the input. */
export function nearestOf(c: number, mode: NearestMode, inLen: number): number {
  const f = Math.floor(c);
  const i = mode === 'floor' ? f : mode === 'ceil' ? Math.ceil(c) : c - f === 0.5 ? (mode === 'round_prefer_floor' ? f : f + 1) : Math.round(c);
  return Math.min(Math.max(i, 0), inLen - 1);
}

/** Linear: the two input indices and their weights; the coordinate is clamped into the input first (ONNX's edge values). */
export function linearOf(c: number, inLen: number): [number, number, number, number] {
  const x = Math.min(Math.max(c, 0), inLen - 1);
  const i0 = Math.floor(x), r = x - i0;
  return [i0, Math.min(i0 + 1, inLen - 1), Math.fround(1 - r), Math.fround(r)];
}

export interface ResizeSpec {
  dtype: 'f32' | 'qs8';
  mode: 'nearest' | 'linear';
  coord: CoordMode;
  nearest?: NearestMode;
  h: number;
  w: number;
  c: number;
  oh: number;
  ow: number;
  /** The scales of H and W the coordinate formulas use (ONNX: given, or out / in from sizes). */
  scales: [number, number];
  /** qs8: quantization of the input and the output. */
  input?: QuantParams;
  output?: QuantParams;
  kernel?: string;
}

export interface ResizeLayer extends MoveLayer {
  /** qs8 nearest with another output quantization: the requantization after the copy. */
  readonly requant: ConvertLayer | null;
}

/** Per output index along one axis: nearest [i32], linear [i32 i0, i32 i1, f32 w0, f32 w1], offsets times `unit` bytes. */
function table(mem: LinearMemory, s: ResizeSpec, inLen: number, outLen: number, scale: number, unit: number): number {
  const n = s.mode === 'nearest' ? 1 : 4;
  const buf = new ArrayBuffer(outLen * n * 4), dv = new DataView(buf);
  for (let o = 0; o < outLen; o++) {
    const c = inputCoord(o, scale, inLen, outLen, s.coord);
    if (s.mode === 'nearest') {
      // An axis of scale 1 is not resized (ONNX Runtime; tf_half_pixel_for_nearest would move it half a pixel).
      dv.setInt32(o * 4, (scale === 1 && inLen === outLen ? o : nearestOf(c, s.nearest ?? 'round_prefer_floor', inLen)) * unit, true);
    } else {
      const [i0, i1, w0, w1] = linearOf(c, inLen);
      dv.setInt32(o * 16, i0 * unit, true);
      dv.setInt32(o * 16 + 4, i1 * unit, true);
      dv.setFloat32(o * 16 + 8, w0, true);
      dv.setFloat32(o * 16 + 12, w1, true);
    }
  }
  return mem.put(new Uint8Array(buf));
}

export function prepareResize(mem: LinearMemory, build: Build, s: ResizeSpec): ResizeLayer {
  for (const k of ['h', 'w', 'c', 'oh', 'ow'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new RangeError(`resize: ${k} must be a positive integer, got ${s[k]}`);
  }
  if (!s.scales.every((v) => v > 0 && Number.isFinite(v))) throw new RangeError(`resize: scales must be positive, got ${s.scales.join(', ')}`);
  const el = s.dtype === 'f32' ? 4 : 1;
  const rows = table(mem, s, s.h, s.oh, s.scales[0], s.w * s.c * el), cols = table(mem, s, s.w, s.ow, s.scales[1], s.c * el);
  const geom = { oh: s.oh, ow: s.ow, c: s.c, rows, cols };
  if (s.mode === 'nearest') {
    const params = writeParams(mem, XX_RESIZE_NEAREST, { ...geom, el });
    const inp = s.input, out = s.output;
    const requant = s.dtype === 'qs8' && (inp!.scale !== out!.scale || inp!.zeroPoint !== out!.zeroPoint)
      ? prepareRequantize(mem, build, { n: s.oh * s.ow * s.c, input: inp!, output: out! })
      : null;
    return { kernel: moveKernel(mem, build, 'xx_resize_nearest', s.kernel), params, requant };
  }
  if (s.dtype === 'f32') return { kernel: moveKernel(mem, build, 'f32_resize_linear', s.kernel), params: writeParams(mem, F32_RESIZE_LINEAR, geom), requant: null };
  const inp = s.input!, out = s.output!;
  const params = writeParams(mem, QS8_RESIZE_LINEAR, { ...geom, zp_in: inp.zeroPoint, zp_out: out.zeroPoint, qmin: -128, qmax: 127, m: inp.scale / out.scale });
  return { kernel: moveKernel(mem, build, 'qs8_resize_linear', s.kernel), params, requant: null };
}

/** y = resize(x); x and y must not overlap. */
export function runResize(mem: LinearMemory, layer: ResizeLayer, x: number, y: number): void {
  runMove(mem, layer, x, y);
  if (layer.requant) runConvert(mem, layer.requant, y, y);
}

// The activation kernels (assembly/eltwise/act.ts): f32 activations, the int8 table lookup,
// and PRelu with a slope per channel (int8 and f32). Prepare once, run many times:
//
//   const f = prepareF32Act(mem, build, { n, op: 'sigmoid' });          runUnary(mem, f, x, y);
//   const t = prepareLut(mem, build, { n, table });                      runUnary(mem, t, x, y);
//   const p = preparePrelu(mem, build, { dtype: 'qs8', rows, channels, slope, input, output });
//   runPrelu(mem, p, x, y);
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { chooseKernel } from '../kernel-table.js';
import { writeParams } from '../params.js';
import { F32_ACT, F32_MINMAX, QS8_VMULCADDC } from '../param-blocks.js';
import type { PoolDType, QuantParams } from './pool.js';
import { checkQuant, count, pick, runConvert, type ConvertLayer } from './eltwise.js';

/** The f32 activation kernel's ops, in its order (ACT_* in assembly/eltwise/act.ts). */
export const ACT_OPS = ['clamp', 'leakyrelu', 'hardsigmoid', 'hardswish', 'sigmoid', 'silu', 'tanh', 'elu', 'gelu', 'erf'] as const;
export type ActOp = (typeof ACT_OPS)[number];

/** A layer of an elementwise kernel (n, x, y, params): params is the table for x8_lut. */
export type UnaryLayer = ConvertLayer;

/** An f32 activation of n values (act.ts's header gives each op's arithmetic); alpha and beta are read as f32. */
export function prepareF32Act(
  mem: LinearMemory, build: Build,
  s: { n: number; op: ActOp; alpha?: number; beta?: number; fmin?: number; fmax?: number; kernel?: string },
): UnaryLayer {
  const op = ACT_OPS.indexOf(s.op);
  if (op < 0) throw new TypeError(`activation: unknown op '${String(s.op)}'`);
  const params = writeParams(mem, F32_ACT, { op, alpha: s.alpha ?? 0, beta: s.beta ?? 0, fmin: s.fmin ?? -Infinity, fmax: s.fmax ?? Infinity });
  return { kernel: pick(mem, build, 'f32_act', s.kernel), params, n: count('activation: n', s.n) };
}

/** The int8 table lookup y = table[x & 255] of n values; the table has 256 entries, indexed by the byte. */
export function prepareLut(mem: LinearMemory, build: Build, s: { n: number; table: Int8Array; kernel?: string }): UnaryLayer {
  if (s.table.length !== 256) throw new RangeError(`table lookup: the table must have 256 entries, has ${s.table.length}`);
  return { kernel: pick(mem, build, 'x8_lut', s.kernel), params: mem.put(s.table), n: count('table lookup: n', s.n) };
}

/** Runs an f32 activation or a table lookup (y may be x). */
export const runUnary = runConvert;

export interface PreluSpec {
  dtype: PoolDType;
  /** Pixels (N*H*W) and channels of the NHWC tensor. */
  rows: number;
  channels: number;
  /** The slope of each channel (one value: every channel's). */
  slope: Float32Array | readonly number[];
  /** qs8: input and output quantization. */
  input?: QuantParams;
  output?: QuantParams;
  kernel?: string;
}

export interface PreluLayer {
  readonly kernel: string;
  readonly packed: number;
  readonly params: number;
  readonly rows: number;
  readonly channels: number;
}

/**
 * PRelu, y = x < 0 ? slope[c] * x : x, NHWC. f32: x * (x < 0 ? slope[c] : 1). int8: the per-channel
 * requantization with multiplier fround(s_in * slope[c] / s_out) below the zero point and
 * fround(s_in / s_out) above it (act.ts).
 */
export function preparePrelu(mem: LinearMemory, build: Build, s: PreluSpec): PreluLayer {
  const rows = count('prelu: rows', s.rows), channels = count('prelu: channels', s.channels);
  if (s.slope.length !== channels && s.slope.length !== 1) throw new RangeError(`prelu: want ${channels} slopes or one, got ${s.slope.length}`);
  const slope = (c: number) => s.slope[s.slope.length === 1 ? 0 : c];
  const op = `${s.dtype}_prelu`;
  const choice = chooseKernel(op, build);
  const kernel = pick(mem, build, op, s.kernel);
  const neg = new Float32Array(channels), pos = new Float32Array(channels);
  let params: number, packedBytes: number;
  if (s.dtype === 'qs8') {
    const inp = checkQuant('prelu input', s.input), out = checkQuant('prelu output', s.output);
    for (let c = 0; c < channels; c++) {
      neg[c] = (inp.scale * slope(c)) / out.scale;
      pos[c] = inp.scale / out.scale;
    }
    params = writeParams(mem, QS8_VMULCADDC, { zp_in: inp.zeroPoint, zp_out: out.zeroPoint, qmin: -128, qmax: 127 });
    packedBytes = Math.ceil(channels / 16) * 128;
  } else if (s.dtype === 'f32') {
    for (let c = 0; c < channels; c++) neg[c] = slope(c);
    pos.fill(1);
    params = writeParams(mem, F32_MINMAX, { fmin: -Infinity, fmax: Infinity });
    packedBytes = Math.ceil(channels / 4) * 32;
  } else {
    throw new TypeError(`prelu: unknown dtype '${String(s.dtype)}'`);
  }
  if (!neg.every(Number.isFinite) || !pos.every(Number.isFinite)) throw new RangeError('prelu: a slope or multiplier is not a finite f32');
  const packed = mem.alloc(packedBytes);
  mem.temporary(() => kernelFn(mem.mod.exports, choice.packer!)(channels, mem.put(neg), mem.put(pos), packed));
  return { kernel, packed, params, rows, channels };
}

export function runPrelu(mem: LinearMemory, L: PreluLayer, x: number, y: number): void {
  kernelFn(mem.mod.exports, L.kernel)(L.rows, L.channels, x, L.channels, L.packed, y, L.channels, L.params);
}

// Softmax and the reductions (ReduceSum, ReduceMean, ReduceMax) along the middle axis of a
// tensor seen as [outer, n, inner] (assembly/move/softmax.ts, f32_reduce.ts, qs8_reduce.ts).
// The op decides the three sizes (softmax: one axis; a reduction: adjacent axes, after a
// transpose when they are not).
//
//   const s = prepareSoftmax(mem, build, { outer: 1, n: 10, inner: 1 });  runMove(mem, s, x, y);
//   const r = prepareReduce(mem, build, { dtype: 'qs8', kind: 'mean', outer: 1, n: 49, inner: 64, input, output });
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { chooseKernel } from '../kernel-table.js';
import { writeParams } from '../params.js';
import { F32_REDUCE, F32_SOFTMAX, QS8_REDUCE } from '../param-blocks.js';
import type { QuantParams } from './pool.js';

/** A prepared call of a `move` kernel (x, y, params). */
export interface MoveLayer {
  readonly kernel: string;
  readonly params: number;
}

export function runMove(mem: LinearMemory, layer: MoveLayer, x: number, y: number): void {
  kernelFn(mem.mod.exports, layer.kernel)(x, y, layer.params);
}

/** The kernel of `op` in this build (or `kernel`), checked to exist now. */
export function moveKernel(mem: LinearMemory, build: Build, op: string, kernel?: string): string {
  const k = kernel ?? chooseKernel(op, build).kernel;
  kernelFn(mem.mod.exports, k);
  return k;
}

export interface Sizes {
  outer: number;
  n: number;
  inner: number;
}

function sizes(what: string, s: Sizes): Sizes {
  for (const k of ['outer', 'n', 'inner'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new RangeError(`${what}: ${k} must be a positive integer, got ${s[k]}`);
  }
  return { outer: s.outer, n: s.n, inner: s.inner };
}

/** f32 softmax along n (assembly/move/softmax.ts has the definition). */
export function prepareSoftmax(mem: LinearMemory, build: Build, s: Sizes & { kernel?: string }): MoveLayer {
  return { kernel: moveKernel(mem, build, 'f32_softmax', s.kernel), params: writeParams(mem, F32_SOFTMAX, sizes('softmax', s)) };
}

export type ReduceKind = 'sum' | 'mean' | 'max';

export interface ReduceSpec extends Sizes {
  dtype: 'f32' | 'qs8';
  kind: ReduceKind;
  /** qs8: input and output quantization. */
  input?: QuantParams;
  output?: QuantParams;
  kernel?: string;
}

/**
 * f32: y = sum / (mean ? n : 1) or max. qs8: the average pools' rule, y = requant(acc, m) with
 * acc = sum(x - zp_in) or max(x) - zp_in and m = fround(s_in / (s_out * (mean ? n : 1))).
 */
export function prepareReduce(mem: LinearMemory, build: Build, s: ReduceSpec): MoveLayer {
  const z = sizes('reduce', s);
  const op = s.kind === 'max' ? 1 : 0;
  if (s.dtype === 'f32') {
    const params = writeParams(mem, F32_REDUCE, { ...z, op, div: s.kind === 'mean' ? s.n : 1 });
    return { kernel: moveKernel(mem, build, 'f32_reduce', s.kernel), params };
  }
  const inp = s.input!, out = s.output!;
  if (s.n * 255 > 2 ** 31 - 1) throw new RangeError(`reduce: ${s.n} values overflow the int32 sum`);
  const params = writeParams(mem, QS8_REDUCE, {
    ...z, op, zp_in: inp.zeroPoint, zp_out: out.zeroPoint, qmin: -128, qmax: 127, m: inp.scale / (out.scale * (s.kind === 'mean' ? s.n : 1)),
  });
  return { kernel: moveKernel(mem, build, 'qs8_reduce', s.kernel), params };
}

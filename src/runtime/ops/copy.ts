// The strided copy (assembly/move/copy_nd.ts) from the host: the loops of Transpose, Slice,
// Concat and Split on any axis, Pad and the reshuffles built on Transpose, each as a list of
// loops over elements, then merged into at most six kernel loops and a contiguous run.
//
//   const t = prepareCopy(mem, build, transposeLoops([h, w, c], [2, 0, 1]), 4);
//   runCopy(mem, t, x, y);
//
// A loop is { n, xs, ys }: a count and the source and destination strides in elements
// (signed; 0 broadcasts one value). Loops are listed outermost first. The caller offsets x and
// y to the first element read and written.
import { BranchyUnsupportedError } from '../../errors.js';
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { chooseKernel } from '../kernel-table.js';
import { writeParams, type ParamValues } from '../params.js';
import { XX_COPY_ND } from '../param-blocks.js';

export interface CopyLoop {
  n: number;
  xs: number;
  ys: number;
}

/** The kernel's loop count. */
export const COPY_LOOPS = 6;

/** Row-major strides (elements) of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * The loops merged: unit loops dropped, a loop merged into the one inside it when both sides
 * step over it exactly (xs = n_in * xs_in and ys = n_in * ys_in); an innermost loop contiguous
 * on both sides becomes the run. Returns the run (elements) and the loops left, outermost first.
 */
export function mergeLoops(loops: readonly CopyLoop[]): { run: number; loops: CopyLoop[] } {
  const out = loops.filter((l) => l.n !== 1).map((l) => ({ ...l }));
  // Merge from the inside out: out[i] into out[i + 1] when out[i] steps over all of out[i + 1].
  for (let i = out.length - 2; i >= 0; i--) {
    const a = out[i], b = out[i + 1];
    if (a.xs === b.n * b.xs && a.ys === b.n * b.ys) {
      out.splice(i, 2, { n: a.n * b.n, xs: b.xs, ys: b.ys });
    }
  }
  const last = out.at(-1);
  if (last && last.xs === 1 && last.ys === 1) {
    out.pop();
    return { run: last.n, loops: out };
  }
  return { run: 1, loops: out };
}

export interface CopyLayer {
  readonly kernel: string;
  readonly params: number;
}

/**
 * Plans a copy of `el`-byte elements (1 or 4). Throws BranchyUnsupportedError when the loops do
 * not merge into six (the message names `what`).
 */
export function prepareCopy(mem: LinearMemory, build: Build, loops: readonly CopyLoop[], el: number, what = 'copy', kernel?: string): CopyLayer {
  if (el !== 1 && el !== 4) throw new TypeError(`${what}: element size ${el}, want 1 or 4`);
  const m = mergeLoops(loops);
  if (m.loops.length > COPY_LOOPS) {
    throw new BranchyUnsupportedError(`${what}: the move needs ${m.loops.length} nested loops after merging (${m.loops.map((l) => l.n).join(' x ')}); branchy's copy kernel runs ${COPY_LOOPS}`);
  }
  const ls = [...Array.from({ length: COPY_LOOPS - m.loops.length }, () => ({ n: 1, xs: 0, ys: 0 })), ...m.loops];
  const v: Record<string, number> = { run: m.run * el };
  ls.forEach((l, i) => {
    v[`n${i}`] = l.n;
    v[`xs${i}`] = l.xs * el;
    v[`ys${i}`] = l.ys * el;
  });
  const params = writeParams(mem, XX_COPY_ND, v as ParamValues<typeof XX_COPY_ND.fields>);
  const k = kernel ?? chooseKernel('xx_copy_nd', build).kernel;
  kernelFn(mem.mod.exports, k); // throws now if this build lacks it
  return { kernel: k, params };
}

export function runCopy(mem: LinearMemory, layer: CopyLayer, x: number, y: number): void {
  kernelFn(mem.mod.exports, layer.kernel)(x, y, layer.params);
}

// ---- the loops of each op (elements; offsets are where x and y start) ------------------------

/** y = x with axes permuted: y's axis j is x's axis perm[j]. */
export function transposeLoops(shape: readonly number[], perm: readonly number[]): CopyLoop[] {
  const xs = stridesOf(shape), ys = stridesOf(perm.map((p) => shape[p]));
  return perm.map((p, j) => ({ n: shape[p], xs: xs[p], ys: ys[j] }));
}

/** y = x[start_a + i * step_a] along every axis a (steps may be negative); out is y's shape. */
export function sliceLoops(shape: readonly number[], starts: readonly number[], steps: readonly number[], out: readonly number[]): { loops: CopyLoop[]; xOff: number } {
  const xs = stridesOf(shape), ys = stridesOf(out);
  return {
    loops: out.map((n, a) => ({ n, xs: xs[a] * steps[a], ys: ys[a] })),
    xOff: starts.reduce((s, st, a) => s + st * xs[a], 0),
  };
}

/** Input `shape` written into `out` at `offset` along `axis` (Concat; Pad's interior). */
export function placeLoops(shape: readonly number[], out: readonly number[], axis: number, offset: number): { loops: CopyLoop[]; yOff: number } {
  const xs = stridesOf(shape), ys = stridesOf(out);
  return { loops: shape.map((n, a) => ({ n, xs: xs[a], ys: ys[a] })), yOff: offset * ys[axis] };
}

export type PadMode = 'constant' | 'reflect' | 'edge';

/** One copy of a pad: from x (`from: 'x'`) or from y itself (the borders of reflect and edge). */
export interface PadCopy {
  from: 'x' | 'y';
  loops: CopyLoop[];
  xOff: number;
  yOff: number;
}

/**
 * Pad (ONNX, any rank): negative pads crop first, then the interior is copied and, for reflect
 * and edge, the borders are copied from the output itself, axis by axis from the innermost out
 * (each border spans the axes inside it at full, already padded, size). Constant mode fills y
 * with the value first (the caller). `begin` and `end` are the pads per axis.
 */
export function padCopies(shape: readonly number[], begin: readonly number[], end: readonly number[], mode: PadMode): { out: number[]; copies: PadCopy[] } {
  const r = shape.length;
  const cb = begin.map((p) => Math.max(0, -p)), ce = end.map((p) => Math.max(0, -p));
  const pb = begin.map((p) => Math.max(0, p)), pe = end.map((p) => Math.max(0, p));
  const core = shape.map((d, a) => d - cb[a] - ce[a]);
  const out = core.map((c, a) => c + pb[a] + pe[a]);
  const xs = stridesOf(shape), os = stridesOf(out);
  const copies: PadCopy[] = [{
    from: 'x', loops: core.map((n, a) => ({ n, xs: xs[a], ys: os[a] })),
    xOff: cb.reduce((s, c, a) => s + c * xs[a], 0), yOff: pb.reduce((s, p, a) => s + p * os[a], 0),
  }];
  if (mode === 'constant') return { out, copies };
  for (let a = r - 1; a >= 0; a--) {
    const base = pb.slice(0, a).reduce((s, p, k) => s + p * os[k], 0);
    const span = (k: number, n: number, xs: number): CopyLoop => (k < a ? { n: core[k], xs: os[k], ys: os[k] } : k > a ? { n: out[k], xs: os[k], ys: os[k] } : { n, xs, ys: os[k] });
    const loops = (n: number, xs: number) => out.map((_, k) => span(k, n, k === a ? xs : 0));
    const reflect = mode === 'reflect';
    // Begin: output i < pb reads 2 pb - i (reflect) or pb (edge); end: output pb + c + j reads pb + c - 2 - j or pb + c - 1.
    if (pb[a] > 0) copies.push({ from: 'y', loops: loops(pb[a], reflect ? -os[a] : 0), xOff: base + (reflect ? 2 * pb[a] : pb[a]) * os[a], yOff: base });
    if (pe[a] > 0) {
      const last = pb[a] + core[a] - 1;
      copies.push({ from: 'y', loops: loops(pe[a], reflect ? -os[a] : 0), xOff: base + (reflect ? last - 1 : last) * os[a], yOff: base + (last + 1) * os[a] });
    }
  }
  return { out, copies };
}

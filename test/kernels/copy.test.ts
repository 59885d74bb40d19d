// The strided N-d copy (xx_copy_nd: Transpose, Slice, Concat, Pad, DepthToSpace / SpaceToDepth,
// channel shuffle) planned by src/runtime/ops/copy.ts, every kernel of every build (the SIMD
// kernels and their scalar twins), against the ONNX-derived references of test/reference/move.ts:
// random ranks (1..6), shapes, permutations, steps (negative too), pads (negative, reflect,
// edge), 1- and 4-byte elements; bytes equal, nothing written past the output.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { LinearMemory } from '../../src/runtime/memory.js';
import {
  mergeLoops, padCopies, placeLoops, prepareCopy, runCopy, sliceLoops, transposeLoops, type CopyLoop, type PadMode,
} from '../../src/runtime/ops/copy.js';
import { concatRef, depthToSpaceRef, padRef, sliceRef, spaceToDepthRef, transposeRef, type Arr } from '../reference/move.js';

const SENTINEL = 0x5a;
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

interface Move {
  name: string;
  el: 1 | 4;
  x: Arr;
  want: Arr;
  /** The copies, in order: loops, offsets in elements, reading x or y itself. */
  copies: { loops: CopyLoop[]; xOff: number; yOff: number; from?: 'x' | 'y' }[];
  /** Constant mode: the value every output element has before the copies. */
  fill?: number;
}

function sample(rng: Rng, n: number, el: 1 | 4): Arr {
  return el === 1 ? rng.i8(n) : rng.f32(n, -100, 100);
}

const bytesOf = (a: Arr): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Runs a move with one kernel; returns the output or what went wrong. */
function runMove(mem: LinearMemory, build: Parameters<typeof prepareCopy>[1], kernel: string, m: Move): Arr | string {
  const bytes = m.want.length * m.el;
  const x = mem.put(m.x);
  const y = mem.alloc(bytes);
  mem.u8(y, bytes + 16).fill(SENTINEL);
  if (m.fill !== undefined) {
    const v = m.el === 1 ? Int8Array.of(m.fill) : Float32Array.of(m.fill);
    const src = mem.put(v);
    runCopy(mem, prepareCopy(mem, build, [{ n: m.want.length, xs: 0, ys: 1 }], m.el, 'fill', kernel), src, y);
  }
  for (const c of m.copies) {
    const layer = prepareCopy(mem, build, c.loops, m.el, m.name, kernel);
    runCopy(mem, layer, (c.from === 'y' ? y : x) + c.xOff * m.el, y + c.yOff * m.el);
  }
  if (!mem.u8(y + bytes, 16).every((b) => b === SENTINEL)) return 'wrote past the output';
  return m.el === 1 ? mem.i8(y, m.want.length).slice() : mem.f32(y, m.want.length).slice();
}

async function check(moves: Move[]): Promise<string[]> {
  const failures: string[] = [];
  for (const m of moves) {
    for (const build of TEST_BUILDS) {
      for (const k of kernelsOf('xx_copy_nd', build)) {
        const got = runMove(await memoryFor(build), build, k, m);
        if (typeof got === 'string') failures.push(`${build} ${k} ${m.name}: ${got}`);
        else if (!Buffer.from(bytesOf(got)).equals(Buffer.from(bytesOf(m.want)))) {
          const i = got.findIndex((v, j) => !Object.is(v, m.want[j]));
          failures.push(`${build} ${k} ${m.name}: element ${i} is ${got[i]}, want ${m.want[i]}`);
        }
      }
    }
  }
  return failures;
}

const shapeOf = (rng: Rng, rank: number, max = 5): number[] => Array.from({ length: rank }, () => rng.int(1, max));

function perm(rng: Rng, r: number): number[] {
  const p = Array.from({ length: r }, (_, i) => i);
  for (let i = r - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

describe('xx_copy_nd', () => {
  it('merges loops: unit loops go, contiguous ones join, a contiguous innermost loop is the run', () => {
    expect(mergeLoops(transposeLoops([2, 3, 4], [0, 1, 2]))).toEqual({ run: 24, loops: [] });
    expect(mergeLoops(transposeLoops([2, 3, 4], [1, 0, 2]))).toEqual({ run: 4, loops: [{ n: 3, xs: 4, ys: 8 }, { n: 2, xs: 12, ys: 4 }] });
    expect(mergeLoops([{ n: 5, xs: 0, ys: 3 }, { n: 3, xs: 0, ys: 1 }])).toEqual({ run: 1, loops: [{ n: 15, xs: 0, ys: 1 }] });
  });

  it('Transpose: every rank 1..6, random shapes and permutations', async () => {
    const rng = new Rng(0x7a5);
    const moves: Move[] = [];
    for (let i = 0; i < 60; i++) {
      const r = rng.int(1, 6), shape = shapeOf(rng, r, r > 4 ? 3 : 6), p = perm(rng, r), el = rng.pick([1, 4] as const);
      const x = sample(rng, numel(shape), el);
      moves.push({ name: `transpose [${shape}] perm [${p}] el ${el}`, el, x, want: transposeRef(x, shape, p).y, copies: [{ loops: transposeLoops(shape, p), xOff: 0, yOff: 0 }] });
    }
    // NHWC <-> NCHW of a real feature map, and the channel shuffle of two and three groups.
    for (const el of [1, 4] as const) {
      for (const [shape, p] of [[[1, 7, 9, 40], [0, 3, 1, 2]], [[1, 40, 7, 9], [0, 2, 3, 1]], [[49, 2, 37], [0, 2, 1]], [[49, 2, 16], [0, 2, 1]], [[12, 3, 24], [0, 2, 1]]] as const) {
        const x = sample(rng, numel(shape), el);
        moves.push({ name: `transpose [${shape}] perm [${p}] el ${el}`, el, x, want: transposeRef(x, shape, p).y, copies: [{ loops: transposeLoops(shape, p), xOff: 0, yOff: 0 }] });
      }
    }
    expect(await check(moves)).toEqual([]);
  });

  it('Slice: random starts, ends and steps (negative too) on every axis', async () => {
    const rng = new Rng(0x511ce);
    const moves: Move[] = [];
    for (let i = 0; i < 400 && moves.length < 60; i++) {
      const r = rng.int(1, 5), shape = shapeOf(rng, r, 9), el = rng.pick([1, 4] as const);
      const axes = Array.from({ length: r }, (_, a) => a).filter(() => rng.next() < 0.7);
      const steps = axes.map(() => rng.pick([1, 1, 2, 3, -1, -2]));
      const starts = axes.map((a) => rng.int(-shape[a] - 2, shape[a] + 2)), ends = axes.map((a) => rng.int(-shape[a] - 2, shape[a] + 2));
      const x = sample(rng, numel(shape), el);
      const ref = sliceRef(x, shape, starts, ends, axes, steps);
      if (ref.y.length === 0) continue;
      // The normalised start and step of every axis, as the IR's slice holds them.
      const st = shape.map(() => 0), sp = shape.map(() => 1);
      axes.forEach((a, k) => {
        const d = shape[a];
        const s = starts[k] < 0 ? starts[k] + d : starts[k];
        st[a] = steps[k] > 0 ? Math.min(Math.max(s, 0), d) : Math.min(Math.max(s, 0), d - 1);
        sp[a] = steps[k];
      });
      const { loops, xOff } = sliceLoops(shape, st, sp, ref.shape);
      moves.push({ name: `slice [${shape}] starts ${starts} ends ${ends} axes ${axes} steps ${steps} el ${el}`, el, x, want: ref.y, copies: [{ loops, xOff, yOff: 0 }] });
    }
    expect(moves.length).toBe(60);
    expect(await check(moves)).toEqual([]);
  });

  it('Concat on any axis', async () => {
    const rng = new Rng(0xc0c);
    const moves: Move[] = [];
    for (let i = 0; i < 40; i++) {
      const r = rng.int(1, 5), base = shapeOf(rng, r, 6), axis = rng.int(0, r - 1), el = rng.pick([1, 4] as const);
      const shapes = Array.from({ length: rng.int(1, 4) }, () => base.map((d, a) => (a === axis ? rng.int(1, 20) : d)));
      const xs = shapes.map((s) => sample(rng, numel(s), el));
      const ref = concatRef(xs, shapes, axis);
      const x = el === 1 ? new Int8Array(xs.reduce((s, v) => s + v.length, 0)) : new Float32Array(xs.reduce((s, v) => s + v.length, 0));
      let at = 0, off = 0;
      const copies: Move['copies'] = [];
      xs.forEach((v, k) => {
        x.set(v as never, at);
        const { loops, yOff } = placeLoops(shapes[k], ref.shape, axis, off);
        copies.push({ loops, xOff: at, yOff });
        at += v.length;
        off += shapes[k][axis];
      });
      moves.push({ name: `concat axis ${axis} of ${shapes.map((s) => `[${s}]`).join(' ')} el ${el}`, el, x, want: ref.y, copies });
    }
    expect(await check(moves)).toEqual([]);
  });

  it('Pad: constant, reflect and edge, negative pads crop', async () => {
    const rng = new Rng(0xbad);
    const moves: Move[] = [];
    for (let i = 0; i < 60; i++) {
      const r = rng.int(1, 4), shape = shapeOf(rng, r, 7), el = rng.pick([1, 4] as const);
      const mode = rng.pick(['constant', 'reflect', 'edge'] as const satisfies readonly PadMode[]);
      const begin = shape.map((d) => rng.int(-Math.floor((d - 1) / 2), 3)), end = shape.map((d) => rng.int(-Math.floor((d - 1) / 2), 3));
      const core = shape.map((d, a) => d - Math.max(0, -begin[a]) - Math.max(0, -end[a]));
      // Reflect needs pads smaller than the (cropped) axis.
      if (mode === 'reflect') shape.forEach((_, a) => ((begin[a] = Math.min(begin[a], core[a] - 1)), (end[a] = Math.min(end[a], core[a] - 1))));
      const value = el === 1 ? rng.int(-128, 127) : Math.fround(rng.next() * 10 - 5);
      const x = sample(rng, numel(shape), el);
      const ref = padRef(x, shape, [...begin, ...end], mode, value);
      const { out, copies } = padCopies(shape, begin, end, mode);
      expect(out).toEqual(ref.shape);
      moves.push({ name: `pad ${mode} [${shape}] pads [${begin}] [${end}] el ${el}`, el, x, want: ref.y, copies, fill: mode === 'constant' ? value : undefined });
    }
    expect(await check(moves)).toEqual([]);
  });

  it('DepthToSpace (DCR, CRD) and SpaceToDepth as NHWC transposes of 6-d views', async () => {
    const rng = new Rng(0xd25);
    const moves: Move[] = [];
    for (let i = 0; i < 24; i++) {
      const b = rng.int(1, 3), c2 = rng.int(1, 5), h = rng.int(1, 4), w = rng.int(1, 4), el = rng.pick([1, 4] as const);
      const mode = rng.pick(['DCR', 'CRD'] as const);
      const C = c2 * b * b;
      // NHWC x [h, w, C]: DCR views C as [b, b, c2], CRD as [c2, b, b]; y [h, b, w, b, c2].
      const xn = sample(rng, h * w * C, el);
      const nchw = transposeRef(xn, [1, h, w, C], [0, 3, 1, 2]);
      const want = transposeRef(depthToSpaceRef(nchw.y, nchw.shape, b, mode).y, [1, c2, h * b, w * b], [0, 2, 3, 1]).y;
      const view = mode === 'DCR' ? [h, w, b, b, c2] : [h, w, c2, b, b];
      const p = mode === 'DCR' ? [0, 2, 1, 3, 4] : [0, 3, 1, 4, 2];
      moves.push({ name: `depthtospace ${mode} b=${b} [${h}, ${w}, ${C}] el ${el}`, el, x: xn, want, copies: [{ loops: transposeLoops(view, p), xOff: 0, yOff: 0 }] });
      // SpaceToDepth of [h*b, w*b, c2]: view [h, b, w, b, c2] -> [h, w, b, b, c2].
      const xs = sample(rng, h * b * w * b * c2, el);
      const nchw2 = transposeRef(xs, [1, h * b, w * b, c2], [0, 3, 1, 2]);
      const want2 = transposeRef(spaceToDepthRef(nchw2.y, nchw2.shape, b).y, [1, C, h, w], [0, 2, 3, 1]).y;
      moves.push({ name: `spacetodepth b=${b} [${h * b}, ${w * b}, ${c2}] el ${el}`, el, x: xs, want: want2, copies: [{ loops: transposeLoops([h, b, w, b, c2], [0, 2, 1, 3, 4]), xOff: 0, yOff: 0 }] });
    }
    expect(await check(moves)).toEqual([]);
  });

  it('refuses a move that needs more than six loops, naming it', async () => {
    const mem = await memoryFor('scalar');
    expect(() => prepareCopy(mem, 'scalar', transposeLoops([2, 2, 2, 2, 2, 2, 2], [6, 5, 4, 3, 2, 1, 0]), 4, "node 't' (transpose)")).toThrow(/node 't' \(transpose\): the move needs 7 nested loops/);
  });
});

// Softmax on any axis, the reductions and resize: every kernel of every build (the SIMD kernels
// and their scalar twins) against the ONNX-derived references of test/reference/move.ts. f32
// within float rounding of the f64 definition; int8 bit for bit with the integer definition;
// every build's bytes identical (f32 too: the twins share the order of operations); nothing
// written past an output.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';
import type { LinearMemory } from '../../src/runtime/memory.js';
import { prepareReduce, prepareSoftmax, runMove, type ReduceKind } from '../../src/runtime/ops/reduce.js';
import { prepareResize, runResize, type ResizeSpec } from '../../src/runtime/ops/resize.js';
import { COORD_MODES, NEAREST_MODES } from '../../src/ir/ops/resize.js';
import { qs8ReduceRef, qs8ResizeLinearRef, reduceRef, resizeRef, softmaxRef } from '../reference/move.js';
import { f32, requantRef, type Quant } from '../reference/eltwise.js';

const SENTINEL = 0x5a;
type Out = Float32Array | Int8Array;

/** Runs `fn` with every kernel of `op` in every build; returns the outputs by "build kernel", or a failure. */
async function everyKernel(op: string, fn: (mem: LinearMemory, build: Build, kernel: string) => Out | string): Promise<Map<string, Out | string>> {
  const outs = new Map<string, Out | string>();
  for (const build of TEST_BUILDS) {
    for (const k of kernelsOf(op, build)) outs.set(`${build} ${k}`, fn(await memoryFor(build), build, k));
  }
  return outs;
}

/** Output buffer with 16 sentinel bytes behind it; read() returns the output or 'wrote past'. */
function output(mem: LinearMemory, n: number, el: 1 | 4): { y: number; read: () => Out | string } {
  const y = mem.alloc(n * el);
  mem.u8(y, n * el + 16).fill(SENTINEL);
  return {
    y,
    read: () => (!mem.u8(y + n * el, 16).every((b) => b === SENTINEL) ? 'wrote past the output' : el === 4 ? mem.f32(y, n).slice() : mem.i8(y, n).slice()),
  };
}

/** Every output equals the first one byte for bit, and `check` accepts it. */
function judge(name: string, outs: Map<string, Out | string>, check: (y: Out) => string | null, failures: string[]): void {
  let first: [string, Out] | undefined;
  for (const [k, got] of outs) {
    if (typeof got === 'string') {
      failures.push(`${k} ${name}: ${got}`);
      continue;
    }
    const bad = check(got);
    if (bad) failures.push(`${k} ${name}: ${bad}`);
    if (!first) first = [k, got];
    else if (!Buffer.from(got.buffer).equals(Buffer.from(first[1].buffer))) failures.push(`${k} ${name}: differs from ${first[0]}`);
  }
}

const close = (want: ArrayLike<number>, tol: number) => (y: Out): string | null => {
  const scale = Math.max(1e-30, ...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) if (!(Math.abs(y[i] - want[i]) <= tol * scale)) return `element ${i}: ${y[i]}, want ${want[i]}`;
  return null;
};
const exact = (want: Int8Array) => (y: Out): string | null => {
  const i = want.findIndex((v, j) => v !== y[j]);
  return i < 0 ? null : `element ${i}: ${y[i]}, want ${want[i]}`;
};

const quant = (rng: Rng): Quant => ({ scale: Math.fround(0.01 + 0.1 * rng.next()), zeroPoint: rng.int(-40, 40) });
const EDGE = [1, 2, 3, 4, 5, 7, 15, 16, 17, 31, 33, 64];

describe('softmax, reductions, resize', () => {
  it('f32 softmax along any axis of [outer, n, inner]', async () => {
    const rng = new Rng(0x50f7);
    const failures: string[] = [];
    for (let i = 0; i < 40; i++) {
      const outer = rng.int(1, 4), n = rng.pick(EDGE), inner = rng.pick([1, 1, 2, 3, 4, 5, 8, 9]);
      const x = rng.f32(outer * n * inner, -20, 20);
      if (i % 7 === 0) x[rng.int(0, x.length - 1)] = -Infinity;
      const want = softmaxRef(x, [outer, n, inner], 1);
      const outs = await everyKernel('f32_softmax', (mem, build, k) => {
        const o = output(mem, x.length, 4);
        runMove(mem, prepareSoftmax(mem, build, { outer, n, inner, kernel: k }), mem.put(x), o.y);
        return o.read();
      });
      judge(`softmax [${outer}, ${n}, ${inner}]`, outs, close(want, 1e-6), failures);
    }
    expect(failures).toEqual([]);
  });

  it('ReduceSum / ReduceMean / ReduceMax of [outer, n, inner]: f32 within rounding, int8 bit for bit', async () => {
    const rng = new Rng(0x4ed);
    const failures: string[] = [];
    for (let i = 0; i < 60; i++) {
      const outer = rng.int(1, 3), n = rng.pick([...EDGE, 49, 100, 300]), inner = rng.pick([1, 1, 2, 3, 4, 5, 15, 16, 17, 33]);
      const kind = rng.pick(['sum', 'mean', 'max'] as const satisfies readonly ReduceKind[]);
      const name = `${kind} [${outer}, ${n}, ${inner}]`;
      const xf = rng.f32(outer * n * inner, -3, 3);
      const wantF = reduceRef(xf, [outer, n, inner], [1], false, kind).y;
      judge(`f32 ${name}`, await everyKernel('f32_reduce', (mem, build, k) => {
        const o = output(mem, outer * inner, 4);
        runMove(mem, prepareReduce(mem, build, { dtype: 'f32', kind, outer, n, inner, kernel: k }), mem.put(xf), o.y);
        return o.read();
      }), close(wantF, 1e-5), failures);
      const xq = rng.i8(outer * n * inner), qi = quant(rng), qo = kind === 'sum' ? { scale: qi.scale * n * 0.1, zeroPoint: rng.int(-10, 10) } : quant(rng);
      const wantQ = qs8ReduceRef(xq, outer, n, inner, kind, qi, qo);
      judge(`int8 ${name}`, await everyKernel('qs8_reduce', (mem, build, k) => {
        const o = output(mem, outer * inner, 1);
        runMove(mem, prepareReduce(mem, build, { dtype: 'qs8', kind, outer, n, inner, input: qi, output: qo, kernel: k }), mem.put(xq), o.y);
        return o.read();
      }), exact(wantQ), failures);
    }
    expect(failures).toEqual([]);
  });

  it('Resize nearest (every nearest_mode) and bilinear, every coordinate mode, up and down: f32 and int8', async () => {
    const rng = new Rng(0x4e512e);
    const failures: string[] = [];
    for (let i = 0; i < 80; i++) {
      const h = rng.int(1, 7), w = rng.int(1, 7), c = rng.pick([1, 2, 3, 4, 5, 16, 17, 33]);
      // Scales given (output = floor(in * scale)) or sizes given (scale = out / in).
      const bySize = rng.next() < 0.4;
      const pickScale = (): number => rng.pick([0.5, 0.6, 1, 1.5, 2, 2.5, 3, 4]);
      let sh = pickScale(), sw = pickScale();
      let oh = Math.floor(h * sh), ow = Math.floor(w * sw);
      if (bySize) {
        oh = rng.int(1, 12);
        ow = rng.int(1, 12);
        sh = oh / h;
        sw = ow / w;
      }
      if (oh < 1 || ow < 1) continue;
      const mode = rng.pick(['nearest', 'linear'] as const), coord = rng.pick(COORD_MODES), nearest = rng.pick(NEAREST_MODES);
      const name = `${mode} ${coord}${mode === 'nearest' ? ` ${nearest}` : ''} [${h}, ${w}, ${c}] -> [${oh}, ${ow}] scales ${sh}, ${sw}`;
      const spec = (dtype: 'f32' | 'qs8'): ResizeSpec => ({ dtype, mode, coord, nearest, h, w, c, oh, ow, scales: [sh, sw] });
      const xf = rng.f32(h * w * c, -2, 2);
      const wantF = resizeRef(xf, [1, h, w, c], [1, oh, ow, c], [1, sh, sw, 1], mode, coord, nearest);
      const opF = mode === 'nearest' ? 'xx_resize_nearest' : 'f32_resize_linear';
      judge(`f32 ${name}`, await everyKernel(opF, (mem, build, k) => {
        const o = output(mem, oh * ow * c, 4);
        runResize(mem, prepareResize(mem, build, { ...spec('f32'), kernel: k }), mem.put(xf), o.y);
        return o.read();
      }), close(wantF, mode === 'nearest' ? 0 : 2e-6), failures);
      // int8: nearest passes values (or requantizes them, with another output quantization).
      const xq = rng.i8(h * w * c), qi = quant(rng), qo = rng.next() < 0.5 ? qi : quant(rng);
      const wantQ = mode === 'linear'
        ? qs8ResizeLinearRef(xq, [h, w, c], [oh, ow], [sh, sw], coord, qi, qo)
        : Int8Array.from(resizeRef(xq, [1, h, w, c], [1, oh, ow, c], [1, sh, sw, 1], mode, coord, nearest),
          (v) => (qo === qi ? v : requantNearest(v, qi, qo)));
      const opQ = mode === 'nearest' ? 'xx_resize_nearest' : 'qs8_resize_linear';
      judge(`int8 ${name}`, await everyKernel(opQ, (mem, build, k) => {
        const o = output(mem, oh * ow * c, 1);
        runResize(mem, prepareResize(mem, build, { ...spec('qs8'), input: qi, output: qo, kernel: k }), mem.put(xq), o.y);
        return o.read();
      }), exact(wantQ), failures);
    }
    expect(failures).toEqual([]);
  });
});

/** A nearest value at another quantization: the requantize op's definition. */
function requantNearest(v: number, qi: Quant, qo: Quant): number {
  return requantRef(v - qi.zeroPoint, f32(qi.scale / qo.scale), qo.zeroPoint, -128, 127);
}

// f32 GEMM, conv and depthwise conv: every kernel (and scalar twin) in every build against
// the ONNX-derived float64 reference within 1e-5 relative (to |bias| + sum |x*w|, so that
// cancellation does not make the bound meaningless), and all kernels and builds
// bit-identical with each other (same accumulation order by design).
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { dwOutSize, type DwRefArgs } from '../reference/qs8-dwconv.js';
import { f32ConvRef, f32DwconvRef, f32GemmRef, type RefOut } from '../reference/f32-conv.js';
import { prepareF32Conv, prepareF32Dwconv, prepareF32Gemm, runF32Conv, runF32Dwconv, runF32Gemm } from '../../src/runtime/ops/f32-conv.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';
import type { LinearMemory } from '../../src/runtime/memory.js';

const REL = 1e-5;

function clampPick(rng: Rng): [number, number] {
  return rng.pick<[number, number]>([[-Infinity, Infinity], [-Infinity, Infinity], [0, Infinity], [0, 6], [-0.5, 0.25]]);
}

function randGeom(rng: Rng, kernels: number[][], over: Partial<DwRefArgs> = {}): DwRefArgs {
  for (;;) {
    const k = rng.pick(kernels);
    const a: DwRefArgs = {
      n: rng.int(1, 2), h: rng.int(1, 10), w: rng.int(1, 10), c: rng.pick([1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 24]),
      kh: k[0], kw: k[1], sh: rng.int(1, 3), sw: rng.int(1, 3), dh: rng.pick([1, 1, 2]), dw: rng.pick([1, 1, 2]),
      pt: rng.int(0, 2), pl: rng.int(0, 2), pb: rng.int(0, 2), pr: rng.int(0, 2), ...over,
    };
    const [oh, ow] = dwOutSize(a);
    if (oh >= 1 && ow >= 1) return a;
  }
}

const geomOf = (a: DwRefArgs) => ({
  n: a.n, h: a.h, w: a.w, c: a.c, kh: a.kh, kw: a.kw, strideH: a.sh, strideW: a.sw, dilationH: a.dh, dilationW: a.dw,
  pads: [a.pt, a.pl, a.pb, a.pr] as [number, number, number, number],
});
const shapeOf = (a: DwRefArgs) => `N${a.n} ${a.h}x${a.w}x${a.c} k${a.kh}x${a.kw} s${a.sh},${a.sw} d${a.dh},${a.dw} pads[${a.pt},${a.pl},${a.pb},${a.pr}]`;

function check(got: Float32Array, ref: RefOut, what: string): void {
  for (let i = 0; i < ref.y.length; i++) {
    const err = Math.abs(got[i] - ref.y[i]);
    if (!(err <= REL * Math.max(ref.mag[i], Math.abs(ref.y[i])) + 1e-30)) {
      expect.fail(`${what}: element ${i} got ${got[i]} want ${ref.y[i]} (terms' magnitude ${ref.mag[i]})`);
    }
  }
}

/** Every kernel of these ops that a build has (the manifest's: the table's choice and its scalar twin). */
function twins(build: Build, ...ops: string[]): string[] {
  return ops.flatMap((op) => kernelsOf(op, build));
}

/** Run `f` writing `n` floats at a fresh output pointer with a guard after it; return the floats. */
function withGuard(mem: LinearMemory, n: number, f: (out: number) => void, what: string): Float32Array {
  const out = mem.alloc(n * 4 + 16);
  mem.u8(out, n * 4 + 16).fill(0xa5);
  f(out);
  expect([...mem.u8(out + n * 4, 16)].every((v) => v === 0xa5), `${what}: wrote past the output`).toBe(true);
  return mem.f32(out, n).slice();
}

const seen = new Map<string, Float32Array>();
function sameAsBefore(key: string, got: Float32Array, what: string): void {
  const prev = seen.get(key);
  if (!prev) return void seen.set(key, got);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], prev[i])) expect.fail(`${what}: element ${i} = ${got[i]} differs from another kernel/build (${prev[i]})`);
  }
}

describe('f32 gemm', () => {
  const rng = new Rng(0xf32a);
  const cases: { m: number; n: number; k: number; lo: number; hi: number; bias: boolean }[] = [];
  for (let i = 0; i < 40; i++) {
    const [lo, hi] = clampPick(rng);
    cases.push({ m: rng.int(1, 11), n: rng.int(1, 27), k: rng.pick([1, 2, 3, 4, 7, 8, 9, 16, 33, 100]), lo, hi, bias: rng.next() < 0.8 });
  }
  cases.push({ m: 1, n: 1, k: 1, lo: -Infinity, hi: Infinity, bias: false }, { m: 4, n: 8, k: 300, lo: -Infinity, hi: Infinity, bias: true });
  const data = cases.map((c) => ({ c, a: rng.f32(c.m * c.k), b: rng.f32(c.n * c.k), bias: c.bias ? rng.f32(c.n) : null }));

  for (const build of TEST_BUILDS) {
    it(`${build}: matches ONNX Gemm`, async () => {
      for (const [ci, { c, a, b, bias }] of data.entries()) {
        const ref = f32GemmRef(c.m, c.n, c.k, a, b, bias, c.lo, c.hi);
        for (const kernel of twins(build, 'f32_gemm')) {
          const mem = await memoryFor(build);
          const layer = prepareF32Gemm(mem, build, { n: c.n, k: c.k, weights: b, bias, fmin: c.lo, fmax: c.hi, kernel });
          const ap = mem.put(a);
          const what = `${build} ${kernel} M${c.m} N${c.n} K${c.k}`;
          const got = withGuard(mem, c.m * c.n, (out) => runF32Gemm(mem, layer, ap, out, c.m), what);
          check(got, ref, what);
          sameAsBefore(`gemm${ci}`, got, what);
        }
      }
    });
  }
});

describe('f32 conv', () => {
  const rng = new Rng(0xc0de);
  const geoms: { a: DwRefArgs; oc: number; name: string }[] = [];
  for (let i = 0; i < 40; i++) geoms.push({ a: randGeom(rng, [[1, 1], [3, 3], [3, 3], [2, 2], [5, 5], [1, 3], [3, 2]]), oc: rng.int(1, 20), name: `random#${i}` });
  geoms.push({ a: randGeom(rng, [[1, 1]], { sh: 1, sw: 1, pt: 0, pl: 0, pb: 0, pr: 0, c: 19 }), oc: 13, name: 'pointwise (GEMM path)' });
  geoms.push({ a: randGeom(rng, [[3, 3]], { h: 1, w: 1, pt: 1, pl: 1, pb: 1, pr: 1, sh: 1, sw: 1, dh: 1, dw: 1 }), oc: 9, name: '1x1 image' });
  geoms.push({ a: randGeom(rng, [[3, 3]], { h: 9, w: 7, sh: 2, sw: 2, pt: 0, pl: 2, pb: 1, pr: 0, dh: 1, dw: 1, c: 3 }), oc: 32, name: 'stride 2 odd asym pad C=3' });
  geoms.push({ a: randGeom(rng, [[3, 3]], { h: 8, w: 8, dh: 2, dw: 2, pt: 2, pl: 2, pb: 2, pr: 2, sh: 1, sw: 1 }), oc: 8, name: 'dilation 2' });
  const data = geoms.map((g) => {
    const [lo, hi] = clampPick(rng);
    return { ...g, lo, hi, x: rng.f32(g.a.n * g.a.h * g.a.w * g.a.c), w: rng.f32(g.oc * g.a.kh * g.a.kw * g.a.c), bias: rng.next() < 0.8 ? rng.f32(g.oc) : null };
  });

  for (const build of TEST_BUILDS) {
    it(`${build}: matches ONNX Conv (group 1)`, async () => {
      for (const [ci, d] of data.entries()) {
        const ref = f32ConvRef(d.a, d.oc, d.x, d.w, d.bias, d.lo, d.hi);
        for (const kernel of [undefined, ...twins(build, 'f32_conv')]) {
          const mem = await memoryFor(build);
          const layer = prepareF32Conv(mem, build, { geom: geomOf(d.a), outChannels: d.oc, weights: d.w, bias: d.bias, fmin: d.lo, fmax: d.hi, kernel });
          const xp = mem.put(d.x);
          const what = `${build} ${layer.kernel} ${d.name} (${shapeOf(d.a)} -> ${d.oc})`;
          const got = withGuard(mem, layer.outputFloats, (out) => runF32Conv(mem, layer, xp, out), what);
          check(got, ref, what);
          if (layer.path === 'conv') sameAsBefore(`conv${ci}`, got, what);
        }
      }
    });
  }
});

describe('f32 depthwise conv', () => {
  const rng = new Rng(0xd3f3);
  const geoms: { a: DwRefArgs; name: string }[] = [];
  for (let i = 0; i < 50; i++) geoms.push({ a: randGeom(rng, [[3, 3], [3, 3], [5, 5], [1, 1], [2, 3], [7, 7]]), name: `random#${i}` });
  geoms.push({ a: randGeom(rng, [[3, 3]], { h: 1, w: 1, pt: 1, pl: 1, pb: 1, pr: 1, sh: 1, sw: 1, dh: 1, dw: 1, c: 5 }), name: '1x1 image' });
  geoms.push({ a: randGeom(rng, [[3, 3]], { h: 7, w: 9, sh: 2, sw: 2, pt: 1, pl: 0, pb: 0, pr: 1, dh: 1, dw: 1, c: 37 }), name: 'stride 2 odd asym pad' });
  geoms.push({ a: randGeom(rng, [[3, 3]], { c: 64, h: 4, w: 4, pt: 1, pl: 1, pb: 1, pr: 1 }), name: 'C=64' });
  const data = geoms.map((g) => {
    const [lo, hi] = clampPick(rng);
    return { ...g, lo, hi, x: rng.f32(g.a.n * g.a.h * g.a.w * g.a.c), w: rng.f32(g.a.kh * g.a.kw * g.a.c), bias: rng.next() < 0.8 ? rng.f32(g.a.c) : null };
  });

  for (const build of TEST_BUILDS) {
    it(`${build}: matches ONNX Conv (group = C)`, async () => {
      for (const [ci, d] of data.entries()) {
        const ref = f32DwconvRef(d.a, d.x, d.w, d.bias, d.lo, d.hi);
        const ops = d.a.kh === 3 && d.a.kw === 3 ? ['f32_dwconv_3x3', 'f32_dwconv'] : ['f32_dwconv'];
        for (const kernel of twins(build, ...ops)) {
          const mem = await memoryFor(build);
          const layer = prepareF32Dwconv(mem, build, { geom: geomOf(d.a), weights: d.w, bias: d.bias, fmin: d.lo, fmax: d.hi, kernel });
          const xp = mem.put(d.x);
          const what = `${build} ${kernel} ${d.name} (${shapeOf(d.a)})`;
          const got = withGuard(mem, layer.outputFloats, (out) => runF32Dwconv(mem, layer, xp, out), what);
          check(got, ref, what);
          sameAsBefore(`dw${ci}`, got, what);
        }
      }
    });
  }
});

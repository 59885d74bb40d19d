// The im2row direct conv (qs8_conv_im2row_4x8c2__wasmsimd and its scalar twin; chosen in the
// SIMD builds for short first layers, prefersIm2row) against the ONNX-derived reference, int8
// exact, in every build; the builds against each other; nothing written past the output or the
// scratch; the conv op's choice and its refusals.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { qs8ConvRef, convOutSize, type ConvRefArgs } from '../reference/qs8-conv.js';
import type { GemmQuant } from '../reference/qs8-gemm.js';
import { prepareQs8Conv, runQs8Conv } from '../../src/runtime/ops/qs8-conv.js';
import { IM2ROW_MAX_K, prefersIm2row } from '../../src/runtime/ops/qs8-conv-im2row.js';
import { resolveGeometry } from '../../src/runtime/ops/qs8-dwconv.js';
import { chooseKernel } from '../../src/runtime/kernel-table.js';
import { kernelsOf as manifestKernels } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';

const kernelsOf = (build: Build): string[] => manifestKernels('qs8_conv_im2row', build);

interface Case { name: string; a: ConvRefArgs; x: Int8Array; w: Int8Array; bias: Int32Array | null; m: Float32Array; q: GemmQuant }

function makeCase(rng: Rng, name: string, over: Partial<ConvRefArgs> = {}, o: { lo?: number; hi?: number; mScale?: number } = {}): Case {
  for (;;) {
    const k = rng.pick([[3, 3], [3, 3], [1, 1], [5, 5], [1, 3], [3, 1], [2, 2], [2, 5], [4, 2], [1, 7]]);
    const a: ConvRefArgs = {
      n: rng.int(1, 2), h: rng.int(1, 14), w: rng.int(1, 14), cIn: rng.pick([1, 2, 3, 3, 4]), cOut: rng.pick([1, 3, 4, 5, 7, 8, 8, 9, 12, 16, 19]),
      kh: k[0], kw: k[1], sh: rng.int(1, 3), sw: rng.int(1, 3), dh: 1, dw: 1,
      pt: rng.int(0, 2), pl: rng.int(0, 2), pb: rng.int(0, 2), pr: rng.int(0, 2),
      ...over,
    };
    const [oh, ow] = convOutSize(a);
    const K = a.kh * a.kw * a.cIn;
    if (oh < 1 || ow < 1 || K > IM2ROW_MAX_K) continue;
    const x = rng.i8(a.n * a.h * a.w * a.cIn, o.lo ?? -128, o.hi ?? 127);
    const w = rng.i8(a.cOut * K, o.lo ?? -128, o.hi ?? 127);
    const bias = rng.next() < 0.85 ? rng.i32(a.cOut, -20000, 20000) : null;
    const m = Float32Array.from({ length: a.cOut }, () => Math.fround(((o.mScale ?? 1) * (0.5 + rng.next())) / (300 * Math.sqrt(K))));
    const zpOut = rng.int(-128, 127);
    const relu = rng.next() < 0.3;
    const q: GemmQuant = { zpIn: rng.int(-128, 127), zpOut, qmin: relu ? Math.max(-128, zpOut) : -128, qmax: 127 };
    return { name, a, x, w, bias, m, q };
  }
}

function cases(): Case[] {
  const rng = new Rng(0x12a0);
  const out: Case[] = [];
  for (let i = 0; i < 120; i++) out.push(makeCase(rng, `random#${i}`));
  const p1 = { pt: 1, pl: 1, pb: 1, pr: 1 };
  out.push(makeCase(rng, "the detector's first conv: 144x256x3 -> 8, 3x3 stride 2 pad 1", { n: 1, h: 144, w: 256, cIn: 3, cOut: 8, kh: 3, kw: 3, sh: 2, sw: 2, ...p1 }));
  out.push(makeCase(rng, 'odd sizes, stride 2, C_out 5', { n: 2, h: 37, w: 29, cIn: 3, cOut: 5, kh: 3, kw: 3, sh: 2, sw: 2, ...p1 }));
  out.push(makeCase(rng, 'K = 32 (4x2x4), C_out 16', { n: 1, h: 17, w: 13, cIn: 4, cOut: 16, kh: 4, kw: 2, sh: 1, sw: 1, pt: 2, pl: 0, pb: 1, pr: 1 }));
  out.push(makeCase(rng, 'KW*C_in 24 and 32 (three and four copy steps)', { n: 1, h: 9, w: 11, cIn: 4, cOut: 8, kh: 1, kw: 8, sh: 1, sw: 2, pt: 0, pl: 3, pb: 0, pr: 4 }));
  out.push(makeCase(rng, 'KW*C_in 20', { n: 1, h: 9, w: 11, cIn: 4, cOut: 3, kh: 1, kw: 5, sh: 2, sw: 1, pt: 0, pl: 2, pb: 0, pr: 2 }));
  out.push(makeCase(rng, 'kernel larger than the image', { n: 1, h: 2, w: 3, cIn: 1, cOut: 7, kh: 5, kw: 5, sh: 1, sw: 1, pt: 2, pl: 2, pb: 2, pr: 2 }));
  out.push(makeCase(rng, '1x1 image', { n: 2, h: 1, w: 1, cIn: 3, cOut: 8, kh: 3, kw: 3, sh: 1, sw: 1, ...p1 }));
  out.push(makeCase(rng, 'padding wider than the stride, stride 3', { n: 1, h: 10, w: 16, cIn: 2, cOut: 9, kh: 3, kw: 3, sh: 3, sw: 3, pt: 2, pl: 2, pb: 2, pr: 2 }));
  out.push(makeCase(rng, 'extreme values: x = w = -128 (w read as -127)', { n: 1, h: 6, w: 7, cIn: 3, cOut: 8, kh: 3, kw: 3, sh: 1, sw: 1, ...p1 }, { lo: -128, hi: -128, mScale: 0.01 }));
  out.push(makeCase(rng, 'extreme values: x = w = 127', { n: 1, h: 6, w: 7, cIn: 3, cOut: 8, kh: 3, kw: 3, sh: 2, sw: 1, ...p1 }, { lo: 127, hi: 127, mScale: 0.01 }));
  out.push(makeCase(rng, 'saturating', { n: 1, h: 8, w: 9, cIn: 3, cOut: 6, kh: 3, kw: 3, sh: 1, sw: 1, ...p1 }, { mScale: 3000 }));
  return out;
}

const SENTINEL = 0x5a;
const geomOf = (c: Case) => ({
  n: c.a.n, h: c.a.h, w: c.a.w, c: c.a.cIn, kh: c.a.kh, kw: c.a.kw, strideH: c.a.sh, strideW: c.a.sw,
  pads: [c.a.pt, c.a.pl, c.a.pb, c.a.pr] as [number, number, number, number],
});

async function runCase(build: Build, kernel: string, c: Case, repeat = 1): Promise<Int8Array> {
  const mem = await memoryFor(build);
  const layer = prepareQs8Conv(mem, build, {
    geom: geomOf(c), cOut: c.a.cOut, weights: c.w, bias: c.bias, scale: c.m,
    zpIn: c.q.zpIn, zpOut: c.q.zpOut, qmin: c.q.qmin, qmax: c.q.qmax, kernel, allocScratch: false,
  });
  expect(layer.direct).toBe(true);
  const scratch = mem.alloc(layer.scratchBytes + 16);
  mem.u8(scratch + layer.scratchBytes, 16).fill(SENTINEL);
  const inPtr = mem.put(c.x);
  const outPtr = mem.alloc(layer.outputBytes);
  mem.u8(outPtr, layer.outputBytes + 16).fill(SENTINEL);
  for (let r = 0; r < repeat; r++) runQs8Conv(mem, layer, inPtr, outPtr, scratch);
  const all = mem.i8(outPtr, layer.outputBytes + 16);
  for (let j = layer.outputBytes; j < all.length; j++) if (all[j] !== SENTINEL) throw new Error(`${kernel} (${build}) wrote past the output's end [${c.name}]`);
  if (mem.u8(scratch + layer.scratchBytes, 16).some((v) => v !== SENTINEL)) throw new Error(`${kernel} (${build}) wrote past its scratch [${c.name}]`);
  return all.slice(0, layer.outputBytes);
}

/** The reference on the weights as every qs8 packer reads them (-128 is -127). */
const reference = (c: Case): Int8Array => qs8ConvRef(c.a, c.x, c.w.map((v) => Math.max(v, -127)), c.bias, c.m, c.q);

function expectSame(got: Int8Array, want: Int8Array, what: string, c: Case): void {
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) throw new Error(`${what}: y[${i}] = ${got[i]}, want ${want[i]} (${JSON.stringify(c.a)} zpIn=${c.q.zpIn} zpOut=${c.q.zpOut}) [${c.name}]`);
  }
}

describe('qs8 im2row direct conv', () => {
  it('scalar twin and SIMD kernel equal the reference in every build, bit for bit, and builds agree', async () => {
    let checked = 0;
    for (const c of cases()) {
      const want = reference(c);
      let first: Int8Array | null = null;
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf(build)) {
          const got = await runCase(build, kernel, c);
          expectSame(got, want, `${kernel} (${build})`, c);
          if (first) expectSame(got, first, `${kernel} (${build}) vs the first`, c);
          else first = got;
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(cases().length * 3);
  });

  it('stays exact once the engine has optimised the kernel (hot loop)', async () => {
    const c = makeCase(new Rng(0x40f), 'hot 3x3 stride 2', { n: 1, h: 31, w: 40, cIn: 3, cOut: 8, kh: 3, kw: 3, sh: 2, sw: 2, pt: 1, pl: 1, pb: 1, pr: 1 });
    for (const build of TEST_BUILDS) for (const kernel of kernelsOf(build)) expectSame(await runCase(build, kernel, c, 300), reference(c), `${kernel} (${build}, hot)`, c);
  });

  it("the conv op picks it in the SIMD builds for short first layers where the direct kernel runs its tail tiles with a vertical pair image", async () => {
    const g = (c: number, kw: number, sw = 1, over = {}) => resolveGeometry({ n: 1, h: 20, w: 20, c, kh: 3, kw, strideW: sw, pads: [1, 1, 1, 1], ...over });
    expect(prefersIm2row(g(3, 3), 8, true)).toBe(true);
    expect(prefersIm2row(g(3, 3, 2), 4, true)).toBe(true);
    expect(prefersIm2row(g(1, 5, 2), 8, true)).toBe(true);
    expect(prefersIm2row(g(3, 3), 8, false)).toBe(false); // scalar build
    expect(prefersIm2row(g(3, 3), 12, true)).toBe(false); // C_out > 8
    expect(prefersIm2row(g(2, 3), 8, true)).toBe(false); // even KW*C_in: one pair image
    expect(prefersIm2row(g(1, 3), 8, true)).toBe(false); // C_in 1, stride 1: pixel lanes
    expect(prefersIm2row(g(4, 3), 8, true)).toBe(false); // K = 36
    expect(prefersIm2row(g(3, 3, 1, { dilationH: 2 }), 8, true)).toBe(false);
    for (const build of TEST_BUILDS) {
      const mem = await memoryFor(build);
      const l = prepareQs8Conv(mem, build, {
        geom: { n: 1, h: 12, w: 16, c: 3, kh: 3, kw: 3, strideH: 2, strideW: 2, pads: [1, 1, 1, 1] }, cOut: 8,
        weights: new Int8Array(8 * 27), scale: new Float32Array(8).fill(0.01), zpIn: 0, zpOut: 0,
      });
      expect(l.kernel).toBe(build === 'scalar' ? chooseKernel('qs8_conv_cin4', build).kernel : chooseKernel('qs8_conv_im2row', build).kernel);
      expect(typeof mem.mod.exports[l.kernel]).toBe('function');
    }
  });

  it('refuses K > 32, dilation, a build without the kernel, and weights of the wrong size', async () => {
    const mem = await memoryFor('scalar');
    const [SCALAR, SIMD] = kernelsOf('simd');
    const spec = { geom: { n: 1, h: 6, w: 6, c: 3, kh: 3, kw: 3 }, cOut: 8, weights: new Int8Array(8 * 27), scale: new Float32Array(8), zpIn: 0, zpOut: 0 };
    expect(prepareQs8Conv(mem, 'scalar', { ...spec, kernel: SCALAR }).direct).toBe(true);
    expect(() => prepareQs8Conv(mem, 'scalar', { ...spec, kernel: SIMD })).toThrow(TypeError);
    expect(() => prepareQs8Conv(mem, 'scalar', { ...spec, kernel: SCALAR, weights: new Int8Array(5) })).toThrow(RangeError);
    expect(() => prepareQs8Conv(mem, 'scalar', { ...spec, geom: { ...spec.geom, c: 4 }, weights: new Int8Array(8 * 36), kernel: SCALAR })).toThrow(/K = KH\*KW\*C_in <= 32/);
    expect(() => prepareQs8Conv(mem, 'scalar', { ...spec, geom: { ...spec.geom, dilationW: 2 }, kernel: SCALAR })).toThrow(/dilation 1/);
  });
});

// The Winograd F(2x2, 3x3) int8 conv (qs8_conv_wino_2x16c2__wasmsimd, qs8_b1w_conv_wino_2x16c2__wasmsimd
// and their scalar twins; chosen in the SIMD builds for 3x3 stride-1 convs with C_in a multiple
// of 8, prefersWinograd) against the references written from the conv's definition, int8 exact,
// in every build, with and without the fused 2x2 max pool; nothing written past the output or the
// scratch; the conv ops' choice and the refusals.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { qs8ConvRef, convOutSize, type ConvRefArgs } from '../reference/qs8-conv.js';
import { qs8B1wConvRef, packSignsRef } from '../reference/b1.js';
import { maxPoolRef } from '../reference/pool.js';
import type { GemmQuant } from '../reference/qs8-gemm.js';
import { prepareQs8Conv, runQs8Conv } from '../../src/runtime/ops/qs8-conv.js';
import { prepareQs8B1wConv, runQs8B1wConv, b1wConvKernel } from '../../src/runtime/ops/b1.js';
import { prefersWinograd, winoInPlace, WINO_MAX_CHANNELS } from '../../src/runtime/ops/qs8-conv-wino.js';
import { resolveGeometry } from '../../src/runtime/ops/qs8-dwconv.js';
import { chooseKernel } from '../../src/runtime/kernel-table.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';
import type { LinearMemory } from '../../src/runtime/memory.js';

interface Case {
  name: string; a: ConvRefArgs; x: Int8Array; w: Int8Array; bias: Int32Array | null; m: Float32Array; q: GemmQuant;
  /** Binary weights: w is +-1, mul/add the binary output transform. */
  b1w: boolean; mul: Float32Array; add: Float32Array;
}

function makeCase(rng: Rng, name: string, over: Partial<ConvRefArgs> = {}, o: { b1w?: boolean; lo?: number; hi?: number; mScale?: number; zpIn?: number } = {}): Case {
  for (;;) {
    const a: ConvRefArgs = {
      n: rng.int(1, 2), h: rng.int(1, 13), w: rng.int(1, 13), cIn: rng.pick([8, 8, 16, 24, 32, 40, 64]), cOut: rng.pick([1, 5, 8, 16, 16, 17, 31, 32, 40]),
      kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1,
      pt: rng.int(0, 2), pl: rng.int(0, 2), pb: rng.int(0, 2), pr: rng.int(0, 2),
      ...over,
    };
    const [oh, ow] = convOutSize(a);
    if (oh < 1 || ow < 1) continue;
    const K = 9 * a.cIn;
    const b1w = o.b1w ?? rng.next() < 0.5;
    const x = rng.i8(a.n * a.h * a.w * a.cIn, o.lo ?? -128, o.hi ?? 127);
    const w = b1w ? Int8Array.from({ length: a.cOut * K }, () => (rng.next() < 0.5 ? -1 : 1)) : rng.i8(a.cOut * K, o.lo ?? -128, o.hi ?? 127);
    const bias = !b1w && rng.next() < 0.85 ? rng.i32(a.cOut, -20000, 20000) : null;
    const spread = (o.mScale ?? 1) / (b1w ? 3 * Math.sqrt(K) : 300 * Math.sqrt(K));
    const m = Float32Array.from({ length: a.cOut }, () => Math.fround((rng.next() < 0.2 ? -1 : 1) * spread * (0.5 + rng.next())));
    const add = Float32Array.from({ length: a.cOut }, () => Math.fround((rng.next() - 0.5) * 20));
    const zpOut = rng.int(-128, 127);
    const relu = rng.next() < 0.3;
    const q: GemmQuant = { zpIn: o.zpIn ?? rng.int(-128, 127), zpOut, qmin: relu ? Math.max(-128, zpOut) : -128, qmax: 127 };
    return { name, a, x, w, bias, m, q, b1w, mul: m, add };
  }
}

function cases(): Case[] {
  const rng = new Rng(0x3199);
  const out: Case[] = [];
  for (let i = 0; i < 90; i++) out.push(makeCase(rng, `random#${i}`));
  const p1 = { pt: 1, pl: 1, pb: 1, pr: 1 };
  for (const b1w of [false, true]) {
    const k = b1w ? 'binary' : 'int8';
    out.push(makeCase(rng, `${k}: the detector's 8 -> 16 on fewer rows`, { n: 1, h: 18, w: 32, cIn: 8, cOut: 16, ...p1 }, { b1w }));
    out.push(makeCase(rng, `${k}: the detector's 96 -> 96 (9x16)`, { n: 1, h: 9, w: 16, cIn: 96, cOut: 96, ...p1 }, { b1w }));
    out.push(makeCase(rng, `${k}: ResNet-8's 32x32x16 -> 16`, { n: 1, h: 32, w: 32, cIn: 16, cOut: 16, ...p1 }, { b1w }));
    out.push(makeCase(rng, `${k}: odd output, no padding`, { n: 1, h: 8, w: 10, cIn: 24, cOut: 20, pt: 0, pl: 0, pb: 0, pr: 0 }, { b1w }));
    out.push(makeCase(rng, `${k}: asymmetric padding`, { n: 2, h: 7, w: 6, cIn: 16, cOut: 33, pt: 0, pl: 2, pb: 2, pr: 0 }, { b1w }));
    out.push(makeCase(rng, `${k}: 1x1 image`, { n: 1, h: 1, w: 1, cIn: 8, cOut: 16, ...p1 }, { b1w }));
    out.push(makeCase(rng, `${k}: C_in ${WINO_MAX_CHANNELS} at the extremes (x = -128, w = -128 read as -127)`, { n: 1, h: 4, w: 5, cIn: WINO_MAX_CHANNELS, cOut: 16, ...p1 }, { b1w, lo: -128, hi: -128, zpIn: 127, mScale: 0.001 }));
    out.push(makeCase(rng, `${k}: C_in ${WINO_MAX_CHANNELS} at the extremes (x = w = 127)`, { n: 1, h: 5, w: 4, cIn: WINO_MAX_CHANNELS, cOut: 17, ...p1 }, { b1w, lo: 127, hi: 127, zpIn: -128, mScale: 0.001 }));
    out.push(makeCase(rng, `${k}: saturating`, { n: 1, h: 6, w: 7, cIn: 8, cOut: 16, ...p1 }, { b1w, mScale: 3000 }));
  }
  return out;
}

const SENTINEL = 0x5a;
const geomOf = (a: ConvRefArgs) => ({
  n: a.n, h: a.h, w: a.w, c: a.cIn, kh: 3, kw: 3, pads: [a.pt, a.pl, a.pb, a.pr] as [number, number, number, number],
});
const opOf = (c: Case) => (c.b1w ? 'qs8_b1w_conv_wino' : 'qs8_conv_wino');

function prepare(mem: LinearMemory, build: Build, kernel: string, c: Case, pool: boolean) {
  const q = c.q;
  if (c.b1w) {
    return prepareQs8B1wConv(mem, build, {
      geom: geomOf(c.a), cOut: c.a.cOut, weightBits: packSignsRef(c.w, c.a.cIn), mul: c.mul, add: c.add, zpIn: q.zpIn,
      out: { kind: 'int8', scale: 1, zeroPoint: q.zpOut, qmin: q.qmin, qmax: q.qmax }, kernel, allocScratch: false, fuseMaxPool2x2: pool,
    });
  }
  return prepareQs8Conv(mem, build, {
    geom: geomOf(c.a), cOut: c.a.cOut, weights: c.w, bias: c.bias, scale: c.m,
    zpIn: q.zpIn, zpOut: q.zpOut, qmin: q.qmin, qmax: q.qmax, kernel, allocScratch: false, fuseMaxPool2x2: pool,
  });
}

async function runCase(build: Build, kernel: string, c: Case, pool = false, repeat = 1): Promise<Int8Array> {
  const mem = await memoryFor(build);
  const layer = prepare(mem, build, kernel, c, pool);
  expect(layer.kernel).toBe(kernel);
  const scratch = mem.alloc(layer.scratchBytes + 16);
  mem.u8(scratch + layer.scratchBytes, 16).fill(SENTINEL);
  const inPtr = mem.put(c.x);
  const outPtr = mem.alloc(layer.outputBytes + 16);
  mem.u8(outPtr, layer.outputBytes + 16).fill(SENTINEL);
  for (let r = 0; r < repeat; r++) {
    if (c.b1w) runQs8B1wConv(mem, layer as ReturnType<typeof prepareQs8B1wConv>, inPtr, outPtr, scratch);
    else runQs8Conv(mem, layer as ReturnType<typeof prepareQs8Conv>, inPtr, outPtr, scratch);
  }
  const all = mem.i8(outPtr, layer.outputBytes + 16);
  for (let j = layer.outputBytes; j < all.length; j++) if (all[j] !== SENTINEL) throw new Error(`${kernel} (${build}) wrote past the output's end [${c.name}]`);
  if (mem.u8(scratch + layer.scratchBytes, 16).some((v) => v !== SENTINEL)) throw new Error(`${kernel} (${build}) wrote past its scratch [${c.name}]`);
  return all.slice(0, layer.outputBytes);
}

/** The conv's output by the reference (int8 weights as every qs8 packer reads them: -128 is -127). */
function reference(c: Case): Int8Array {
  if (!c.b1w) return qs8ConvRef(c.a, c.x, c.w.map((v) => Math.max(v, -127)), c.bias, c.m, c.q);
  return qs8B1wConvRef(c.a, c.x, c.q.zpIn, c.w, c.mul, c.add, { kind: 'int8', scale: 1, zeroPoint: c.q.zpOut, qmin: c.q.qmin, qmax: c.q.qmax }) as Int8Array;
}

const pool2x2 = (y: Int8Array, c: Case): Int8Array => {
  const [oh, ow] = convOutSize(c.a);
  return Int8Array.from(maxPoolRef(
    { n: c.a.n, h: oh, w: ow, c: c.a.cOut, kh: 2, kw: 2, sh: 2, sw: 2, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0, ceil: false, includePad: false }, y, -128, 127).y);
};

function expectSame(got: Int8Array, want: Int8Array, what: string, c: Case): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) throw new Error(`${what}: y[${i}] = ${got[i]}, want ${want[i]} (${JSON.stringify(c.a)} zpIn=${c.q.zpIn} zpOut=${c.q.zpOut} b1w=${c.b1w}) [${c.name}]`);
  }
}

describe('qs8 Winograd F(2x2, 3x3) conv', () => {
  it('scalar twin and SIMD kernel equal the reference in every build, bit for bit, with and without the fused 2x2 max pool', async () => {
    let checked = 0, pooled = 0;
    for (const c of cases()) {
      const want = reference(c);
      const [oh, ow] = convOutSize(c.a);
      const wantPool = oh >= 2 && ow >= 2 ? pool2x2(want, c) : null;
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf(opOf(c), build)) {
          expectSame(await runCase(build, kernel, c), want, `${kernel} (${build})`, c);
          checked++;
          if (wantPool) {
            expectSame(await runCase(build, kernel, c, true), wantPool, `${kernel} (${build}) pooled`, c);
            pooled++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(cases().length * 3);
    expect(pooled).toBeGreaterThan(cases().length * 2);
  });

  it('writes its output over its input (the same pointer) where winoInPlace allows, bit for bit', async () => {
    const rng = new Rng(0x1a9e);
    let checked = 0;
    for (let i = 0; i < 24; i++) {
      const c = rng.pick([8, 16, 24, 32]);
      const [pt, pb] = rng.pick([[1, 1], [0, 2], [2, 0], [0, 0], [2, 2], [1, 0]]);
      const pl = rng.int(0, 2);
      const cs = makeCase(rng, `in place #${i}`, { n: rng.int(1, 2), h: rng.int(3, 12), w: rng.int(2, 12), cIn: c, cOut: c, pt, pb, pl, pr: 2 - pl });
      const g = resolveGeometry(geomOf(cs.a));
      const ok = winoInPlace(g, c);
      expect(ok, cs.name).toBe(g.oh <= g.h);
      if (!ok) continue;
      const want = reference(cs);
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf(opOf(cs), build)) {
          const mem = await memoryFor(build);
          const layer = prepare(mem, build, kernel, cs, false);
          const scratch = mem.alloc(layer.scratchBytes + 16);
          const at = mem.alloc(layer.inputBytes + 16);
          mem.i8(at, layer.inputBytes).set(cs.x);
          mem.u8(at + layer.inputBytes, 16).fill(SENTINEL);
          if (cs.b1w) runQs8B1wConv(mem, layer as ReturnType<typeof prepareQs8B1wConv>, at, at, scratch);
          else runQs8Conv(mem, layer as ReturnType<typeof prepareQs8Conv>, at, at, scratch);
          expectSame(mem.i8(at, layer.outputBytes).slice(), want, `${kernel} (${build}) in place`, cs);
          expect(mem.u8(at + layer.inputBytes, 16).every((v) => v === SENTINEL)).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
    // Not where the output differs in shape from the input, or the top padding exceeds 2.
    const g = (over: object) => resolveGeometry({ n: 1, h: 8, w: 8, c: 16, kh: 3, kw: 3, pads: [1, 1, 1, 1], ...over });
    expect(winoInPlace(g({}), 16)).toBe(true);
    expect(winoInPlace(g({}), 32)).toBe(false);
    expect(winoInPlace(g({ pads: [1, 0, 1, 0] }), 16)).toBe(false);
    expect(winoInPlace(g({ pads: [3, 1, 0, 1] }), 16)).toBe(false);
    expect(winoInPlace(g({ pads: [2, 1, 2, 1] }), 16)).toBe(false); // 10 output rows from 8
  });

  it('stays exact once the engine has optimised the kernel (hot loop)', async () => {
    for (const b1w of [false, true]) {
      const c = makeCase(new Rng(0x40f), 'hot', { n: 1, h: 12, w: 21, cIn: 16, cOut: 32, pt: 1, pl: 1, pb: 1, pr: 1 }, { b1w });
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf(opOf(c), build)) expectSame(await runCase(build, kernel, c, false, 300), reference(c), `${kernel} (${build}, hot)`, c);
      }
    }
  });

  it('the conv ops pick it in the SIMD builds for 3x3 stride-1 convs with C_in a multiple of 8', async () => {
    const g = (c: number, over = {}) => resolveGeometry({ n: 1, h: 20, w: 20, c, kh: 3, kw: 3, pads: [1, 1, 1, 1], ...over });
    expect(prefersWinograd(g(8), 16, true)).toBe(true);
    expect(prefersWinograd(g(96), 96, true)).toBe(true);
    expect(prefersWinograd(g(8), 16, false)).toBe(false); // scalar build
    expect(prefersWinograd(g(12), 16, true)).toBe(false); // C_in not a multiple of 8
    expect(prefersWinograd(g(WINO_MAX_CHANNELS + 8), 16, true)).toBe(false);
    expect(prefersWinograd(g(64, { h: 1, w: 1 }), 16, true)).toBe(false); // 1x1 output: 4 computed for 1
    expect(prefersWinograd(g(64, { h: 3, w: 3 }), 16, true)).toBe(true); // 9 of 16
    expect(prefersWinograd(g(64, { h: 1, w: 8 }), 16, true)).toBe(true); // 8 of 16
    expect(prefersWinograd(g(64, { h: 1, w: 7 }), 16, true)).toBe(false); // 7 of 16
    expect(prefersWinograd(g(16, { strideH: 2, strideW: 2 }), 16, true)).toBe(false);
    expect(prefersWinograd(g(16, { dilationH: 2, dilationW: 2, pads: [2, 2, 2, 2] }), 16, true)).toBe(false);
    expect(prefersWinograd(g(16, { kh: 5, kw: 5, pads: [2, 2, 2, 2] }), 16, true)).toBe(false);
    for (const build of TEST_BUILDS) {
      const mem = await memoryFor(build);
      const geom = { n: 1, h: 12, w: 16, c: 16, kh: 3, kw: 3, pads: [1, 1, 1, 1] as [number, number, number, number] };
      const l = prepareQs8Conv(mem, build, { geom, cOut: 16, weights: new Int8Array(16 * 144), scale: new Float32Array(16).fill(0.01), zpIn: 0, zpOut: 0 });
      expect(l.kernel).toBe(build === 'scalar' ? chooseKernel('qs8_conv', build).kernel : chooseKernel('qs8_conv_wino', build).kernel);
      expect(b1wConvKernel(geom, 16, build)).toBe(build === 'scalar' ? chooseKernel('qs8_b1w_conv', build).kernel : chooseKernel('qs8_b1w_conv_wino', build).kernel);
    }
  });

  it('refuses a geometry it cannot run, a build without the kernel, and weights of the wrong size', async () => {
    const mem = await memoryFor('scalar');
    const [SCALAR, SIMD] = kernelsOf('qs8_conv_wino', 'simd');
    const spec = { geom: { n: 1, h: 6, w: 6, c: 8, kh: 3, kw: 3 }, cOut: 8, weights: new Int8Array(8 * 72), scale: new Float32Array(8), zpIn: 0, zpOut: 0 };
    expect(prepareQs8Conv(mem, 'scalar', { ...spec, kernel: SCALAR }).kernel).toBe(SCALAR);
    expect(() => prepareQs8Conv(mem, 'scalar', { ...spec, kernel: SIMD })).toThrow(TypeError);
    expect(() => prepareQs8Conv(mem, 'scalar', { ...spec, kernel: SCALAR, weights: new Int8Array(5) })).toThrow(RangeError);
    expect(() => prepareQs8Conv(mem, 'scalar', { ...spec, geom: { ...spec.geom, c: 12 }, weights: new Int8Array(8 * 108), kernel: SCALAR })).toThrow(/C_in a multiple of 8/);
    expect(() => prepareQs8Conv(mem, 'scalar', { ...spec, geom: { ...spec.geom, strideW: 2 }, kernel: SCALAR })).toThrow(/stride 1/);
    const [B1] = kernelsOf('qs8_b1w_conv_wino', 'scalar');
    expect(() => prepareQs8B1wConv(mem, 'scalar', {
      geom: { n: 1, h: 6, w: 6, c: 8, kh: 5, kw: 5, pads: [2, 2, 2, 2] }, cOut: 8, weights: new Int8Array(8 * 200).fill(1), mul: new Float32Array(8), add: new Float32Array(8), zpIn: 0,
      out: { kind: 'int8', scale: 1, zeroPoint: 0, qmin: -128, qmax: 127 }, kernel: B1,
    })).toThrow(/takes 3x3/);
  });
});

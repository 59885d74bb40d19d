// Binary kernels (bitpack, binary conv / fully connected, binary weights x int8): every
// kernel (SIMD and scalar twin) in every build against the +-1 reference written from the
// definitions (test/reference/b1.ts), exactly, and the builds against each other.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import {
  b1ConvRef, fcArgs, packSignsRef, qs8B1wConvRef, signsOfF32, signsOfInt8, type ConvRefArgs, type RefOut,
} from '../reference/b1.js';
import { convOutSize } from '../reference/qs8-conv.js';
import { maxPoolRef } from '../reference/pool.js';
import {
  prepareB1Bitpack, runB1Bitpack, prepareB1Conv, runB1Conv, prepareB1Gemm, runB1Gemm,
  prepareQs8B1wConv, runQs8B1wConv, prepareQs8B1wGemm, runQs8B1wGemm, b1wConvKernel,
} from '../../src/runtime/ops/b1.js';
import { b1Threshold, b1Affine } from '../../src/runtime/ops/b1-transform.js';
import { canFuseMaxPool2x2 } from '../../src/runtime/ops/qs8-conv.js';
import { chooseKernel } from '../../src/runtime/kernel-table.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';
import type { LinearMemory } from '../../src/runtime/memory.js';

const SENTINEL = 0x5a;


/** Allocates `bytes` of output followed by 16 sentinel bytes; check() throws if any was overwritten. */
function guarded(mem: LinearMemory, bytes: number): { ptr: number; read(): Uint8Array } {
  const ptr = mem.alloc(bytes);
  mem.u8(ptr, bytes + 16).fill(SENTINEL);
  return {
    ptr,
    read() {
      const all = mem.u8(ptr, bytes + 16);
      for (let j = bytes; j < all.length; j++) if (all[j] !== SENTINEL) throw new Error(`wrote past the output's end (byte ${j - bytes})`);
      return all.slice(0, bytes);
    },
  };
}

const pm1 = (rng: Rng, n: number, pNeg = 0.5): Int8Array => Int8Array.from({ length: n }, () => (rng.next() < pNeg ? -1 : 1));

function firstDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return -2;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return i;
  return -1;
}

function expectEqual(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  const i = firstDiff(got, want);
  if (i === -2) throw new Error(`${what}: length ${got.length}, want ${want.length}`);
  if (i >= 0) throw new Error(`${what}: element ${i} = ${got[i]}, want ${want[i]}`);
}

// ---------------------------------------------------------------- bitpack

describe('b1 bitpack', () => {
  const CHANNELS = [1, 2, 7, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 129];

  it('int8 and f32 -> bits: every kernel in every build equals the reference, pad bits 0', async () => {
    const rng = new Rng(0xb17);
    let checked = 0;
    for (const channels of CHANNELS) {
      for (const zp of [-128, 0, rng.int(-127, 126), 127]) {
        const rows = rng.int(1, 5);
        const x = rng.i8(rows * channels);
        if (channels > 3) x[0] = zp; // exactly at the zero point: real 0, not negative
        const xf = rng.f32(rows * channels, -2, 2);
        xf[0] = -0;
        if (xf.length > 1) xf[1] = NaN;
        if (xf.length > 2) xf[2] = -1e-30;
        const wantQ = packSignsRef(signsOfInt8(x, zp), channels);
        const wantF = packSignsRef(signsOfF32(xf), channels);
        for (const build of TEST_BUILDS) {
          for (const [dtype, data, want] of [['int8', x, wantQ], ['f32', xf, wantF]] as const) {
            const ks = dtype === 'int8'
              ? kernelsOf('b1_bitpack_qs8', build)
              : kernelsOf('b1_bitpack_f32', build);
            for (const kernel of ks) {
              const mem = await memoryFor(build);
              const layer = prepareB1Bitpack(mem, build, { rows, channels, dtype, zeroPoint: zp, kernel });
              const xp = mem.put(data);
              const out = guarded(mem, layer.outputBytes);
              mem.u8(out.ptr, layer.outputBytes).fill(0xff); // the kernel must clear pad bits itself
              runB1Bitpack(mem, layer, xp, out.ptr);
              const got = new Uint32Array(out.read().buffer);
              expectEqual(got, want, `${kernel} (${build}) ${dtype} rows=${rows} C=${channels} zp=${zp}`);
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(CHANNELS.length * 4 * 2);
  });
});

// ---------------------------------------------------------------- thresholds

describe('b1 output thresholds', () => {
  it('acc * flip < thr is exactly f32(f32(acc*mul)+add) < 0 for every acc in range', () => {
    const rng = new Rng(0x7e5);
    const muls = [1, -1, 0, -0, 0.5, -0.25, 1e-7, -1e-7, 3.3, -7.1, 1e30, -1e30];
    for (let i = 0; i < 300; i++) {
      const kMax = rng.pick([1, 2, 9, 32, 100, 577]);
      const mul = Math.fround(i < muls.length ? muls[i] : (rng.next() - 0.5) * 4);
      // add on an exact boundary (acc*mul + add == 0 at an integer), or anywhere, or outside the range.
      const t = rng.int(-kMax - 2, kMax + 2);
      const add = Math.fround(rng.pick([-mul * t, (rng.next() - 0.5) * 3 * kMax * Math.abs(mul), 5 * kMax * Math.abs(mul) + 1, -1, 0]));
      const { flip, thr } = b1Threshold(mul, add, kMax);
      expect([-1, 0, 1]).toContain(flip);
      for (let acc = -kMax; acc <= kMax; acc++) {
        const want = b1Affine(acc, mul, add) < 0;
        if (acc * flip < thr !== want) throw new Error(`mul=${mul} add=${add} kMax=${kMax}: acc=${acc} gives ${!want}, want ${want}`);
      }
    }
  });
});

// ---------------------------------------------------------------- binary conv

interface ConvCase {
  name: string;
  a: ConvRefArgs;
  x: Int8Array; // +-1 NHWC
  w: Int8Array; // +-1 OHWI
  mul: Float32Array;
  add: Float32Array;
  out: RefOut;
  blockM?: number;
  wAsBits: boolean;
}

/** mul / add spread so the outputs are neither all saturated nor all one sign. */
type OutKind = 'int8' | 'bits' | 'f32';

function transformFor(rng: Rng, cOut: number, k: number, out: OutKind): { mul: Float32Array; add: Float32Array; out: RefOut } {
  const mul = new Float32Array(cOut), add = new Float32Array(cOut);
  const spread = Math.sqrt(k) + 1;
  for (let c = 0; c < cOut; c++) {
    const r = rng.next();
    mul[c] = r < 0.08 ? 0 : Math.fround((r < 0.3 ? -1 : 1) * (0.2 + rng.next()) * 0.05);
    // Sometimes exactly on an integer boundary.
    add[c] = rng.next() < 0.3 ? Math.fround(-mul[c] * rng.int(-2, 2)) : Math.fround((rng.next() - 0.5) * spread * 0.05);
  }
  if (out === 'bits') return { mul, add, out: { kind: 'bits' } };
  if (out === 'f32') {
    // No clamp, a ReLU, or a clip inside the outputs' range.
    const r = rng.next();
    const bound = Math.fround(0.02 * spread);
    return { mul, add, out: { kind: 'f32', min: r < 0.4 ? -Infinity : r < 0.7 ? 0 : -bound, max: r < 0.7 ? Infinity : bound } };
  }
  const zp = rng.int(-128, 127);
  const relu = rng.next() < 0.3;
  const scale = Math.fround((0.05 * spread) / rng.pick([20, 60, 200]));
  return {
    mul, add,
    out: { kind: 'int8', scale, zeroPoint: zp, qmin: relu ? Math.max(-128, zp) : -128, qmax: relu && rng.next() < 0.5 ? Math.min(127, zp + 40) : 127 },
  };
}

function makeConvCase(rng: Rng, name: string, over: Partial<ConvRefArgs> = {}, o: { out?: OutKind; pNeg?: number; blockM?: number } = {}): ConvCase {
  for (;;) {
    const k = rng.pick([[1, 1], [3, 3], [3, 3], [3, 3], [5, 5], [1, 3], [3, 1], [2, 2], [7, 7]]);
    const a: ConvRefArgs = {
      n: rng.int(1, 2), h: rng.int(1, 9), w: rng.int(1, 9),
      cIn: rng.pick([1, 3, 8, 17, 31, 32, 33, 40, 64, 65, 96]),
      cOut: rng.pick([1, 3, 7, 8, 9, 16, 17, 31, 32, 33, 40]),
      kh: k[0], kw: k[1],
      sh: rng.int(1, 3), sw: rng.int(1, 3), dh: rng.pick([1, 1, 2]), dw: rng.pick([1, 1, 2]),
      pt: rng.int(0, 3), pl: rng.int(0, 3), pb: rng.int(0, 3), pr: rng.int(0, 3),
      ...over,
    };
    const [oh, ow] = convOutSize(a);
    if (oh < 1 || ow < 1) continue;
    const K = a.kh * a.kw * a.cIn;
    const x = pm1(rng, a.n * a.h * a.w * a.cIn, o.pNeg ?? 0.5);
    const w = pm1(rng, a.cOut * K, o.pNeg ?? 0.5);
    const t = transformFor(rng, a.cOut, K, o.out ?? rng.pick(['bits', 'int8', 'f32'] as const));
    return { name, a, x, w, ...t, blockM: o.blockM ?? (rng.next() < 0.3 ? rng.int(1, 9) : undefined), wAsBits: rng.next() < 0.5 };
  }
}

function convCases(): ConvCase[] {
  const rng = new Rng(0xb1c0);
  const out: ConvCase[] = [];
  for (let i = 0; i < 90; i++) out.push(makeConvCase(rng, `random#${i}`));
  const s1 = { sh: 1, sw: 1, dh: 1, dw: 1 };
  const p0 = { pt: 0, pl: 0, pb: 0, pr: 0 };
  const p1 = { pt: 1, pl: 1, pb: 1, pr: 1 };
  for (const out2 of ['int8', 'bits', 'f32'] as const) {
    const o = { out: out2 };
    out.push(makeConvCase(rng, `1x1 pointwise (plain GEMM) ${out2}`, { ...s1, ...p0, kh: 1, kw: 1, h: 5, w: 3, cIn: 70, cOut: 37 }, o));
    out.push(makeConvCase(rng, `1x1 image 3x3 pad 1 ${out2}`, { ...s1, ...p1, kh: 3, kw: 3, h: 1, w: 1, cIn: 40, cOut: 9 }, o));
    out.push(makeConvCase(rng, `stride 2 odd size ${out2}`, { kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, ...p1, h: 9, w: 7, cIn: 33, cOut: 12 }, o));
    out.push(makeConvCase(rng, `asymmetric pads ${out2}`, { ...s1, kh: 3, kw: 3, pt: 0, pl: 2, pb: 3, pr: 1, h: 6, w: 5, cIn: 20, cOut: 10 }, o));
    out.push(makeConvCase(rng, `dilation 2 ${out2}`, { kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 2, pt: 2, pl: 2, pb: 2, pr: 2, h: 7, w: 8, cIn: 64, cOut: 8 }, o));
    out.push(makeConvCase(rng, `kernel larger than the image ${out2}`, { ...s1, kh: 5, kw: 5, pt: 2, pl: 2, pb: 2, pr: 2, h: 2, w: 3, cIn: 5, cOut: 6 }, o));
    for (const cIn of [31, 32, 33]) {
      out.push(makeConvCase(rng, `K ${cIn} bits per tap ${out2}`, { ...s1, ...p1, kh: 3, kw: 3, h: 4, w: 4, cIn, cOut: 16 }, o));
      out.push(makeConvCase(rng, `1x1 K ${cIn} ${out2}`, { ...s1, ...p0, kh: 1, kw: 1, h: 3, w: 3, cIn, cOut: 17 }, o));
    }
    out.push(makeConvCase(rng, `blocks of 1 pixel ${out2}`, { ...s1, ...p1, kh: 3, kw: 3, h: 3, w: 5, cIn: 35, cOut: 9 }, { ...o, blockM: 1 }));
    out.push(makeConvCase(rng, `odd blocks, batch 2 ${out2}`, { kh: 3, kw: 3, sh: 2, sw: 1, dh: 1, dw: 1, ...p1, h: 7, w: 5, cIn: 9, cOut: 10, n: 2 }, { ...o, blockM: 7 }));
    out.push(makeConvCase(rng, `ResNet-like 3x3x64 -> 64 ${out2}`, { ...s1, ...p1, kh: 3, kw: 3, h: 6, w: 6, cIn: 64, cOut: 64, n: 1 }, o));
    out.push(makeConvCase(rng, `all -1 ${out2}`, { ...s1, ...p1, kh: 3, kw: 3, h: 4, w: 4, cIn: 40, cOut: 8 }, { ...o, pNeg: 1 }));
    out.push(makeConvCase(rng, `all +1 ${out2}`, { ...s1, ...p1, kh: 3, kw: 3, h: 4, w: 4, cIn: 40, cOut: 8 }, { ...o, pNeg: 0 }));
  }
  return out;
}

async function runConv(build: Build, kernel: string, c: ConvCase): Promise<Uint8Array> {
  const mem = await memoryFor(build);
  const a = c.a;
  const weights = c.wAsBits ? { weightBits: packSignsRef(c.w, a.cIn) } : { weights: c.w };
  const layer = prepareB1Conv(mem, build, {
    geom: { n: a.n, h: a.h, w: a.w, c: a.cIn, kh: a.kh, kw: a.kw, strideH: a.sh, strideW: a.sw,
      dilationH: a.dh, dilationW: a.dw, pads: [a.pt, a.pl, a.pb, a.pr] },
    cOut: a.cOut, ...weights, mul: c.mul, add: c.add, out: c.out, kernel, blockM: c.blockM,
  });
  const inPtr = mem.put(packSignsRef(c.x, a.cIn));
  const out = guarded(mem, layer.outputBytes);
  runB1Conv(mem, layer, inPtr, out.ptr);
  return out.read();
}

/** What the kernel should write: int8 or f32 bytes, or the packed bits of the reference's +-1 output. */
function convWant(c: { out: RefOut; a: { cOut: number } }, ref: Int8Array | Float32Array): Uint8Array {
  if (c.out.kind !== 'bits') return new Uint8Array(ref.buffer, ref.byteOffset, ref.byteLength);
  return new Uint8Array(packSignsRef(ref as Int8Array, c.a.cOut).buffer);
}

function describeConv(c: ConvCase): string {
  return `${JSON.stringify(c.a)} out=${c.out.kind} blockM=${c.blockM} [${c.name}]`;
}

describe('b1 conv2d (bits in)', () => {
  const all = convCases();

  it('every kernel in every build equals the +-1 reference, bit for bit, and builds agree', async () => {
    let checked = 0;
    for (const c of all) {
      const want = convWant(c, b1ConvRef(c.a, c.x, c.w, c.mul, c.add, c.out));
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf('b1_conv', build)) {
          expectEqual(await runConv(build, kernel, c), want, `${kernel} (${build}) ${describeConv(c)}`);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(all.length * 2);
  });

  it('accumulators stay exact up to K = 3x3x2048 (several 31-word chunks), bits, int8 and f32', async () => {
    const rng = new Rng(0x0f10);
    const s1 = { sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, kh: 3, kw: 3, n: 1, h: 3, w: 3 };
    for (const cIn of [512, 1000, 2048]) {
      for (const pNeg of [0, 1, 0.5]) {
        for (const kind of ['int8', 'bits', 'f32'] as const) {
          const c = makeConvCase(rng, `K=9x${cIn} pNeg=${pNeg}`, { ...s1, cIn, cOut: 9 }, { out: kind, pNeg });
          if (kind === 'f32') c.out = { kind: 'f32', min: -Infinity, max: Infinity };
          // The weights of half the channels the opposite of the input: acc reaches -K.
          if (pNeg !== 0.5) for (let i = 0; i < c.w.length / 2; i++) c.w[i] = -c.w[i];
          if (kind === 'int8') c.out = { kind: 'int8', scale: 1, zeroPoint: 0, qmin: -128, qmax: 127 };
          c.mul.fill(Math.fround(127 / (9 * cIn)));
          c.add.fill(0);
          const want = convWant(c, b1ConvRef(c.a, c.x, c.w, c.mul, c.add, c.out));
          for (const build of TEST_BUILDS) {
            for (const kernel of kernelsOf('b1_conv', build)) {
              expectEqual(await runConv(build, kernel, c), want, `${kernel} (${build}) ${describeConv(c)}`);
            }
          }
        }
      }
    }
  });

  it('needs a scratch unless pointwise; checks its arguments with messages that say what to fix', async () => {
    const mem = await memoryFor('simd');
    const base = { cOut: 2, mul: new Float32Array(2), add: new Float32Array(2), out: { kind: 'bits' } as const };
    const g3 = { n: 1, h: 4, w: 4, c: 3, kh: 3, kw: 3, pads: [1, 1, 1, 1] as const };
    const pw = prepareB1Conv(mem, 'simd', { ...base, weights: new Int8Array(6).fill(1), geom: { n: 1, h: 4, w: 4, c: 3, kh: 1, kw: 1 } });
    expect(pw.pointwise).toBe(true);
    expect(pw.scratchBytes).toBe(0);
    const c3 = prepareB1Conv(mem, 'simd', { ...base, weights: new Int8Array(54).fill(-1), geom: g3, allocScratch: false });
    expect(c3.classes).toBe(9);
    expect(c3.scratchBytes).toBe(c3.blockM * 9 * 4);
    expect(() => runB1Conv(mem, c3, 0, 0)).toThrow(/scratch/);
    expect(() => prepareB1Conv(mem, 'simd', { ...base, weights: new Int8Array(54), geom: g3 })).toThrow(/not \+1 or -1/);
    expect(() => prepareB1Conv(mem, 'simd', { ...base, weightBits: new Uint32Array(18).fill(8), geom: g3 })).toThrow(/pad bits/);
    expect(() => prepareB1Conv(mem, 'simd', { ...base, weightBits: new Uint32Array(17), geom: g3 })).toThrow(RangeError);
    expect(() => prepareB1Conv(mem, 'simd', { ...base, geom: g3 })).toThrow(/weights missing/);
    expect(() => prepareB1Conv(mem, 'simd', { ...base, weights: new Int8Array(54).fill(1), geom: g3, mul: new Float32Array([1, NaN]) })).toThrow(/not finite/);
    expect(() => prepareB1Conv(mem, 'simd', { ...base, weights: new Int8Array(54).fill(1), geom: g3, out: { kind: 'int8', scale: 0, zeroPoint: 0 } })).toThrow(/scale/);
    const sc = await memoryFor('scalar');
    expect(() => prepareB1Conv(sc, 'scalar', { ...base, weights: new Int8Array(54).fill(1), geom: g3, kernel: 'b1_conv_4x8__wasmsimd' })).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------- binary fully connected

describe('b1 fully connected (bits in)', () => {
  it('every kernel in every build equals the reference (M tails, K below/at/above a word, bits, int8 and f32)', async () => {
    const rng = new Rng(0xfc1);
    let checked = 0;
    const shapes: [number, number, number][] = [];
    for (const K of [1, 5, 31, 32, 33, 64, 100, 257, 1024]) shapes.push([rng.pick([1, 2, 3, 4, 5, 7, 9]), K, rng.pick([1, 7, 8, 9, 31, 33, 64])]);
    shapes.push([1, 4096, 10], [6, 992, 40], [1, 1 << 16, 3]);
    for (const [M, K, N] of shapes) {
      for (const kind of ['int8', 'bits', 'f32'] as const) {
        const x = pm1(rng, M * K), w = pm1(rng, N * K);
        const t = transformFor(rng, N, K, kind);
        const want = convWant({ out: t.out, a: { cOut: N } }, b1ConvRef(fcArgs(M, K, N), x, w, t.mul, t.add, t.out));
        for (const build of TEST_BUILDS) {
          for (const kernel of kernelsOf('b1_gemm', build)) {
            const mem = await memoryFor(build);
            const layer = prepareB1Gemm(mem, build, { n: N, k: K, weights: w, mul: t.mul, add: t.add, out: t.out, kernel });
            const a = mem.put(packSignsRef(x, K));
            const out = guarded(mem, M * layer.outputRowBytes);
            runB1Gemm(mem, layer, M, a, out.ptr);
            expectEqual(out.read(), want, `${kernel} (${build}) M=${M} K=${K} N=${N} out=${kind}`);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(shapes.length * 2);
  });
});

// ---------------------------------------------------------------- binary weights x int8

interface B1wCase extends ConvCase { xq: Int8Array; zpIn: number }

function makeB1wCase(rng: Rng, name: string, over: Partial<ConvRefArgs> = {}, o: { xlo?: number; xhi?: number; zpIn?: number } = {}): B1wCase {
  const c = makeConvCase(rng, name, over, { out: 'int8' });
  const xq = rng.i8(c.x.length, o.xlo ?? -128, o.xhi ?? 127);
  // int8 activations make |acc| about 70x a +-1 layer's: rescale the output accordingly.
  const scale = Math.fround((c.out as { scale: number }).scale * 70);
  c.out = { ...(c.out as Extract<RefOut, { kind: 'int8' }>), scale };
  return { ...c, xq, zpIn: o.zpIn ?? rng.int(-128, 127) };
}

const geomOf = (a: ConvRefArgs) => ({
  n: a.n, h: a.h, w: a.w, c: a.cIn, kh: a.kh, kw: a.kw, strideH: a.sh, strideW: a.sw, dilationH: a.dh, dilationW: a.dw, pads: [a.pt, a.pl, a.pb, a.pr] as [number, number, number, number],
});

async function runB1wConv(build: Build, kernel: string, c: B1wCase, fuseMaxPool2x2 = false): Promise<Uint8Array> {
  const mem = await memoryFor(build);
  const a = c.a;
  const weights = c.wAsBits ? { weightBits: packSignsRef(c.w, a.cIn) } : { weights: c.w };
  const layer = prepareQs8B1wConv(mem, build, {
    geom: geomOf(a), cOut: a.cOut, ...weights, mul: c.mul, add: c.add, zpIn: c.zpIn,
    out: c.out as Extract<RefOut, { kind: 'int8' }>, kernel, blockM: c.blockM, fuseMaxPool2x2,
  });
  const inPtr = mem.put(c.xq);
  const out = guarded(mem, layer.outputBytes);
  runQs8B1wConv(mem, layer, inPtr, out.ptr);
  return out.read();
}

/** The int8 2×2/2 max pool (floor) of an NHWC tensor, by the pool reference. */
const maxPool2x2 = (y: Int8Array, n: number, oh: number, ow: number, c: number): Int8Array => Int8Array.from(maxPoolRef(
  { n, h: oh, w: ow, c, kh: 2, kw: 2, sh: 2, sw: 2, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0, ceil: false, includePad: false }, y, -128, 127).y);

/** Both binary-weight conv kernel kinds of a build: the im2col GEMMs and the direct small-C_in ones. */
const b1wConvKernels = (build: Build): string[] => [...kernelsOf('qs8_b1w_conv', build), ...kernelsOf('qs8_b1w_conv_cin4', build)];

function b1wDirectCases(rng: Rng): B1wCase[] {
  const s1 = { sh: 1, sw: 1, dh: 1, dw: 1 };
  const p0 = { pt: 0, pl: 0, pb: 0, pr: 0 };
  const p1 = { pt: 1, pl: 1, pb: 1, pr: 1 };
  return [
    makeB1wCase(rng, 'detector 3x3 8 -> 16 pad 1', { ...s1, ...p1, kh: 3, kw: 3, h: 10, w: 14, cIn: 8, cOut: 16, n: 1 }),
    makeB1wCase(rng, 'detector 3x3 16 -> 32 pad 1', { ...s1, ...p1, kh: 3, kw: 3, h: 7, w: 9, cIn: 16, cOut: 32, n: 1 }),
    makeB1wCase(rng, 'C_in 1, 20 channels (pixel-lane tail)', { ...s1, ...p1, kh: 3, kw: 3, h: 9, w: 11, cIn: 1, cOut: 20 }),
    makeB1wCase(rng, 'C_in 3, 28 channels (4x8 + 4x4 tails), stride 2', { sh: 2, sw: 2, dh: 1, dw: 1, ...p1, kh: 3, kw: 3, h: 9, w: 7, cIn: 3, cOut: 28 }),
    makeB1wCase(rng, '5x5 C_in 1 (vertical slots)', { ...s1, pt: 2, pl: 2, pb: 2, pr: 2, kh: 5, kw: 5, h: 8, w: 8, cIn: 1, cOut: 16 }),
    makeB1wCase(rng, 'pointwise C_in 8 -> 16 (no pair image)', { ...s1, ...p0, kh: 1, kw: 1, h: 5, w: 7, cIn: 8, cOut: 16 }),
    makeB1wCase(rng, 'dilation 2, C_in 2 -> 12', { kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 2, pt: 2, pl: 2, pb: 2, pr: 2, h: 7, w: 8, cIn: 2, cOut: 12 }),
    // Larger images (the detector's layer shapes on fewer rows).
    makeB1wCase(rng, 'large image: detector 3x3 8 -> 16, odd width', { ...s1, ...p1, kh: 3, kw: 3, h: 41, w: 67, cIn: 8, cOut: 16, n: 1 }),
    makeB1wCase(rng, 'large image: 3x3 stride 2, C_in 3 -> 20', { sh: 2, sw: 2, dh: 1, dw: 1, ...p1, kh: 3, kw: 3, h: 99, w: 85, cIn: 3, cOut: 20, n: 1 }),
    makeB1wCase(rng, 'extreme activations, C_in 8 -> 16', { ...s1, ...p1, kh: 3, kw: 3, h: 4, w: 4, cIn: 8, cOut: 16 }, { xlo: -128, xhi: -128, zpIn: 127 }),
  ];
}

describe('binary weights x int8 activations', () => {
  it('conv, direct small-C_in kernel: SIMD and scalar twin equal the reference in every build; a fused 2×2 max pool equals its pool', async () => {
    const rng = new Rng(0xb1d1);
    const cases = b1wDirectCases(rng);
    for (let i = 0; i < 40; i++) cases.push(makeB1wCase(rng, `random#${i}`));
    let fused = 0, refused = 0;
    for (const c of cases) {
      const want = qs8B1wConvRef(c.a, c.xq, c.zpIn, c.w, c.mul, c.add, c.out) as Int8Array;
      const [oh, ow] = convOutSize(c.a);
      const pooled = oh >= 2 && ow >= 2 ? new Uint8Array(maxPool2x2(want, c.a.n, oh, ow, c.a.cOut).buffer) : null;
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf('qs8_b1w_conv_cin4', build)) {
          const what = `${kernel} (${build}) ${describeConv(c)} zpIn=${c.zpIn}`;
          expectEqual(await runB1wConv(build, kernel, c), new Uint8Array(want.buffer), what);
          if (!pooled) continue;
          if (canFuseMaxPool2x2(geomOf(c.a), c.a.cOut, build, kernel)) {
            expectEqual(await runB1wConv(build, kernel, c, true), pooled, `${what} pooled`);
            fused++;
          } else {
            await expect(runB1wConv(build, kernel, c, true)).rejects.toThrow(/cannot fuse a 2×2 max pool/);
            refused++;
          }
        }
      }
    }
    expect(fused).toBeGreaterThan(cases.length);
    expect(refused).toBeGreaterThan(0);
    // The larger images ran in bands of output rows (one kernel call each, as the int8 direct conv's).
    const big = cases.find((c) => c.name.startsWith('large image: detector'))!;
    const mem = await memoryFor('simd');
    const layer = prepareQs8B1wConv(mem, 'simd', {
      geom: geomOf(big.a), cOut: big.a.cOut, weights: big.w, mul: big.mul, add: big.add, zpIn: big.zpIn, out: big.out as Extract<RefOut, { kind: 'int8' }>,
      winograd: false, // (by default this 3x3 stride-1 layer runs on the Winograd kernel: test/kernels/qs8-conv-wino.test.ts)
    });
    expect(layer.direct).toBe(true);
    expect(layer.bands?.length).toBeGreaterThan(1);
    // Without the Winograd kernel the SIMD builds pick the direct kernel where the int8 conv would
    // (short K), the scalar build for C_in <= 4; with it (the default) a 3x3 stride-1 conv with C_in % 8 = 0 runs on it.
    const g = (cIn: number, cOut: number) => geomOf({ ...cases[0].a, cIn, cOut, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1 });
    expect(b1wConvKernel(g(8, 16), 16, 'simd', false)).toBe('qs8_b1w_conv_cin4_2x16c2__wasmsimd');
    expect(b1wConvKernel(g(32, 64), 64, 'simd', false)).toBe(chooseKernel('qs8_b1w_conv', 'simd').kernel);
    expect(b1wConvKernel(g(8, 16), 16, 'simd')).toBe('qs8_b1w_conv_wino_2x16c2__wasmsimd');
    expect(b1wConvKernel(g(12, 16), 16, 'simd')).toBe('qs8_b1w_conv_cin4_2x16c2__wasmsimd');
    expect(b1wConvKernel(g(8, 16), 16, 'scalar')).toBe(chooseKernel('qs8_b1w_conv', 'scalar').kernel);
    expect(b1wConvKernel(g(3, 16), 16, 'scalar')).toBe('qs8_b1w_conv_cin4_2x16c2__scalar');
  });

  it('conv: every kernel in every build equals the reference', async () => {
    const rng = new Rng(0xb1a8);
    const cases: B1wCase[] = [];
    for (let i = 0; i < 60; i++) cases.push(makeB1wCase(rng, `random#${i}`));
    const s1 = { sh: 1, sw: 1, dh: 1, dw: 1 };
    const p1 = { pt: 1, pl: 1, pb: 1, pr: 1 };
    cases.push(makeB1wCase(rng, '1x1 pointwise', { ...s1, pt: 0, pl: 0, pb: 0, pr: 0, kh: 1, kw: 1, h: 4, w: 5, cIn: 13, cOut: 7 }));
    cases.push(makeB1wCase(rng, '1x1 image 3x3 pad 1', { ...s1, ...p1, kh: 3, kw: 3, h: 1, w: 1, cIn: 5, cOut: 6 }));
    cases.push(makeB1wCase(rng, 'stride 2 odd size', { kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, ...p1, h: 9, w: 7, cIn: 3, cOut: 11 }));
    cases.push(makeB1wCase(rng, 'asymmetric pads', { ...s1, kh: 3, kw: 3, pt: 0, pl: 2, pb: 3, pr: 1, h: 6, w: 5, cIn: 4, cOut: 5 }));
    cases.push(makeB1wCase(rng, 'first layer 3x3x3 -> 32', { ...s1, ...p1, kh: 3, kw: 3, h: 8, w: 8, cIn: 3, cOut: 32, n: 1 }));
    cases.push(makeB1wCase(rng, 'extreme activations (x - zp = -255)', { ...s1, ...p1, kh: 3, kw: 3, h: 3, w: 3, cIn: 24, cOut: 8 }, { xlo: -128, xhi: -128, zpIn: 127 }));
    cases.push(makeB1wCase(rng, 'extreme activations (x - zp = 255)', { ...s1, ...p1, kh: 3, kw: 3, h: 3, w: 3, cIn: 24, cOut: 8 }, { xlo: 127, xhi: 127, zpIn: -128 }));
    for (const c of cases) {
      const want = qs8B1wConvRef(c.a, c.xq, c.zpIn, c.w, c.mul, c.add, c.out);
      const wantB = new Uint8Array(want.buffer);
      for (const build of TEST_BUILDS) {
        for (const kernel of b1wConvKernels(build)) {
          expectEqual(await runB1wConv(build, kernel, c), wantB, `${kernel} (${build}) ${describeConv(c)} zpIn=${c.zpIn}`);
        }
      }
    }
  });

  it('fully connected: M and K tails, K up to 3x3x2048 with extreme activations', async () => {
    const rng = new Rng(0xb1f);
    const shapes: [number, number, number, number][] = [];
    for (const K of [1, 7, 8, 9, 15, 16, 17, 100]) shapes.push([rng.int(1, 5), K, rng.pick([1, 3, 4, 5, 9]), 0.5]);
    for (const K of [9 * 512, 9 * 2048]) for (const pNeg of [0, 1]) shapes.push([3, K, 5, pNeg]);
    for (const [M, K, N, pNeg] of shapes) {
      const extreme = pNeg !== 0.5;
      const zpIn = extreme ? 127 : rng.int(-128, 127);
      const x = extreme ? new Int8Array(M * K).fill(-128) : rng.i8(M * K);
      const w = pm1(rng, N * K, pNeg);
      const out = { kind: 'int8' as const, scale: 1, zeroPoint: rng.int(-10, 10), qmin: -128, qmax: 127 };
      const mul = new Float32Array(N).fill(Math.fround(extreme ? 127 / (255 * K) : 1 / (40 * Math.sqrt(K))));
      const add = Float32Array.from({ length: N }, () => Math.fround(rng.next() - 0.5));
      const want = new Uint8Array(qs8B1wConvRef(fcArgs(M, K, N), x, zpIn, w, mul, add, out).buffer);
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf('qs8_b1w_gemm', build)) {
          const mem = await memoryFor(build);
          const layer = prepareQs8B1wGemm(mem, build, { n: N, k: K, weights: w, mul, add, zpIn, out, kernel });
          const a = mem.put(x);
          const o = guarded(mem, M * N);
          runQs8B1wGemm(mem, layer, M, a, o.ptr);
          expectEqual(o.read(), want, `${kernel} (${build}) M=${M} K=${K} N=${N} pNeg=${pNeg}`);
        }
      }
    }
  });
});

// ---------------------------------------------------------------- table, hot kernels

describe('b1 kernel table', () => {
  it('names kernels and packers each build exports', async () => {
    for (const build of TEST_BUILDS) {
      const mem = await memoryFor(build);
      for (const op of ['b1_bitpack_qs8', 'b1_bitpack_f32', 'b1_gemm', 'b1_conv', 'qs8_b1w_gemm', 'qs8_b1w_conv']) {
        const ch = chooseKernel(op, build);
        expect(typeof mem.mod.exports[ch.kernel], `${op} ${build}`).toBe('function');
        if (ch.packer) expect(typeof mem.mod.exports[ch.packer]).toBe('function');
        expect(ch.kernel).toMatch(build === 'scalar' ? /__scalar$/ : build === 'simd' ? /__wasmsimd$/ : /__wasm(simd|relaxed)$/);
      }
    }
  });

  it('hot kernels (tiered up from Liftoff to TurboFan) still equal the reference', async () => {
    const c = makeConvCase(new Rng(5), 'hot', { n: 1, h: 8, w: 8, cIn: 70, cOut: 20, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1 }, { out: 'int8' });
    const want = convWant(c, b1ConvRef(c.a, c.x, c.w, c.mul, c.add, c.out));
    for (const build of TEST_BUILDS) {
      for (const kernel of kernelsOf('b1_conv', build)) {
        const t0 = performance.now();
        let got = await runConv(build, kernel, c);
        while (performance.now() - t0 < 60) got = await runConv(build, kernel, c);
        expectEqual(got, want, `${kernel} (${build}, hot)`);
      }
    }
  });
});

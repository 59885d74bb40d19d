// qs8 GEMM / fully connected: every kernel (SIMD, relaxed, scalar twins) in every build
// against the ONNX-derived reference, int8 exact, the builds against each other, and
// the bytes around the output untouched.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { qs8GemmRef, type GemmQuant } from '../reference/qs8-gemm.js';
import { prepareQs8Gemm, runQs8Gemm, qs8GemmTile, qs8GemmPackedBytes } from '../../src/runtime/ops/qs8-gemm.js';
import { int8Range, f32Range } from '../../src/runtime/ops/activation.js';
import { chooseKernel } from '../../src/runtime/kernel-table.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';

/** Kernels each build has (the manifest's): its own SIMD kernels plus every scalar twin. */
const gemmKernels = (build: Build): string[] => kernelsOf('qs8_gemm', build);

interface Case {
  name: string;
  M: number; N: number; K: number; aStride: number; cStride: number;
  a: Int8Array; w: Int8Array; bias: Int32Array | null; m: Float32Array; q: GemmQuant;
}

interface Opts { alo?: number; ahi?: number; wlo?: number; whi?: number; mScale?: number; tie?: boolean; zpIn?: number; relu?: boolean; noBias?: boolean }

function makeCase(rng: Rng, name: string, shape: Partial<Pick<Case, 'M' | 'N' | 'K' | 'aStride' | 'cStride'>> = {}, o: Opts = {}): Case {
  const M = shape.M ?? rng.int(1, 24);
  const N = shape.N ?? rng.pick([1, 2, 3, 4, 5, 7, 8, 9, 10, 15, 16, 17, 31, 33, 64]);
  const K = shape.K ?? rng.pick([1, 2, 7, 8, 9, 15, 16, 17, 24, 27, 31, 32, 33, 64, 100, 129, 300]);
  const aStride = shape.aStride ?? K + rng.pick([0, 0, 1, 5]);
  const cStride = shape.cStride ?? N + rng.pick([0, 0, 3]);
  const a = rng.i8(M * K, o.alo ?? -128, o.ahi ?? 127);
  const w = rng.i8(N * K, o.wlo ?? -127, o.whi ?? 127);
  const bias = o.noBias || rng.next() < 0.15 ? null : rng.i32(N, -20000, 20000);
  const m = new Float32Array(N);
  for (let n = 0; n < N; n++) m[n] = o.tie ? 0.5 : Math.fround(((o.mScale ?? 1) * (0.5 + rng.next())) / (300 * Math.sqrt(K)));
  const zpOut = rng.int(-128, 127);
  const relu = o.relu ?? rng.next() < 0.3;
  const q: GemmQuant = {
    zpIn: o.zpIn ?? rng.int(-128, 127), zpOut,
    qmin: relu ? Math.max(-128, zpOut) : -128,
    qmax: relu && rng.next() < 0.5 ? Math.min(127, zpOut + 50) : 127,
  };
  return { name, M, N, K, aStride, cStride, a, w, bias, m, q };
}

function cases(): Case[] {
  const rng = new Rng(0x6e33);
  const out: Case[] = [];
  for (let i = 0; i < 150; i++) out.push(makeCase(rng, `random#${i}`));
  out.push(makeCase(rng, 'FC 1x1024 -> 10', { M: 1, N: 10, K: 1024, aStride: 1024, cStride: 10 }));
  out.push(makeCase(rng, 'K=1', { K: 1, aStride: 1 }));
  out.push(makeCase(rng, 'K=27 (3x3x3 im2col)', { M: 9, N: 32, K: 27 }));
  out.push(makeCase(rng, 'K below / at / above the tile', { M: 3, N: 5, K: 7 }));
  out.push(makeCase(rng, 'K at 16', { M: 4, N: 4, K: 16 }));
  out.push(makeCase(rng, 'K 17', { M: 5, N: 6, K: 17 }));
  out.push(makeCase(rng, 'M=1 N=1 K=1', { M: 1, N: 1, K: 1 }));
  out.push(makeCase(rng, 'several weight chunks', { M: 5, N: 72, K: 1024 }));
  out.push(makeCase(rng, 'all-negative input', { M: 7, N: 9, K: 40 }, { ahi: -1 }));
  out.push(makeCase(rng, 'saturating (huge multipliers)', { M: 6, N: 11, K: 50 }, { mScale: 2000, relu: false }));
  out.push(makeCase(rng, 'ties round to even', { M: 4, N: 8, K: 3 }, { tie: true, relu: false, noBias: true, zpIn: 0 }));
  out.push(makeCase(rng, 'extreme values, long K', { M: 3, N: 5, K: 4096 }, { alo: 127, wlo: -127, whi: -127, zpIn: -128, mScale: 0.01 }));
  out.push(makeCase(rng, 'zp_in 127', { M: 5, N: 7, K: 33 }, { zpIn: 127 }));
  out.push(makeCase(rng, 'relu', { M: 6, N: 13, K: 21 }, { relu: true }));
  out.push(makeCase(rng, 'no bias', { M: 2, N: 4, K: 8 }, { noBias: true }));
  return out;
}

const SENTINEL = 0x5a;

/** Runs one case on one kernel; returns the M x N output, checking the bytes around it kept the sentinel. */
async function runCase(build: Build, kernel: string, c: Case): Promise<Int8Array> {
  const mem = await memoryFor(build);
  const layer = prepareQs8Gemm(mem, build, {
    n: c.N, k: c.K, weights: c.w, bias: c.bias, scale: c.m, zpIn: c.q.zpIn, zpOut: c.q.zpOut, qmin: c.q.qmin, qmax: c.q.qmax, kernel,
  });
  expect(layer.packedBytes).toBe(qs8GemmPackedBytes(qs8GemmTile(kernel), c.N, c.K));
  const aPtr = mem.alloc(c.M * c.aStride);
  const av = mem.i8(aPtr, c.M * c.aStride + 16);
  for (let i = 0; i < av.length; i++) av[i] = (i * 37) % 251 - 125; // junk in the gaps and past the end
  for (let i = 0; i < c.M; i++) av.set(c.a.subarray(i * c.K, (i + 1) * c.K), i * c.aStride);
  const cBytes = c.M * c.cStride;
  const cPtr = mem.alloc(cBytes);
  mem.u8(cPtr, cBytes + 16).fill(SENTINEL);
  runQs8Gemm(mem, layer, c.M, aPtr, c.aStride, cPtr, c.cStride);
  const cv = mem.i8(cPtr, cBytes + 16);
  const out = new Int8Array(c.M * c.N);
  for (let i = 0; i < c.M; i++) {
    out.set(cv.subarray(i * c.cStride, i * c.cStride + c.N), i * c.N);
    for (let j = c.N; j < c.cStride; j++) {
      if (cv[i * c.cStride + j] !== SENTINEL) throw new Error(`${kernel} (${build}) wrote into the row gap at row ${i}, byte ${j} [${c.name}]`);
    }
  }
  for (let j = cBytes; j < cBytes + 16; j++) {
    if (cv[j] !== SENTINEL) throw new Error(`${kernel} (${build}) wrote past the output's end at byte ${j} [${c.name}]`);
  }
  return out;
}

function expectSame(got: Int8Array, want: Int8Array, what: string, c: Case): void {
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      const r = Math.floor(i / c.N), n = i % c.N;
      throw new Error(
        `${what}: C[${r}][${n}] = ${got[i]}, want ${want[i]} ` +
          `(M=${c.M} N=${c.N} K=${c.K} aStride=${c.aStride} cStride=${c.cStride} zpIn=${c.q.zpIn} zpOut=${c.q.zpOut} q=[${c.q.qmin},${c.q.qmax}]) [${c.name}]`,
      );
    }
  }
}

describe('qs8 gemm', () => {
  const all = cases();

  it('every kernel in every build equals the reference, bit for bit, and builds agree', async () => {
    let checked = 0;
    for (const c of all) {
      const want = qs8GemmRef(c.M, c.N, c.K, c.a, c.w, c.bias, c.m, c.q);
      let first: Int8Array | null = null;
      for (const build of TEST_BUILDS) {
        for (const kernel of gemmKernels(build)) {
          const got = await runCase(build, kernel, c);
          expectSame(got, want, `${kernel} (${build})`, c);
          if (first) expectSame(got, first, `${kernel} (${build}) vs the first build`, c);
          else first = got;
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(all.length * 2);
  });

  it('a weight of -128 is read as -127 by every packer, identically in every kernel', async () => {
    const rng = new Rng(7);
    const c = makeCase(rng, 'w = -128', { M: 5, N: 6, K: 35 });
    for (let i = 0; i < c.w.length; i += 3) c.w[i] = -128;
    const clamped = c.w.map((v) => (v === -128 ? -127 : v));
    const want = qs8GemmRef(c.M, c.N, c.K, c.a, clamped, c.bias, c.m, c.q);
    for (const build of TEST_BUILDS) {
      for (const kernel of gemmKernels(build)) expectSame(await runCase(build, kernel, c), want, `${kernel} (${build})`, c);
    }
  });

  it('hot kernels (after V8 tiers them up from Liftoff to TurboFan) still equal the reference', async () => {
    // Node 20's Liftoff and TurboFan once disagreed on a relaxed dot (see gemm_relaxed.ts): check both tiers.
    const c = makeCase(new Rng(11), 'hot', { M: 33, N: 21, K: 75 });
    const want = qs8GemmRef(c.M, c.N, c.K, c.a, c.w, c.bias, c.m, c.q);
    for (const build of TEST_BUILDS) {
      for (const kernel of gemmKernels(build)) {
        const mem = await memoryFor(build);
        const layer = prepareQs8Gemm(mem, build, { n: c.N, k: c.K, weights: c.w, bias: c.bias, scale: c.m, ...c.q, kernel });
        const aPtr = mem.put(c.a);
        const cPtr = mem.alloc(c.M * c.N);
        const t0 = performance.now();
        while (performance.now() - t0 < 60) runQs8Gemm(mem, layer, c.M, aPtr, c.K, cPtr, c.N);
        expectSame(mem.i8(cPtr, c.M * c.N).slice(), want, `${kernel} (${build}, hot)`, c);
      }
    }
  });

  it('the SIMD "4c8" packer writes the scalar packer\'s bytes (K and N tails, -128, no bias, zp_in)', async () => {
    const rng = new Rng(0x9ac8);
    const shapes: [number, number][] = [[1, 1], [4, 8], [3, 7], [5, 9], [6, 16], [7, 17], [8, 64], [13, 75], [17, 3], [64, 512], [10, 800]];
    for (const build of TEST_BUILDS.filter((b) => b !== 'scalar')) {
      const mem = await memoryFor(build);
      const exp = mem.mod.exports;
      for (const [n, k] of shapes) {
        for (const withBias of [true, false]) {
          const w = rng.i8(n * k, -128, 127);
          for (let i = 0; i < w.length; i += 5) w[i] = -128;
          const bias = rng.i32(n, -9000, 9000);
          const scale = Float32Array.from({ length: n }, () => Math.fround(rng.next() * 0.01));
          const zpIn = rng.int(-128, 127);
          const bytes = qs8GemmPackedBytes(qs8GemmTile('qs8_gemm_2x4c8__wasmsimd'), n, k);
          const [wp, bp, sp] = [mem.put(w), withBias ? mem.put(bias) : 0, mem.put(scale)];
          const [outScalar, outSimd] = [mem.alloc(bytes), mem.alloc(bytes)];
          mem.u8(outSimd, bytes).fill(0xa5); // every byte must be written
          exp.qs8_gemm_pack_2x4c8(wp, bp, sp, zpIn, n, k, outScalar);
          exp.qs8_gemm_pack_2x4c8__wasmsimd!(wp, bp, sp, zpIn, n, k, outSimd);
          expect(Array.from(mem.u8(outSimd, bytes)), `${build} n=${n} k=${k} bias=${withBias}`).toEqual(Array.from(mem.u8(outScalar, bytes)));
        }
      }
    }
  });

  it('the kernel table names kernels and packers each build exports', async () => {
    for (const build of TEST_BUILDS) {
      const mem = await memoryFor(build);
      for (const op of ['qs8_gemm', 'qs8_conv']) {
        const ch = chooseKernel(op, build);
        expect(typeof mem.mod.exports[ch.kernel]).toBe('function');
        expect(ch.packer).toBe(qs8GemmTile(ch.kernel).packer);
        expect(typeof mem.mod.exports[ch.packer!]).toBe('function');
      }
    }
  });

  it('checks its arguments', async () => {
    const mem = await memoryFor('scalar');
    const base = { n: 2, k: 3, weights: new Int8Array(6), scale: new Float32Array(2), zpIn: 0, zpOut: 0 };
    expect(() => prepareQs8Gemm(mem, 'scalar', { ...base, weights: new Int8Array(5) })).toThrow(RangeError);
    expect(() => prepareQs8Gemm(mem, 'scalar', { ...base, zpIn: 128 })).toThrow(RangeError);
    expect(() => prepareQs8Gemm(mem, 'scalar', { ...base, qmin: 5, qmax: 4 })).toThrow(RangeError);
    expect(() => prepareQs8Gemm(mem, 'scalar', { ...base, kernel: 'qs8_gemm_2x4c8__wasmsimd' })).toThrow(TypeError);
  });
});

describe('fused activation ranges', () => {
  it('int8: none, relu, relu6, clip', () => {
    expect(int8Range({ kind: 'none' }, 0.1, 3)).toEqual({ qmin: -128, qmax: 127 });
    expect(int8Range({ kind: 'relu' }, 0.1, -20)).toEqual({ qmin: -20, qmax: 127 });
    expect(int8Range({ kind: 'relu' }, 0.1, -128)).toEqual({ qmin: -128, qmax: 127 });
    expect(int8Range({ kind: 'relu6' }, 0.05, -100)).toEqual({ qmin: -100, qmax: 20 });
    expect(int8Range({ kind: 'relu6' }, 0.01, 0)).toEqual({ qmin: 0, qmax: 127 });
    expect(int8Range({ kind: 'clip', min: -1, max: 1 }, 0.5, 0)).toEqual({ qmin: -2, qmax: 2 });
    // 0.25 / 0.5 = 0.5 rounds to 0 (half to even), -0.75 / 0.5 = -1.5 rounds to -2
    expect(int8Range({ kind: 'clip', min: -0.75, max: 0.25 }, 0.5, 10)).toEqual({ qmin: 8, qmax: 10 });
    expect(int8Range({ kind: 'clip', max: 1 }, 0.1, 0)).toEqual({ qmin: -128, qmax: 10 });
    expect(() => int8Range({ kind: 'relu' }, 0, 0)).toThrow(RangeError);
  });

  it('f32: none, relu, relu6, clip', () => {
    expect(f32Range({ kind: 'none' })).toEqual({ fmin: -Infinity, fmax: Infinity });
    expect(f32Range({ kind: 'relu' })).toEqual({ fmin: 0, fmax: Infinity });
    expect(f32Range({ kind: 'relu6' })).toEqual({ fmin: 0, fmax: 6 });
    expect(f32Range({ kind: 'clip', min: -2 })).toEqual({ fmin: -2, fmax: Infinity });
    expect(() => f32Range({ kind: 'clip', min: 2, max: 1 })).toThrow(RangeError);
  });
});

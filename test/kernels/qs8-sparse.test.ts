// Block-sparse qs8 GEMM: the SIMD kernel and its scalar twin in every build against the
// reference (the dense reference over weights with zeroed 4x8 blocks), int8 exact; against
// the dense kernel over the same weights; the packed size as planned; nothing written
// outside the output.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { zeroBlocks, qs8SparseGemmRef } from '../reference/qs8-sparse.js';
import type { GemmQuant } from '../reference/qs8-gemm.js';
import { prepareQs8Sparse, runQs8Sparse, blockSparsity, sparseGroupBlocks, qs8SparsePackedBytes } from '../../src/runtime/ops/qs8-sparse.js';
import { prepareQs8Gemm, runQs8Gemm } from '../../src/runtime/ops/qs8-gemm.js';
import { chooseKernel } from '../../src/runtime/kernel-table.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';

/** The block-sparse kernels each build has (the manifest's). */
const sparseKernels = (build: Build): string[] => kernelsOf('qs8_spgemm', build);

interface Case {
  name: string;
  M: number; N: number; K: number; aStride: number; cStride: number;
  a: Int8Array; w: Int8Array; bias: Int32Array | null; m: Float32Array; q: GemmQuant;
}

function makeCase(rng: Rng, name: string, sparsity: number, shape: Partial<Pick<Case, 'M' | 'N' | 'K'>> = {}, o: { zpIn?: number; w128?: boolean; lone?: boolean } = {}): Case {
  const M = shape.M ?? rng.int(1, 20);
  const N = shape.N ?? rng.pick([1, 3, 4, 5, 8, 12, 13, 31, 64]);
  const K = shape.K ?? rng.pick([1, 5, 8, 9, 16, 23, 64, 100, 257]);
  const aStride = K + rng.pick([0, 0, 3]);
  const cStride = N + rng.pick([0, 0, 2]);
  const a = rng.i8(M * K);
  let w = rng.i8(N * K, o.w128 ? -128 : -127, 127);
  w = zeroBlocks(w, N, K, 4, 8, () => rng.next() < sparsity);
  if (o.lone) {
    // Blocks with a single non-zero weight: stored, and the zeros beside it count.
    w = zeroBlocks(w, N, K, 4, 8, () => true);
    for (let i = 0; i < w.length; i += 37) w[i] = rng.pick([-127, -1, 1, 127]);
  }
  const bias = rng.next() < 0.2 ? null : rng.i32(N, -20000, 20000);
  const m = new Float32Array(N);
  for (let n = 0; n < N; n++) m[n] = Math.fround((0.5 + rng.next()) / (300 * Math.sqrt(K)));
  const zpOut = rng.int(-128, 127);
  const relu = rng.next() < 0.3;
  const q: GemmQuant = { zpIn: o.zpIn ?? rng.int(-128, 127), zpOut, qmin: relu ? Math.max(-128, zpOut) : -128, qmax: 127 };
  return { name, M, N, K, aStride, cStride, a, w, bias, m, q };
}

function cases(): Case[] {
  const rng = new Rng(0x5ba5);
  const out: Case[] = [];
  for (let i = 0; i < 80; i++) out.push(makeCase(rng, `random#${i}`, rng.pick([0, 0.3, 0.5, 0.7, 0.9, 1])));
  out.push(makeCase(rng, 'dense (no zero block)', 0, { M: 7, N: 13, K: 45 }));
  out.push(makeCase(rng, 'all blocks zero: output is the requantized bias', 1, { M: 5, N: 9, K: 40 }));
  out.push(makeCase(rng, 'lone non-zero weights', 0, { M: 6, N: 17, K: 70 }, { lone: true }));
  out.push(makeCase(rng, 'K < 8', 0.5, { M: 3, N: 8, K: 5 }));
  out.push(makeCase(rng, 'K=1', 0.5, { M: 4, N: 6, K: 1 }));
  out.push(makeCase(rng, 'M=1 (fully connected)', 0.7, { M: 1, N: 33, K: 800 }));
  out.push(makeCase(rng, 'several weight chunks', 0.3, { M: 5, N: 160, K: 1024 }));
  out.push(makeCase(rng, 'zp_in -128 (ReLU input)', 0.6, { M: 9, N: 20, K: 64 }, { zpIn: -128 }));
  out.push(makeCase(rng, 'weights of -128 read as -127', 0.5, { M: 5, N: 7, K: 33 }, { w128: true }));
  return out;
}

const SENTINEL = 0x5a;

async function runSparse(build: Build, kernel: string, c: Case): Promise<Int8Array> {
  const mem = await memoryFor(build);
  const layer = prepareQs8Sparse(mem, build, { n: c.N, k: c.K, weights: c.w, bias: c.bias, scale: c.m, ...c.q, kernel });
  expect(layer.packedBytes).toBe(qs8SparsePackedBytes(sparseGroupBlocks(c.w, c.N, c.K)));
  const aPtr = mem.alloc(c.M * c.aStride);
  const av = mem.i8(aPtr, c.M * c.aStride + 16);
  for (let i = 0; i < av.length; i++) av[i] = ((i * 41) % 253) - 126; // junk in the gaps and past the end
  for (let i = 0; i < c.M; i++) av.set(c.a.subarray(i * c.K, (i + 1) * c.K), i * c.aStride);
  const cBytes = c.M * c.cStride;
  const cPtr = mem.alloc(cBytes);
  mem.u8(cPtr, cBytes + 16).fill(SENTINEL);
  runQs8Sparse(mem, layer, c.M, aPtr, c.aStride, cPtr, c.cStride);
  const cv = mem.i8(cPtr, cBytes + 16);
  const out = new Int8Array(c.M * c.N);
  for (let i = 0; i < c.M; i++) {
    out.set(cv.subarray(i * c.cStride, i * c.cStride + c.N), i * c.N);
    for (let j = c.N; j < c.cStride; j++) if (cv[i * c.cStride + j] !== SENTINEL) throw new Error(`${kernel} (${build}) wrote into row gap ${i}:${j} [${c.name}]`);
  }
  for (let j = cBytes; j < cBytes + 16; j++) if (cv[j] !== SENTINEL) throw new Error(`${kernel} (${build}) wrote past the output [${c.name}]`);
  return out;
}

function expectSame(got: Int8Array, want: Int8Array, what: string, c: Case): void {
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      throw new Error(`${what}: C[${Math.floor(i / c.N)}][${i % c.N}] = ${got[i]}, want ${want[i]} (M=${c.M} N=${c.N} K=${c.K} block sparsity ${blockSparsity(c.w, c.N, c.K).toFixed(2)}) [${c.name}]`);
    }
  }
}

describe('qs8 block-sparse gemm', () => {
  const all = cases();

  it('every kernel in every build equals the reference (dense over zeroed blocks), bit for bit', async () => {
    let checked = 0;
    for (const c of all) {
      const want = qs8SparseGemmRef(c.M, c.N, c.K, c.a, c.w.map((v) => (v === -128 ? -127 : v)), c.bias, c.m, c.q);
      for (const build of TEST_BUILDS) {
        for (const kernel of sparseKernels(build)) {
          expectSame(await runSparse(build, kernel, c), want, `${kernel} (${build})`, c);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(all.length * 2);
  });

  it('equals the dense kernel of the build over the same weights', async () => {
    for (const c of all.slice(-9)) {
      for (const build of TEST_BUILDS) {
        const mem = await memoryFor(build);
        const dense = prepareQs8Gemm(mem, build, { n: c.N, k: c.K, weights: c.w, bias: c.bias, scale: c.m, ...c.q });
        const aPtr = mem.alloc(c.M * c.K);
        mem.i8(aPtr, c.M * c.K).set(c.a);
        const cPtr = mem.alloc(c.M * c.N);
        runQs8Gemm(mem, dense, c.M, aPtr, c.K, cPtr, c.N);
        const want = mem.i8(cPtr, c.M * c.N).slice(); // before runSparse reuses the memory
        expectSame(await runSparse(build, chooseKernel('qs8_spgemm', build).kernel, c), want, `sparse vs dense (${build})`, c);
      }
    }
  });

  it('stores only non-zero blocks; the wasm size function agrees with the host', async () => {
    const rng = new Rng(3);
    const c = makeCase(rng, 'size', 0.75, { M: 2, N: 64, K: 256 });
    const mem = await memoryFor('scalar');
    const layer = prepareQs8Sparse(mem, 'scalar', { n: c.N, k: c.K, weights: c.w, bias: c.bias, scale: c.m, ...c.q });
    expect(layer.totalBlocks).toBe(16 * 32);
    expect(layer.blocks / layer.totalBlocks).toBeCloseTo(1 - blockSparsity(c.w, c.N, c.K), 12);
    expect(layer.blocks).toBeLessThan(0.4 * layer.totalBlocks);
    const wPtr = mem.alloc(c.w.length);
    mem.i8(wPtr, c.w.length).set(c.w);
    const size = (mem.mod.exports.qs8_spgemm_packed_bytes as (w: number, n: number, k: number) => number)(wPtr, c.N, c.K);
    expect(size).toBe(layer.packedBytes);
  });

  it('the kernel table names kernels and packers each build exports', async () => {
    for (const build of TEST_BUILDS) {
      const mem = await memoryFor(build);
      const ch = chooseKernel('qs8_spgemm', build);
      expect(typeof mem.mod.exports[ch.kernel]).toBe('function');
      expect(typeof mem.mod.exports[ch.packer!]).toBe('function');
    }
  });

  it('checks its arguments', async () => {
    const mem = await memoryFor('scalar');
    const base = { n: 2, k: 3, weights: new Int8Array(6), scale: new Float32Array(2), zpIn: 0, zpOut: 0 };
    expect(() => prepareQs8Sparse(mem, 'scalar', { ...base, weights: new Int8Array(5) })).toThrow(RangeError);
    expect(() => prepareQs8Sparse(mem, 'scalar', { ...base, zpOut: -129 })).toThrow(RangeError);
    expect(() => prepareQs8Sparse(mem, 'scalar', { ...base, qmin: 3, qmax: 2 })).toThrow(RangeError);
    expect(() => prepareQs8Sparse(mem, 'scalar', { ...base, kernel: 'qs8_spgemm_2x4c8__wasmsimd' })).toThrow(TypeError);
  });
});

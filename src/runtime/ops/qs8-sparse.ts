// Block-sparse int8 GEMM (pruned fully connected / 1x1 conv): pack once, run many times.
//
//   const layer = prepareQs8Sparse(mem, build, { n, k, weights, bias, scale, zpIn, zpOut, qmin, qmax });
//   runQs8Sparse(mem, layer, m, a, aStride, c, cStride);   // same contract as runQs8Gemm
//
// The weights stay canonical dense [N][K]; the packer stores only the 4-channel x 8-K
// blocks that hold a non-zero weight (assembly/qs8/sparse_scalar.ts), so the result is
// bit-identical to the dense kernel over the same weights.
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { chooseKernel } from '../kernel-table.js';
import { writeParams } from '../params.js';
import { QS8_GEMM } from '../param-blocks.js';
import type { Qs8GemmSpec } from './qs8-gemm.js';
import { zeroBlockFraction } from '../../ir/ops/sparse.js';

/** Output channels x K of the blocks the kernel skips. */
export const SPARSE_BLOCK: readonly [number, number] = [4, 8];

export interface Qs8SparseLayer {
  readonly kernel: string;
  readonly n: number;
  readonly k: number;
  readonly packed: number;
  readonly packedBytes: number;
  /** Stored (non-zero) blocks and all blocks of the layer. */
  readonly blocks: number;
  readonly totalBlocks: number;
  readonly params: number;
}

/** Non-zero 4x8 blocks per group of 4 output channels (a -128 is a non-zero weight, like any other). */
export function sparseGroupBlocks(w: ArrayLike<number>, n: number, k: number): Int32Array {
  const groups = Math.ceil(n / 4), kb = Math.ceil(k / 8);
  const out = new Int32Array(groups);
  for (let g = 0; g < groups; g++) {
    for (let b = 0; b < kb; b++) {
      let nz = false;
      for (let j = g * 4; j < Math.min(n, g * 4 + 4) && !nz; j++) {
        for (let t = b * 8; t < Math.min(k, b * 8 + 8); t++) if (w[j * k + t] !== 0) { nz = true; break; }
      }
      if (nz) out[g]++;
    }
  }
  return out;
}

/** Bytes of the "sp4c8" packing (layout in assembly/qs8/sparse_scalar.ts). */
export function qs8SparsePackedBytes(groupBlocks: Int32Array): number {
  const r4 = (x: number) => Math.ceil(x / 4) * 4;
  let bytes = 4 * r4(groupBlocks.length);
  for (const nb of groupBlocks) bytes += 48 + 4 * r4(nb) + 32 * nb;
  return bytes;
}

/** Fraction of the layer's 4x8 blocks (the kernel's tile) that are entirely zero. */
export function blockSparsity(w: ArrayLike<number>, n: number, k: number): number {
  return zeroBlockFraction(w, n, k, SPARSE_BLOCK);
}

function checkInt8(fields: Record<string, number>): void {
  for (const [key, v] of Object.entries(fields)) {
    if (!Number.isInteger(v) || v < -128 || v > 127) throw new RangeError(`sparse gemm ${key} must be an int8, got ${v}`);
  }
}

/** Check the spec, pack the non-zero blocks and write the params. Call once at load. */
export function prepareQs8Sparse(mem: LinearMemory, build: Build, spec: Qs8GemmSpec): Qs8SparseLayer {
  const { n, k } = spec;
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(k) || k < 1) throw new RangeError(`sparse gemm: bad size n=${n} k=${k}`);
  if (spec.weights.length !== n * k) throw new RangeError(`sparse gemm weights: want ${n * k} (N*K), got ${spec.weights.length}`);
  if (spec.scale.length !== n) throw new RangeError(`sparse gemm scale: want ${n} channels, got ${spec.scale.length}`);
  if (spec.bias && spec.bias.length !== n) throw new RangeError(`sparse gemm bias: want ${n} channels, got ${spec.bias.length}`);
  const qmin = spec.qmin ?? -128, qmax = spec.qmax ?? 127;
  checkInt8({ zpIn: spec.zpIn, zpOut: spec.zpOut, qmin, qmax });
  if (qmin > qmax) throw new RangeError(`sparse gemm qmin ${qmin} > qmax ${qmax}`);
  const choice = chooseKernel('qs8_spgemm', build);
  const kernel = spec.kernel ?? choice.kernel;
  const exp = mem.mod.exports;
  kernelFn(exp, kernel);
  const pack = kernelFn(exp, choice.packer!) as unknown as (...args: number[]) => number;

  const groupBlocks = sparseGroupBlocks(spec.weights, n, k);
  const packedBytes = qs8SparsePackedBytes(groupBlocks);
  const packed = mem.alloc(packedBytes);
  const wrote = mem.temporary(() => pack(mem.put(spec.weights), spec.bias ? mem.put(spec.bias) : 0, mem.put(spec.scale), spec.zpIn, n, k, packed));
  if (wrote !== packedBytes) throw new Error(`sparse gemm packer wrote ${wrote} bytes, the host planned ${packedBytes}`);
  const params = writeParams(mem, QS8_GEMM, { zp_out: spec.zpOut, qmin, qmax });
  const blocks = groupBlocks.reduce((a, b) => a + b, 0);
  return { kernel, n, k, packed, packedBytes, blocks, totalBlocks: groupBlocks.length * Math.ceil(k / 8), params };
}

/** C[m][n] = requant(A[m][k] x W^T), as runQs8Gemm (rows read up to 7 bytes past k). */
export function runQs8Sparse(
  mem: LinearMemory, layer: Qs8SparseLayer, m: number, a: number, aStride: number, c: number, cStride: number = layer.n,
): void {
  if (m < 1) return;
  kernelFn(mem.mod.exports, layer.kernel)(m, layer.n, layer.k, a, aStride, layer.packed, c, cStride, layer.params);
}

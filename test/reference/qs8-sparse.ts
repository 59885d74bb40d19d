// Reference for the block-sparse int8 GEMM: a block-sparse matrix is, by definition, the
// dense matrix with some blocks set to zero, so the reference is the dense qs8 GEMM
// reference (qs8-gemm.ts) over the weights with those blocks zeroed.
import { qs8GemmRef, type GemmQuant } from './qs8-gemm.js';

/**
 * Zero the blocks of w[N][K] (blocks of bn output channels x bk consecutive K) for which
 * `drop(group, kblock)` is true. Returns a new array.
 */
export function zeroBlocks(
  w: Int8Array, N: number, K: number, bn: number, bk: number, drop: (group: number, kblock: number) => boolean,
): Int8Array {
  const out = w.slice();
  for (let g = 0; g * bn < N; g++) {
    for (let b = 0; b * bk < K; b++) {
      if (!drop(g, b)) continue;
      for (let n = g * bn; n < Math.min(N, (g + 1) * bn); n++) for (let k = b * bk; k < Math.min(K, (b + 1) * bk); k++) out[n * K + k] = 0;
    }
  }
  return out;
}

/** C[M][N] int8 of A[M][K] times the block-sparse W (given dense, zero blocks included). */
export function qs8SparseGemmRef(
  M: number, N: number, K: number, a: Int8Array, wSparse: Int8Array, bias: Int32Array | null, m: Float32Array, q: GemmQuant,
): Int8Array {
  return qs8GemmRef(M, N, K, a, wSparse, bias, m, q);
}

// Block-structured sparsity of a conv2d / gemm's weights (docs/ir.md, "Sparse layers"): the
// weights are zero in whole blocks of block[0] output channels x block[1] consecutive K. The
// block is a property of the weights (the pruner's choice, PRUNE_BLOCK); the runtime runs an
// int8 gemm or 1x1 conv that carries the flag on its block-sparse kernel, whose tile must
// divide the block to skip whole blocks (it is correct for any block).
import type { TensorInfo } from '../types.js';
import { fail, intTuple, type StepContext, type OpNode } from './def.js';
import { int8Params } from './quant-params.js';
import { int8Range } from '../../runtime/ops/activation.js';
import { prepareQs8Sparse, runQs8Sparse } from '../../runtime/ops/qs8-sparse.js';

export interface SparseAttr {
  block: [number, number];
}

/** The optional `sparse` attribute of a conv2d / gemm, checked: an object with an integer block >= 1. */
export function checkSparse(node: OpNode<{ sparse?: SparseAttr }>): void {
  const sp = node.attrs.sparse as unknown;
  if (sp === undefined) return;
  if (typeof sp !== 'object' || sp === null) fail(node, 'attrs.sparse must be an object {block: [channels, k]}');
  intTuple(node, sp as Record<string, unknown>, 'block', 2, 1);
}

/** The block `branchy convert --prune` zeroes: 4 output channels x 8 K (the sparse kernel's tile). */
export const PRUNE_BLOCK: readonly [number, number] = [4, 8];

/** Fraction of the [N][K] weights' `block`-sized blocks that are entirely zero. */
export function zeroBlockFraction(w: ArrayLike<number>, n: number, k: number, block: readonly [number, number] = PRUNE_BLOCK): number {
  const [bn, bk] = block;
  const groups = Math.ceil(n / bn), kb = Math.ceil(k / bk);
  let zero = 0;
  for (let g = 0; g < groups; g++) {
    for (let b = 0; b < kb; b++) {
      let nz = false;
      for (let j = g * bn; j < Math.min(n, g * bn + bn) && !nz; j++) {
        for (let t = b * bk; t < Math.min(k, b * bk + bk); t++) if (w[j * k + t] !== 0) { nz = true; break; }
      }
      if (!nz) zero++;
    }
  }
  return zero / (groups * kb);
}

type SparseNode = OpNode<{ sparse?: SparseAttr; kernel?: [number, number]; strides?: [number, number]; pads?: number[] }>;

/**
 * The GEMM a node with `attrs.sparse` runs as (M rows, K, N): a gemm, or a 1x1 stride-1
 * unpadded conv2d over NHWC. Null when the node has no sparse flag or no sparse form (a
 * k x k conv keeps the dense kernel; its zeros are still correct).
 */
export function sparseShape(node: SparseNode, x: TensorInfo, y: TensorInfo): { m: number; k: number; n: number } | null {
  const a = node.attrs;
  if (!a.sparse) return null;
  if (node.op === 'gemm') return { m: x.shape.slice(1, -1).reduce((p, d) => p * d, 1), k: x.shape.at(-1)!, n: y.shape.at(-1)! };
  const pointwise = a.kernel![0] === 1 && a.kernel![1] === 1 && a.strides![0] === 1 && a.strides![1] === 1 && a.pads!.every((p) => p === 0);
  return pointwise ? { m: x.shape[1] * x.shape[2], k: x.shape[3], n: y.shape[3] } : null;
}

/** The step of an int8 layer with a sparse form (sparseShape): the block-sparse kernel. */
export function createSparse(ctx: StepContext, node: SparseNode): () => void {
  const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
  const s = sparseShape(node, x, y)!;
  const q = int8Params(node, x, y, ctx.info(node.inputs[1]), s.n, ctx.graph.requantScale);
  const layer = prepareQs8Sparse(ctx.mem, ctx.build, {
    n: s.n, k: s.k, weights: ctx.constant(node as never, 1, Int8Array)!, bias: ctx.constant(node as never, 2, Int32Array), scale: q.scale,
    zpIn: q.in.zeroPoint, zpOut: q.out.zeroPoint, ...int8Range(ctx.clamp, q.out.scale, q.out.zeroPoint),
  });
  const [X, Y] = [ctx.x[0], ctx.y[0]];
  return () => runQs8Sparse(ctx.mem, layer, s.m, X.ptr, s.k, Y.ptr, s.n);
}

// Magnitude pruning in blocks the sparse kernel skips (docs/compression.md, "Pruning").
// IR -> IR on a float graph: in every eligible layer (gemm, 1x1 stride-1 unpadded conv2d,
// constant f32 weights) the weights [N][K] are cut into blocks of 4 output channels x 8
// consecutive K (PRUNE_BLOCK, the block-sparse kernel's tile); a block's score is its mean
// |w|; the lowest-scoring blocks become zero, `sparsity` of them per layer, or of all
// eligible blocks together with one threshold (`global`, magnitudes compared as they are,
// as global magnitude pruning does). A layer left with at least `flagAbove` zero blocks gets
// `attrs.sparse` so that the runtime runs it int8 with the block-sparse kernel.
import { BranchyUnsupportedError } from '../errors.js';
import { validateGraph } from '../ir/graph.js';
import { nodeMacs } from '../ir/macs.js';
import type { Graph, Node, Weights } from '../ir/types.js';
import { PRUNE_BLOCK, zeroBlockFraction } from '../ir/ops/sparse.js';
import { compareRuns, type Observe, type TensorError } from './calib-error.js';

export interface PruneOptions {
  /** Fraction of blocks set to zero, in [0, 1). */
  sparsity: number;
  /** 'layer': each layer at `sparsity` (default); 'global': one threshold over every eligible layer. */
  scope?: 'layer' | 'global';
  /** Prune only these nodes (default: every eligible node). */
  layers?: string[];
  /** Never prune these nodes. */
  skip?: string[];
  /** Mark a layer for the sparse kernel from this block sparsity on (default 0.25: the kernel breaks even at 10-20%, docs/compression.md). */
  flagAbove?: number;
  /** Runs a graph over calibration data (calib-error.ts): then the report has the error the pass introduced. */
  observe?: Observe;
}

export interface PruneLayerReport {
  node: string;
  op: string;
  /** Blocks of the layer and how many are zero after the pass (zero blocks before included). */
  blocks: number;
  zeroBlocks: number;
  sparsity: number;
  /** Non-zero weights before and after. */
  nonzeroBefore: number;
  nonzeroAfter: number;
  /** MACs per sample before and those the sparse kernel still does (stored blocks only). */
  macs: number;
  macsAfter: number;
  /** Runs with the block-sparse kernel (int8). */
  flagged: boolean;
  /** This layer's output against the unpruned graph's, on the calibration set. */
  error?: TensorError;
}

export interface PruneResult {
  graph: Graph;
  weights: Weights;
  layers: PruneLayerReport[];
  /** Non-zero weight bytes (f32) before and after, over the whole graph. */
  bytesBefore: number;
  bytesAfter: number;
  /** Each graph output against the unpruned graph's, on the calibration set. */
  outputError?: Map<string, TensorError>;
  ms: number;
}

/** The [N][K] view of an eligible node's weights, or null when the node cannot run block-sparse. */
export function sparseEligible(graph: Graph, weights: Weights, node: Node): { n: number; k: number } | null {
  const w = graph.tensors.find((t) => t.name === node.inputs[1]);
  if (!w?.constant || !(weights.get(w.name) instanceof Float32Array)) return null;
  if (node.op === 'gemm') return { n: w.shape[0], k: w.shape[1] };
  if (node.op === 'conv2d') {
    const a = node.attrs;
    const pointwise = a.kernel[0] === 1 && a.kernel[1] === 1 && a.strides[0] === 1 && a.strides[1] === 1 && a.pads.every((p) => p === 0);
    return pointwise ? { n: w.shape[0], k: w.shape[3] } : null;
  }
  return null;
}

const nonzero = (w: ArrayLike<number>): number => {
  let c = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) c++;
  return c;
};

/** Prunes a float graph (see the file comment). The input graph and weights are not modified. */
export async function pruneGraph(graph: Graph, weights: Weights, opts: PruneOptions): Promise<PruneResult> {
  const t0 = performance.now();
  const { sparsity } = opts;
  if (!(sparsity >= 0 && sparsity < 1)) throw new BranchyUnsupportedError(`prune: sparsity must be in [0, 1), got ${sparsity}`);
  const scope = opts.scope ?? 'layer';
  const flagAbove = opts.flagAbove ?? 0.25;
  const g: Graph = JSON.parse(JSON.stringify(graph)) as Graph;
  validateGraph(g, { weights });
  for (const name of [...(opts.layers ?? []), ...(opts.skip ?? [])]) {
    if (!g.nodes.some((n) => n.name === name)) throw new BranchyUnsupportedError(`prune: no node named '${name}' (nodes: ${g.nodes.map((n) => n.name).join(', ')})`);
  }
  const [BN, BK] = PRUNE_BLOCK;
  const targets = g.nodes.flatMap((node) => {
    if (opts.layers && !opts.layers.includes(node.name)) return [];
    if (opts.skip?.includes(node.name)) return [];
    const shape = sparseEligible(g, weights, node);
    if (!shape) {
      if (opts.layers) throw new BranchyUnsupportedError(`prune: node '${node.name}' (${node.op}) cannot run block-sparse (gemm or 1x1 stride-1 unpadded conv2d with constant f32 weights)`);
      return [];
    }
    const w = (weights.get(node.inputs[1]) as Float32Array).slice();
    const groups = Math.ceil(shape.n / BN), kb = Math.ceil(shape.k / BK);
    const score = new Float64Array(groups * kb);
    for (let gi = 0; gi < groups; gi++) {
      for (let b = 0; b < kb; b++) {
        let s = 0, c = 0;
        for (let j = gi * BN; j < Math.min(shape.n, gi * BN + BN); j++) {
          for (let t = b * BK; t < Math.min(shape.k, b * BK + BK); t++, c++) s += Math.abs(w[j * shape.k + t]);
        }
        score[gi * kb + b] = s / c;
      }
    }
    return [{ node, ...shape, w, groups, kb, score }];
  });
  if (targets.length === 0) throw new BranchyUnsupportedError('prune: the graph has no layer the block-sparse kernel runs (gemm or 1x1 conv2d with f32 weights)');

  // Thresholds: the score at rank sparsity * blocks, per layer or over every block.
  const cut = (scores: Float64Array[]): number => {
    const all = Float64Array.from(scores.flatMap((s) => Array.from(s))).sort();
    const drop = Math.floor(sparsity * all.length);
    return drop === 0 ? -Infinity : all[drop - 1];
  };
  const globalCut = scope === 'global' ? cut(targets.map((t) => t.score)) : 0;
  const w2: Weights = new Map(weights);
  const layers: PruneLayerReport[] = [];
  let bytesBefore = 0, bytesAfter = 0;
  for (const v of weights.values()) if (v instanceof Float32Array) bytesBefore += 4 * nonzero(v);
  bytesAfter = bytesBefore;
  for (const t of targets) {
    const before = nonzero(t.w);
    // Per layer: exactly floor(sparsity * blocks) blocks, lowest scores first (ties by position).
    const drop = new Uint8Array(t.score.length);
    if (scope === 'global') t.score.forEach((s, i) => (drop[i] = s <= globalCut ? 1 : 0));
    else {
      const idx = Array.from(t.score.keys()).sort((a, b) => t.score[a] - t.score[b] || a - b);
      for (const i of idx.slice(0, Math.floor(sparsity * idx.length))) drop[i] = 1;
    }
    for (let gi = 0; gi < t.groups; gi++) {
      for (let b = 0; b < t.kb; b++) {
        if (!drop[gi * t.kb + b]) continue;
        for (let j = gi * BN; j < Math.min(t.n, gi * BN + BN); j++) t.w.fill(0, j * t.k + b * BK, j * t.k + Math.min(t.k, b * BK + BK));
      }
    }
    const newName = `${t.node.inputs[1]}_pruned`;
    const info = g.tensors.find((x) => x.name === t.node.inputs[1])!;
    g.tensors.push({ ...info, name: newName });
    t.node.inputs[1] = newName;
    w2.set(newName, t.w);
    const sp = zeroBlockFraction(t.w, t.n, t.k, PRUNE_BLOCK);
    const flagged = sp >= flagAbove;
    if (flagged) (t.node.attrs as { sparse?: { block: [number, number] } }).sparse = { block: [BN, BK] };
    else delete (t.node.attrs as { sparse?: unknown }).sparse;
    const macs = nodeMacs(g, t.node);
    const after = nonzero(t.w);
    bytesAfter -= 4 * (before - after);
    layers.push({
      node: t.node.name, op: t.node.op, blocks: t.groups * t.kb, zeroBlocks: Math.round(sp * t.groups * t.kb), sparsity: sp,
      nonzeroBefore: before, nonzeroAfter: after, macs, macsAfter: flagged ? Math.round(macs * (1 - sp)) : macs, flagged,
    });
  }
  // Drop the unpruned weights that nothing reads any more.
  const used = new Set(g.nodes.flatMap((n) => n.inputs));
  g.tensors = g.tensors.filter((t) => !t.constant || used.has(t.name));
  for (const name of [...w2.keys()]) if (!used.has(name)) w2.delete(name);
  validateGraph(g, { weights: w2 });

  let outputError: Map<string, TensorError> | undefined;
  if (opts.observe) {
    const tensors = [...g.outputs, ...targets.map((t) => t.node.outputs[0])];
    const err = await compareRuns(opts.observe, { graph, weights }, { graph: g, weights: w2 }, tensors);
    layers.forEach((l, i) => (l.error = err.get(targets[i].node.outputs[0])));
    outputError = new Map(g.outputs.map((o) => [o, err.get(o)!]));
  }
  return { graph: g, weights: w2, layers, bytesBefore, bytesAfter, outputError, ms: performance.now() - t0 };
}

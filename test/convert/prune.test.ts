// Block magnitude pruning (src/convert/prune.ts): which blocks go, per layer and global; the
// sparse flag; the int8 model on the runtime's block-sparse kernel is bit-identical to the
// dense kernel over the same weights and to the integer reference; LeNet keeps its accuracy.
import { beforeAll, describe, expect, it } from 'vitest';
import { pruneGraph } from '../../src/convert/prune.js';
import { quantizeGraph } from '../../src/convert/quantize.js';
import { blockSparsity } from '../../src/runtime/ops/qs8-sparse.js';
import { fromGraph } from '../../src/runtime/model.js';
import type { Graph } from '../../src/ir/types.js';
import { evalQuantGraph } from '../reference/ir-eval.js';
import { accuracy, lenet, type Lenet } from './mnist-lenet.js';

let l: Lenet;
let floatAcc: number;
beforeAll(async () => {
  l = await lenet();
  floatAcc = await accuracy(l, l.graph, l.weights);
});

const wOf = (g: Graph, w: Map<string, unknown>, node: string) => w.get(g.nodes.find((n) => n.name === node)!.inputs[1]) as Float32Array;

describe('pruneGraph', () => {
  it('per layer: exactly floor(s·blocks) blocks of 4x8 become zero, the lowest mean |w| first', async () => {
    const r = await pruneGraph(l.graph, l.weights, { sparsity: 0.6, layers: ['/fc1/Gemm'] });
    const before = wOf(l.graph, l.weights, '/fc1/Gemm'), after = wOf(r.graph, r.weights, '/fc1/Gemm');
    expect(before).not.toBe(after);
    const blocks = 125 * 100; // 500/4 x 800/8
    const scores: { s: number; zero: boolean }[] = [];
    for (let g = 0; g < 125; g++) for (let b = 0; b < 100; b++) {
      let s = 0, zero = true;
      for (let j = g * 4; j < g * 4 + 4; j++) for (let t = b * 8; t < b * 8 + 8; t++) {
        s += Math.abs(before[j * 800 + t]);
        const a = after[j * 800 + t];
        if (a !== 0) zero = false;
        if (a !== 0) expect(a).toBe(before[j * 800 + t]); // kept blocks are untouched
      }
      scores.push({ s, zero });
    }
    expect(scores.filter((x) => x.zero).length).toBe(Math.floor(0.6 * blocks));
    const maxZero = Math.max(...scores.filter((x) => x.zero).map((x) => x.s));
    const minKept = Math.min(...scores.filter((x) => !x.zero).map((x) => x.s));
    expect(maxZero).toBeLessThanOrEqual(minKept);
    expect(r.layers).toHaveLength(1);
    expect(r.layers[0]).toMatchObject({ node: '/fc1/Gemm', flagged: true, blocks });
    expect(r.graph.nodes.find((n) => n.name === '/fc1/Gemm')!.attrs).toEqual({ sparse: { block: [4, 8] } });
    expect(r.bytesAfter).toBeLessThan(r.bytesBefore);
    expect(JSON.stringify(l.graph)).not.toContain('sparse'); // the input graph is left alone
  });

  it('global: one threshold over all layers, so the big fully connected layer takes most of the cut', async () => {
    const r = await pruneGraph(l.graph, l.weights, { sparsity: 0.7, scope: 'global' });
    const fc1 = r.layers.find((x) => x.node === '/fc1/Gemm')!, fc2 = r.layers.find((x) => x.node === '/fc2/Gemm')!;
    const total = r.layers.reduce((a, x) => a + x.blocks, 0), zero = r.layers.reduce((a, x) => a + x.zeroBlocks, 0);
    expect(zero / total).toBeCloseTo(0.7, 2);
    expect(fc1.sparsity).toBeGreaterThan(fc2.sparsity);
    expect(fc2.flagged).toBe(fc2.sparsity >= 0.25);
  });

  it('LeNet, 70% global: the f32 and the int8 model (block-sparse kernel) keep accuracy within 1.5 points; int8 is bit-exact', async () => {
    const p = await pruneGraph(l.graph, l.weights, { sparsity: 0.7, scope: 'global', observe: l.observe });
    expect(p.outputError!.get('logits')!.mse).toBeGreaterThan(0);
    expect(p.layers.find((x) => x.node === '/fc1/Gemm')!.error!.mse).toBeGreaterThan(0);
    expect(await accuracy(l, p.graph, p.weights)).toBeGreaterThanOrEqual(floatAcc - 0.015);
    const q = await quantizeGraph(p.graph, p.weights, { method: 'minmax', observe: l.observe, outputError: false });
    const fc1 = q.graph.nodes.find((n) => n.name === '/fc1/Gemm')!;
    expect(fc1.attrs).toEqual({ sparse: { block: [4, 8] } });
    expect(blockSparsity(q.weights.get(fc1.inputs[1]) as Int8Array, 500, 800)).toBeGreaterThan(0.7);
    expect(await accuracy(l, q.graph, q.weights)).toBeGreaterThanOrEqual(floatAcc - 0.015);
    // The sparse kernel (flag) and the dense one (no flag) over the same int8 weights, every build, and the reference.
    const dense: Graph = JSON.parse(JSON.stringify(q.graph));
    for (const n of dense.nodes) delete (n.attrs as { sparse?: unknown }).sparse;
    for (const build of ['scalar', 'simd'] as const) {
      const ms = await fromGraph(q.graph, q.weights, { build }), md = await fromGraph(dense, q.weights, { build });
      for (let i = 0; i < 20; i++) {
        const x = l.test.images.subarray(i * 784, (i + 1) * 784);
        const a = ms.run(x).logits.data, b = md.run(x).logits.data;
        expect(Array.from(a)).toEqual(Array.from(b));
        if (build === 'simd' && i < 5) {
          const f = Float32Array.from(x, (v) => (v / 255 - 0.1307) / 0.3081);
          expect(Array.from(a)).toEqual(Array.from(evalQuantGraph(q.graph, q.weights, { input: f }).get('logits') as Float32Array));
        }
      }
    }
  });

  it('rejects bad options, naming what to do', async () => {
    await expect(pruneGraph(l.graph, l.weights, { sparsity: 1 })).rejects.toThrow(/\[0, 1\)/);
    await expect(pruneGraph(l.graph, l.weights, { sparsity: 0.5, layers: ['nope'] })).rejects.toThrow(/no node named 'nope'/);
    await expect(pruneGraph(l.graph, l.weights, { sparsity: 0.5, layers: ['/conv2/Conv'] })).rejects.toThrow(/cannot run block-sparse/);
  });
});

describe('command-line options', () => {
  it('--prune, --lowrank and --method parse what the usage says and reject the rest', async () => {
    const { parsePrune, parseLowRank, parseMethod } = await import('../../src/cli/compress.js');
    expect(parsePrune('0.7')).toEqual({ sparsity: 0.7, scope: 'layer' });
    expect(parsePrune('0.9,global')).toEqual({ sparsity: 0.9, scope: 'global' });
    for (const bad of ['1', '-0.1', 'x', '0.5,everywhere', '0.5,global,x']) expect(() => parsePrune(bad)).toThrow(/SPARSITY\[,global\]/);
    expect(parseLowRank('energy:0.9')).toEqual({ kind: 'energy', keep: 0.9 });
    expect(parseLowRank('macs:0.5')).toEqual({ kind: 'macs', ratio: 0.5 });
    for (const bad of ['energy:0', 'macs:1', 'rank:4', 'energy']) expect(() => parseLowRank(bad)).toThrow(/energy:F/);
    expect(parseMethod('sigma')).toBe('sigma');
    expect(() => parseMethod('kmean')).toThrow(/minmax, percentile, sigma, kmeans/);
  });
});

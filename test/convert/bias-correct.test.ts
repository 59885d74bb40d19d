// Bias correction (src/convert/bias-correct.ts): the mean output shift that a layer's weight
// error causes, computed from the mean map of its input, against the shift measured by running
// the layer (the reference evaluator) with and without the error, on convs with groups, strides,
// dilations and uneven padding, a depthwise conv and a gemm.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { MeanMap, weightErrorShift } from '../../src/convert/bias-correct.js';
import type { Graph, Node, Weights } from '../../src/ir/types.js';
import { evalGraph } from '../reference/ir-eval.js';

interface Case {
  name: string;
  node: Omit<Node, 'inputs' | 'outputs' | 'name'>;
  x: number[];
  w: number[];
  y: number[];
}

const win = (k: number, s: number, d: number, pads: [number, number, number, number]) => ({
  kernel: [k, k] as [number, number], strides: [s, s] as [number, number], dilations: [d, d] as [number, number], pads,
});

const CASES: Case[] = [
  { name: 'conv2d 3x3, stride 2, dilation 2, uneven pads, 2 groups', node: { op: 'conv2d', attrs: { ...win(3, 2, 2, [1, 2, 0, 1]), groups: 2 } }, x: [1, 9, 8, 6], w: [4, 3, 3, 3], y: [1, 3, 4, 4] },
  { name: 'conv2d 1x1', node: { op: 'conv2d', attrs: win(1, 1, 1, [0, 0, 0, 0]) }, x: [1, 5, 5, 7], w: [3, 1, 1, 7], y: [1, 5, 5, 3] },
  { name: 'dwconv2d 3x3, stride 2, pads 1', node: { op: 'dwconv2d', attrs: { ...win(3, 2, 1, [1, 1, 1, 1]), multiplier: 1 } }, x: [1, 7, 7, 5], w: [3, 3, 5], y: [1, 4, 4, 5] },
  { name: 'gemm', node: { op: 'gemm', attrs: {} }, x: [1, 12], w: [6, 12], y: [1, 6] },
];

function run(c: Case, w: Float32Array, x: Float32Array): Float32Array {
  const graph: Graph = {
    tensors: [
      { name: 'x', shape: c.x, dtype: 'f32' }, { name: 'w', shape: c.w, dtype: 'f32', constant: true }, { name: 'y', shape: c.y, dtype: 'f32' },
    ],
    nodes: [{ ...c.node, name: 'layer', inputs: ['x', 'w'], outputs: ['y'] } as Node],
    inputs: ['x'],
    outputs: ['y'],
  };
  const weights: Weights = new Map([['w', w]]);
  return evalGraph(graph, weights, { x }).get('y')!;
}

describe('weightErrorShift', () => {
  for (const c of CASES) {
    it(`${c.name}: equals the measured mean output shift, channel by channel`, () => {
      const rng = new Rng(11);
      const size = c.w.reduce((a, b) => a * b, 1);
      const w = rng.f32(size, -1, 1);
      const eps = Float64Array.from(rng.f32(size, -0.05, 0.05));
      const we = Float32Array.from(w, (v, i) => v + eps[i]);
      const xSize = c.x.slice(1).reduce((a, b) => a * b, 1);
      const O = c.y.at(-1)!;
      const mean = new MeanMap(xSize);
      const measured = new Float64Array(O);
      const samples = 6;
      for (let s = 0; s < samples; s++) {
        // Inputs with a non-zero mean that varies by position and channel (a ReLU map's would).
        const x = Float32Array.from(rng.f32(xSize, 0, 2), (v, i) => v * (1 + (i % 5)));
        mean.add(x);
        const a = run(c, w, x), b = run(c, we, x);
        for (let i = 0; i < a.length; i++) measured[i % O] += (b[i] - a[i]) / (samples * (a.length / O));
      }
      const t = (shape: number[]) => ({ name: '', shape, dtype: 'f32' as const });
      const node = { ...c.node, name: 'layer', inputs: ['x', 'w'], outputs: ['y'] } as Node;
      const got = weightErrorShift(node, eps, mean.mean(), t(c.x), t(c.y));
      const scale = Math.max(...measured.map(Math.abs));
      expect(scale).toBeGreaterThan(1e-3);
      for (let o = 0; o < O; o++) expect(Math.abs(got[o] - measured[o]), `channel ${o}`).toBeLessThan(1e-5 * scale + 1e-6);
    });
  }
});

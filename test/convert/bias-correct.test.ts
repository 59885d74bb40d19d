// Bias correction (src/convert/bias-correct.ts): the mean output shift that a layer's weight
// error causes, computed from the mean map of its input, against the shift measured by running
// the layer (the reference evaluator) with and without the error, on convs with groups, strides,
// dilations and uneven padding, a depthwise conv and a gemm; then quantizeGraph's biasCorrect
// through the runtime on a two-layer net, one layer without a bias.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { MeanMap, weightErrorShift } from '../../src/convert/bias-correct.js';
import type { Graph, Node, Weights } from '../../src/ir/types.js';
import { evalGraph } from '../reference/ir-eval.js';
import { quantizeGraph } from '../../src/convert/quantize.js';
import { runtimeObserve } from '../../src/cli/compress.js';
import { fromGraph } from '../../src/runtime/model.js';

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

describe('quantizeGraph biasCorrect', () => {
  it('gives a bias-less layer a bias, and moves each output channel\'s int8 mean to the float one', async () => {
    const rng = new Rng(5);
    const k3 = win(3, 1, 1, [1, 1, 1, 1]), k1 = win(1, 1, 1, [0, 0, 0, 0]);
    const graph: Graph = {
      tensors: [
        { name: 'x', shape: [1, 8, 8, 4], dtype: 'f32' }, { name: 'w1', shape: [6, 3, 3, 4], dtype: 'f32', constant: true },
        { name: 'h', shape: [1, 8, 8, 6], dtype: 'f32' }, { name: 'w2', shape: [5, 1, 1, 6], dtype: 'f32', constant: true },
        { name: 'b2', shape: [5], dtype: 'f32', constant: true }, { name: 'y', shape: [1, 8, 8, 5], dtype: 'f32' },
      ],
      nodes: [
        { name: 'c1', op: 'conv2d', inputs: ['x', 'w1'], outputs: ['h'], attrs: k3, act: { kind: 'relu' } },
        { name: 'c2', op: 'conv2d', inputs: ['h', 'w2', 'b2'], outputs: ['y'], attrs: k1 },
      ],
      inputs: ['x'],
      outputs: ['y'],
    };
    // One large weight per output channel: a coarse int8 step for the others, so a large rounding error.
    const w1 = Float32Array.from(rng.f32(216, -0.3, 0.3), (v, i) => (i % 36 === 0 ? 2 : v));
    const w2 = Float32Array.from(rng.f32(30, -0.5, 0.5), (v, i) => (i % 6 === 0 ? 2 : v));
    const weights: Weights = new Map([['w1', w1], ['w2', w2], ['b2', rng.f32(5, -0.1, 0.1)]]);
    // Inputs with a large mean, so that weight rounding shifts the outputs' means.
    const calib = Array.from({ length: 16 }, () => rng.f32(256, 0.5, 2));
    const observe = runtimeObserve(calib, '');
    const meanError = async (g: Graph, w: Weights) => {
      const [mq, mf] = [await fromGraph(g, w), await fromGraph(graph, weights)];
      const d = new Float64Array(5);
      for (const x of calib) {
        const [a, b] = [mq.run(x).y.data, mf.run(x).y.data];
        for (let i = 0; i < a.length; i++) d[i % 5] += (a[i] - b[i]) / (calib.length * 64);
      }
      return Math.hypot(...d);
    };
    const plain = await quantizeGraph(graph, weights, { method: 'minmax', observe, outputError: false });
    const bc = await quantizeGraph(graph, weights, { method: 'minmax', observe, outputError: false, biasCorrect: true });
    expect(plain.graph.nodes.find((n) => n.name === 'c1')!.inputs).toHaveLength(2);
    expect(bc.graph.nodes.find((n) => n.name === 'c1')!.inputs).toHaveLength(3);
    const [ePlain, eBc] = [await meanError(plain.graph, plain.weights), await meanError(bc.graph, bc.weights)];
    expect(ePlain).toBeGreaterThan(1e-3);
    expect(eBc).toBeLessThan(0.5 * ePlain);
  });
});

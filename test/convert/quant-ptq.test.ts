// Post-training quantization (src/convert/quantize.ts) of a small CNN trained on MNIST
// (test/fixtures/quant_mnist_cnn.onnx): calibrated on 100 training digits through the f32
// reference evaluator, then the int8 graph (int8 reference evaluator) against the float one
// on 200 test digits.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { quantizeGraph } from '../../src/convert/quantize.js';
import type { QuantizeOptions, QuantizeResult } from '../../src/convert/quantize.js';
import { loadMnist } from '../../src/cli/datasets.js';
import type { Dataset } from '../../src/cli/datasets.js';
import { BranchyUnsupportedError } from '../../src/errors.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { evalGraph, evalQuantGraph } from '../reference/ir-eval.js';

let graph: Graph, weights: Weights, train: Dataset, test: Dataset;
const digit = (ds: Dataset, i: number): Float32Array => Float32Array.from(ds.images.subarray(i * 784, (i + 1) * 784), (v) => v / 255);

/** The float model over 100 training digits (spread over the split), every tensor reported. */
const observe: QuantizeOptions['observe'] = async (visit) => {
  for (let k = 0; k < 100; k++) {
    const vals = evalGraph(graph, weights, { input: digit(train, k * 577) });
    for (const [name, v] of vals) if (!weights.has(name)) visit(name, v);
  }
};

const argmax = (v: ArrayLike<number>): number => {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
  return b;
};

/** Top-1 agreement and logit errors of the int8 graph against the float one on 200 test digits. */
function compare(q: QuantizeResult) {
  let agree = 0, maxErr = 0, sumErr = 0, n = 0, correctF = 0, correctQ = 0;
  for (let i = 0; i < 200; i++) {
    const x = digit(test, i);
    const f = evalGraph(graph, weights, { input: x }).get('logits')!;
    const g = evalQuantGraph(q.graph, q.weights, { input: x }).get('logits') as Float32Array;
    if (argmax(f) === argmax(g)) agree++;
    if (argmax(f) === test.labels[i]) correctF++;
    if (argmax(g) === test.labels[i]) correctQ++;
    for (let c = 0; c < 10; c++) {
      const e = Math.abs(f[c] - g[c]);
      maxErr = Math.max(maxErr, e);
      sumErr += e;
      n++;
    }
  }
  return { agree: agree / 200, maxErr, meanErr: sumErr / n, accF: correctF / 200, accQ: correctQ / 200 };
}

const sig = (g: Graph): string[] => g.nodes.map((n) => `${n.op}:${g.tensors.find((t) => t.name === n.outputs[0])!.dtype}`);

beforeAll(async () => {
  ({ graph, weights } = importOnnx(new Uint8Array(readFileSync(new URL('../fixtures/quant_mnist_cnn.onnx', import.meta.url)))));
  [train, test] = await Promise.all([loadMnist('train'), loadMnist('test')]);
});

describe('quantizeGraph: post-training int8 quantization', () => {
  let minmax: QuantizeResult;

  it('minmax: int8 graph agrees with the float one on >= 98% of 200 digits, logits close', async () => {
    const before = JSON.stringify(graph);
    minmax = await quantizeGraph(graph, weights, { method: 'minmax', observe });
    expect(JSON.stringify(graph)).toBe(before); // the input graph is left alone
    expect(sig(minmax.graph)).toEqual([
      'quantize:i8', 'conv2d:i8', 'maxpool:i8', 'conv2d:i8', 'dwconv2d:i8', 'conv2d:i8', 'add:i8', 'maxpool:i8',
      'conv2d:i8', 'concat:i8', 'avgpool:i8', 'flatten:i8', 'gemm:i8', 'dequantize:f32',
    ]);
    // No requantize before the concat: the 1x1 conv's output (read only by the concat) takes the
    // concat's quantization, and the pooled branch already spans the concat's range.
    const r = compare(minmax);
    expect(r.agree).toBeGreaterThanOrEqual(0.98);
    expect(r.accQ).toBeGreaterThanOrEqual(r.accF - 0.02);
    expect(r.meanErr).toBeLessThan(0.1); // measured 0.059
    expect(r.maxErr).toBeLessThan(0.6); // measured 0.29 (logits span about ±20)
  });

  it('writes the int8 conventions: per-channel symmetric weights, i32 bias at s_in*s_w, ReLU outputs at zero point -128', () => {
    const g = minmax.graph;
    const t = (n: string) => g.tensors.find((x) => x.name === n)!;
    for (const n of g.nodes.filter((m) => m.op === 'conv2d' || m.op === 'dwconv2d' || m.op === 'gemm')) {
      const w = t(n.inputs[1]), b = t(n.inputs[2]), x = t(n.inputs[0]);
      expect(w.quant).toMatchObject({ kind: 'channel', axis: n.op === 'dwconv2d' ? 2 : 0 });
      const q = minmax.weights.get(w.name) as Int8Array;
      expect(Math.min(...q)).toBeGreaterThanOrEqual(-127);
      expect(Math.max(...q.map(Math.abs))).toBe(127);
      const sx = (x.quant as { scale: number }).scale;
      (b.quant as { scales: number[] }).scales.forEach((s, c) => expect(s).toBeCloseTo(sx * (w.quant as { scales: number[] }).scales[c], 15));
      expect(minmax.weights.get(b.name)).toBeInstanceOf(Int32Array);
    }
    const c1 = g.nodes[1];
    expect(c1.act?.kind).toBe('relu');
    expect(t(c1.outputs[0]).quant).toMatchObject({ kind: 'tensor', zeroPoint: -128 });
    // maxpool keeps its input's quantization; the concat's inputs share its quantization.
    const mp = g.nodes[2];
    expect(t(mp.outputs[0]).quant).toEqual(t(mp.inputs[0]).quant);
    const cat = g.nodes.find((n) => n.op === 'concat')!;
    for (const i of cat.inputs) expect(t(i).quant).toEqual(t(cat.outputs[0]).quant);
    // Report: one line per quantized tensor, the range includes 0, a small error.
    expect(minmax.report.map((l) => l.op)).toEqual(['input', 'conv2d', 'conv2d', 'dwconv2d', 'conv2d', 'add', 'conv2d', 'concat', 'avgpool', 'gemm']);
    for (const l of minmax.report) {
      expect(l.range[0]).toBeLessThanOrEqual(0);
      expect(l.range[1]).toBeGreaterThanOrEqual(0);
      // minmax: the observed range widened to 0, or for a concat input the concat's own range.
      if (l.tensor !== minmax.graph.nodes.find((n) => n.op === 'concat')!.inputs[0]) expect(l.range).toEqual([Math.min(0, l.observed[0]), Math.max(0, l.observed[1])]);
      else expect(l.range[1]).toBeGreaterThanOrEqual(l.observed[1]);
      expect(l.mse).toBeLessThan(l.scale * l.scale); // at most one step squared on average
      expect(l.mse).toBeGreaterThan(0);
    }
    expect(minmax.bytesAfter).toBeLessThan(minmax.bytesBefore / 3);
  });

  it('percentile: narrower ranges than minmax, also agrees on >= 98%', async () => {
    const p = await quantizeGraph(graph, weights, { method: 'percentile', percentile: 99.9, observe });
    const r = compare(p);
    expect(r.agree).toBeGreaterThanOrEqual(0.98);
    expect(r.maxErr).toBeLessThan(2.5); // measured 1.2: the clipped tails cost the largest logits
    let narrower = 0;
    p.report.forEach((l, i) => {
      expect(l.range[1]).toBeLessThanOrEqual(minmax.report[i].range[1] + 1e-6);
      if (l.range[1] < minmax.report[i].range[1]) narrower++;
    });
    expect(narrower).toBeGreaterThan(p.report.length / 2);
  });

  it('keepFloat keeps a layer in f32 with dequantize / quantize around it', async () => {
    const first = graph.nodes[0].name, fc = graph.nodes.find((n) => n.op === 'gemm')!.name;
    const k = await quantizeGraph(graph, weights, { method: 'minmax', keepFloat: [first, fc], observe });
    expect(sig(k.graph)).toEqual([
      'conv2d:f32', 'maxpool:f32', 'quantize:i8', 'conv2d:i8', 'dwconv2d:i8', 'conv2d:i8', 'add:i8', 'maxpool:i8',
      'conv2d:i8', 'concat:i8', 'avgpool:i8', 'flatten:i8', 'dequantize:f32', 'gemm:f32',
    ]);
    expect(k.graph.nodes[0].name).toBe(first);
    expect(k.weights.get(k.graph.nodes[0].inputs[1])).toBeInstanceOf(Float32Array);
    // The maxpool after the kept conv follows its input (f32); the int8 part starts at the next conv.
    expect(k.float.map((f) => f.node)).toEqual([first, graph.nodes[1].name, fc]);
    expect(k.float[0].why).toBe('keepFloat');
    expect(compare(k).agree).toBeGreaterThanOrEqual(0.98);
  });

  it('rejects unknown keepFloat names and an already quantized graph', async () => {
    await expect(quantizeGraph(graph, weights, { method: 'minmax', keepFloat: ['nope'], observe })).rejects.toThrow(BranchyUnsupportedError);
    await expect(quantizeGraph(minmax.graph, minmax.weights, { method: 'minmax', observe })).rejects.toThrow(/float graph/);
  });
});

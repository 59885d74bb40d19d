// Attached exits (src/convert/attach): head training reaches ~100% on separable problems; the
// attach points are block outputs; heads written into a graph compute what the trained heads
// compute (f32 exactly, int8 within quantization); an attached LeNet survives a file round trip
// and an ONNX export with the same answers.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx, importOnnx } from '../../src/convert/index.js';
import { importTflite } from '../../src/convert/index.js';
import { candidatePoints, cutPoints, logitsGraph, stripExits } from '../../src/convert/attach/index.js';
import { attachExits } from '../../src/node/attach.js';
import { ConvHead, GapHead, channelStats, headLogits, type HeadWeights, type TrainableHead } from '../../src/convert/attach/heads.js';
import { binaryLoss, distillLoss, fit, FIT_DEFAULTS } from '../../src/convert/attach/train.js';
import { probeGraph, gridFor } from '../../src/convert/attach/probe.js';
import { spliceExits, type HeadRanges } from '../../src/convert/attach/splice.js';
import { Rng } from '../../src/convert/attach/rng.js';
import { readBranchy, writeBranchy } from '../../src/format/index.js';
import { fromGraph, load } from '../../src/runtime/model.js';
import { loadMnist, type Dataset } from '../../src/cli/datasets.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { buildModel, float, int, ints } from './helpers.js';
import { cifarTest } from '../helpers/cifar.js';
import { mlperfBytes } from '../helpers/mlperf.js';

const ROOT = new URL('../../', import.meta.url);
const file = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL(p, ROOT)));

/** n samples of a G×G×C feature grid (NHWC), labels 0..K-1 and a rows() reader. */
function synthetic(n: number, grid: number, channels: number, classes: number, feature: (label: number, cell: number, c: number, rng: Rng) => number) {
  const rng = new Rng(11);
  const d = grid * grid * channels;
  const x = new Float32Array(n * d), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % classes;
    for (let p = 0; p < grid * grid; p++) for (let c = 0; c < channels; c++) x[i * d + p * channels + c] = feature(labels[i], p, c, rng);
  }
  const rows = (i: number, out: Float32Array) => (out.set(x.subarray(i * d, (i + 1) * d)), out);
  return { x, labels, rows, d, n };
}

function trained(kind: 'gap' | 'conv', s: ReturnType<typeof synthetic>, grid: number, channels: number, classes: number, epochs = 6): { head: TrainableHead; accuracy: number } {
  const stats = channelStats(s.rows, s.n, s.d, channels);
  const shape = { grid, channels };
  const head = kind === 'gap' ? new GapHead(shape, classes, stats) : new ConvHead(shape, classes, 16, stats, new Rng(1));
  fit(head, s.rows, s.n, s.d, classes, distillLoss(s.labels, null, classes), { ...FIT_DEFAULTS, epochs });
  const hw = head.folded();
  const z = new Float32Array(classes), row = new Float32Array(s.d);
  let right = 0;
  for (let i = 0; i < s.n; i++) {
    headLogits(hw, s.rows(i, row), z);
    if (z.indexOf(Math.max(...z)) === s.labels[i]) right++;
  }
  return { head, accuracy: right / s.n };
}

describe('head training', () => {
  it('gap and conv heads reach ~100% on a linearly separable problem (class = which channels are high)', () => {
    const K = 5, C = 10, G = 2;
    const s = synthetic(2000, G, C, K, (y, _p, c, rng) => (c % K === y ? 1.5 : 0) + 0.4 * rng.normal());
    for (const kind of ['gap', 'conv'] as const) expect(trained(kind, s, G, C, K).accuracy, kind).toBeGreaterThanOrEqual(0.99);
  });

  it('the conv head separates classes that differ only in where the features are (the gap head cannot)', () => {
    const K = 4, C = 3, G = 4;
    // Class y: channel 0 is high in quadrant y of the 4×4 grid; the channel means are the same for every class.
    const quadrant = (p: number) => (Math.floor(p / G) >= G / 2 ? 2 : 0) + ((p % G) >= G / 2 ? 1 : 0);
    const s = synthetic(2000, G, C, K, (y, p, c, rng) => (c === 0 && quadrant(p) === y ? 2 : 0) + 0.3 * rng.normal());
    expect(trained('conv', s, G, C, K).accuracy).toBeGreaterThanOrEqual(0.99);
    expect(trained('gap', s, G, C, K).accuracy).toBeLessThan(0.5);
  });

  it('folding the standardisation into the first layer keeps the logits', () => {
    const K = 3, C = 6, G = 2;
    const s = synthetic(300, G, C, K, (y, p, c, rng) => 5 + 3 * c + (c === y ? 2 : 0) + rng.normal());
    for (const kind of ['gap', 'conv'] as const) {
      const { head } = trained(kind, s, G, C, K, 1);
      const z = new Float32Array(4 * K), row = new Float32Array(s.d);
      head.forward(s.x.subarray(0, 4 * s.d), 4, z);
      for (let i = 0; i < 4; i++) {
        const f = headLogits(head.folded(), s.rows(i, row), new Float32Array(K));
        for (let k = 0; k < K; k++) expect(f[k], `${kind} sample ${i} class ${k}`).toBeCloseTo(z[i * K + k], 4);
      }
    }
  });

  it('a predictor (binary cross-entropy) learns a separable yes/no', () => {
    const s = synthetic(1000, 1, 4, 2, (y, _p, c, rng) => (c === 1 ? (y ? 1 : -1) : 0) + 0.3 * rng.normal());
    const head = new GapHead({ grid: 1, channels: 4 }, 1, channelStats(s.rows, s.n, s.d, 4));
    fit(head, s.rows, s.n, s.d, 1, binaryLoss(Uint8Array.from(s.labels)), { ...FIT_DEFAULTS, epochs: 12 });
    const hw = head.folded(), z = new Float32Array(1), row = new Float32Array(4);
    let right = 0;
    for (let i = 0; i < s.n; i++) if ((headLogits(hw, s.rows(i, row), z)[0] > 0 ? 1 : 0) === s.labels[i]) right++;
    expect(right / s.n).toBeGreaterThanOrEqual(0.99);
  });
});

/** A small ResNet-style ONNX graph: stem, one residual block, a stride-2 conv, GAP, FC. */
function residualOnnx(): Uint8Array {
  const rng = new Rng(5);
  const w = (...dims: number[]) => ({ dims, data: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.3) });
  const conv = (x: string, wt: string, y: string, stride = 1) => ({ op: 'Conv', inputs: [x, wt], outputs: [y], attrs: { pads: ints([1, 1, 1, 1]), strides: ints([stride, stride]), kernel_shape: ints([3, 3]) } });
  return buildModel({
    inputs: [{ name: 'input', shape: [1, 3, 8, 8] }],
    outputs: ['logits'],
    inits: { w0: w(8, 3, 3, 3), w1: w(8, 8, 3, 3), w2: w(8, 8, 3, 3), w3: w(16, 8, 3, 3), fc: w(10, 16), fcb: w(10) },
    nodes: [
      conv('input', 'w0', 'c0'), { op: 'Relu', inputs: ['c0'], outputs: ['stem'] },
      conv('stem', 'w1', 'c1'), { op: 'Relu', inputs: ['c1'], outputs: ['r1'] }, conv('r1', 'w2', 'c2'),
      { op: 'Add', inputs: ['c2', 'stem'], outputs: ['sum'] }, { op: 'Relu', inputs: ['sum'], outputs: ['block'] },
      conv('block', 'w3', 'c3', 2), { op: 'Relu', inputs: ['c3'], outputs: ['down'] },
      { op: 'GlobalAveragePool', inputs: ['down'], outputs: ['gap'] }, { op: 'Flatten', inputs: ['gap'], outputs: ['flat'], attrs: { axis: int(1) } },
      { op: 'Gemm', inputs: ['flat', 'fc', 'fcb'], outputs: ['logits'], attrs: { transB: int(1), alpha: float(1) } },
    ],
  });
}

describe('attach points', () => {
  it('the bundled LeNet: after each conv block\'s max pool', () => {
    const g = readBranchy(file('models/mnist-lenet.int8.branchy')).graph;
    expect(candidatePoints(g).map((p) => [p.tensor, p.info.shape.join('x'), +p.fraction.toFixed(3)])).toEqual([
      ['/MaxPool_output_0', '1x12x12x20', 0.126],
      ['/MaxPool_1_output_0', '1x4x4x50', 0.823],
    ]);
  });

  it('a residual network: the block outputs (the residual add), nothing inside a block', () => {
    const { graph } = importOnnx(residualOnnx());
    const producer = (t: string) => graph.nodes.find((n) => n.outputs[0] === t)!;
    const cuts = cutPoints(graph).map((t) => producer(t).op);
    // stem conv, the add, the stride-2 conv, GAP, flatten, FC: never the block's inner convs.
    expect(cuts).toEqual(['conv2d', 'add', 'conv2d', 'globalavgpool', 'reshape', 'gemm']);
    const inner = graph.nodes.filter((n) => n.op === 'conv2d')[1].outputs[0];
    expect(cutPoints(graph)).not.toContain(inner);
    // Candidates: the stem and the block output (the stride-2 conv's only reader is a pool, GAP's output holds > 90% of the MACs).
    expect(candidatePoints(graph).map((p) => producer(p.tensor).op)).toEqual(['conv2d', 'add']);
  });

  it('the light MobileNet without its exits: 8 of its 13 block outputs, spread over the MACs', () => {
    const r = readBranchy(file('models/mobilenet-exits-cifar10-light.int8.branchy'));
    const s = stripExits(r.graph, r.weights);
    expect(s.graph.outputs).toEqual(['logits']);
    expect(s.graph.nodes.some((n) => n.name.includes('heads') || n.name.includes('predictors'))).toBe(false);
    const pts = candidatePoints(s.graph);
    expect(pts.length).toBe(8);
    expect(pts.every((p) => p.info.dtype === 'i8' && p.cut && p.info.shape.length === 4)).toBe(true);
    expect(pts[0].fraction).toBeLessThan(0.05);
    expect(pts.at(-1)!.fraction).toBeGreaterThan(0.7);
    expect(cutPoints(s.graph).filter((t) => s.graph.nodes.find((n) => n.outputs[0] === t)!.op === 'conv2d').length).toBe(14);
  });
});

/** Random head weights for a point (what splice must reproduce). */
function randomHead(kind: 'gap' | 'conv', grid: number, channels: number, seed: number, classes = 10): HeadWeights {
  const rng = new Rng(seed);
  const r = (n: number, sd: number) => Float32Array.from({ length: n }, () => sd * rng.normal());
  if (kind === 'gap') return { kind, shape: { grid, channels }, classes, tensors: [r(classes * channels, 0.3), r(classes, 0.1)] };
  const R = 8, P = grid % 2 === 0 ? 2 : 1;
  return { kind, shape: { grid, channels }, classes, hidden: R, pool: P, tensors: [r(R * channels, 0.3), r(R, 0.1), r(classes * P * P * R, 0.3), r(classes, 0.1)] };
}

const wide: HeadRanges = { features: [-50, 50], hidden: [0, 50], pooled: [0, 50], logits: [-100, 100] };

describe('the teacher logits', () => {
  it("an int8 TFLite file's softmax (dequantize, softmax, quantize, dequantize) goes: the exits and the teacher get the FC's logits", async () => {
    const { graph, weights } = importTflite(mlperfBytes('ic_resnet8_int8.tflite'));
    const g = logitsGraph(graph);
    const producer = (t: string) => g.nodes.find((n) => n.outputs.includes(t))!;
    expect(g.outputs).toEqual(graph.outputs);
    expect(g.nodes.map((n) => n.op)).not.toContain('softmax');
    expect(g.nodes.length).toBe(graph.nodes.length - 3);
    const out = producer(g.outputs[0]);
    expect([out.op, producer(out.inputs[0]).op]).toEqual(['dequantize', 'gemm']);
    // Softmax of the logits gives the file's own probabilities (to its output step, 1/256).
    const [a, b] = [await fromGraph(graph, weights), await fromGraph(g, weights)];
    const cifar = await cifarTest(8);
    let far = 0;
    for (let i = 0; i < cifar.count; i++) {
      const chw = cifar.image(i);
      const x = Float32Array.from({ length: 3072 }, (_, j) => chw[(j % 3) * 1024 + Math.floor(j / 3)]);
      const p = Object.values(a.run(x))[0].data as Float32Array;
      const z = Object.values(b.run(x))[0].data as Float32Array;
      const m = Math.max(...z), e = Array.from(z, (v) => Math.exp(v - m)), s = e.reduce((u, v) => u + v);
      expect(Math.max(...z) - Math.min(...z)).toBeGreaterThan(2); // logits, not probabilities in [0, 1]
      far = Math.max(far, ...e.map((v, k) => Math.abs(v / s - p[k])));
    }
    expect(far).toBeLessThan(2 / 256);
  });
});

describe('heads written into the graph', () => {
  let digits: Dataset;
  beforeAll(async () => {
    digits = await loadMnist('test');
  });

  it('f32 backbone: each exit gives the JS head\'s logits on the probed features (gap and conv, grid pooling, flatten order)', async () => {
    const { graph, weights } = importOnnx(file('models/mnist-lenet.onnx'));
    const pts = candidatePoints(graph);
    const heads = [randomHead('conv', gridFor(pts[0].info), 20, 1), randomHead('gap', gridFor(pts[1].info), 50, 2)];
    const spliced = spliceExits(graph, weights, pts.map((p, i) => ({ point: p.tensor, head: heads[i], ranges: wide, predictor: { head: randomHead('gap', gridFor(p.info), p.info.shape[3], 9 + i, 1), ranges: wide } })));
    expect(spliced.graph.outputs).toEqual(['exit0', 'exit1', 'exit2', 'predict0', 'predict1']);
    expect(spliced.graph.exits!.exits.map((e) => e.head.length > 0)).toEqual([true, true, false]);
    const model = await fromGraph(spliced.graph, spliced.weights);
    const probe = await fromGraph(probeGraph(graph, pts), weights);
    for (let i = 0; i < 5; i++) {
      const px = digits.images.subarray(i * 784, (i + 1) * 784);
      const out = model.run(px), feats = probe.run(px);
      expect(out.exit2.data).toEqual(feats.logits.data);
      pts.forEach((_, k) => {
        const want = headLogits(heads[k], feats[`attach_probe${k}`].data as Float32Array, new Float32Array(10));
        const got = out[`exit${k}`].data;
        for (let c = 0; c < 10; c++) expect(got[c]).toBeCloseTo(want[c], 3);
      });
    }
  });

  it('a backbone whose tensors already carry exit names (the stripped MobileNet keeps its int8 exit2_q): they move aside', async () => {
    const r = readBranchy(file('models/mobilenet-exits-cifar10-light.int8.branchy'));
    const s = stripExits(r.graph, r.weights);
    expect(s.graph.tensors.some((t) => t.name === 'exit2_q')).toBe(true);
    const pts = candidatePoints(s.graph).slice(2, 5);
    const spliced = spliceExits(s.graph, s.weights, pts.map((p, i) => ({ point: p.tensor, head: randomHead(i % 2 ? 'gap' : 'conv', gridFor(p.info), p.info.shape[3], i), ranges: wide })));
    expect(spliced.graph.outputs).toEqual(['exit0', 'exit1', 'exit2', 'exit3']);
    const [a, b] = [await fromGraph(s.graph, s.weights), await fromGraph(spliced.graph, spliced.weights)];
    const x = new Uint8Array(3072).map((_, i) => (i * 37) % 256);
    expect(b.run(x).exit3.data).toEqual(a.run(x).logits.data);
  });

  it('int8 backbone: the heads are int8 (weights per channel, int32 biases) and answer as the float heads do', async () => {
    const { graph, weights } = readBranchy(file('models/mnist-lenet.int8.branchy'));
    const train = await loadMnist('train');
    const pts = candidatePoints(graph);
    const set = { images: train.images.subarray(0, 2000 * 784), labels: train.labels.subarray(0, 2000), count: 2000, layout: 'NCHW' as const };
    const hold = { images: train.images.subarray(50_000 * 784, 50_600 * 784), labels: train.labels.subarray(50_000, 50_600), count: 600, layout: 'NCHW' as const };
    const r = await attachExits(graph, weights, set, hold, { at: pts.map((p) => p.tensor), epochs: 2, maxDrop: 2 });
    const g = r.graph;
    const headNodes = g.nodes.filter((n) => n.name.startsWith('attach/'));
    const dtype = (t: string) => g.tensors.find((x) => x.name === t)!;
    for (const n of headNodes.filter((n) => n.op === 'conv2d' || n.op === 'gemm')) {
      expect(dtype(n.inputs[1]).dtype, n.name).toBe('i8');
      expect(dtype(n.inputs[1]).quant?.kind).toBe('channel');
      expect(dtype(n.inputs[2]).dtype).toBe('i32');
    }
    expect(headNodes.filter((n) => n.op === 'dequantize').length).toBe(4); // two exits, two predictors
    // The int8 heads agree with their float selves on most test digits.
    const chosen = r.candidates.filter((c) => c.chosen);
    expect(chosen.length).toBe(2);
    const model = await fromGraph(g, r.weights);
    const exits = model.classify(digits.images.subarray(0, 300 * 784), { policy: { kind: 'entropy', thresholds: [1e9, 1e9] } });
    expect(exits.every((e) => e.exit === 0)).toBe(true);
    const right = exits.filter((e, i) => e.label === digits.labels[i]).length / exits.length;
    const float = chosen.find((c) => c.tensor === pts[0].tensor)!.accuracy;
    expect(right).toBeGreaterThan(float - 0.05);
  }, 120_000);
});

describe('an attached LeNet', () => {
  let attached: { graph: Graph; weights: Weights };
  let digits: Dataset;
  beforeAll(async () => {
    const { graph, weights } = readBranchy(file('models/mnist-lenet.int8.branchy'));
    const train = await loadMnist('train');
    digits = await loadMnist('test');
    const part = (a: number, b: number) => ({ images: train.images.subarray(a * 784, b * 784), labels: train.labels.subarray(a, b), count: b - a, layout: 'NCHW' as const });
    const r = await attachExits(graph, weights, part(0, 4000), part(50_000, 51_000), { epochs: 4, selectSamples: 2000, selectEpochs: 2 });
    attached = { graph: r.graph, weights: r.weights };
  }, 180_000);

  it('round trip: written, read back, loaded: the same plan and the same answers, exit by exit', async () => {
    const bytes = writeBranchy(attached.graph, attached.weights);
    const back = readBranchy(bytes);
    expect(back.graph.exits).toEqual(attached.graph.exits);
    expect(back.graph.exits!.exits[0].thresholds?.entropy).toBeGreaterThan(0);
    const [a, b] = [await fromGraph(attached.graph, attached.weights), await load(bytes)];
    const x = digits.images.subarray(0, 50 * 784);
    expect(b.run(x)).toEqual(a.run(x));
    const policy = { kind: 'entropy' as const, thresholds: b.info.exits!.slice(0, -1).map((e) => e.thresholds!.entropy!) };
    expect(b.classify(x, { policy })).toEqual(a.classify(x, { policy }).map((r) => ({ ...r, timeMs: expect.any(Number) })));
  });

  it('exported as a multi-output ONNX: ONNX Runtime gives every exit and predictor as branchy does', async () => {
    const onnx = exportOnnx(attached.graph, attached.weights);
    const s = await ort.InferenceSession.create(onnx, { graphOptimizationLevel: 'disabled' });
    expect(s.outputNames).toEqual(attached.graph.outputs);
    const model = await fromGraph(attached.graph, attached.weights);
    for (let i = 0; i < 20; i++) {
      const px = digits.images.subarray(i * 784, (i + 1) * 784);
      const ours = model.run(px);
      const x = Float32Array.from(px, (v) => (v / 255 - 0.1307) / 0.3081);
      const theirs = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, [1, 1, 28, 28]) });
      for (const k of s.outputNames) {
        const a = ours[k].data, b = theirs[k].data as Float32Array;
        for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - b[j]), `${k}[${j}] image ${i}`).toBeLessThan(1e-4);
      }
    }
    // Our importer reads it back as the same multi-exit model.
    const back = importOnnx(onnx);
    expect(back.graph.outputs).toEqual(attached.graph.outputs);
  });
});

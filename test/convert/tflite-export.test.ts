// exportTflite: branchy graphs written as .tflite run in LiteRT.js (TFLite + XNNPACK, one
// thread) as they run in branchy. The eight MLPerf Tiny files imported and written back; the
// project's own MNIST LeNets (f32 and int8, one with two exits) on real MNIST test digits; the
// MobileNet fixtures (f32, and int8 QDQ) whose PyTorch padding needs a PAD before each strided
// conv, and the ONNX fixtures with concat, hardswish, leaky ReLU, residual adds and two exits.
// int8: each operator of the exported file, on LiteRT.js's own input, gives LiteRT.js's
// int8 output (bench/peers/tflite-layers.mts), end to end within one output step; float within
// 1e-4 of the largest output. What branchy writes it reads back into the same graph.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinName, exportTflite, importOnnx, importTflite, readTflite } from '../../src/convert/index.js';
import { readBranchy } from '../../src/format/index.js';
import { BranchyUnsupportedError } from '../../src/errors.js';
import { fromGraph } from '../../src/runtime/model.js';
import { loadMnist, type Dataset } from '../../src/cli/datasets.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { layerAgreement } from '../../bench/peers/tflite-layers.mjs';
import { openLitert, openLitertRaw } from '../helpers/litert.js';
import { MLPERF_MODELS, mlperfBytes } from '../helpers/mlperf.js';
import { Rng } from '../helpers/rng.js';

const ROOT = new URL('../../', import.meta.url);
const file = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL(p, ROOT)));
const SAMPLES = 8;

let mnist: Dataset;
beforeAll(async () => {
  mnist = await loadMnist('test');
});

const numel = (s: number[]) => s.reduce((a, d) => a * d, 1);
const info = (g: Graph, name: string) => g.tensors.find((t) => t.name === name)!;

/** Float samples for a graph's input (NHWC): MNIST test digits as the model normalises them, else seeded values. */
function samples(g: Graph): Float32Array[] {
  const t = info(g, g.inputs[0]);
  const n = numel(t.shape.slice(1));
  if (n === 784) {
    const z = g.normalize ?? { mean: [0], std: [1], scale: 255 };
    return Array.from({ length: SAMPLES }, (_, i) => Float32Array.from(mnist.images.subarray(i * 784, (i + 1) * 784), (v) => (v / z.scale - z.mean[0]) / z.std[0]));
  }
  const rng = new Rng(18);
  return Array.from({ length: SAMPLES }, () => rng.f32(n, -1, 1));
}

/** The output step of an int8 graph's output (the scale its dequantize reads), 0 for f32. */
function step(g: Graph, out: string): number {
  const dq = g.nodes.find((n) => n.outputs[0] === out && n.op === 'dequantize');
  const q = dq ? info(g, dq.inputs[0]).quant : undefined;
  return q?.kind === 'tensor' ? q.scale : 0;
}

/** branchy and LiteRT.js (the exported file, float edges) on the same samples: every output within `tol(output)`. */
async function compare(graph: Graph, weights: Weights, tol: (out: string, peak: number) => number): Promise<void> {
  const lit = await openLitert(exportTflite(graph, weights));
  const model = await fromGraph(graph, weights);
  expect(lit.outputs.map((o) => o.name)).toEqual(graph.outputs);
  for (const x of samples(graph)) {
    const ys = model.run(x, { layout: 'NHWC' });
    const refs = await lit.run([x]);
    graph.outputs.forEach((o, k) => {
      const y = ys[o].data as Float32Array, r = refs[k] as Float32Array;
      const peak = Math.max(...Array.from(r, Math.abs));
      const err = Math.max(...Array.from(r, (v, i) => Math.abs(y[i] - v)));
      expect(err, `output ${o}`).toBeLessThanOrEqual(tol(o, peak));
    });
  }
  lit.delete();
}

/** Every operator of the exported int8-edged file gives LiteRT.js's int8 output on LiteRT.js's input. */
async function layers(graph: Graph, weights: Weights): Promise<void> {
  const bytes = exportTflite(graph, weights, { io: 'int8' });
  const m = readTflite(bytes);
  const t = m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]];
  const rng = new Rng(5);
  const rows = await layerAgreement(bytes, Array.from({ length: 3 }, () => rng.i8(numel(t.shape))), undefined, builtinName);
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) {
    expect(r.max, `operator ${r.index} ${r.op}`).toBeLessThanOrEqual(1);
    // An average pool exported from ONNX rounds half to even in branchy, away from zero in TFLite.
    if (r.op !== 'AVERAGE_POOL_2D') expect(r.differ, `operator ${r.index} ${r.op}`).toBe(0);
  }
}

describe.each(MLPERF_MODELS)('%s: imported, exported, run in LiteRT.js', (name) => {
  it('float file: the exported file gives branchy\'s outputs', async () => {
    const { graph, weights } = importTflite(mlperfBytes(`${name}_f32.tflite`));
    await compare(graph, weights, (_o, peak) => 1e-4 * peak);
  });

  it('int8 file: with int8 edges, the exported file gives branchy\'s int8 outputs exactly', async () => {
    const bytes = mlperfBytes(`${name}_int8.tflite`);
    const m = readTflite(bytes);
    const { graph, weights } = importTflite(bytes, { outputs: 'int8' });
    const out = exportTflite(graph, weights, { io: 'int8' });
    expect(readTflite(out).subgraphs[0].tensors[readTflite(out).subgraphs[0].inputs[0]].type).toBe('INT8');
    const lit = await openLitertRaw(out);
    const model = await fromGraph(graph, weights);
    const t = m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]];
    const { scale: [s], zeroPoint: [zp] } = t.quantization!;
    const rng = new Rng(name.length);
    for (let i = 0; i < 4; i++) {
      const q = rng.i8(numel(t.shape));
      const y = Object.values(model.run(Float32Array.from(q, (v) => (v - zp) * s)))[0].data as Int8Array;
      expect(Array.from((await lit.run([q]))[0])).toEqual(Array.from(y));
    }
    lit.delete();
  });

  it('int8 file: read back, the exported file is the same graph', () => {
    const a = importTflite(mlperfBytes(`${name}_int8.tflite`));
    const b = importTflite(exportTflite(a.graph, a.weights));
    expect(b.graph.nodes.map((n) => [n.op, n.attrs, n.act])).toEqual(a.graph.nodes.map((n) => [n.op, n.attrs, n.act]));
    expect(b.graph.tensors.map((t) => [t.shape, t.dtype, t.quant])).toEqual(a.graph.tensors.map((t) => [t.shape, t.dtype, t.quant]));
    for (const [k, v] of a.weights) expect(b.weights.get(k), k).toEqual(v);
  });
});

describe('branchy\'s own models in LiteRT.js', () => {
  it.each(['models/mnist-lenet.branchy', 'test/fixtures/mobilenet_tiny.onnx', 'test/fixtures/tiny_cnn_op13.onnx', 'test/fixtures/multiexit_tiny.onnx'])('f32 %s: within 1e-4', async (f) => {
    const { graph, weights } = f.endsWith('.onnx') ? importOnnx(file(f)) : readBranchy(file(f));
    await compare(graph, weights, (_o, peak) => 1e-4 * peak);
  });

  it.each(['models/mnist-lenet.int8.branchy', 'models/branchy-lenet-mnist.int8.branchy', 'test/fixtures/quant_mobilenet_qdq.onnx', 'test/fixtures/quant_mnist_cnn.onnx'])(
    'int8 %s: each operator as LiteRT.js, end to end within one output step',
    async (f) => {
      const { graph, weights } = f.endsWith('.onnx') ? importOnnx(file(f)) : readBranchy(file(f));
      // quant_mnist_cnn keeps its first conv in f32: no int8 input, so no int8-edged file to cut into operators.
      if (graph.nodes.some((n) => n.op === 'quantize' && n.inputs[0] === graph.inputs[0])) await layers(graph, weights);
      // The float edges' QUANTIZE may round an input tie the other way (TFLite: away from zero).
      await compare(graph, weights, (o, peak) => Math.max(step(graph, o) * 1.001, 1e-4 * peak));
    },
  );
});

it('a max pool with padding that is neither SAME nor VALID: a pad of the lowest float, then a VALID pool, as branchy', async () => {
  const { graph, weights } = importTflite(mlperfBytes('ic_resnet8_f32.tflite'));
  const pool = graph.nodes.find((n) => n.op === 'avgpool')!;
  Object.assign(pool, { op: 'maxpool', attrs: { ...pool.attrs, pads: [1, 0, 0, 0], countIncludePad: undefined } });
  const m = readTflite(exportTflite(graph, weights));
  expect(m.subgraphs[0].operators.map((o) => builtinName(m.operatorCodes[o.opcodeIndex].builtinCode))).toContain('PADV2');
  await compare(graph, weights, (_o, peak) => 1e-4 * peak);
});

describe('refusals', () => {
  it('an op without a TFLite form names the node', () => {
    const { graph, weights } = readBranchy(file('models/bnn-kd-mnist.branchy'));
    const f = () => exportTflite(graph, weights);
    expect(f).toThrow(BranchyUnsupportedError);
    expect(f).toThrow(/TFLite export: node '\/acts.0\/Sign' \(bitpack\): has no TFLite form/);
  });

  it('a flatten in ONNX\'s C, H, W order', () => {
    const { graph, weights } = importOnnx(file('test/fixtures/quant_torch_qdq.onnx'));
    expect(() => exportTflite(graph, weights)).toThrow(/node '\/Flatten' \(flatten\): flattens in ONNX's C, H, W order/);
  });


  it('--io int8 on a float graph', () => {
    const { graph, weights } = importTflite(mlperfBytes('ad_autoencoder_f32.tflite'));
    expect(() => exportTflite(graph, weights, { io: 'int8' })).toThrow(/not read by one quantize node/);
  });
});

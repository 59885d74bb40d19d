// ONNX export (src/convert/onnx-export): int8 branchy models written as QDQ ONNX run in
// onnxruntime-node to within one output quantization step of branchy on real MNIST test
// digits (the same top-1 on nearly all), and our importer reads them back into the same
// int8 graph (same ops, weights, biases and scales: bit-identical outputs). Models: the two
// shipped int8 LeNets, the int8 fixtures of test/fixtures, a multi-exit fixture with a
// predictor quantized here (one layer kept f32), and the shipped f32 LeNet.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx, importOnnx, quantizeGraph } from '../../src/convert/index.js';
import { readBranchy } from '../../src/format/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { runtimeObserve } from '../../src/cli/compress.js';
import { loadMnist, type Dataset } from '../../src/cli/datasets.js';
import { ONNX } from '../../src/convert/onnx/onnx-proto.js';
import type { Graph, TensorInfo, Weights } from '../../src/ir/types.js';
import { Rng } from '../helpers/rng.js';

const ROOT = new URL('../../', import.meta.url);
const file = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL(p, ROOT)));
const N = 200;

interface Case {
  graph: Graph;
  weights: Weights;
}

let mnist: Dataset;
const cases = new Map<string, Case>();

beforeAll(async () => {
  mnist = await loadMnist('test');
  for (const m of ['models/mnist-lenet.int8.branchy', 'models/branchy-lenet-mnist.int8.branchy', 'models/mnist-lenet.branchy']) {
    cases.set(m, readBranchy(file(m)));
  }
  for (const f of ['quant_torch_qdq', 'quant_mnist_cnn', 'quant_mobilenet_qdq', 'quant_qlinear', 'quant_integer']) {
    cases.set(f, importOnnx(file(`test/fixtures/${f}.onnx`)));
  }
  // Multi-exit with a predictor; its first conv stays f32 (f32 -> int8 boundaries inside).
  const train = await loadMnist('train');
  const float = importOnnx(file('test/fixtures/multiexit_tiny.onnx'));
  const calib = Array.from({ length: 64 }, (_, i) => Float32Array.from(train.images.subarray(i * 937 * 784, (i * 937 + 1) * 784), (v) => v / 255));
  const first = float.graph.nodes.find((n) => n.op === 'conv2d')!.name;
  const q = await quantizeGraph(float.graph, float.weights, { method: 'minmax', keepFloat: [first], observe: runtimeObserve(calib) });
  cases.set('multiexit_tiny (int8, first conv f32)', q);
}, 120_000);

const tensor = (g: Graph, name: string): TensorInfo => g.tensors.find((t) => t.name === name)!;
const numel = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** A batch in the source model's layout: MNIST test digits as the model normalises them, else seeded noise. */
function inputs(g: Graph): { data: Float32Array; dims: number[] } {
  const t = tensor(g, g.inputs[0]);
  const [, h, w, c] = t.shape;
  const dims = [N, c, h, w];
  if (h === 28 && w === 28 && c === 1) {
    const norm = g.normalize ?? { mean: [0], std: [1], scale: 255 };
    const data = Float32Array.from(mnist.images.subarray(0, N * 784), (v) => (v / norm.scale - norm.mean[0]) / norm.std[0]);
    return { data, dims };
  }
  return { data: new Rng(7).f32(N * c * h * w, -1, 1), dims };
}

/** The step of an int8 model's output: the scale of the i8 tensor its dequantize reads (0 for f32). */
function outStep(g: Graph, out: string): number {
  const dq = g.nodes.find((n) => n.outputs[0] === out && n.op === 'dequantize');
  const q = dq ? tensor(g, dq.inputs[0]).quant : undefined;
  return q?.kind === 'tensor' ? q.scale : 0;
}

async function branchyRun(c: Case, x: Float32Array): Promise<Record<string, Float32Array>> {
  const m = await fromGraph(c.graph, c.weights);
  const out = m.run(x);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

/**
 * onnxruntime-node with graph optimizations off: Q, DQ and float ops one by one, as the ONNX
 * spec defines QDQ (optimized, ORT's x86 u8 x s8 kernels saturate 16-bit pair sums with
 * full-range int8 weights; see test/convert/quant-onnx.test.ts).
 */
async function ortRun(bytes: Uint8Array, x: { data: Float32Array; dims: number[] }, oneByOne = false): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  const run = async (data: Float32Array, dims: number[]) => {
    const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', data, dims) });
    return s.outputNames.map((k) => out[k].data as Float32Array);
  };
  let outs: Float32Array[];
  if (!oneByOne) outs = await run(x.data, x.dims);
  else {
    // Models exported with a fixed batch of 1 (the fixtures): one sample at a time.
    const per = x.data.length / N;
    const parts: Float32Array[][] = [];
    for (let i = 0; i < N; i++) parts.push(await run(x.data.subarray(i * per, (i + 1) * per), [1, ...x.dims.slice(1)]));
    outs = parts[0].map((_, k) => {
      const o = new Float32Array(parts[0][k].length * N);
      parts.forEach((p, i) => o.set(p[k], i * p[k].length));
      return o;
    });
  }
  return Object.fromEntries(s.outputNames.map((k, i) => [k, outs[i]]));
}

const argmax = (v: Float32Array, off: number, n: number): number => {
  let b = 0;
  for (let i = 1; i < n; i++) if (v[off + i] > v[off + b]) b = i;
  return b;
};

/** The fixtures' own ONNX files, run by ONNX Runtime beside their export. */
const SOURCE: Record<string, string> = Object.fromEntries(
  ['quant_torch_qdq', 'quant_mnist_cnn', 'quant_mobilenet_qdq', 'quant_qlinear', 'quant_integer'].map((f) => [f, `test/fixtures/${f}.onnx`]),
);

const INT8 = ['models/mnist-lenet.int8.branchy', 'models/branchy-lenet-mnist.int8.branchy', 'quant_torch_qdq', 'quant_mnist_cnn',
  'quant_mobilenet_qdq', 'quant_qlinear', 'quant_integer', 'multiexit_tiny (int8, first conv f32)'];

describe('ONNX export of int8 models (QDQ)', () => {
  it.each(INT8)('%s: ONNX Runtime gives branchy\'s outputs within one quantization step', async (name) => {
    const c = cases.get(name)!;
    const onnx = exportOnnx(c.graph, c.weights);
    const x = inputs(c.graph);
    const [ours, theirs] = await Promise.all([branchyRun(c, x.data), ortRun(onnx, x)]);
    // A fixture's own ONNX file may already sit further than a step from branchy after several
    // layers (ties rounded apart upstream); the export must be no further than its source.
    const source = SOURCE[name] ? await ortRun(file(SOURCE[name]), x, true) : undefined;
    expect(Object.keys(theirs)).toEqual(c.graph.outputs); // every exit and predictor, in order
    for (const out of c.graph.outputs) {
      const a = ours[out], b = theirs[out];
      expect(b.length, out).toBe(a.length);
      const step = outStep(c.graph, out);
      const steps = (p: Float32Array): number => {
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - p[i]) / (step > 0 ? step : 1e-4 * Math.max(1, Math.abs(a[i]))));
        return worst;
      };
      const allowed = Math.max(1, source ? Math.round(steps(source[out])) : 1);
      expect(steps(b), `${out}: worst difference in steps of ${step || 'relative 1e-4'}`).toBeLessThanOrEqual(allowed + 0.001);
      const per = a.length / N;
      let agree = 0;
      for (let s = 0; s < N; s++) if (argmax(a, s * per, per) === argmax(b, s * per, per)) agree++;
      if (per > 1) expect(agree / N, `${out}: top-1 agreement`).toBeGreaterThanOrEqual(0.98);
    }
  });

  it.each(INT8)('%s: our importer reads the export back into the same int8 graph', async (name) => {
    const c = cases.get(name)!;
    const back = importOnnx(exportOnnx(c.graph, c.weights));
    expect(back.warnings).toEqual([]);
    // Reshapes and flattens may come back on the other side of a quantize (they commute).
    const compute = (g: Graph) => g.nodes.filter((n) => n.op !== 'reshape' && n.op !== 'flatten');
    const sig = (g: Graph) => compute(g).map((n) => `${n.op}${n.act ? `+${n.act.kind}` : ''}:${tensor(g, n.outputs[0]).dtype}`);
    expect(sig(back.graph)).toEqual(sig(c.graph));
    expect(back.graph.normalize).toEqual(c.graph.normalize);
    const theirs = compute(back.graph);
    compute(c.graph).forEach((n, k) => {
      const m = theirs[k];
      expect(tensor(back.graph, m.outputs[0]).quant, n.name).toEqual(tensor(c.graph, n.outputs[0]).quant);
      for (let i = 1; i < n.inputs.length; i++) {
        const [t, u] = [tensor(c.graph, n.inputs[i]), tensor(back.graph, m.inputs[i])];
        if (!t.constant) continue;
        expect(u.quant, `${n.name} input ${i}`).toEqual(t.quant);
        if (n.op === 'gemm' && i === 1) {
          // Gemm columns may be permuted (the flatten order); the multiset of each row is kept.
          const rows = t.shape[0], k = t.shape[1];
          const row = (w: Weights, nm: string, r: number) => Array.from(w.get(nm)!.subarray(r * k, (r + 1) * k)).sort((p, q) => p - q);
          for (let r = 0; r < rows; r++) expect(row(back.weights, u.name, r)).toEqual(row(c.weights, t.name, r));
        } else {
          expect(back.weights.get(u.name), `${n.name} input ${i}`).toEqual(c.weights.get(t.name));
        }
      }
    });
    const x = inputs(c.graph).data;
    expect(await branchyRun(back, x)).toEqual(await branchyRun(c, x));
  });

  it.each(['models/branchy-lenet-mnist.int8.branchy', 'quant_torch_qdq'])('%s with int8 activations: the same outputs in ONNX Runtime, the same graph back', async (name) => {
    const c = cases.get(name)!;
    const [u8, s8] = [exportOnnx(c.graph, c.weights), exportOnnx(c.graph, c.weights, { activations: 'int8' })];
    const zpTypes = (b: Uint8Array) => {
      const g = ONNX.ModelProto.decode(b).graph!;
      const init = new Map(g.initializer!.map((t) => [t.name!, t.dataType]));
      return new Set(g.node!.filter((n) => n.opType === 'QuantizeLinear').map((n) => init.get(n.input![2])));
    };
    expect(zpTypes(s8)).toEqual(new Set([ONNX.TensorProto.DataType.INT8]));
    expect(zpTypes(u8)).toEqual(new Set([ONNX.TensorProto.DataType.UINT8]));
    const x = inputs(c.graph);
    expect(await ortRun(s8, x)).toEqual(await ortRun(u8, x));
    const back = importOnnx(s8);
    expect(await branchyRun(back, x.data)).toEqual(await branchyRun(c, x.data));
  });

  it.each(['models/mnist-lenet.int8.branchy', 'models/branchy-lenet-mnist.int8.branchy'])('%s: ONNX Runtime Web (wasm, optimized, fused int8 kernels) agrees within one step', async (name) => {
    const c = cases.get(name)!;
    ortWeb.env.wasm.numThreads = 1;
    const s = await ortWeb.InferenceSession.create(exportOnnx(c.graph, c.weights), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const x = inputs(c.graph);
    const out = await s.run({ input: new ortWeb.Tensor('float32', x.data, x.dims) });
    const ours = await branchyRun(c, x.data);
    for (const o of c.graph.outputs) {
      const a = ours[o], b = out[o].data as Float32Array, step = outStep(c.graph, o);
      let worst = 0, agree = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / step);
      for (let k = 0; k < N; k++) if (argmax(a, k * 10, 10) === argmax(b, k * 10, 10)) agree++;
      expect(worst, `${o}: worst difference in steps`).toBeLessThanOrEqual(1.001);
      expect(agree, `${o}: top-1 agreement`).toBe(N);
    }
    await s.release();
  });

  it.each(['models/branchy-lenet-mnist.int8.branchy', 'quant_mobilenet_qdq', 'quant_torch_qdq'])('%s: ONNX Runtime fuses every conv and gemm into its int8 kernels', async (name) => {
    const c = cases.get(name)!;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'branchy-export-'));
    try {
      const file = path.join(dir, 'optimized.onnx');
      await ort.InferenceSession.create(exportOnnx(c.graph, c.weights), { graphOptimizationLevel: 'all', optimizedModelFilePath: file });
      const ops = ONNX.ModelProto.decode(readFileSync(file)).graph!.node!.map((n) => n.opType!);
      expect(ops.filter((o) => /^(Fused)?(Conv|Gemm|MatMul)$/.test(o)), 'float convs or gemms left').toEqual([]);
      const int8 = c.graph.nodes.filter((n) => n.op === 'conv2d' || n.op === 'dwconv2d' || n.op === 'gemm').length;
      expect(ops.filter((o) => o === 'QLinearConv' || o === 'QGemm' || o === 'QLinearMatMul')).toHaveLength(int8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes QDQ: int8 weights with per-channel scales, int32 biases, per-tensor uint8 activations', () => {
    const c = cases.get('models/branchy-lenet-mnist.int8.branchy')!;
    const m = ONNX.ModelProto.decode(exportOnnx(c.graph, c.weights));
    const g = m.graph!;
    const T = ONNX.TensorProto.DataType;
    const init = new Map(g.initializer!.map((t) => [t.name!, t]));
    const ops = g.node!.map((n) => n.opType);
    expect(Number(m.opsetImport![0].version)).toBe(13);
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(3);
    expect(ops.filter((o) => o === 'Gemm')).toHaveLength(3);
    expect(g.output!.map((o) => o.name)).toEqual(['exit0', 'exit1']);
    for (const n of g.node!.filter((k) => k.opType === 'Conv' || k.opType === 'Gemm')) {
      const [x, w, b] = n.input!.map((i) => g.node!.find((k) => k.output![0] === i)!);
      expect(x.opType).toBe('DequantizeLinear');
      expect(init.get(x.input![2])!.dataType).toBe(T.UINT8);
      const [wq, ws] = [init.get(w.input![0])!, init.get(w.input![1])!];
      expect(wq.dataType).toBe(T.INT8);
      expect(ws.dims!.map(Number)).toEqual([Number(wq.dims![0])]); // one scale per output channel
      expect(init.get(b.input![0])!.dataType).toBe(T.INT32);
      const q = g.node!.find((k) => k.opType === 'QuantizeLinear' && (k.input![0] === n.output![0] || g.node!.some((r) => r.input![0] === n.output![0] && r.output![0] === k.input![0])));
      expect(q, `${n.name} is followed (through its Relu) by a QuantizeLinear`).toBeDefined();
    }
    const meta = Object.fromEntries(m.metadataProps!.map((p) => [p.key, p.value]));
    expect(JSON.parse(meta['branchy.normalize']!)).toEqual(c.graph.normalize);
  });
});

describe('ONNX export of f32 models', () => {
  it('models/mnist-lenet.branchy: ONNX Runtime matches branchy to 1e-4 relative on MNIST digits', async () => {
    const c = cases.get('models/mnist-lenet.branchy')!;
    const x = inputs(c.graph);
    const [ours, theirs] = await Promise.all([branchyRun(c, x.data), ortRun(exportOnnx(c.graph, c.weights), x)]);
    const a = ours.logits, b = theirs.logits;
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(a[i])));
    expect(numel([N, 10])).toBe(a.length);
  });
});

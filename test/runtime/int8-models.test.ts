// int8 models through the runtime: bit-exact with the integer reference evaluator
// (test/reference/ir-eval.ts, written from DESIGN.md's numerics) in every build, and within
// one output quantization step of ONNX Runtime on PyTorch's QDQ export.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { importOnnx, quantizeGraph } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { loadMnist } from '../../src/cli/datasets.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { evalQuantGraph, toNHWC } from '../reference/ir-eval.js';
import { TEST_BUILDS } from '../helpers/wasm.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));

function reference(graph: Graph, weights: Weights, x: Float32Array, n: number): Float32Array {
  const inp = graph.tensors.find((t) => t.name === graph.inputs[0])!;
  const [, H, W, C] = inp.shape;
  const per = H * W * C;
  const outs: Float32Array[] = [];
  for (let b = 0; b < n; b++) {
    const xs = x.subarray(b * per, (b + 1) * per);
    const feed = inp.sourceLayout === 'NCHW' ? toNHWC(xs, [1, C, H, W]) : xs;
    outs.push(evalQuantGraph(graph, weights, { [inp.name]: feed }).get(graph.outputs[0]) as Float32Array);
  }
  const all = new Float32Array(outs.reduce((a, o) => a + o.length, 0));
  let at = 0;
  for (const o of outs) (all.set(o, at), (at += o.length));
  return all;
}

async function digits(n: number, normalise: (v: number) => number): Promise<Float32Array> {
  const ds = await loadMnist('test');
  return Float32Array.from(ds.images.subarray(0, n * 784), normalise);
}

/** Exact when the last op is int8 (then dequantize); `tol` (relative) when a float layer ends the model. */
async function expectBitExact(graph: Graph, weights: Weights, x: Float32Array, n: number, tol = 0) {
  const want = reference(graph, weights, x, n);
  for (const build of TEST_BUILDS) {
    const model = await fromGraph(graph, weights, { build });
    const got = model.run(x)[graph.outputs[0]].data;
    if (tol === 0) {
      expect(Array.from(got), `${build} differs from the int8 reference`).toEqual(Array.from(want));
    } else {
      const scale = Math.max(...Array.from(want, Math.abs));
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `${build} element ${i}`).toBeLessThanOrEqual(tol * scale);
    }
  }
}

describe('int8 models on the runtime', () => {
  it('PyTorch QDQ export: bit-exact with the reference, within 1 step of ONNX Runtime', async () => {
    const bytes = fixture('quant_torch_qdq.onnx');
    const { graph, weights } = importOnnx(bytes);
    const n = 20;
    const x = await digits(n, (v) => v / 255);
    await expectBitExact(graph, weights, x, n);
    const dq = graph.nodes.find((nd) => nd.op === 'dequantize' && nd.outputs[0] === graph.outputs[0])!;
    const q = graph.tensors.find((t) => t.name === dq.inputs[0])!.quant!;
    const step = q.kind === 'tensor' ? q.scale : NaN;
    // ORT with graph optimizations off runs QDQ exactly as the ONNX spec defines it (see quant-onnx.test.ts).
    const sess = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
    const model = await fromGraph(graph, weights);
    let worst = 0;
    for (let b = 0; b < n; b++) {
      const xs = x.subarray(b * 784, (b + 1) * 784);
      const r = await sess.run({ [sess.inputNames[0]]: new ort.Tensor('float32', xs, [1, 1, 28, 28]) });
      const want = r[sess.outputNames[0]].data as Float32Array;
      const got = model.run(xs)[graph.outputs[0]].data;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / step);
    }
    expect(worst).toBeLessThanOrEqual(1.001);
  });

  it('MobileNet-v1-style QDQ export (depthwise-separable, stride 2, global average pool): bit-exact with the reference, within 1 step of ONNX Runtime', async () => {
    // test/fixtures/quant_make_fixtures.py mobilenetqdq: MNIST padded to 32x32, repeated to 3 channels.
    // Its weights are per-channel symmetric in [-127, 127] (see the script for why not torch's -128..127).
    const bytes = fixture('quant_mobilenet_qdq.onnx');
    const { graph, weights, warnings } = importOnnx(bytes);
    expect(warnings).toEqual([]);
    const sig = graph.nodes.map((nd) => `${nd.op}${nd.act ? `+${nd.act.kind}` : ''}:${graph.tensors.find((t) => t.name === nd.outputs[0])!.dtype}`);
    // Flatten of the [1,64,1,1] pooled map needs no reordering: a reshape.
    expect(sig).toEqual([
      'quantize:i8', 'conv2d+relu:i8', ...Array(4).fill(['dwconv2d+relu:i8', 'conv2d+relu:i8']).flat(),
      'globalavgpool:i8', 'reshape:i8', 'gemm:i8', 'dequantize:f32',
    ]);
    const strides = graph.nodes.filter((nd) => nd.op === 'dwconv2d').map((nd) => (nd.attrs.strides as number[])[0]);
    expect(strides).toEqual([1, 2, 1, 2]);
    const n = 20;
    const ds = await loadMnist('test');
    const per = 3 * 32 * 32;
    const x = new Float32Array(n * per);
    for (let b = 0; b < n; b++) {
      for (let c = 0; c < 3; c++) {
        for (let h = 0; h < 28; h++) {
          for (let w = 0; w < 28; w++) x[b * per + c * 1024 + (h + 2) * 32 + w + 2] = ds.images[b * 784 + h * 28 + w] / 255;
        }
      }
    }
    await expectBitExact(graph, weights, x, n);
    const dq = graph.nodes.find((nd) => nd.op === 'dequantize' && nd.outputs[0] === graph.outputs[0])!;
    const q = graph.tensors.find((t) => t.name === dq.inputs[0])!.quant!;
    const step = q.kind === 'tensor' ? q.scale : NaN;
    const sess = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
    const model = await fromGraph(graph, weights);
    let worst = 0, agree = 0;
    for (let b = 0; b < n; b++) {
      const xs = x.subarray(b * per, (b + 1) * per);
      const r = await sess.run({ [sess.inputNames[0]]: new ort.Tensor('float32', xs, [1, 3, 32, 32]) });
      const want = r[sess.outputNames[0]].data as Float32Array;
      const got = model.run(xs)[graph.outputs[0]].data;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / step);
      if (got.indexOf(Math.max(...got)) === want.indexOf(Math.max(...want))) agree++;
    }
    expect(worst).toBeLessThanOrEqual(1.001);
    expect(agree).toBeGreaterThanOrEqual(19);
  });

  // quant_integer ends in a float MatMul (its MatMulInteger output is not requantized).
  for (const [name, tol] of [['quant_qlinear.onnx', 0], ['quant_integer.onnx', 1e-5]] as const) {
    it(`${name}: matches the reference in every build${tol ? ' (f32 tail within 1e-5)' : ', bit for bit'}`, async () => {
      const { graph, weights } = importOnnx(fixture(name));
      const inp = graph.tensors.find((t) => t.name === graph.inputs[0])!;
      const per = inp.shape.slice(1).reduce((a, b) => a * b, 1);
      const n = 8;
      const x = (await digits(n, (v) => v / 255)).subarray(0, n * per);
      await expectBitExact(graph, weights, x, n, tol);
    });
  }

  it('post-training quantized LeNet (the bundled model): bit-exact in every build', async () => {
    const { graph, weights } = importOnnx(new Uint8Array(readFileSync(new URL('../../models/mnist-lenet.onnx', import.meta.url))));
    const train = await loadMnist('train');
    const calib = Array.from({ length: 64 }, (_, i) => train.images.slice(i * 937 * 784, (i * 937 + 1) * 784));
    const float = await fromGraph(graph, weights, { keepIntermediates: true });
    const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: async (visit) => calib.forEach((img) => float.trace(img, visit)) });
    const n = 16;
    const x = await digits(n, (v) => (v / 255 - 0.1307) / 0.3081);
    await expectBitExact(q.graph, q.weights, x, n);
  });
});

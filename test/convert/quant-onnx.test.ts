// int8 ONNX import: QDQ (PyTorch's quantized export), QLinearConv / QLinearMatMul, static
// ConvInteger / MatMulInteger, checked for structure and, through the int8 reference
// evaluator, against onnxruntime-node within one output quantization step.
// Fixtures: test/fixtures/quant_make_fixtures.py.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import type { ImportResult } from '../../src/convert/index.js';
import { ONNX } from '../../src/convert/onnx/onnx-proto.js';
import { loadMnist } from '../../src/cli/datasets.js';
import { BranchyUnsupportedError } from '../../src/errors.js';
import type { Graph, TensorInfo } from '../../src/ir/types.js';
import { evalQuantGraph, toNHWC } from '../reference/ir-eval.js';
import { Rng } from '../helpers/rng.js';

const FIX = new URL('../fixtures/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`${name}.onnx`, FIX)));

const tensor = (g: Graph, name: string): TensorInfo => g.tensors.find((t) => t.name === name)!;
const sig = (g: Graph): string[] => g.nodes.map((n) => `${n.op}${n.act ? `+${n.act.kind}` : ''}:${tensor(g, n.outputs[0]).dtype}`);

/**
 * onnxruntime-node with graph optimizations off: Q, DQ and the float ops run one by one, as the
 * ONNX spec defines QDQ. (Optimized, ORT fuses QDQ into its x86 u8 x s8 kernels, whose 16-bit
 * pair sums saturate with full-range 8-bit weights: tens of steps off on MNIST's first layer.
 * That is why ORT's own quantizer defaults to 7-bit weights there.)
 */
async function ortRun(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, dims) });
  return out[s.outputNames[0]].data as Float32Array;
}

/** Runs an imported model with the int8 reference; x in ONNX (NCHW) layout. */
function refRun(res: ImportResult, x: Float32Array): Float32Array {
  const inp = tensor(res.graph, res.graph.inputs[0]);
  const [N, H, W, C] = inp.shape;
  const feed = inp.sourceLayout === 'NCHW' ? toNHWC(x, [N, C, H, W]) : x;
  return evalQuantGraph(res.graph, res.weights, { [inp.name]: feed }).get(res.graph.outputs[0]) as Float32Array;
}

/** The output scale: the quantization of the tensor the final dequantize reads. */
function outScale(g: Graph): number {
  const dq = g.nodes.find((n) => n.outputs[0] === g.outputs[0] && n.op === 'dequantize');
  const q = dq ? tensor(g, dq.inputs[0]).quant : undefined;
  return q?.kind === 'tensor' ? q.scale : 0;
}

function maxSteps(a: Float32Array, b: Float32Array, step: number): number {
  expect(a.length).toBe(b.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / step);
  return e;
}

describe('int8 ONNX import: PyTorch QDQ export (torch.ao eager PTQ, quint8 activations, per-channel qint8 weights)', () => {
  let res: ImportResult;
  beforeAll(() => {
    res = importOnnx(fixture('quant_torch_qdq'));
  });

  it('folds every DequantizeLinear -> op -> QuantizeLinear into an int8 op', () => {
    expect(sig(res.graph)).toEqual([
      'quantize:i8', 'conv2d+relu:i8', 'maxpool:i8', 'conv2d+relu:i8', 'dwconv2d+relu:i8', 'conv2d:i8', 'add+relu:i8',
      'maxpool:i8', 'conv2d+relu:i8', 'requantize:i8', 'requantize:i8', 'concat:i8', 'avgpool:i8', 'flatten:i8', 'gemm:i8',
      'dequantize:f32',
    ]);
    const g = res.graph;
    const input = tensor(g, 'input');
    expect(input).toMatchObject({ dtype: 'f32', sourceLayout: 'NCHW', shape: [1, 28, 28, 1] });
    // quint8 with zero point 0 becomes int8 with zero point -128.
    expect(tensor(g, g.nodes[0].outputs[0]).quant).toMatchObject({ kind: 'tensor', zeroPoint: -128 });
    for (const n of g.nodes.filter((m) => m.op === 'conv2d' || m.op === 'dwconv2d' || m.op === 'gemm')) {
      const w = tensor(g, n.inputs[1]), b = tensor(g, n.inputs[2]), x = tensor(g, n.inputs[0]);
      expect(w).toMatchObject({ dtype: 'i8', constant: true, quant: { kind: 'channel', axis: n.op === 'dwconv2d' ? 2 : 0 } });
      expect(b).toMatchObject({ dtype: 'i32', constant: true, quant: { kind: 'channel', axis: 0 } });
      const sw = (w.quant as { scales: number[] }).scales, sb = (b.quant as { scales: number[] }).scales;
      const sx = (x.quant as { scale: number }).scale;
      sb.forEach((s, c) => expect(s).toBeCloseTo(sx * sw[c], 12));
      const wq = res.weights.get(w.name) as Int8Array;
      expect(wq).toBeInstanceOf(Int8Array);
      expect(Math.min(...wq)).toBeGreaterThanOrEqual(-127);
    }
    // PyTorch's qint8 weights may hold -128: read as -127 and said so.
    expect(res.warnings.some((w) => w.includes('-128 read as -127'))).toBe(true);
    const mp = g.nodes.find((n) => n.op === 'maxpool')!;
    expect(tensor(g, mp.outputs[0]).quant).toEqual(tensor(g, mp.inputs[0]).quant);
    const cat = g.nodes.find((n) => n.op === 'concat')!;
    for (const i of cat.inputs) expect(tensor(g, i).quant).toEqual(tensor(g, cat.outputs[0]).quant);
  });

  it('matches onnxruntime-node within one output step on 20 MNIST digits', async () => {
    const ds = await loadMnist('test');
    const step = outScale(res.graph);
    expect(step).toBeGreaterThan(0);
    let worst = 0, agree = 0;
    for (let k = 0; k < 20; k++) {
      const x = Float32Array.from(ds.images.subarray(k * 784, (k + 1) * 784), (v) => v / 255);
      const want = await ortRun(fixture('quant_torch_qdq'), x, [1, 1, 28, 28]);
      const got = refRun(res, x);
      worst = Math.max(worst, maxSteps(got, want, step));
      if (got.indexOf(Math.max(...got)) === want.indexOf(Math.max(...want))) agree++;
    }
    expect(worst).toBeLessThanOrEqual(1.001);
    expect(agree).toBeGreaterThanOrEqual(19);
  });
});

describe('int8 ONNX import: QLinearConv, QLinearMatMul', () => {
  it('u8 activations, per-channel and uint8 (zero point 128) weights, MaxPool on a quantized tensor', () => {
    const res = importOnnx(fixture('quant_qlinear'));
    const g = res.graph;
    // Flatten's DequantizeLinear (u8, zp 123) and QuantizeLinear (i8, zp -5) cancel out.
    expect(sig(g)).toEqual(['quantize:i8', 'conv2d:i8', 'maxpool:i8', 'conv2d:i8', 'flatten:i8', 'gemm:i8', 'dequantize:f32']);
    expect(res.warnings).toEqual([]);
    const [c1, , c2, , fc] = g.nodes.slice(1);
    // u8 (scale 0.05, zp 120) -> i8 zp -8
    expect(tensor(g, c1.outputs[0]).quant).toEqual({ kind: 'tensor', scale: Math.fround(0.05), zeroPoint: -8 });
    expect((tensor(g, c1.inputs[1]).quant as { scales: number[] }).scales).toHaveLength(6);
    expect(c1.inputs).toHaveLength(3);
    // uint8 weights with zero point 128: w - 128 exactly.
    expect(tensor(g, c2.inputs[1]).quant).toMatchObject({ kind: 'channel', axis: 0, scales: Array(4).fill(Math.fround(0.01)) });
    expect(tensor(g, fc.inputs[1]).shape).toEqual([5, 16]);
  });

  it('matches onnxruntime-node within one output step', async () => {
    const bytes = fixture('quant_qlinear');
    const res = importOnnx(bytes);
    const rng = new Rng(3);
    for (let k = 0; k < 5; k++) {
      const x = rng.f32(2 * 8 * 8, -0.2, 1.2);
      const want = await ortRun(bytes, x, [1, 2, 8, 8]);
      expect(maxSteps(refRun(res, x), want, 0.1)).toBeLessThanOrEqual(1.001);
    }
  });
});

describe('int8 ONNX import: static ConvInteger / MatMulInteger', () => {
  it('QuantizeLinear -> ConvInteger -> Cast -> Mul -> Add -> Relu -> Flatten -> QuantizeLinear becomes one int8 conv', () => {
    const res = importOnnx(fixture('quant_integer'));
    // The MatMulInteger's output is float (Cast -> Mul, no QuantizeLinear after): its gemm stays f32.
    expect(sig(res.graph)).toEqual(['quantize:i8', 'conv2d+relu:i8', 'flatten:i8', 'dequantize:f32', 'gemm:f32']);
  });

  it('matches onnxruntime-node (conv output within one step, logits within float error)', async () => {
    const bytes = fixture('quant_integer');
    const res = importOnnx(bytes);
    const rng = new Rng(4);
    for (let k = 0; k < 5; k++) {
      const x = rng.f32(3 * 7 * 7, -2, 3);
      const want = await ortRun(bytes, x, [1, 3, 7, 7]);
      // One step of the hidden layer (0.03) times at most sum |w2 * s_w2| per logit bounds the error.
      expect(maxSteps(refRun(res, x), want, 0.03 * 100 * 127 * 0.02)).toBeLessThanOrEqual(1.001);
      const got = refRun(res, x);
      let e = 0;
      for (let i = 0; i < got.length; i++) e = Math.max(e, Math.abs(got[i] - want[i]));
      expect(e).toBeLessThan(0.5);
    }
  });
});

describe('int8 ONNX import: errors', () => {
  const T = ONNX.TensorProto.DataType;
  function model(nodes: object[], inits: object[], input = [1, 2, 4, 4]): Uint8Array {
    return ONNX.ModelProto.encode(ONNX.ModelProto.create({
      irVersion: 7, opsetImport: [{ domain: '', version: 13 }, { domain: 'com.microsoft', version: 1 }],
      graph: {
        name: 'g', node: nodes, initializer: inits,
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: input.map((d) => ({ dimValue: d })) } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      },
    })).finish();
  }
  const f = (name: string, v: number[], dims: number[] = []) => ({ name, dims, dataType: T.FLOAT, floatData: v });
  const u8 = (name: string, v: number[], dims: number[] = []) => ({ name, dims, dataType: T.UINT8, int32Data: v });
  const i8 = (name: string, v: number[], dims: number[] = []) => ({ name, dims, dataType: T.INT8, int32Data: v });

  it('rejects asymmetric uint8 weights, naming the node and what to do', () => {
    const w = Array.from({ length: 2 * 2 }, (_, i) => 200 + i);
    const bytes = model([
      { opType: 'QuantizeLinear', name: 'q', input: ['x', 's', 'z'], output: ['xq'] },
      { opType: 'DequantizeLinear', name: 'dq', input: ['xq', 's', 'z'], output: ['xf'] },
      { opType: 'DequantizeLinear', name: 'dqw', input: ['w', 'sw', 'zw'], output: ['wf'] },
      { opType: 'Conv', name: 'conv', input: ['xf', 'wf'], output: ['c'] },
      { opType: 'QuantizeLinear', name: 'q2', input: ['c', 's', 'z'], output: ['cq'] },
      { opType: 'DequantizeLinear', name: 'dq2', input: ['cq', 's', 'z'], output: ['y'] },
    ], [f('s', [0.1]), u8('z', [0]), u8('w', w, [2, 2, 1, 1]), f('sw', [0.01]), u8('zw', [10])]);
    expect(() => importOnnx(bytes)).toThrow(BranchyUnsupportedError);
    expect(() => importOnnx(bytes)).toThrow(/node 'conv'.*symmetric/);
  });

  it('rejects dynamic quantization and per-channel activation scales', () => {
    const dyn = model([
      { opType: 'DynamicQuantizeLinear', name: 'dql', input: ['x'], output: ['xq', 'xs', 'xz'] },
      { opType: 'DequantizeLinear', name: 'dq', input: ['xq', 'xs', 'xz'], output: ['y'] },
    ], []);
    expect(() => importOnnx(dyn)).toThrow(/DynamicQuantizeLinear node 'dql'.*quantize_static/);
    const perChan = model([
      { opType: 'QuantizeLinear', name: 'qc', input: ['x', 's', 'z'], output: ['xq'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
      { opType: 'DequantizeLinear', name: 'dq', input: ['xq', 's', 'z'], output: ['y'], attribute: [{ name: 'axis', type: 2, i: 1 }] },
    ], [f('s', [0.1, 0.2], [2]), i8('z', [0, 0], [2])]);
    expect(() => importOnnx(perChan)).toThrow(/QuantizeLinear node 'qc'.*per-channel quantization of an activation/);
  });

  it('imports com.microsoft QLinearAdd and QLinearGlobalAveragePool as int8 add and globalavgpool', async () => {
    const bytes = model([
      { opType: 'QuantizeLinear', name: 'q', input: ['x', 's', 'z'], output: ['xq'] },
      { opType: 'QLinearGlobalAveragePool', domain: 'com.microsoft', name: 'gap', input: ['xq', 's', 'z', 's2', 'z2'], output: ['g'], attribute: [{ name: 'channels_last', type: 2, i: 0 }] },
      { opType: 'QLinearAdd', domain: 'com.microsoft', name: 'add', input: ['g', 's2', 'z2', 'g', 's2', 'z2', 's3', 'z3'], output: ['a'] },
      { opType: 'DequantizeLinear', name: 'dq', input: ['a', 's3', 'z3'], output: ['y'] },
    ], [f('s', [0.02]), u8('z', [128]), f('s2', [0.01]), u8('z2', [100]), f('s3', [0.03]), u8('z3', [90])]);
    const res = importOnnx(bytes);
    expect(sig(res.graph)).toEqual(['quantize:i8', 'globalavgpool:i8', 'add:i8', 'dequantize:f32']);
    const rng = new Rng(5);
    const x = rng.f32(32, -1.5, 1.5);
    let want: Float32Array;
    try {
      want = await ortRun(bytes, x, [1, 2, 4, 4]);
    } catch {
      return; // this onnxruntime build has no com.microsoft quantized kernels
    }
    expect(maxSteps(refRun(res, x), want, 0.03)).toBeLessThanOrEqual(1.001);
  });
});

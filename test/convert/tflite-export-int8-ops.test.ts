// exportTflite on the int8 operators that the zoo's networks need and TFLite writes its own way:
// a max pool with PyTorch's symmetric pads (a pad of the lowest value, then a VALID pool), the
// non-clamp activations (HARD_SWISH; LOGISTIC at TFLite's 1/256 scale, then QUANTIZE, or MUL by
// the input for SiLU; hardsigmoid as a 1×1 depthwise convolution), ReduceMean (MEAN) and an add
// or mul of a per-channel constant (a 1×1 depthwise convolution too). Each is
// a one-node float graph quantized by branchy (minmax), written with int8 edges, and run by
// LiteRT.js (TFLite + XNNPACK) and by branchy on the same int8 inputs: the activations on every
// one of the 256 int8 values. The steps between the two outputs are printed and bounded: 0 for
// the max pool (both pick the same value), at most 1 elsewhere (branchy's tables round the
// activation once; LiteRT's LOGISTIC rounds to its 1/256 grid first, its MEAN and the
// hardsigmoid's convolution requantize in fixed point). Measured: HARD_SWISH and MEAN agree
// exactly here, sigmoid and SiLU differ by one step on about a sixth of the values.
import { afterAll, describe, expect, it } from 'vitest';
import { builtinName, exportTflite, quantizeGraph, readTflite } from '../../src/convert/index.js';
import { runtimeObserve } from '../../src/cli/compress.js';
import { fromGraph } from '../../src/runtime/model.js';
import type { Activation, Graph, Node, Weights } from '../../src/ir/types.js';
import { openLitert, openLitertRaw } from '../helpers/litert.js';
import { Rng } from '../helpers/rng.js';

const numel = (s: number[]) => s.reduce((a, d) => a * d, 1);
const rows: string[] = [];

/**
 * A float graph of one node 'n' from input x to output y, after a 1×1 convolution by the
 * identity with a zero bias (exact in both engines: its output keeps the input's int8 values), so that every node
 * reads an int8 tensor (an activation or a reduce runs in int8 only on an int8 input).
 */
function oneNode(xShape: number[], yShape: number[], node: Omit<Node, 'name' | 'inputs' | 'outputs'>, constant?: Float32Array): { graph: Graph; weights: Weights } {
  const C = xShape[3];
  const id = Float32Array.from({ length: C * C }, (_, i) => +(i % (C + 1) === 0));
  const c = constant ? [{ name: 'c', shape: [constant.length], dtype: 'f32' as const, constant: true }] : [];
  return {
    graph: {
      inputs: ['x'], outputs: ['y'],
      nodes: [
        { name: 'id', op: 'conv2d', inputs: ['x', 'id.w', 'id.b'], outputs: ['x1'], attrs: { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] } },
        { name: 'n', inputs: ['x1', ...c.map((t) => t.name)], outputs: ['y'], ...node } as Node,
      ],
      tensors: [{ name: 'x', shape: xShape, dtype: 'f32' }, { name: 'id.w', shape: [C, 1, 1, C], dtype: 'f32', constant: true }, { name: 'id.b', shape: [C], dtype: 'f32', constant: true }, ...c,
        { name: 'x1', shape: xShape, dtype: 'f32' }, { name: 'y', shape: yShape, dtype: 'f32' }],
    },
    weights: new Map([['id.w', id], ['id.b', new Float32Array(C)], ...(constant ? [['c', constant] as [string, Float32Array]] : [])]),
  };
}

/** The graph quantized to int8 by branchy (minmax) on 8 inputs uniform in [lo, hi]. */
async function int8({ graph, weights }: { graph: Graph; weights: Weights }, lo: number, hi: number): Promise<{ graph: Graph; weights: Weights }> {
  const rng = new Rng(18);
  const n = numel(graph.tensors[0].shape);
  const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: runtimeObserve(Array.from({ length: 8 }, () => rng.f32(n, lo, hi)), '') });
  expect(q.float).toEqual([]);
  return q;
}

/** Every int8 value once (repeated to fill the input), then seeded ones. */
function inputs(n: number): Int8Array[] {
  const rng = new Rng(7);
  return [Int8Array.from({ length: n }, (_, i) => (i % 256) - 128), rng.i8(n), rng.i8(n)];
}

/**
 * The int8-edged export of an int8 graph run by LiteRT.js and by branchy on the same int8
 * inputs: the TFLite operators written, the largest difference in output steps, how many differ.
 */
async function agreement(name: string, g: { graph: Graph; weights: Weights }): Promise<{ ops: string[]; max: number; differ: number }> {
  const bytes = exportTflite(g.graph, g.weights, { io: 'int8' });
  const m = readTflite(bytes);
  const sg = m.subgraphs[0];
  const ops = sg.operators.map((o) => builtinName(m.operatorCodes[o.opcodeIndex].builtinCode));
  const qi = sg.tensors[sg.inputs[0]].quantization!, qo = sg.tensors[sg.outputs[0]].quantization!;
  const lit = await openLitertRaw(bytes);
  const model = await fromGraph(g.graph, g.weights);
  let max = 0, differ = 0, total = 0;
  for (const q of inputs(numel(sg.tensors[sg.inputs[0]].shape))) {
    const want = (await lit.run([q]))[0] as Int8Array;
    const y = model.run(Float32Array.from(q, (v) => (v - qi.zeroPoint[0]) * qi.scale[0]), { layout: 'NHWC' }).y.data as Float32Array;
    expect(y.length).toBe(want.length);
    y.forEach((v, i) => {
      const d = Math.abs(Math.round(v / qo.scale[0]) + qo.zeroPoint[0] - want[i]);
      max = Math.max(max, d);
      differ += +(d > 0);
    });
    total += y.length;
  }
  lit.delete();
  rows.push(`${name}: ${ops.join(' + ')}; ${differ}/${total} outputs differ, by at most ${max} step(s)`);
  return { ops, max, differ };
}

afterAll(() => console.log(`int8 export against LiteRT.js:\n  ${rows.join('\n  ')}`));

describe('max pool with pads that are neither SAME nor VALID', () => {
  const pool = oneNode([1, 8, 8, 4], [1, 4, 4, 4], { op: 'maxpool', attrs: { kernel: [3, 3], strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1], ceilMode: false } });

  it('int8, zero point -128 (after a ReLU): PAD (which writes the zero point) and a VALID pool, exactly', async () => {
    const r = await agreement('maxpool 3x3/2 pads 1, zero point -128', await int8(pool, 0, 3));
    expect(r.ops).toEqual(['CONV_2D', 'PAD', 'MAX_POOL_2D']);
    expect(r.max).toBe(0);
  });

  it('int8, another zero point: PADV2 of -128 and a VALID pool, exactly', async () => {
    const g = await int8(pool, -2, 2);
    const x = g.graph.tensors.find((t) => t.name === g.graph.nodes.find((n) => n.op === 'maxpool')!.inputs[0])!;
    expect(x.quant?.kind === 'tensor' && x.quant.zeroPoint).not.toBe(-128);
    const r = await agreement('maxpool 3x3/2 pads 1, zero point ≠ -128', g);
    expect(r.ops).toEqual(['CONV_2D', 'PADV2', 'MAX_POOL_2D']);
    expect(r.max).toBe(0);
  });

  it('f32: PADV2 of the lowest float and a VALID pool, exactly', async () => {
    const lit = await openLitert(exportTflite(pool.graph, pool.weights));
    const model = await fromGraph(pool.graph, pool.weights);
    const x = new Rng(3).f32(numel([1, 8, 8, 4]), -2, -1);
    const want = (await lit.run([x]))[0] as Float32Array;
    lit.delete();
    expect(Array.from(model.run(x, { layout: 'NHWC' }).y.data)).toEqual(Array.from(want));
  });

  it('a pool whose pads and output size no padding gives is still refused', () => {
    const bad = oneNode([1, 9, 9, 4], [1, 5, 5, 4], { op: 'maxpool', attrs: { kernel: [3, 3], strides: [2, 2], dilations: [1, 1], pads: [1, 0, 0, 0], ceilMode: false } });
    expect(() => exportTflite(bad.graph, bad.weights)).toThrow(/node 'n' \(maxpool\): pads \[1, 0, 0, 0\] over input \[1, 9, 9, 4\] are neither TFLite's SAME nor VALID/);
  });
});

describe('int8 activations on every int8 value', () => {
  const act = (a: Activation) => oneNode([1, 4, 8, 16], [1, 4, 8, 16], { op: 'activation', attrs: {}, act: a });

  it('hardswish: HARD_SWISH', async () => {
    const r = await agreement('hardswish', await int8(act({ kind: 'hardswish' }), -5, 5));
    expect(r.ops).toEqual(['CONV_2D', 'HARD_SWISH']);
    expect(r.max).toBeLessThanOrEqual(1);
  });

  it('sigmoid: LOGISTIC at 1/256, then QUANTIZE to the output\'s quantization', async () => {
    const r = await agreement('sigmoid', await int8(act({ kind: 'sigmoid' }), -6, 6));
    expect(r.ops).toEqual(['CONV_2D', 'LOGISTIC', 'QUANTIZE']);
    expect(r.max).toBeLessThanOrEqual(1);
  });

  it('silu: LOGISTIC at 1/256, MUL by the input', async () => {
    const r = await agreement('silu', await int8(act({ kind: 'silu' }), -6, 6));
    expect(r.ops).toEqual(['CONV_2D', 'LOGISTIC', 'MUL']);
    expect(r.max).toBeLessThanOrEqual(1);
  });

  it('hardsigmoid: a 1x1 depthwise convolution of weight alpha and bias beta', async () => {
    const r = await agreement('hardsigmoid', await int8(act({ kind: 'hardsigmoid', alpha: 1 / 6, beta: 0.5 }), -4, 4));
    expect(r.ops).toEqual(['CONV_2D', 'DEPTHWISE_CONV_2D']);
    expect(r.max).toBeLessThanOrEqual(1);
  });

  it('hardsigmoid with an output range past [0, 1]: then RELU_0_TO_1', async () => {
    const g = await int8(act({ kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 }), -4, 4);
    const y = g.graph.tensors.find((t) => t.name === g.graph.nodes.find((n) => n.op === 'activation')!.outputs[0])!;
    y.quant = { kind: 'tensor', scale: 2 / 255, zeroPoint: -64 };
    const r = await agreement('hardsigmoid, output range [-0.5, 1.5]', g);
    expect(r.ops).toEqual(['CONV_2D', 'DEPTHWISE_CONV_2D', 'RELU_0_TO_1']);
    expect(r.max).toBeLessThanOrEqual(1);
  });
});

it('a per-channel constant past TFLite\'s int32 bias is refused, naming the node and channel', async () => {
  const g = await int8(oneNode([1, 4, 8, 16], [1, 4, 8, 16], { op: 'activation', attrs: {}, act: { kind: 'hardsigmoid', alpha: 1e-9, beta: 0.5 } }), -4, 4);
  expect(() => exportTflite(g.graph, g.weights, { io: 'int8' })).toThrow(/node 'n' \(activation\): channel 0: the constant 0.5 is \d+ steps of the accumulator .* past TFLite's int32 bias; keep the layer in f32/);
});

describe('ReduceMean over height and width: MEAN', () => {
  it.each([true, false])('keepdims %s', async (keepdims) => {
    const g = oneNode([1, 5, 6, 8], keepdims ? [1, 1, 1, 8] : [1, 8], { op: 'reduce', attrs: { kind: 'mean', axes: [1, 2], keepdims } });
    const r = await agreement(`reduce mean, keepdims ${keepdims}`, await int8(g, -1, 3));
    expect(r.ops).toEqual(['CONV_2D', 'MEAN']);
    expect(r.max).toBeLessThanOrEqual(1);
  });

  it('another reduction is refused, naming the node', async () => {
    const g = oneNode([1, 5, 6, 8], [1, 8], { op: 'reduce', attrs: { kind: 'max', axes: [1, 2], keepdims: false } });
    expect(() => exportTflite(g.graph, g.weights)).toThrow(/node 'n' \(reduce\): a reduce of kind max; branchy exports ReduceMean \(MEAN\) only/);
  });
});

describe('int8 add and mul of a per-channel constant (a BatchNorm after a Concat): a 1x1 depthwise convolution', () => {
  const k = new Rng(5).f32(8, -2, 2);
  it.each([
    ['mul by a constant per channel', { op: 'mul', attrs: {} }, k, -2, 2],
    ['add of a constant per channel, ReLU', { op: 'add', attrs: {}, act: { kind: 'relu' } }, k, -2, 2],
    ['mul by one constant', { op: 'mul', attrs: {} }, Float32Array.of(-0.7), -1, 3],
  ] as const)('%s', async (name, node, c, lo, hi) => {
    const r = await agreement(name, await int8(oneNode([1, 3, 4, 8], [1, 3, 4, 8], node as Omit<Node, 'name' | 'inputs' | 'outputs'>, c), lo, hi));
    expect(r.ops).toEqual(['CONV_2D', 'DEPTHWISE_CONV_2D']);
    expect(r.max).toBeLessThanOrEqual(1);
  });
});

describe('int8 resize whose output has its own quantization (yolov8n: an upsample into a Concat)', () => {
  // TFLite's integer resizes keep the input's quantization; the exporter resizes at it and
  // requantizes with QUANTIZE. Without that, LiteRT.js read the copied values at the output's
  // scale (18 steps apart on yolov8n's upsample).
  it.each([
    ['nearest', { mode: 'nearest', coord: 'asymmetric', nearest: 'floor' }, 1],
    ['bilinear, half pixel', { mode: 'linear', coord: 'half_pixel' }, 1],
  ] as const)('%s: RESIZE at the input\'s quantization, then QUANTIZE', async (name, modes, bound) => {
    const g = await int8(oneNode([1, 3, 4, 8], [1, 6, 8, 8], { op: 'resize', attrs: { ...modes, scales: [2, 2], size: [6, 8] } }), -2, 2);
    const y = g.graph.tensors.find((t) => t.name === g.graph.nodes.find((n) => n.op === 'resize')!.outputs[0])!;
    if (y.quant?.kind !== 'tensor') throw new Error(`${y.name} is not per-tensor int8`);
    y.quant = { ...y.quant, scale: y.quant.scale * 1.7, zeroPoint: y.quant.zeroPoint + 9 };
    const r = await agreement(`resize ${name}, output scale ×1.7`, g);
    expect(r.ops).toEqual(['CONV_2D', modes.mode === 'nearest' ? 'RESIZE_NEAREST_NEIGHBOR' : 'RESIZE_BILINEAR', 'QUANTIZE']);
    expect(r.max).toBeLessThanOrEqual(bound);
  });
});

it('an int8 average pool over the whole input at another scale (DS-CNN\'s last pool): MEAN, one rounding', async () => {
  const g = await int8(oneNode([1, 5, 6, 8], [1, 1, 1, 8], { op: 'avgpool', attrs: { kernel: [5, 6], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], ceilMode: false, countIncludePad: false } }), -1, 3);
  const y = g.graph.tensors.find((t) => t.name === g.graph.nodes.find((n) => n.op === 'avgpool')!.outputs[0])!;
  if (y.quant?.kind !== 'tensor') throw new Error(`${y.name} is not per-tensor int8`);
  y.quant = { ...y.quant, scale: y.quant.scale * 0.37, zeroPoint: Math.max(-128, y.quant.zeroPoint - 20) };
  const r = await agreement('avgpool over the whole input, output scale ×0.37', g);
  expect(r.ops).toEqual(['CONV_2D', 'MEAN']);
  expect(r.max).toBeLessThanOrEqual(1);
});

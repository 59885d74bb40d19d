// The data-movement ops from ONNX: small models built here (buildModel), imported, run through
// the runtime in every build and compared with onnxruntime-node on the same bytes (f32 within
// 1e-5 of the largest output); then exported back to ONNX (exportOnnx) and run in ONNX Runtime
// again. Transpose, Slice, Split, Pad, Concat, DepthToSpace, SpaceToDepth, the channel shuffle,
// Flatten, Softmax, ReduceMean / Max / Sum, Resize / Upsample, Conv and pools over [N, C, W],
// ConvTranspose, and shape arithmetic folded at import.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { exportOnnx, importOnnx, quantizeGraph } from '../../src/convert/index.js';
import { runtimeObserve } from '../../src/cli/compress.js';
import { evalQuantGraph, toNCHW, toNHWC } from '../reference/ir-eval.js';
import { fromGraph } from '../../src/runtime/model.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import { buildModel, float, int, ints, str } from './helpers.js';
import type { ModelSpec } from './helpers.js';

const rng = new Rng(0x5eed);
const i64 = (data: number[]) => ({ dims: [data.length], data, int64: true });
const scalar = (v: number) => ({ dims: [], data: [v], int64: true });
const f32 = (dims: number[]) => ({ dims, data: Array.from(rng.f32(dims.reduce((a, b) => a * b, 1), -1, 1)) });

interface Case {
  name: string;
  spec: ModelSpec;
  /** IR ops the import must produce (in this order, a subsequence). */
  ops?: string[];
}

/** One-node model on input x of `shape` (inits are the node's constant inputs). */
const one = (name: string, shape: number[], op: string, inputs: string[], attrs: ModelSpec['nodes'][number]['attrs'] = {}, inits: ModelSpec['inits'] = {}, opset = 13, outputs = ['y']): Case => ({
  name, spec: { inputs: [{ name: 'x', shape }], outputs, inits, opset, nodes: [{ op, inputs: ['x', ...inputs], outputs, attrs }] },
});

async function ortRun(bytes: Uint8Array, x: Float32Array, shape: number[]): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  const r = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, shape) });
  const out = Object.fromEntries(s.outputNames.map((k) => [k, r[k].data as Float32Array]));
  await s.release();
  return out;
}

const err = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Infinity;
  const scale = Math.max(1, ...Array.from(b, Math.abs));
  return Math.max(0, ...Array.from(a, (v, i) => Math.abs(v - b[i]))) / scale;
};

async function check(c: Case): Promise<string[]> {
  const bytes = buildModel(c.spec);
  const shape = c.spec.inputs[0].shape as number[];
  const x = rng.f32(shape.reduce((a, b) => a * b, 1), -2, 2);
  const want = await ortRun(bytes, x, shape);
  const { graph, weights } = importOnnx(bytes);
  const bad: string[] = [];
  if (c.ops) {
    const got = graph.nodes.map((n) => n.op);
    let k = 0;
    for (const op of got) if (op === c.ops[k]) k++;
    if (k < c.ops.length) bad.push(`${c.name}: ops ${got.join(', ')} lack ${c.ops.join(', ')}`);
  }
  for (const build of TEST_BUILDS) {
    const out = (await fromGraph(graph, weights, { build })).run(x);
    for (const [k, w] of Object.entries(want)) {
      const e = err(out[k].data, w);
      if (!(e <= 1e-5)) bad.push(`${c.name} (${build}): output '${k}' off by ${e}`);
    }
  }
  const back = await ortRun(exportOnnx(graph, weights), x, shape);
  for (const [k, w] of Object.entries(want)) {
    const e = err(back[k], w);
    if (!(e <= 1e-5)) bad.push(`${c.name} (exported, ONNX Runtime): output '${k}' off by ${e}`);
  }
  return bad;
}

const IMG = [1, 6, 5, 7];

const CASES: Case[] = [
  // Transpose: NCHW <-> NHWC stay aliases; any other permutation moves bytes.
  { ...one('Transpose H<->W', IMG, 'Transpose', [], { perm: ints([0, 1, 3, 2]) }), ops: ['transpose'] },
  one('Transpose [0, 3, 2, 1]', IMG, 'Transpose', [], { perm: ints([0, 3, 2, 1]) }),
  one('Transpose of [N, L, D] (rank 3)', [1, 5, 8], 'Transpose', [], { perm: ints([0, 2, 1]) }),
  // Slice: steps, negative steps, out-of-range ends, any axis (opset 13 inputs, opset 9 attributes).
  { ...one('Slice channels 1:5:2, W reversed', IMG, 'Slice', ['s', 'e', 'a', 'st'], {}, { s: i64([1, -1]), e: i64([5, -1000]), a: i64([1, 3]), st: i64([2, -1]) }), ops: ['slice'] },
  one('Slice H from 2 to the end', IMG, 'Slice', ['s', 'e', 'a'], {}, { s: i64([2]), e: i64([2 ** 31]), a: i64([-2]) }),
  one('Slice opset 9 attributes', IMG, 'Slice', [], { starts: ints([1, 0]), ends: ints([4, 3]), axes: ints([2, 3]) }, {}, 9),
  // Split: given sizes (input from opset 13), equal parts.
  one('Split channels 2 + 4', IMG, 'Split', ['sp'], { axis: int(1) }, { sp: i64([2, 4]) }, 13, ['y0', 'y1']),
  one('Split W in equal parts (opset 11 attribute)', [1, 4, 3, 6], 'Split', [], { axis: int(3), split: ints([3, 3]) }, {}, 11, ['y0', 'y1']),
  // Pad: constant (with its value), reflect, edge; negative pads crop.
  { ...one('Pad constant 0.5, crop', IMG, 'Pad', ['p', 'v'], { mode: str('constant') }, { p: i64([0, 1, 2, -1, 0, 0, 1, 2]), v: { dims: [], data: [0.5] } }), ops: ['pad'] },
  one('Pad reflect', IMG, 'Pad', ['p'], { mode: str('reflect') }, { p: i64([0, 0, 2, 3, 0, 0, 1, 3]) }),
  one('Pad edge', IMG, 'Pad', ['p'], { mode: str('edge') }, { p: i64([0, 2, 1, 0, 0, 1, 0, 2]) }),
  one('Pad opset 9 attributes', IMG, 'Pad', [], { pads: ints([0, 0, 1, 1, 0, 0, 1, 1]), value: float(-1) }, {}, 9),
  // Concat on H and W of images.
  { name: 'Concat along H and W', spec: { inputs: [{ name: 'x', shape: IMG }], outputs: ['y'], nodes: [
    { op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Concat', inputs: ['x', 'r'], outputs: ['h'], attrs: { axis: int(2) } },
    { op: 'Concat', inputs: ['h', 'h'], outputs: ['y'], attrs: { axis: int(-1) } }] }, ops: ['concat', 'concat'] },
  // DepthToSpace, SpaceToDepth.
  one('DepthToSpace DCR', [1, 8, 3, 2], 'DepthToSpace', [], { blocksize: int(2) }),
  one('DepthToSpace CRD', [1, 18, 2, 3], 'DepthToSpace', [], { blocksize: int(3), mode: str('CRD') }),
  one('SpaceToDepth', [1, 3, 4, 6], 'SpaceToDepth', [], { blocksize: int(2) }),
  // ShuffleNet's channel shuffle: one transpose.
  { name: 'channel shuffle (Reshape, Transpose, Reshape)', ops: ['transpose'], spec: {
    inputs: [{ name: 'x', shape: [1, 12, 3, 4] }], outputs: ['y'], inits: { s5: i64([1, 3, 4, 3, 4]), s4: i64([1, -1, 3, 4]) },
    nodes: [{ op: 'Reshape', inputs: ['x', 's5'], outputs: ['a'] }, { op: 'Transpose', inputs: ['a'], outputs: ['b'], attrs: { perm: ints([0, 2, 1, 3, 4]) } },
      { op: 'Reshape', inputs: ['b', 's4'], outputs: ['y'] }] } },
  // Reshapes that mix channels and space.
  one('Reshape [1, 6, 5, 7] to [1, 6, 35] (a YOLO head)', IMG, 'Reshape', ['s'], {}, { s: i64([1, 6, -1]) }),
  one('Reshape [1, 6, 5, 7] to [1, 3, 10, 7]', IMG, 'Reshape', ['s'], {}, { s: i64([1, 3, 10, 7]) }),
  one('Flatten axis 0 (batch 1)', IMG, 'Flatten', [], { axis: int(0) }),
  // Softmax on every axis of an image, opset 13 and the 2-D coercion of opset 11.
  ...[1, 2, 3].map((axis) => one(`Softmax axis ${axis}`, IMG, 'Softmax', [], { axis: int(axis) })),
  one('Softmax axis 1 opset 11 (coerced to 2-D)', IMG, 'Softmax', [], { axis: int(1) }, {}, 11),
  // Reductions over space and channels, keepdims both ways.
  { ...one('ReduceMean over H, W (x.mean([2, 3]))', IMG, 'ReduceMean', [], { axes: ints([2, 3]), keepdims: int(0) }), ops: ['reduce'] },
  one('ReduceMax over C, keepdims', IMG, 'ReduceMax', [], { axes: ints([1]) }),
  one('ReduceMean over H only (keeps C and W)', IMG, 'ReduceMean', [], { axes: ints([2]), keepdims: int(0) }),
  one('ReduceSum over C and W (axes input)', IMG, 'ReduceSum', ['a'], { keepdims: int(1) }, { a: i64([1, 3]) }),
  one('ReduceSum of everything but the batch', IMG, 'ReduceSum', ['a'], { keepdims: int(0) }, { a: i64([1, 2, 3]) }),
  // Resize / Upsample.
  one('Resize nearest 2x asymmetric floor (PyTorch)', IMG, 'Resize', ['', 's'], { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') }, { s: { dims: [4], data: [1, 1, 2, 2] } }),
  one('Resize linear half_pixel 1.5x', IMG, 'Resize', ['', 's'], { mode: str('linear') }, { s: { dims: [4], data: [1, 1, 1.5, 1.5] } }),
  one('Resize linear align_corners to sizes', IMG, 'Resize', ['', '', 'z'], { mode: str('linear'), coordinate_transformation_mode: str('align_corners') }, { z: i64([1, 6, 9, 4]) }),
  one('Resize nearest pytorch_half_pixel down 0.5', [1, 3, 8, 6], 'Resize', ['', 's'], { mode: str('nearest'), coordinate_transformation_mode: str('pytorch_half_pixel') }, { s: { dims: [4], data: [1, 1, 0.5, 0.5] } }),
  one('Upsample opset 9', IMG, 'Upsample', ['s'], { mode: str('nearest') }, { s: { dims: [4], data: [1, 1, 2, 3] } }, 9),
  // 1-D conv and pools over [N, C, W]; the transposes between them cancel.
  { name: 'Conv1d, ReLU, MaxPool1d, Conv1d, GlobalAveragePool', ops: ['transpose', 'conv2d', 'maxpool', 'conv2d', 'globalavgpool'], spec: {
    inputs: [{ name: 'x', shape: [1, 2, 40] }], outputs: ['y'], inits: { w1: f32([4, 2, 5]), b1: f32([4]), w2: f32([3, 4, 3]) },
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { strides: ints([2]), pads: ints([2, 1]) } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], attrs: { kernel_shape: ints([2]), strides: ints([2]) } },
      { op: 'Conv', inputs: ['p1', 'w2'], outputs: ['c2'], attrs: { dilations: ints([2]) } },
      { op: 'GlobalAveragePool', inputs: ['c2'], outputs: ['y'] },
    ] } },
  one('AveragePool1d', [1, 3, 17], 'AveragePool', [], { kernel_shape: ints([3]), strides: ints([2]), pads: ints([1, 1]) }),
  // ConvTranspose: 2-D with groups, output_shape; 1-D.
  one('ConvTranspose 2x2 stride 2', IMG, 'ConvTranspose', ['w', 'b'], { strides: ints([2, 2]) }, { w: f32([6, 3, 2, 2]), b: f32([3]) }),
  one('ConvTranspose groups 2, output_shape', IMG, 'ConvTranspose', ['w'], { strides: ints([2, 2]), group: int(2), kernel_shape: ints([3, 3]), output_shape: ints([12, 16]) }, { w: f32([6, 2, 3, 3]) }),
  one('ConvTranspose 1-D', [1, 4, 9], 'ConvTranspose', ['w'], { strides: ints([3]), pads: ints([1, 0]) }, { w: f32([4, 2, 4]) }),
  // Shape arithmetic: PyTorch's ZeroPad2d((0, 1, 0, 1)) pads, computed at import (ConstantOfShape,
  // Concat, Reshape, Slice with step -1, Transpose, Reshape, Cast), then a zero Pad and a max pool.
  { name: 'ZeroPad2d pads from shape arithmetic, then MaxPool', ops: ['pad', 'maxpool'], spec: {
    inputs: [{ name: 'x', shape: IMG }], outputs: ['y'],
    inits: { n4: i64([4]), p: i64([0, 1, 0, 1]), r2: i64([-1, 2]), s0: i64([-1]), e0: i64([-(2 ** 53)]), a0: i64([0]), st: i64([-1]), r1: i64([-1]) },
    nodes: [
      { op: 'ConstantOfShape', inputs: ['n4'], outputs: ['z'] },
      { op: 'Cast', inputs: ['z'], outputs: ['zi'], attrs: { to: int(7) } },
      { op: 'Concat', inputs: ['p', 'zi'], outputs: ['c'], attrs: { axis: int(0) } },
      { op: 'Reshape', inputs: ['c', 'r2'], outputs: ['c2'] },
      { op: 'Slice', inputs: ['c2', 's0', 'e0', 'a0', 'st'], outputs: ['c3'] },
      { op: 'Transpose', inputs: ['c3'], outputs: ['c4'], attrs: { perm: ints([1, 0]) } },
      { op: 'Reshape', inputs: ['c4', 'r1'], outputs: ['pads'] },
      { op: 'Pad', inputs: ['x', 'pads'], outputs: ['q'] },
      { op: 'MaxPool', inputs: ['q'], outputs: ['y'], attrs: { kernel_shape: ints([2, 2]) } },
    ] } },
  { name: 'Range, Shape, Gather, Unsqueeze, Squeeze: a reshape to [N, C, H*W] computed at import', spec: {
    inputs: [{ name: 'x', shape: IMG }], outputs: ['y'],
    inits: { i0: scalar(0), lim: scalar(2), one: scalar(1), hw: i64([35]), ax: i64([0]) },
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['sh'] },
      { op: 'Range', inputs: ['i0', 'lim', 'one'], outputs: ['idx'] },
      { op: 'Gather', inputs: ['sh', 'idx'], outputs: ['nc'] },
      { op: 'Unsqueeze', inputs: ['hw', 'ax'], outputs: ['hw1'] },
      { op: 'Squeeze', inputs: ['hw1', 'ax'], outputs: ['hw0'] },
      { op: 'Concat', inputs: ['nc', 'hw0'], outputs: ['t'], attrs: { axis: int(0) } },
      { op: 'Reshape', inputs: ['x', 't'], outputs: ['y'] },
    ] } },
];

describe('ONNX data movement ops: import, run, export', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      expect(await check(c)).toEqual([]);
    });
  }
});

// int8: Conv -> the op -> Conv, quantized by quantizeGraph (minmax on the runtime), the op in
// int8 (nothing of it left in float), every build's bytes equal and equal to the integer
// reference (evalQuantGraph).
const INT8: [string, ModelSpec['nodes'][number], ModelSpec['inits']][] = [
  ['Transpose H<->W', { op: 'Transpose', inputs: ['a'], outputs: ['b'], attrs: { perm: ints([0, 1, 3, 2]) } }, {}],
  ['Slice with a negative step', { op: 'Slice', inputs: ['a', 's', 'e', 'ax', 'st'], outputs: ['b'] }, { s: i64([-1]), e: i64([0]), ax: i64([2]), st: i64([-2]) }],
  ['Pad constant 1.5', { op: 'Pad', inputs: ['a', 'p', 'v'], outputs: ['b'] }, { p: i64([0, 0, 1, 2, 0, 0, 2, 1]), v: { dims: [], data: [1.5] } }],
  ['Pad reflect', { op: 'Pad', inputs: ['a', 'p'], outputs: ['b'], attrs: { mode: str('reflect') } }, { p: i64([0, 0, 1, 2, 0, 0, 2, 1]) }],
  ['Concat along H', { op: 'Concat', inputs: ['a', 'a'], outputs: ['b'], attrs: { axis: int(2) } }, {}],
  ['DepthToSpace', { op: 'DepthToSpace', inputs: ['a'], outputs: ['b'], attrs: { blocksize: int(2) } }, { w2: f32([4, 2, 1, 1]) }],
  ['Resize nearest', { op: 'Resize', inputs: ['a', '', 'sc'], outputs: ['b'], attrs: { mode: str('nearest') } }, { sc: { dims: [4], data: [1, 1, 2, 2] } }],
  ['Resize linear', { op: 'Resize', inputs: ['a', '', 'sc'], outputs: ['b'], attrs: { mode: str('linear') } }, { sc: { dims: [4], data: [1, 1, 1.5, 2] } }],
  ['ReduceMean over H, W', { op: 'ReduceMean', inputs: ['a'], outputs: ['b'], attrs: { axes: ints([2, 3]) } }, {}],
  ['ReduceMax over W', { op: 'ReduceMax', inputs: ['a'], outputs: ['b'], attrs: { axes: ints([3]) } }, {}],
];

describe('the data movement ops in int8 (quantizeGraph)', () => {
  for (const [name, node, inits] of INT8) {
    it(name, async () => {
      const spec: ModelSpec = {
        inputs: [{ name: 'x', shape: [1, 3, 6, 5] }], outputs: ['y'], inits: { w1: f32([8, 3, 1, 1]), w2: f32([4, 8, 1, 1]), ...inits },
        nodes: [{ op: 'Conv', inputs: ['x', 'w1'], outputs: ['c'] }, { op: 'Relu', inputs: ['c'], outputs: ['a'] }, node, { op: 'Conv', inputs: ['b', 'w2'], outputs: ['y'] }],
      };
      const { graph, weights } = importOnnx(buildModel(spec));
      const xs = Array.from({ length: 4 }, () => rng.f32(90, -2, 2));
      const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: runtimeObserve(xs, ''), outputError: false });
      expect(q.float).toEqual([]);
      const yt = q.graph.tensors.find((t) => t.name === 'y')!;
      const want = evalQuantGraph(q.graph, q.weights, { x: toNHWC(xs[0], [1, 3, 6, 5]) }).get('y') as Float32Array;
      for (const build of TEST_BUILDS) {
        const got = (await fromGraph(q.graph, q.weights, { build })).run(xs[0]).y.data as Float32Array;
        expect(Array.from(got), build).toEqual(Array.from(toNCHW(want, yt.shape)));
      }
    });
  }
});

// exportTflite on the layers the zoo's regnet_x_400mf, tiny_unet and audio_conv1d need: grouped
// convolution (one CONV_2D with a filter of C / groups input channels), grouped and depthwise
// transposed convolution (SLICE per group, one TRANSPOSE_CONV each, CONCATENATION), 1-D
// convolution and transposed convolution (the ONNX importer's layout transposes: RESHAPE where
// only axes of size 1 move, else TRANSPOSE), ONNX Split (SLICE), and a concat along an axis other
// than the last (a detector head's [1, C, H·W] outputs). Each is a small ONNX graph
// imported by branchy, quantized to int8 (minmax on seeded inputs) and exported with int8 edges:
// every operator of the file, run by branchy on LiteRT.js's own input, gives LiteRT.js's int8
// output exactly, and the whole file agrees with branchy's int8 graph within one output step
// (the fraction that differs is printed), exactly with graph.requantScale 'f32' (XNNPACK's f32
// multipliers; a global average pool is written as MEAN, which rounds once as branchy does).
// The float graphs' files give branchy's float outputs within 1e-5 of the largest.
import { afterAll, describe, expect, it } from 'vitest';
import { builtinName, exportTflite, importOnnx, quantizeGraph, readTflite } from '../../src/convert/index.js';
import { runtimeObserve } from '../../src/cli/compress.js';
import { fromGraph } from '../../src/runtime/model.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { layerAgreement } from '../../bench/peers/tflite-layers.mjs';
import { openLitert, openLitertRaw } from '../helpers/litert.js';
import { Rng } from '../helpers/rng.js';
import { buildModel, int, ints, type ModelSpec } from './helpers.js';

const rng = new Rng(1818);
const numel = (s: number[]) => s.reduce((a, d) => a * d, 1);
const w = (n: number) => Array.from(rng.f32(n, -0.5, 0.5));

interface Case {
  spec: ModelSpec;
  /** TFLite operators the int8 file must hold (each at least once). */
  ops: string[];
}

const CASES: [string, Case][] = [
  ['grouped conv (2 groups with bias, stride 2, PyTorch pads: a PAD before it) and 3 groups without bias, ReLU', {
    ops: ['PAD', 'CONV_2D'],
    spec: {
      inputs: [{ name: 'x', shape: [1, 4, 8, 8] }], outputs: ['y'],
      inits: { w1: { dims: [6, 2, 3, 3], data: w(108) }, b1: { dims: [6], data: w(6) }, w2: { dims: [6, 2, 3, 3], data: w(108) } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { group: int(2), pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) } },
        { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
        { op: 'Conv', inputs: ['r1', 'w2'], outputs: ['y'], attrs: { group: int(3), pads: ints([1, 1, 1, 1]) } },
      ],
    },
  }],
  ['grouped ConvTranspose (2 groups, kernel 3, stride 2, SAME pads) and depthwise (kernel 2, stride 2)', {
    ops: ['SLICE', 'TRANSPOSE_CONV', 'CONCATENATION'],
    spec: {
      inputs: [{ name: 'x', shape: [1, 4, 5, 5] }], outputs: ['y'],
      inits: { w1: { dims: [4, 3, 3, 3], data: w(108) }, b1: { dims: [6], data: w(6) }, w2: { dims: [6, 1, 2, 2], data: w(24) }, b2: { dims: [6], data: w(6) } },
      nodes: [
        { op: 'ConvTranspose', inputs: ['x', 'w1', 'b1'], outputs: ['t1'], attrs: { group: int(2), strides: ints([2, 2]), pads: ints([0, 0, 1, 1]) } },
        { op: 'Relu', inputs: ['t1'], outputs: ['r1'] },
        { op: 'ConvTranspose', inputs: ['r1', 'w2', 'b2'], outputs: ['y'], attrs: { group: int(6), strides: ints([2, 2]) } },
      ],
    },
  }],
  ['1-D conv and ConvTranspose: NCW in and out (RESHAPE of one channel in, TRANSPOSE of three out)', {
    ops: ['RESHAPE', 'TRANSPOSE', 'CONV_2D', 'TRANSPOSE_CONV'],
    spec: {
      inputs: [{ name: 'x', shape: [1, 1, 32] }], outputs: ['y'],
      inits: { w1: { dims: [4, 1, 5], data: w(20) }, b1: { dims: [4], data: w(4) }, w2: { dims: [4, 3, 2], data: w(24) } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: ints([2, 2]), strides: ints([2]) } },
        { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
        { op: 'ConvTranspose', inputs: ['r1', 'w2'], outputs: ['y'], attrs: { strides: ints([2]) } },
      ],
    },
  }],
  ['classifier: conv, global average pool (MEAN), flatten, gemm', {
    ops: ['CONV_2D', 'MEAN', 'RESHAPE', 'FULLY_CONNECTED'],
    spec: {
      inputs: [{ name: 'x', shape: [1, 3, 12, 12] }], outputs: ['y'],
      inits: { w1: { dims: [16, 3, 3, 3], data: w(432) }, b1: { dims: [16], data: w(16) }, w2: { dims: [10, 16], data: w(160) }, b2: { dims: [10], data: w(10) } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: ints([1, 1, 1, 1]) } },
        { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
        { op: 'GlobalAveragePool', inputs: ['r1'], outputs: ['p'] },
        { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
        { op: 'Gemm', inputs: ['f', 'w2', 'b2'], outputs: ['y'], attrs: { transB: int(1) } },
      ],
    },
  }],
  ['detector head: an NCHW reshape (TRANSPOSE + RESHAPE) concatenated along axis 1 of a 3-D tensor', {
    ops: ['TRANSPOSE', 'RESHAPE', 'CONCATENATION'],
    spec: {
      inputs: [{ name: 'x', shape: [1, 3, 4, 4] }], outputs: ['y'],
      inits: { w1: { dims: [2, 3, 1, 1], data: w(6) }, b1: { dims: [2], data: w(2) }, s1: { dims: [3], data: [1, 2, 16], int64: true } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['a'] },
        { op: 'Reshape', inputs: ['a', 's1'], outputs: ['ra'] },
        { op: 'Concat', inputs: ['ra', 'ra'], outputs: ['y'], attrs: { axis: int(1) } },
      ],
    },
  }],
  ['Split of channels, concatenated the other way round', {
    ops: ['SLICE', 'CONCATENATION'],
    spec: {
      inputs: [{ name: 'x', shape: [1, 3, 6, 6] }], outputs: ['y'],
      inits: { w1: { dims: [6, 3, 3, 3], data: w(162) } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1'], outputs: ['c1'], attrs: { pads: ints([1, 1, 1, 1]) } },
        { op: 'Split', inputs: ['c1'], outputs: ['a', 'b'], attrs: { axis: int(1) } },
        { op: 'Concat', inputs: ['b', 'a'], outputs: ['y'], attrs: { axis: int(1) } },
      ],
    },
  }],
];

/** Seeded float inputs of the graph's input (NHWC for an image). */
function inputs(g: Graph, count: number, seed: number): Float32Array[] {
  const r = new Rng(seed);
  const n = numel(g.tensors.find((t) => t.name === g.inputs[0])!.shape);
  return Array.from({ length: count }, () => r.f32(n, -1.5, 1.5));
}

/** An output in the file's NHWC order (branchy gives a 4-D output of an ONNX model as NCHW). */
function nhwc(g: Graph, y: Float32Array): Float32Array {
  const t = g.tensors.find((u) => u.name === g.outputs[0])!;
  if (t.sourceLayout !== 'NCHW' || t.shape.length !== 4) return y;
  const c = t.shape[3], hw = y.length / c;
  return Float32Array.from(y, (_, i) => y[(i % c) * hw + Math.floor(i / c)]);
}

async function int8Graph(graph: Graph, weights: Weights) {
  const calib = inputs(graph, 8, 3);
  return quantizeGraph(graph, weights, { method: 'minmax', observe: runtimeObserve(calib, '', 'NHWC'), outputError: false });
}

const rows: string[] = [];
afterAll(() => console.log(`exported int8 files against branchy int8:\n  ${rows.join('\n  ')}`));

describe.each(CASES)('%s', (name, c) => {
  const { graph, weights } = importOnnx(buildModel(c.spec));

  it('float: the exported file gives branchy\'s outputs', async () => {
    const lit = await openLitert(exportTflite(graph, weights));
    const model = await fromGraph(graph, weights);
    for (const x of inputs(graph, 3, 9)) {
      const y = nhwc(graph, Object.values(model.run(x, { layout: 'NHWC' }))[0].data as Float32Array);
      const r = (await lit.run([x]))[0] as Float32Array;
      expect(r.length).toBe(y.length);
      const peak = Math.max(...Array.from(r, Math.abs));
      r.forEach((v, i) => expect(Math.abs(v - y[i]), `element ${i}`).toBeLessThanOrEqual(1e-5 * peak));
    }
    lit.delete();
  });

  it('int8: each operator gives LiteRT.js\'s output exactly, the file branchy\'s within one step', async () => {
    const q = await int8Graph(graph, weights);
    const bytes = exportTflite(q.graph, q.weights, { io: 'int8' });
    const file = readTflite(bytes);
    const sg = file.subgraphs[0];
    const written = new Set(sg.operators.map((o) => builtinName(file.operatorCodes[o.opcodeIndex].builtinCode)));
    for (const op of c.ops) expect(written, `${op} in ${[...written].join(', ')}`).toContain(op);
    const { scale: [si], zeroPoint: [zi] } = sg.tensors[sg.inputs[0]].quantization!;
    const { scale: [so], zeroPoint: [zo] } = sg.tensors[sg.outputs[0]].quantization!;
    const qs = inputs(q.graph, 3, 11).map((x) => Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / si) + zi))));
    for (const r of await layerAgreement(bytes, qs, undefined, builtinName)) expect(r.differ, `operator ${r.index} ${r.op}: ${r.differ} of ${r.total} differ`).toBe(0);
    const lit = await openLitertRaw(bytes);
    // As quantized (f64 multipliers): within one step; with XNNPACK's f32 multipliers (opt-in): exactly.
    const differ = { f64: 0, f32: 0 };
    let total = 0;
    for (const mode of ['f64', 'f32'] as const) {
      const model = await fromGraph({ ...q.graph, requantScale: mode }, q.weights);
      for (const xq of qs) {
        const r = (await lit.run([xq]))[0] as Int8Array;
        const y = nhwc(q.graph, Object.values(model.run(Float32Array.from(xq, (v) => (v - zi) * si), { layout: 'NHWC' }))[0].data as Float32Array);
        expect(r.length).toBe(y.length);
        r.forEach((v, i) => {
          const d = Math.abs(Math.round(y[i] / so + zo) - v);
          expect(d, `${mode}, element ${i}: branchy ${Math.round(y[i] / so + zo)}, LiteRT ${v}`).toBeLessThanOrEqual(mode === 'f64' ? 1 : 0);
          differ[mode] += +(d > 0);
          total += +(mode === 'f64');
        });
      }
    }
    lit.delete();
    rows.push(`${name}: ${sg.operators.length} operators, ${differ.f64}/${total} outputs one step apart (f32 multipliers: ${differ.f32})`);
  });
});

describe('refusals', () => {
  it('a slice of step 2 names the node', () => {
    const { graph, weights } = importOnnx(buildModel({
      inputs: [{ name: 'x', shape: [1, 4, 6, 6] }], outputs: ['y'],
      inits: { s: { dims: [1], data: [0], int64: true }, e: { dims: [1], data: [4], int64: true }, a: { dims: [1], data: [1], int64: true }, st: { dims: [1], data: [2], int64: true } },
      nodes: [{ op: 'Slice', inputs: ['x', 's', 'e', 'a', 'st'], outputs: ['y'], name: 'every_other' }],
    }));
    expect(() => exportTflite(graph, weights)).toThrow(/TFLite export: node 'every_other' \(slice\): steps \[1, 1, 1, 2\]; branchy writes slices of step 1/);
  });
});

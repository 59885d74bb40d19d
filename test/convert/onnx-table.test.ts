// The ONNX op table (src/convert/onnx/ops) and the passes the import runs: the lists derive
// from the table, every IR op has its ONNX form, and the passes fold and fuse exactly what the
// eager importer did (a BatchNormalization's bias rounds once, a Mul then an Add twice; a
// value another ONNX node reads, a Shape say, keeps its reader).
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { exportOnnx, importOnnx } from '../../src/convert/index.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { evalGraph } from '../reference/ir-eval.js';
import { ONNX_EXPORTS, ONNX_IMPORTS, SUPPORTED, minInputs } from '../../src/convert/onnx/ops/index.js';
import { LOWERED } from '../../src/convert/onnx/qdq.js';
import { OP_TYPES } from '../../src/ir/ops/index.js';
import { Rng } from '../helpers/rng.js';
import { buildModel, float } from './helpers.js';
import type { ModelSpec } from './helpers.js';

const rng = new Rng(11);
const rand = (n: number, lo = -1, hi = 1): number[] => Array.from(rng.f32(n, lo, hi));
const f = Math.fround;

describe('the ONNX op table', () => {
  it('lists each op once: imports, the inputs they need, advice for refused ones, an export for every IR op with an ONNX form', () => {
    expect(SUPPORTED.slice(0, 3)).toEqual(['Conv', 'ConvTranspose', 'BatchNormalization']);
    for (const op of SUPPORTED) expect(ONNX_IMPORTS[op].import !== undefined || ONNX_IMPORTS[op].alias || op in LOWERED, op).toBe(true);
    expect(minInputs('BatchNormalization')).toBe(5);
    expect(minInputs('QLinearConv')).toBe(8);
    expect(minInputs('Constant')).toBe(0);
    expect(minInputs('Einsum')).toBe(1);
    expect(ONNX_IMPORTS.LogSoftmax.advice).toMatch(/Softmax/);
    expect(SUPPORTED).not.toContain('LogSoftmax');
    expect(SUPPORTED).toContain('Resize');
    expect(SUPPORTED).not.toContain('BipolarQuant'); // QONNX domains only
    // Every IR op has its ONNX form in the table but bitpack (binary values have no standard
    // ONNX form).
    expect(OP_TYPES.filter((op) => !ONNX_EXPORTS[op]).sort()).toEqual(['bitpack']);
  });

  it('a grouped conv2d exports as Conv with its group: ONNX Runtime computes what the reference evaluator does', async () => {
    const weights: Weights = new Map([['w', rng.f32(6 * 3 * 3 * 2)], ['b', rng.f32(6)]]);
    const graph: Graph = {
      inputs: ['x'], outputs: ['y'],
      tensors: [{ name: 'x', shape: [1, 5, 4, 4], dtype: 'f32' }, { name: 'w', shape: [6, 3, 3, 2], dtype: 'f32', constant: true },
        { name: 'b', shape: [6], dtype: 'f32', constant: true }, { name: 'y', shape: [1, 5, 4, 6], dtype: 'f32' }],
      nodes: [{ name: 'g', op: 'conv2d', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], groups: 2 } }],
    };
    const x = rng.f32(80, -2, 2);
    const s = await ort.InferenceSession.create(exportOnnx(graph, weights));
    const y = (await s.run({ x: new ort.Tensor('float32', x, [1, 5, 4, 4]) })).y.data as Float32Array;
    const want = evalGraph(graph, weights, { x }).get('y')!;
    for (let i = 0; i < want.length; i++) expect(Math.abs(y[i] - want[i])).toBeLessThan(1e-5);
  });
});

describe('the passes at import', () => {
  const C = 16;
  const conv = { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'] };
  const inits = (): ModelSpec['inits'] => ({
    w: { dims: [C, 2, 1, 1], data: rand(2 * C) }, b: { dims: [C], data: rand(C, -5, 5) },
    g: { dims: [C], data: rand(C, 0.5, 1.5) }, bt: { dims: [C], data: rand(C) }, m: { dims: [C], data: rand(C) }, v: { dims: [C], data: rand(C, 0.5, 2) },
    s: { dims: [1, C, 1, 1], data: rand(C, 0.3, 3) }, t: { dims: [1, C, 1, 1], data: rand(C, -7, 7) },
  });
  const model = (nodes: ModelSpec['nodes'], spec = inits()) => importOnnx(buildModel({ inputs: [{ name: 'x', shape: [1, 2, 2, 2] }], outputs: ['y'], inits: spec, nodes }));

  it('BatchNormalization after a Conv: one rounding of the bias, fround(b·s + t)', () => {
    const spec = inits()!;
    const r = model([conv, { op: 'BatchNormalization', inputs: ['c', 'g', 'bt', 'm', 'v'], outputs: ['y'], attrs: { epsilon: float(1e-3) } }], spec);
    expect(r.graph.nodes.map((n) => n.op)).toEqual(['conv2d']);
    const [b, g, bt, m, v] = ['b', 'g', 'bt', 'm', 'v'].map((k) => Float32Array.from(spec[k].data));
    const s = Float32Array.from(g, (x, c) => x / Math.sqrt(v[c] + f(1e-3)));
    const t = Float32Array.from(bt, (x, c) => x - m[c] * s[c]);
    const joint = Float32Array.from(b, (x, c) => x * s[c] + t[c]);
    expect(r.weights.get('b')).toEqual(joint);
    expect(Float32Array.from(Float32Array.from(b, (x, c) => x * s[c]), (x, c) => x + t[c])).not.toEqual(joint); // two roundings would differ here
  });

  it('a Mul then an Add by constants after a Conv: the bias rounds after each, as before', () => {
    const spec = inits()!;
    const r = model([conv, { op: 'Mul', inputs: ['c', 's'], outputs: ['cs'] }, { op: 'Add', inputs: ['cs', 't'], outputs: ['y'] }], spec);
    expect(r.graph.nodes.map((n) => n.op)).toEqual(['conv2d']);
    const [b, s, t] = ['b', 's', 't'].map((k) => Float32Array.from(spec[k].data));
    const twice = Float32Array.from(Float32Array.from(b, (x, c) => x * s[c]), (x, c) => x + t[c]);
    expect(r.weights.get('b')).toEqual(twice);
    expect(twice).not.toEqual(Float32Array.from(b, (x, c) => x * s[c] + t[c])); // one rounding would differ here
  });

  it('a value that a Shape also reads keeps its BatchNormalization and Relu readers unfused', () => {
    const shape = { op: 'Shape', inputs: ['c'], outputs: ['sh'] };
    const bn = { op: 'BatchNormalization', inputs: ['c', 'g', 'bt', 'm', 'v'], outputs: ['n'] };
    expect(model([conv, shape, bn, { op: 'Relu', inputs: ['n'], outputs: ['y'] }]).graph.nodes.map((n) => n.op + (n.act ? `+${n.act.kind}` : ''))).toEqual(['conv2d', 'mul', 'add+relu']);
    expect(model([conv, shape, { op: 'Relu', inputs: ['c'], outputs: ['y'] }]).graph.nodes.map((n) => n.op)).toEqual(['conv2d', 'activation']);
    expect(model([conv, { op: 'Relu', inputs: ['c'], outputs: ['y'] }]).graph.nodes.map((n) => n.op)).toEqual(['conv2d']);
  });
});

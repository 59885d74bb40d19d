// int8 conversion of the element-wise ops and activations (quantizeGraph, minmax): every node of
// a float graph with a squeeze-excitation block, all six binary ops, prelu and every activation
// (fused into convs and standalone) runs in int8 — nothing left in float; the non-clamp
// activations become standalone int8 tables after their layer, each with its own calibrated
// input range; the int8 graph equals the integer reference exactly and is bit-identical across
// builds; and it stays close to the float graph.
import { describe, expect, it } from 'vitest';
import { quantizeGraph } from '../../src/convert/quantize.js';
import { runtimeObserve } from '../../src/cli/compress.js';
import { fromGraph } from '../../src/runtime/model.js';
import { isClampAct } from '../../src/ir/numerics.js';
import { evalGraph, evalQuantGraph } from '../reference/ir-eval.js';
import { eltwiseNet } from '../helpers/eltwise-net.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import type { Graph, Weights } from '../../src/ir/types.js';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('int8 conversion of element-wise ops and activations', () => {
  it('leaves nothing in float, splits non-clamp activations into tables, equals the integer reference in every build', async () => {
    const { graph, weights } = eltwiseNet(7, false);
    const rng = new Rng(70);
    const calib = Array.from({ length: 16 }, () => rng.f32(6 * 5 * 16, -2, 2));
    const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: runtimeObserve(calib, '') });
    expect(q.float).toEqual([]);
    const dtype = new Map(q.graph.tensors.map((t) => [t.name, t.dtype]));
    const compute = q.graph.nodes.filter((n) => n.op !== 'quantize' && n.op !== 'dequantize');
    for (const n of compute) expect(dtype.get(n.inputs[0]), `${n.name} (${n.op}) reads int8`).toBe('i8');
    // Every fused activation left is a clamp; the others are int8 activation nodes of their own.
    expect(compute.filter((n) => n.op !== 'activation' && !isClampAct(n.act))).toEqual([]);
    const kinds = compute.filter((n) => n.op === 'activation').map((n) => n.act!.kind).sort();
    expect(kinds).toEqual(['elu', 'erf', 'gelu', 'hardsigmoid', 'hardswish', 'leakyrelu', 'sigmoid', 'sigmoid', 'silu', 'tanh']);
    for (const s of [0, 1]) {
      const x = rng.f32(6 * 5 * 16, -2, 2);
      const want = evalQuantGraph(q.graph, q.weights, { x }).get('y') as Float32Array;
      for (const build of TEST_BUILDS) {
        const got = (await fromGraph(q.graph, q.weights, { build })).run(x, { layout: 'NHWC' }).y.data as Float32Array;
        expect(bits(got), `${build}, sample ${s}`).toEqual(bits(want));
      }
      // Close to float: relative L2 error.
      const f = evalGraph(graph, weights, { x }).get('y')!;
      let num = 0, den = 0;
      for (let i = 0; i < f.length; i++) {
        num += (f[i] - want[i]) ** 2;
        den += f[i] ** 2;
      }
      expect(Math.sqrt(num / den), `sample ${s}: int8 against f32`).toBeLessThan(0.1);
    }
  });

  it('a BatchNorm after a Concat (a per-channel mul and add of constants) runs in int8: DenseNet\'s pre-activation', async () => {
    // x [1,4,4,8] -> two 1x1 convs -> concat [.., 16] -> mul k[c] -> add b[c] + relu -> 1x1 conv -> y.
    const rng = new Rng(90);
    const ONE = { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] };
    const S = (c: number) => [1, 4, 4, c];
    const weights: Weights = new Map();
    const graph: Graph = { inputs: ['x'], outputs: ['y'], tensors: [{ name: 'x', shape: S(8), dtype: 'f32' }], nodes: [] };
    const t = (name: string, shape: number[]) => graph.tensors.push({ name, shape, dtype: 'f32' });
    const c = (name: string, shape: number[], lo: number, hi: number) => {
      graph.tensors.push({ name, shape, dtype: 'f32', constant: true });
      weights.set(name, rng.f32(shape.reduce((a, b) => a * b, 1), lo, hi));
    };
    const conv = (name: string, x: string, cin: number, cout: number) => {
      c(`${name}.w`, [cout, 1, 1, cin], -0.5, 0.5);
      t(name, S(cout));
      graph.nodes.push({ name, op: 'conv2d', inputs: [x, `${name}.w`], outputs: [name], attrs: ONE });
    };
    conv('a', 'x', 8, 8);
    conv('b', 'x', 8, 8);
    t('cat', S(16));
    graph.nodes.push({ name: 'cat', op: 'concat', inputs: ['a', 'b'], outputs: ['cat'], attrs: {} });
    c('k', [16], 0.5, 2);
    c('bias', [16], -0.5, 0.5);
    t('scaled', S(16));
    t('shifted', S(16));
    graph.nodes.push({ name: 'bn_mul', op: 'mul', inputs: ['cat', 'k'], outputs: ['scaled'], attrs: {} });
    graph.nodes.push({ name: 'bn_add', op: 'add', inputs: ['scaled', 'bias'], outputs: ['shifted'], attrs: {}, act: { kind: 'relu' } });
    conv('y', 'shifted', 16, 4);
    const calib = Array.from({ length: 8 }, () => rng.f32(128, -2, 2));
    const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: runtimeObserve(calib, '') });
    expect(q.float).toEqual([]);
    const dtype = new Map(q.graph.tensors.map((v) => [v.name, v.dtype]));
    for (const name of ['bn_mul', 'bn_add']) expect(dtype.get(q.graph.nodes.find((n) => n.name === name)!.outputs[0]), name).toBe('i8');
    for (let s = 0; s < 2; s++) {
      const x = rng.f32(128, -2, 2);
      const want = evalQuantGraph(q.graph, q.weights, { x }).get('y') as Float32Array;
      for (const build of TEST_BUILDS) {
        const got = (await fromGraph(q.graph, q.weights, { build })).run(x, { layout: 'NHWC' }).y.data as Float32Array;
        expect(bits(got), `${build}, sample ${s}`).toEqual(bits(want));
      }
      const f = evalGraph(graph, weights, { x }).get('y')!;
      let num = 0, den = 0;
      for (let i = 0; i < f.length; i++) {
        num += (f[i] - want[i]) ** 2;
        den += f[i] ** 2;
      }
      expect(Math.sqrt(num / den), `sample ${s}: int8 against f32`).toBeLessThan(0.05);
    }
  });

  it('keepFloat keeps a layer and its fused activation together in f32', async () => {
    const { graph, weights } = eltwiseNet(8, false);
    const conv = graph.nodes.find((n) => n.op === 'conv2d' && n.act?.kind === 'silu')!;
    const calib = [new Rng(80).f32(6 * 5 * 16, -2, 2)];
    const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: runtimeObserve(calib, ''), keepFloat: [conv.name] });
    expect(q.float.map((f) => f.node)).toContain(conv.name);
    expect(q.graph.nodes.find((n) => n.name === conv.name)!.act).toEqual({ kind: 'silu' });
  });
});

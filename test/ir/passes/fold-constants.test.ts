// foldConstants: nodes whose inputs are all constants become constants, with the values the
// graph computed (the quantized reference evaluator runs both).
import { describe, expect, it } from 'vitest';
import { foldConstants } from '../../../src/ir/passes/fold-constants.js';
import { validateGraph } from '../../../src/ir/graph.js';
import { evalQuantGraph } from '../../reference/ir-eval.js';
import { G, ops, tensor, win } from './build.js';

describe('foldConstants', () => {
  it('dequantize of int8 constants, reshape, flatten: folded, same outputs', () => {
    const g = new G();
    const x = g.input('x', [1, 3, 3, 2]);
    const wq = g.data({ name: 'wq', shape: [4, 1, 1, 2], dtype: 'i8', quant: { kind: 'tensor', scale: 0.25, zeroPoint: -1 } }, Int8Array.from([1, -2, 3, -4, 5, 127, -127, 0]));
    const w = g.node('dequantize', 'dq_w', [wq], {}, undefined, 'w');
    const bq = g.data({ name: 'bq', shape: [2, 2], dtype: 'i8', quant: { kind: 'tensor', scale: 0.1, zeroPoint: 3 } }, Int8Array.from([-128, 0, 7, 127]));
    const b = g.node('reshape', 'r', [g.node('dequantize', 'dq_b', [bq], {}, undefined, 'b4')], { shape: [4] }, undefined, 'b');
    g.node('conv2d', 'conv', [x, w, b], win(1), undefined, 'y');
    const img = g.data({ name: 'img', shape: [1, 3, 3, 2], dtype: 'f32' }, Float32Array.from({ length: 18 }, (_, i) => i));
    const flat = g.node('flatten', 'fl', [img], { order: 'nchw' }, undefined, 'flat');
    g.node('add', 'add', [g.node('flatten', 'fx', [x], { order: 'nhwc' }), flat], {}, undefined, 'y2');
    g.output('y', 'y2');
    const before = g.clone();
    expect(foldConstants(g.graph, g.weights)).toBe(4);
    expect(ops(g.graph)).toEqual(['conv2d', 'flatten', 'add']);
    expect(tensor(g.graph, 'w')).toMatchObject({ constant: true, dtype: 'f32', shape: [4, 1, 1, 2] });
    expect(g.weights.get('w')).toEqual(Float32Array.of(0.5, -0.25, 1, -0.75, 1.5, 32, -31.5, 0.25));
    expect(g.weights.get('b')).toEqual(Float32Array.from([-131, -3, 4, 124], (v) => Math.fround(v * Math.fround(0.1))));
    expect(g.weights.get('flat')).toEqual(Float32Array.from({ length: 18 }, (_, i) => (i < 9 ? 2 * i : 2 * (i - 9) + 1)));
    for (const k of ['wq', 'bq', 'img', 'b4']) expect(g.weights.has(k), k).toBe(false);
    validateGraph(g.graph, { weights: g.weights });
    const xv = g.rand(18);
    const [u, v] = [evalQuantGraph(before.graph, before.weights, { x: xv }), evalQuantGraph(g.graph, g.weights, { x: xv })];
    for (const o of ['y', 'y2']) expect(v.get(o), o).toEqual(u.get(o));
  });

  it('dequantize of per-channel int8 weights (the runtime dequantizes per tensor only): q * scale[c]', () => {
    const g = new G();
    const x = g.input('x', [1, 3, 3, 2]);
    const wq = g.data({ name: 'wq', shape: [4, 1, 1, 2], dtype: 'i8', quant: { kind: 'channel', axis: 0, scales: [0.5, 0.25, 0.125, 1] } }, Int8Array.from([1, -2, 3, -4, 5, 127, -127, 0]));
    g.node('conv2d', 'conv', [x, g.node('dequantize', 'dq_w', [wq], {}, undefined, 'w')], win(1), undefined, 'y');
    g.output('y');
    expect(foldConstants(g.graph, g.weights)).toBe(1);
    expect(g.weights.get('w')).toEqual(Float32Array.of(0.5, -1, 0.75, -1, 0.625, 15.875, -127, 0));
    validateGraph(g.graph, { weights: g.weights });
  });

  it('quantize and requantize of constants: the runtime rounding (half to even) and saturation', () => {
    const g = new G();
    const x = g.input('x', [1, 4]);
    const c = g.const('c', [1, 4], [0.25, -0.75, 1000, 0.35]);
    const q = g.node('quantize', 'q', [c], {}, undefined, 'cq', { dtype: 'i8', quant: { kind: 'tensor', scale: 0.5, zeroPoint: 1 } });
    const r = g.node('requantize', 'rq', [q], {}, undefined, 'cr', { dtype: 'i8', quant: { kind: 'tensor', scale: 0.25, zeroPoint: -2 } });
    const d = g.node('dequantize', 'dq', [r], {}, undefined, 'cd');
    g.node('add', 'add', [x, d], {}, undefined, 'y');
    const before = g.clone();
    g.output('y');
    before.graph.outputs.push('y');
    expect(foldConstants(g.graph, g.weights)).toBe(3);
    expect(g.weights.get('cd')).toEqual(evalQuantGraph(before.graph, before.weights, { x: new Float32Array(4) }).get('cd'));
    // 0.25/0.5 = 0.5 rounds to 0 (even), -1.5 to -2, 1000 saturates, 0.7 to 1; then zero point 1.
    expect(before.weights.has('cq')).toBe(false);
    expect(Array.from(evalQuantGraph(before.graph, before.weights, { x: new Float32Array(4) }).get('cq')!)).toEqual([1, -1, 127, 2]);
  });

  it('leaves nodes that read a computed tensor or write a graph output', () => {
    const g = new G();
    const x = g.input('x', [1, 4]);
    g.node('reshape', 'r', [x], { shape: [1, 2, 2] }, undefined, 'y');
    const c = g.const('c', [1, 4]);
    g.node('reshape', 'rc', [c], { shape: [4, 1] }, undefined, 'y2');
    g.output('y', 'y2');
    expect(foldConstants(g.graph, g.weights)).toBe(0);
  });
});

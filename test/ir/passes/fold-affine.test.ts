// foldAffine: per-channel mul / add by constants (a BatchNormalization's scale and shift) fold
// into the conv2d / dwconv2d / gemm before them; the graph computes the same (reference
// evaluator), and the bias rounds once for a BN, once per op otherwise.
import { describe, expect, it } from 'vitest';
import { foldAffine } from '../../../src/ir/passes/fold-affine.js';
import { validateGraph } from '../../../src/ir/graph.js';
import type { Graph, Node, Weights } from '../../../src/ir/types.js';
import { evalGraph } from '../../reference/ir-eval.js';
import { G, ops, tensor, win } from './build.js';

function sameOutputs(before: { graph: Graph; weights: Weights }, after: { graph: Graph; weights: Weights }, x: Float32Array): void {
  validateGraph(after.graph, { weights: after.weights });
  const a = evalGraph(before.graph, before.weights, { x }), b = evalGraph(after.graph, after.weights, { x });
  for (const o of before.graph.outputs) {
    const [u, v] = [a.get(o)!, b.get(o)!];
    expect(v.length).toBe(u.length);
    for (let i = 0; i < u.length; i++) expect(Math.abs(u[i] - v[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(u[i])));
  }
}

/** x -> conv2d (bias or not) -> mul(s) -> add(t) -> y, the importer's BatchNormalization. */
function convBn(bias: boolean) {
  const g = new G();
  const x = g.input('x', [1, 5, 5, 3]);
  const c = g.node('conv2d', 'conv', bias ? [x, g.const('w', [4, 3, 3, 3]), g.const('b', [4])] : [x, g.const('w', [4, 3, 3, 3])], win(3, 1, 1));
  const m = g.node('mul', 'bn.mul', [c, g.const('s', [4], undefined, 0.5, 1.5)], {}, undefined, 'scaled');
  g.node('add', 'bn', [m, g.const('t', [4])], {}, undefined, 'y');
  return g.output('y');
}

describe('foldAffine', () => {
  it('a BatchNormalization (mul then add, joint) folds into conv2d in one step: W*s, fround(b*s + t)', () => {
    const g = convBn(true);
    const before = g.clone(), after = g.clone();
    const mul = after.graph.nodes[1];
    expect(foldAffine(after.graph, after.weights, { joint: new Set([mul]) })).toBe(2);
    expect(ops(after.graph)).toEqual(['conv2d']);
    expect(after.graph.nodes[0].outputs).toEqual(['y']);
    const [w, b, s, t] = ['w', 'b', 's', 't'].map((k) => before.weights.get(k) as Float32Array);
    expect(after.weights.get('b')).toEqual(Float32Array.from(b, (v, o) => v * s[o] + t[o]));
    expect(after.weights.get('w')).toEqual(Float32Array.from(w, (v, i) => v * s[Math.floor(i / 27)]));
    // The BN's constants and the tensors between the nodes are gone.
    for (const k of ['s', 't', 'conv_out', 'scaled']) expect(tensor(after.graph, k)).toBeUndefined();
    expect([...after.weights.keys()].sort()).toEqual(['b', 'w']);
    sameOutputs(before, after, g.rand(75));
  });

  it('a mul then an add not marked joint fold one at a time: the bias rounds after each, fround(fround(b*s) + t)', () => {
    const g = convBn(true);
    const before = g.clone(), after = g.clone();
    expect(foldAffine(after.graph, after.weights)).toBe(2);
    const [b, s, t] = ['b', 's', 't'].map((k) => before.weights.get(k) as Float32Array);
    const seq = Float32Array.from(Float32Array.from(b, (v, o) => v * s[o]), (v, o) => v + t[o]);
    expect(after.weights.get('b')).toEqual(seq);
    expect(seq).not.toEqual(Float32Array.from(b, (v, o) => v * s[o] + t[o])); // the two roundings differ here
    sameOutputs(before, after, g.rand(75));
  });

  it('a layer without a bias gets one, named after it', () => {
    const g = convBn(false);
    const after = g.clone();
    foldAffine(after.graph, after.weights, { joint: new Set([after.graph.nodes[1]]) });
    expect(after.graph.nodes[0].inputs).toEqual(['x', 'w', 'conv.bias']);
    expect(tensor(after.graph, 'conv.bias')).toEqual({ name: 'conv.bias', shape: [4], dtype: 'f32', constant: true });
    expect(after.weights.get('conv.bias')).toEqual(g.weights.get('t'));
    sameOutputs(g.clone(), after, g.rand(75));
  });

  it('dwconv2d (channels last in HWC weights) and gemm (rows), scalar operands broadcast', () => {
    const g = new G();
    const x = g.input('x', [1, 4, 4, 6]);
    const d = g.node('dwconv2d', 'dw', [x, g.const('wd', [3, 3, 6]), g.const('bd', [6])], { ...win(3, 1, 1), multiplier: 1 });
    const d2 = g.node('mul', 'm1', [d, g.const('s1', [6], undefined, 0.5, 2)], {});
    const f = g.node('flatten', 'f', [d2], { order: 'nhwc' });
    const fc = g.node('gemm', 'fc', [f, g.const('wf', [5, 96])], {});
    const y = g.node('mul', 'm2', [fc, g.const('s2', [1], [0.25])], {});
    g.node('add', 'a2', [y, g.const('t2', [1], [-3])], {}, undefined, 'y');
    g.output('y');
    const after = g.clone();
    expect(foldAffine(after.graph, after.weights)).toBe(3);
    expect(ops(after.graph)).toEqual(['dwconv2d', 'flatten', 'gemm']);
    sameOutputs(g.clone(), after, g.rand(96));
  });

  it('leaves a mul / add where folding would change the result or the graph', () => {
    const cases: [string, (g: G, c: string) => void][] = [
      ['the layer has an activation', () => {}],
      ['the layer output has another reader', (g, c) => g.node('maxpool', 'p', [c], { ...win(2, 2), ceilMode: false }, undefined, 'p')],
      ['the layer output is a graph output', (g, c) => g.graph.outputs.push(c)],
    ];
    for (const [what, extra] of cases) {
      const g = new G();
      const x = g.input('x', [1, 4, 4, 2]);
      const c = g.node('conv2d', 'conv', [x, g.const('w', [2, 1, 1, 2])], win(1), what === 'the layer has an activation' ? { kind: 'relu' } : undefined);
      g.node('add', 'a', [c, g.const('t', [2])], {}, undefined, 'y');
      extra(g, c);
      g.output('y');
      expect(foldAffine(g.graph, g.weights), what).toBe(0);
    }
    // Not after a layer; weights another layer reads too; `keep`.
    const g = new G();
    const x = g.input('x', [1, 4, 4, 2]);
    const p = g.node('maxpool', 'p', [x], { ...win(1), ceilMode: false });
    const a = g.node('add', 'a', [p, g.const('t', [2])], {});
    const w = g.const('w', [2, 1, 1, 2]);
    const c1 = g.node('conv2d', 'c1', [a, w], win(1));
    const c2 = g.node('conv2d', 'c2', [c1, w], win(1));
    const m2 = g.node('mul', 'm2', [c2, g.const('s2', [2])], {});
    const c3 = g.node('conv2d', 'c3', [m2, g.const('w3', [2, 1, 1, 2])], win(1));
    g.node('mul', 'kept', [c3, g.const('s3', [1])], {}, undefined, 'y');
    g.output('y');
    const keep = new Set<Node>([g.graph.nodes.find((n) => n.name === 'kept')!]);
    expect(foldAffine(g.graph, g.weights, { keep })).toBe(0);
    expect(foldAffine(g.graph, g.weights)).toBe(1);
    expect(ops(g.graph)).toEqual(['maxpool', 'add', 'conv2d', 'conv2d', 'mul', 'conv2d']);
  });
});

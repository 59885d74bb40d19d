// fuseActivations: a standalone activation becomes its producer's fused `act`; two clamps in a
// row become one; the graph computes the same (reference evaluator).
import { describe, expect, it } from 'vitest';
import { clampAct, fuseActivations } from '../../../src/ir/passes/fuse-activation.js';
import { validateGraph } from '../../../src/ir/graph.js';
import { F32_MAX } from '../../../src/ir/numerics.js';
import type { Activation, Node } from '../../../src/ir/types.js';
import { evalGraph } from '../../reference/ir-eval.js';
import { G, ops, tensor, win } from './build.js';

const clip = (min: number, max: number): Activation => ({ kind: 'clip', min, max });

describe('fuseActivations', () => {
  it('conv2d -> relu, add -> relu -> clip, input -> relu -> relu6: fused and merged, same values', () => {
    const g = new G();
    const x = g.input('x', [1, 4, 4, 3]);
    const c = g.node('conv2d', 'conv', [x, g.const('w', [3, 3, 3, 3]), g.const('b', [3])], win(3, 1, 1));
    const r = g.node('activation', 'relu', [c], {}, { kind: 'relu' });
    const r0 = g.node('activation', 'r0', [x], {}, { kind: 'relu' });
    const a = g.node('add', 'add', [r, r0], {});
    const ar = g.node('activation', 'add_relu', [a], {}, { kind: 'relu' });
    const ac = g.node('activation', 'add_clip', [ar], {}, clip(-1, 0.75));
    g.node('activation', 'r6', [r0], {}, { kind: 'relu6' }, 'y2');
    g.node('activation', 'sig', [ac], {}, { kind: 'sigmoid' }, 'y');
    g.output('y', 'y2');
    const before = structuredClone(g.graph);
    expect(fuseActivations(g.graph)).toBe(3);
    expect(ops(g.graph)).toEqual(['conv2d+relu', 'activation+relu', 'add+clip', 'activation+relu6', 'activation+sigmoid']);
    expect(g.graph.nodes[2].act).toEqual(clip(0, 0.75));
    // The merged standalone relu -> relu6 (r0 has two readers: it stays, r6 does not fuse into it).
    expect(g.graph.nodes.find((n) => n.name === 'r6')!.inputs).toEqual(['r0_out']);
    expect(g.graph.nodes[0].outputs).toEqual([r]);
    for (const t of [c, a, ar]) expect(tensor(g.graph, t)).toBeUndefined();
    validateGraph(g.graph, { weights: g.weights });
    const xv = g.rand(48);
    const u = evalGraph(before, g.weights, { x: xv }), v = evalGraph(g.graph, g.weights, { x: xv });
    for (const o of ['y', 'y2']) expect(v.get(o)).toEqual(u.get(o));
  });

  it('clamps intersect: relu then relu6 is relu6, relu then an open clip is relu; a graph input\'s relu takes the clip', () => {
    expect(clampAct(0, F32_MAX)).toEqual({ kind: 'relu' });
    expect(clampAct(0, 6)).toEqual({ kind: 'relu6' });
    expect(clampAct(-1, 2)).toEqual(clip(-1, 2));
    const g = new G();
    const x = g.input('x', [1, 5]);
    const r = g.node('activation', 'r', [x], {}, { kind: 'relu' });
    g.node('activation', 'c', [r], {}, clip(-F32_MAX, 6), 'y');
    g.output('y');
    expect(fuseActivations(g.graph)).toBe(1);
    expect(g.graph.nodes).toEqual([{ name: 'r', op: 'activation', inputs: ['x'], outputs: ['y'], attrs: {}, act: { kind: 'relu6' } }]);
  });

  it('stays: a producer with a non-clamp activation, one that takes none, a tensor with two readers or that is an output, `keep`', () => {
    const g = new G();
    const x = g.input('x', [1, 4, 4, 2]);
    const c = g.node('conv2d', 'c', [x, g.const('w', [2, 1, 1, 2])], win(1), { kind: 'leakyrelu', alpha: 0.1 });
    const r1 = g.node('activation', 'r1', [c], {}, { kind: 'relu' });
    const p = g.node('maxpool', 'p', [r1], { ...win(1), ceilMode: false });
    const r2 = g.node('activation', 'r2', [p], {}, { kind: 'relu' });
    const c2 = g.node('conv2d', 'c2', [r2, g.const('w2', [2, 1, 1, 2])], win(1));
    const r3 = g.node('activation', 'r3', [c2], {}, { kind: 'sigmoid' });
    const c3 = g.node('conv2d', 'c3', [r3, g.const('w3', [2, 1, 1, 2])], win(1));
    const r4 = g.node('activation', 'r4', [c3], {}, { kind: 'relu' });
    const c4 = g.node('conv2d', 'c4', [r4, g.const('w4', [2, 1, 1, 2])], win(1));
    g.node('activation', 'r5', [c4], {}, { kind: 'relu' }, 'y');
    g.output('y', c2, r3);
    const keep = new Set<Node>([g.graph.nodes.find((n) => n.name === 'r5')!]);
    // r1: leakyrelu producer; r2: maxpool takes no activation; r3: c2 is an output; r4 fuses; r5: kept.
    expect(fuseActivations(g.graph, { keep })).toBe(1);
    expect(ops(g.graph)).toEqual(['conv2d+leakyrelu', 'activation+relu', 'maxpool', 'activation+relu', 'conv2d', 'activation+sigmoid', 'conv2d+relu', 'conv2d', 'activation+relu']);
    // Two readers of the conv's output: the relu stays.
    const h = new G();
    const hx = h.input('x', [1, 4, 4, 2]);
    const hc = h.node('conv2d', 'c', [hx, h.const('w', [2, 1, 1, 2])], win(1));
    h.node('activation', 'r', [hc], {}, { kind: 'relu' }, 'y');
    h.node('maxpool', 'p', [hc], { ...win(1), ceilMode: false }, undefined, 'y2');
    h.output('y', 'y2');
    expect(fuseActivations(h.graph)).toBe(0);
  });
});

// cancelMoves: an activation moves before the transpose that feeds it; two transposes that put
// every element back cancel; anything else stays; the graph computes the same (reference
// evaluator).
import { describe, expect, it } from 'vitest';
import { cancelMoves } from '../../../src/ir/passes/cancel-moves.js';
import { validateGraph } from '../../../src/ir/graph.js';
import { evalGraph } from '../../reference/ir-eval.js';
import { G, ops } from './build.js';

/** The importer's 1-D window: [N, C, W] -> image [N, 1, W, C], the op, and back to [N, C', W']. */
function conv1d(g: G, name: string, x: string, c: number, o: number): string {
  const w = g.const(`${name}_w`, [o, 1, 3, c]);
  const img = g.node('transpose', `${name}_nwc`, [x], { perm: [0, 2, 1], shape: [1, 1, 9, c] });
  const y = g.node('conv2d', name, [img, w], { kernel: [1, 3], strides: [1, 1], dilations: [1, 1], pads: [0, 1, 0, 1] });
  return g.node('transpose', `${name}_ncw`, [y], { view: [1, 9, o], perm: [0, 2, 1] });
}

describe('cancelMoves', () => {
  it('two 1-D convs with a ReLU between: the ReLU moves before the transpose back, the pair between the convs cancels', () => {
    const g = new G();
    const x = g.input('x', [1, 3, 9]);
    const a = conv1d(g, 'c1', x, 3, 4);
    const r = g.node('activation', 'relu', [a], {}, { kind: 'relu' });
    conv1d(g, 'c2', r, 4, 2);
    g.graph.tensors.find((t) => t.name === 'c2_ncw_out')!.name = 'y';
    g.graph.nodes.at(-1)!.outputs = ['y'];
    g.output('y');
    const before = structuredClone(g.graph);
    expect(cancelMoves(g.graph)).toBe(2);
    expect(ops(g.graph)).toEqual(['transpose', 'conv2d', 'activation+relu', 'conv2d', 'transpose']);
    validateGraph(g.graph, { weights: g.weights });
    const xv = g.rand(27);
    expect(evalGraph(g.graph, g.weights, { x: xv }).get('y')).toEqual(evalGraph(before, g.weights, { x: xv }).get('y'));
  });

  it('keeps transposes that do not cancel, and a pair whose middle another node reads', () => {
    const g = new G();
    const x = g.input('x', [1, 2, 3, 4]);
    const t1 = g.node('transpose', 't1', [x], { perm: [0, 2, 1, 3] });
    g.node('transpose', 't2', [t1], { perm: [0, 1, 3, 2] }, undefined, 'y');
    const u1 = g.node('transpose', 'u1', [x], { perm: [0, 2, 1, 3] });
    g.node('transpose', 'u2', [u1], { perm: [0, 2, 1, 3] }, undefined, 'z');
    g.node('activation', 'side', [u1], {}, { kind: 'relu' }, 'w');
    g.output('y', 'z', 'w');
    expect(cancelMoves(g.graph)).toBe(0);
    expect(g.graph.nodes.length).toBe(5);
  });
});

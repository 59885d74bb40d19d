// fusePoolActivation: conv -> maxpool -> clamp becomes conv+clamp -> maxpool (a max pool
// commutes with a non-decreasing function); the graph computes the same.
import { describe, expect, it } from 'vitest';
import { fusePoolActivation } from '../../../src/ir/passes/pool-activation.js';
import { validateGraph } from '../../../src/ir/graph.js';
import type { Activation } from '../../../src/ir/types.js';
import { evalGraph } from '../../reference/ir-eval.js';
import { G, ops, win } from './build.js';

function net(act: Activation, convAct?: Activation, extraReader = false) {
  const g = new G();
  const x = g.input('x', [1, 6, 6, 2]);
  const c = g.node('conv2d', 'c', [x, g.const('w', [3, 3, 3, 2]), g.const('b', [3])], win(3, 1, 1), convAct);
  const p = g.node('maxpool', 'p', [c], { ...win(2, 2), ceilMode: false });
  g.node('activation', 'a', [p], {}, act, 'y');
  if (extraReader) g.node('globalavgpool', 'gap', [c], {}, undefined, 'y2');
  return g.output('y', ...(extraReader ? ['y2'] : []));
}

describe('fusePoolActivation', () => {
  it('moves relu, relu6 and clip before the pool into the conv; outputs unchanged', () => {
    for (const act of [{ kind: 'relu' }, { kind: 'relu6' }, { kind: 'clip', min: -0.5, max: 0.5 }] as Activation[]) {
      const g = net(act);
      const before = structuredClone(g.graph);
      expect(fusePoolActivation(g.graph)).toBe(1);
      expect(ops(g.graph)).toEqual([`conv2d+${act.kind}`, 'maxpool']);
      expect(g.graph.nodes[1].outputs).toEqual(['y']);
      validateGraph(g.graph, { weights: g.weights });
      const x = g.rand(72);
      expect(evalGraph(g.graph, g.weights, { x }).get('y')).toEqual(evalGraph(before, g.weights, { x }).get('y'));
    }
  });

  it('leaves a non-clamp activation, a conv that has one, and a conv output read elsewhere', () => {
    expect(fusePoolActivation(net({ kind: 'sigmoid' }).graph)).toBe(0);
    expect(fusePoolActivation(net({ kind: 'relu' }, { kind: 'relu6' }).graph)).toBe(0);
    expect(fusePoolActivation(net({ kind: 'relu' }, undefined, true).graph)).toBe(0);
  });
});

// The activation passes. fuseActivationPatterns: x·sigmoid(x) becomes silu and PyTorch's Erf
// form of GELU becomes gelu (both halving orders), also in the other operand order; near misses
// stay. splitActivations: fused non-clamp activations become standalone (the int8 converter's
// first step). The graph computes the same (reference evaluator, within 1e-6 of the largest value).
import { describe, expect, it } from 'vitest';
import { fuseActivationPatterns } from '../../../src/ir/passes/activation-patterns.js';
import { splitActivations } from '../../../src/ir/passes/split-activation.js';
import { validateGraph } from '../../../src/ir/graph.js';
import { evalGraph } from '../../reference/ir-eval.js';
import { G, ops, win } from './build.js';

const S = [1, 4, 5, 6];

/** The same values before and after (within the f32 roundings the chain had). */
function same(g: G, before: ReturnType<G['clone']>, outputs: string[]): void {
  validateGraph(g.graph, { weights: g.weights });
  const x = g.rand(S.reduce((a, b) => a * b, 1));
  const u = evalGraph(before.graph, before.weights, { x }), v = evalGraph(g.graph, g.weights, { x });
  for (const o of outputs) {
    const a = u.get(o)!, b = v.get(o)!;
    const scale = Math.max(...Array.from(a, Math.abs));
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `${o}[${i}]`).toBeLessThanOrEqual(1e-6 * scale);
  }
}

/** PyTorch's GELU: Div(x, √2) (a mul by 1/√2 here), Erf, Add 1, Mul x, Mul 0.5 (or the halving first). */
function gelu(g: G, x: string, name: string, halfFirst: boolean, swap: boolean, out?: string): string {
  const d = g.node('mul', `${name}_div`, [x, g.const(`${name}_r2`, [1], [Math.fround(Math.SQRT1_2)])], {});
  const e = g.node('activation', `${name}_erf`, [d], {}, { kind: 'erf' });
  const a = g.node('add', `${name}_add`, [e, g.const(`${name}_one`, [1], [1])], {});
  if (halfFirst) {
    const h = g.node('mul', `${name}_half`, [x, g.const(`${name}_05`, [1], [0.5])], {});
    return g.node('mul', `${name}_mul`, swap ? [a, h] : [h, a], {}, undefined, out);
  }
  const m = g.node('mul', `${name}_mul`, swap ? [a, x] : [x, a], {});
  return g.node('mul', `${name}_mul1`, [m, g.const(`${name}_05`, [1], [0.5])], {}, undefined, out);
}

describe('fuseActivationPatterns', () => {
  it('silu (both orders) and gelu (halving last and first, both orders) become one activation each', () => {
    const g = new G();
    const x = g.input('x', S);
    const c = g.node('conv2d', 'conv', [x, g.const('w', [6, 3, 3, 6]), g.const('b', [6])], win(3, 1, 1));
    const s = g.node('activation', 'sig', [c], {}, { kind: 'sigmoid' });
    const y1 = g.node('mul', 'silu', [c, s], {});
    const s2 = g.node('activation', 'sig2', [y1], {}, { kind: 'sigmoid' });
    const y2 = g.node('mul', 'silu2', [s2, y1], {});
    const y3 = gelu(g, y2, 'g1', false, false);
    const y4 = gelu(g, y3, 'g2', true, true);
    const y5 = gelu(g, y4, 'g3', false, true);
    gelu(g, y5, 'g4', true, false, 'y');
    g.output('y');
    const before = g.clone();
    expect(fuseActivationPatterns(g.graph, g.weights)).toBe(6);
    expect(ops(g.graph)).toEqual(['conv2d', 'activation+silu', 'activation+silu', 'activation+gelu', 'activation+gelu', 'activation+gelu', 'activation+gelu']);
    expect(g.graph.nodes.at(-1)!.outputs).toEqual(['y']);
    expect([...g.weights.keys()].sort()).toEqual(['b', 'w']);
    same(g, before, ['y']);
  });

  it('leaves near misses: a sigmoid of another tensor, a sigmoid or sum read twice, a graph output inside, another constant', () => {
    const g = new G();
    const x = g.input('x', S);
    const r = g.node('activation', 'relu', [x], {}, { kind: 'relu' });
    const s = g.node('activation', 'sig', [r], {}, { kind: 'sigmoid' });
    g.node('mul', 'not_silu', [x, s], {}, undefined, 'y1');
    const s2 = g.node('activation', 'sig2', [x], {}, { kind: 'sigmoid' });
    g.node('mul', 'silu_but_shared', [x, s2], {}, undefined, 'y2');
    g.node('add', 'reads_sig2', [s2, x], {}, undefined, 'y3');
    // 0.6 instead of 0.5.
    const d = g.node('mul', 'div', [x, g.const('r2', [1], [Math.fround(Math.SQRT1_2)])], {});
    const e = g.node('activation', 'erf', [d], {}, { kind: 'erf' });
    const a = g.node('add', 'add', [e, g.const('one', [1], [1])], {});
    const m = g.node('mul', 'mul', [x, a], {});
    g.node('mul', 'mul1', [m, g.const('c06', [1], [0.6])], {}, undefined, 'y4');
    // A gelu whose 1 + erf is a graph output.
    gelu(g, x, 'g', false, false, 'y5');
    g.output('y1', 'y2', 'y3', 'y4', 'y5', 'g_add_out');
    const before = g.clone();
    expect(fuseActivationPatterns(g.graph, g.weights)).toBe(0);
    expect(g.graph).toEqual(before.graph);
  });
});

describe('splitActivations', () => {
  it('splits non-clamp fused activations into standalone ones (same values), leaves clamps and kept nodes', () => {
    const g = new G();
    const x = g.input('x', S);
    const c = g.node('conv2d', 'conv', [x, g.const('w', [6, 3, 3, 6]), g.const('b', [6])], win(3, 1, 1), { kind: 'hardswish' });
    const r = g.node('conv2d', 'conv_relu', [c, g.const('w2', [6, 1, 1, 6])], win(1), { kind: 'relu' });
    const k = g.node('conv2d', 'kept', [r, g.const('w3', [6, 1, 1, 6])], win(1), { kind: 'sigmoid' });
    g.node('add', 'add', [k, c], {}, { kind: 'leakyrelu', alpha: 0.25 }, 'y');
    g.output('y');
    const before = g.clone();
    expect(splitActivations(g.graph, (n) => n.name === 'kept')).toBe(2);
    expect(ops(g.graph)).toEqual(['conv2d', 'activation+hardswish', 'conv2d+relu', 'conv2d+sigmoid', 'add', 'activation+leakyrelu']);
    expect(g.graph.nodes[0].outputs).toEqual(['conv_out_pre']);
    expect(g.graph.nodes[1]).toMatchObject({ name: 'conv_hardswish', inputs: ['conv_out_pre'], outputs: ['conv_out'] });
    same(g, before, ['y']);
  });
});

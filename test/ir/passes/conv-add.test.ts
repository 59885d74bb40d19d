// addAfterConv / residualOrder: which int8 conv -> residual add pairs qualify by
// structure, and the order in which each conv runs after its add's other operand; conv2d's
// `absorbs` takes an add only from these pairs, where the build's kernel can.
import { describe, expect, it } from 'vitest';
import { importTflite } from '../../../src/convert/index.js';
import { addAfterConv, residualOrder } from '../../../src/ir/passes/conv-add.js';
import { topoSort } from '../../../src/ir/graph.js';
import { OPS } from '../../../src/ir/ops/index.js';
import type { Graph, Node } from '../../../src/ir/types.js';
import type { OpNode } from '../../../src/ir/ops/def.js';
import { mlperfBytes } from '../../helpers/mlperf.js';
import { TEST_BUILDS } from '../../helpers/wasm.js';

const resnet8 = (): Graph => importTflite(mlperfBytes('ic_resnet8_int8.tflite')).graph;
const byName = (g: Graph, n: string): Node => g.nodes.find((m) => m.name === n)!;
const names = (m: Map<Node, Node>) => [...m].map(([c, a]) => `${c.name}->${a.name}`);
const ctxOf = (g: Graph) => {
  const info = new Map(g.tensors.map((t) => [t.name, t]));
  return { graph: g, info: (t: string) => info.get(t)!, readersOf: (t: string) => g.nodes.filter((n) => n.inputs.includes(t)) };
};
/** Every conv -> add pair of the graph that qualifies by structure. */
function convAddPairs(g: Graph): Map<Node, Node> {
  const pairs = new Map<Node, Node>();
  for (const n of g.nodes) {
    const a = addAfterConv(n, ctxOf(g));
    if (a) pairs.set(n, a);
  }
  return pairs;
}

describe('conv + residual add pairs', () => {
  it('ResNet-8: both convs of each block\'s add pair with it; conv2d.absorbs agrees per build where the residual is computed first', () => {
    const g = resnet8();
    expect(names(convAddPairs(g))).toEqual([
      'op2_conv_2d->op3_add', 'op5_conv_2d->op7_add', 'op6_conv_2d->op7_add', 'op9_conv_2d->op11_add', 'op10_conv_2d->op11_add',
    ]);
    const info = new Map(g.tensors.map((t) => [t.name, t]));
    const readers = (t: string) => g.nodes.filter((n) => n.inputs.includes(t));
    const ctx = (build: (typeof TEST_BUILDS)[number], computedBefore: () => boolean, residualAdd = true) => ({ graph: g, build, info: (t: string) => info.get(t)!, readersOf: readers, computedBefore, residualAdd });
    for (const build of TEST_BUILDS) {
      for (const n of g.nodes.filter((m) => m.op === 'conv2d')) {
        const a = OPS.conv2d.absorbs!(n as OpNode<never>, ctx(build, () => true));
        if (a) expect(convAddPairs(g).get(n)).toBe(a);
        // Not before its residual exists, nor unless asked (the executor's fuseResidualAdd).
        expect(OPS.conv2d.absorbs!(n as OpNode<never>, ctx(build, () => false))).toBe(null);
        expect(OPS.conv2d.absorbs!(n as OpNode<never>, ctx(build, () => true, false))).toBe(null);
      }
    }
  });

  it('residualOrder moves a fusing conv to just before its add when the residual comes later, and stays topological', () => {
    const g = resnet8();
    const pairs = convAddPairs(g);
    const fuses = (n: Node) => (['op5_conv_2d', 'op9_conv_2d', 'op2_conv_2d'].includes(n.name) ? pairs.get(n) ?? null : null);
    const order = residualOrder(topoSort(g), fuses).map((n) => n.name);
    const at = (n: string) => order.indexOf(n);
    expect(at('op5_conv_2d')).toBe(at('op7_add') - 1);
    expect(at('op6_conv_2d')).toBeLessThan(at('op5_conv_2d'));
    expect(at('op9_conv_2d')).toBe(at('op11_add') - 1);
    expect(at('op2_conv_2d')).toBe(topoSort(g).findIndex((n) => n.name === 'op2_conv_2d')); // its residual (op0) comes first: unmoved
    expect(order.length).toBe(g.nodes.length);
    const done = new Set(g.inputs);
    for (const n of order.map((m) => byName(g, m))) {
      for (const t of n.inputs) if (g.tensors.find((x) => x.name === t && !x.constant)) expect(done.has(t), `${n.name} reads ${t}`).toBe(true);
      n.outputs.forEach((t) => done.add(t));
    }
  });

  it('no pair: an add read twice, a conv output read twice or a graph output, a non-clamp activation, groups, an f32 or broadcast residual', () => {
    const edits: [string, (g: Graph, conv: Node, add: Node) => void][] = [
      ['add(v, v)', (_g, c, a) => void (a.inputs = [c.outputs[0], c.outputs[0]])],
      ['read twice', (g, c) => void g.nodes.push({ name: 'extra', op: 'flatten', inputs: [c.outputs[0]], outputs: ['extra'], attrs: { order: 'nhwc' } } as Node)],
      ['graph output', (g, c) => void g.outputs.push(c.outputs[0])],
      ['sigmoid conv', (_g, c) => void (c.act = { kind: 'sigmoid' })],
      ['sigmoid add', (_g, _c, a) => void (a.act = { kind: 'sigmoid' })],
      ['grouped', (_g, c) => void ((c.attrs as { groups?: number }).groups = 2)],
      ['f32 residual', (g, c, a) => void (g.tensors.find((t) => t.name === a.inputs.find((i) => i !== c.outputs[0]))!.dtype = 'f32')],
      ['broadcast residual', (g, c, a) => void (g.tensors.find((t) => t.name === a.inputs.find((i) => i !== c.outputs[0]))!.shape = [1, 1, 1, 32])],
    ];
    for (const [what, edit] of edits) {
      const g = resnet8();
      const conv = byName(g, 'op5_conv_2d');
      edit(g, conv, convAddPairs(g).get(conv)!);
      expect(addAfterConv(conv, ctxOf(g)), what).toBe(null);
    }
  });
});

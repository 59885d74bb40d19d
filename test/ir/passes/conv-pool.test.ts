// convPoolPairs / poolAfterConv: which int8 conv -> 2x2/2 max pool pairs qualify by structure;
// conv2d's `absorbs` takes a pool only from these, where the build's kernel can.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convPoolPairs } from '../../../src/ir/passes/conv-pool.js';
import { OPS } from '../../../src/ir/ops/index.js';
import { readBranchy } from '../../../src/format/index.js';
import type { Graph, Node } from '../../../src/ir/types.js';
import type { OpNode } from '../../../src/ir/ops/def.js';
import { TEST_BUILDS } from '../../helpers/wasm.js';

const model = (f: string): Graph => readBranchy(new Uint8Array(readFileSync(new URL(`../../../models/${f}`, import.meta.url)))).graph;
const conv1 = (g: Graph): Node => g.nodes.find((n) => n.name === '/conv1/Conv')!;

describe('conv + max pool pairs', () => {
  it('int8 LeNets: each conv followed by its only reader, a 2x2/2 max pool, pairs; conv2d.absorbs agrees per build', () => {
    let absorbed = 0;
    for (const f of ['mnist-lenet.int8.branchy', 'branchy-lenet-mnist.int8.branchy']) {
      const g = model(f);
      const pairs = convPoolPairs(g);
      const pool = pairs.get(conv1(g));
      expect(pool?.op, f).toBe('maxpool');
      expect(pool?.inputs, f).toEqual(conv1(g).outputs);
      const info = new Map(g.tensors.map((t) => [t.name, t]));
      const readers = (t: string) => g.nodes.filter((n) => n.inputs.includes(t));
      for (const build of TEST_BUILDS) {
        for (const n of g.nodes.filter((m) => m.op === 'conv2d')) {
          const p = OPS.conv2d.absorbs!(n as OpNode<never>, { graph: g, build, info: (t) => info.get(t)!, readersOf: readers, computedBefore: () => true, residualAdd: false });
          if (p) expect(pairs.get(n)).toBe(p);
          if (p) absorbed++;
        }
      }
    }
    expect(absorbed).toBeGreaterThan(0);
  });

  it('no pair: f32 convs, a pool that is not 2x2/2 or pads, a conv output read twice or a graph output, a non-clamp activation, groups', () => {
    expect(convPoolPairs(model('mnist-lenet.branchy')).size).toBe(0);
    const edits: [string, (g: Graph, conv: Node, pool: Node) => void][] = [
      ['3x3 pool', (_g, _c, p) => void ((p.attrs as { kernel: number[] }).kernel = [3, 3])],
      ['stride 1', (_g, _c, p) => void ((p.attrs as { strides: number[] }).strides = [1, 1])],
      ['padded', (_g, _c, p) => void ((p.attrs as { pads: number[] }).pads = [1, 0, 0, 0])],
      ['read twice', (g, c) => void g.nodes.push({ name: 'extra', op: 'flatten', inputs: [c.outputs[0]], outputs: ['extra'], attrs: { order: 'nhwc' } })],
      ['graph output', (g, c) => void g.outputs.push(c.outputs[0])],
      ['sigmoid', (_g, c) => void (c.act = { kind: 'sigmoid' })],
      ['grouped', (_g, c) => void ((c.attrs as { groups?: number }).groups = 2)],
    ];
    for (const [what, edit] of edits) {
      const g = model('mnist-lenet.int8.branchy');
      const conv = conv1(g);
      edit(g, conv, convPoolPairs(g).get(conv)!);
      expect(convPoolPairs(g).has(conv), what).toBe(false);
    }
  });
});

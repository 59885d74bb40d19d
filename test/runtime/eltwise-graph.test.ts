// Element-wise ops and activations in graphs built here (docs/ir.md): add, sub, mul, div, max,
// min with broadcasting (squeeze-excitation, spatial gates, scalars, broadcast constants), prelu,
// every activation standalone and fused into convs. f32: fromGraph in every build within 1e-5 of
// the reference evaluator (test/reference/ir-eval.ts), builds bit-identical. int8: every op in
// int8 (tables in place on the conv's output), equal to the integer reference exactly, builds
// bit-identical, and the same with the table step apart (keepIntermediates).
import { describe, expect, it } from 'vitest';
import { fromGraph } from '../../src/runtime/model.js';
import { validateGraph } from '../../src/ir/graph.js';
import { BranchyFormatError } from '../../src/errors.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { evalGraph, evalQuantGraph } from '../reference/ir-eval.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import { eltwiseNet as net } from '../helpers/eltwise-net.js';

async function runs(graph: Graph, weights: Weights, x: Float32Array, keep = false): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const build of TEST_BUILDS) {
    const m = await fromGraph(graph, weights, { build, keepIntermediates: keep });
    out.set(build, Float32Array.from(m.run(x, { layout: 'NHWC' }).y.data));
  }
  return out;
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('element-wise ops and activations in graphs', () => {
  it('f32: every op and activation equals the reference within 1e-5, builds bit-identical', async () => {
    for (const seed of [1, 2]) {
      const { graph, weights } = net(seed, false);
      validateGraph(graph, { weights });
      const x = new Rng(10 + seed).f32(6 * 5 * 16, -2, 2);
      const want = evalGraph(graph, weights, { x }).get('y')!;
      const got = await runs(graph, weights, x);
      const first = [...got.values()][0];
      const scale = Math.max(...Array.from(want, Math.abs));
      for (const [build, y] of got) {
        expect(bits(y), build).toEqual(bits(first));
        for (let i = 0; i < want.length; i++) expect(Math.abs(y[i] - want[i]), `${build} y[${i}]`).toBeLessThanOrEqual(1e-5 * scale);
      }
      expect(new Set(Array.from(first, (v) => v.toFixed(3))).size).toBeGreaterThan(50);
    }
  });

  it('int8: every op in int8 equals the integer reference exactly, builds bit-identical, tables fused or apart', async () => {
    for (const seed of [3, 4]) {
      const { graph, weights } = net(seed, true);
      validateGraph(graph, { weights });
      const rng = new Rng(20 + seed);
      for (let s = 0; s < 2; s++) {
        const x = rng.f32(6 * 5 * 16, -2, 2);
        const want = evalQuantGraph(graph, weights, { x }).get('y') as Float32Array;
        expect(new Set(want).size, 'the output depends on the input').toBeGreaterThan(30);
        for (const keep of [false, true]) {
          for (const [build, y] of await runs(graph, weights, x, keep)) expect(bits(y), `${build} keepIntermediates=${keep}`).toEqual(bits(want));
        }
      }
    }
  });

  it('refuses what it cannot run, naming the node', () => {
    const { graph, weights } = net(5, false);
    const mul = graph.nodes.find((n) => n.op === 'mul')!;
    graph.tensors.push({ name: 'odd', shape: [1, 6, 5, 3], dtype: 'f32' });
    graph.inputs.push('odd');
    mul.inputs[1] = 'odd';
    expect(() => validateGraph(graph, { weights })).toThrow(BranchyFormatError);
    expect(() => validateGraph(graph, { weights })).toThrow(/node 'mul_\d+' \(mul\): operands 'stem' \[1, 6, 5, 16\] and 'odd' \[1, 6, 5, 3\] do not broadcast/);
    const p = net(6, false);
    p.graph.tensors.find((t) => t.name === 'slope')!.shape = [4];
    p.weights.set('slope', new Float32Array(4));
    expect(() => validateGraph(p.graph, { weights: p.weights })).toThrow(/slope 'slope' \[4\] must be a constant of shape \[16\] or \[1\]/);
  });
});

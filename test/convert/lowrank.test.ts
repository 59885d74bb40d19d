// Low-rank splits (src/convert/lowrank.ts, svd.ts): the SVD itself, exactness of every split
// scheme at full rank on awkward convolutions (stride, padding, dilation, fused ReLU) against
// the f32 reference evaluator, the rank rules, and LeNet through the runtime.
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { energyKept, rankForEnergy, svd } from '../../src/convert/svd.js';
import { lowRankGraph } from '../../src/convert/lowrank.js';
import { quantizeGraph } from '../../src/convert/quantize.js';
import { pruneGraph } from '../../src/convert/prune.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { evalGraph } from '../reference/ir-eval.js';
import { accuracy, lenet, type Lenet } from './mnist-lenet.js';

function reconstructs(a: Float64Array, m: number, n: number): { err: number; orthU: number; orthV: number; s: Float64Array } {
  const r = svd(a, m, n);
  let err = 0, orthU = 0, orthV = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let x = 0;
    for (let k = 0; k < r.p; k++) x += r.u[i * r.p + k] * r.s[k] * r.v[j * r.p + k];
    err = Math.max(err, Math.abs(x - a[i * n + j]));
  }
  for (let k = 0; k < r.p; k++) for (let q = 0; q < r.p; q++) {
    let du = 0, dv = 0;
    for (let i = 0; i < m; i++) du += r.u[i * r.p + k] * r.u[i * r.p + q];
    for (let j = 0; j < n; j++) dv += r.v[j * r.p + k] * r.v[j * r.p + q];
    orthU = Math.max(orthU, Math.abs(du - (k === q ? 1 : 0)));
    orthV = Math.max(orthV, Math.abs(dv - (k === q ? 1 : 0)));
  }
  return { err, orthU, orthV, s: r.s };
}

describe('svd', () => {
  it('random tall, wide and square matrices: A = U S V^T, orthonormal U and V, s descending', () => {
    const rng = new Rng(1);
    for (const [m, n] of [[1, 1], [1, 7], [7, 1], [6, 4], [4, 6], [33, 33], [40, 90], [90, 40]]) {
      const a = Float64Array.from({ length: m * n }, () => rng.next() * 2 - 1);
      const r = reconstructs(a, m, n);
      expect(r.err).toBeLessThan(1e-12);
      expect(r.orthU).toBeLessThan(1e-10);
      expect(r.orthV).toBeLessThan(1e-10);
      for (let k = 1; k < r.s.length; k++) expect(r.s[k]).toBeLessThanOrEqual(r.s[k - 1]);
    }
  });

  it('known singular values: a scaled permutation, a rank-2 matrix, the zero matrix', () => {
    const a = new Float64Array(16);
    [[0, 2, 3], [1, 0, -5], [2, 3, 0.5], [3, 1, 2]].forEach(([i, j, v]) => (a[i * 4 + j] = v));
    expect(Array.from(svd(a, 4, 4).s)).toEqual([5, 3, 2, 0.5].map((x) => expect.closeTo(x, 12)));
    const rng = new Rng(3);
    const x = Array.from({ length: 20 }, () => rng.next()), y = Array.from({ length: 9 }, () => rng.next());
    const z = Array.from({ length: 20 }, () => rng.next()), w = Array.from({ length: 9 }, () => rng.next());
    const b = Float64Array.from({ length: 180 }, (_, k) => x[Math.floor(k / 9)] * y[k % 9] + z[Math.floor(k / 9)] * w[k % 9]);
    const s = svd(b, 20, 9).s;
    expect(s[2] / s[0]).toBeLessThan(1e-7);
    expect(rankForEnergy(s, 0.999999)).toBe(2);
    expect(Array.from(svd(new Float64Array(12), 3, 4).s)).toEqual([0, 0, 0]);
    expect(energyKept(Float64Array.of(3, 4), 1)).toBeCloseTo(9 / 25, 12);
  });
});

/** A one-conv graph: x [1,H,W,C] -> conv (with bias, ReLU) -> y. */
function convGraph(rng: Rng, o: { H: number; W: number; C: number; O: number; KH: number; KW: number; s: [number, number]; d: [number, number]; p: [number, number, number, number] }): { graph: Graph; weights: Weights } {
  const OH = Math.floor((o.H + o.p[0] + o.p[2] - o.d[0] * (o.KH - 1) - 1) / o.s[0]) + 1;
  const OW = Math.floor((o.W + o.p[1] + o.p[3] - o.d[1] * (o.KW - 1) - 1) / o.s[1]) + 1;
  const graph: Graph = {
    tensors: [
      { name: 'x', shape: [1, o.H, o.W, o.C], dtype: 'f32' },
      { name: 'w', shape: [o.O, o.KH, o.KW, o.C], dtype: 'f32', constant: true },
      { name: 'b', shape: [o.O], dtype: 'f32', constant: true },
      { name: 'y', shape: [1, OH, OW, o.O], dtype: 'f32' },
    ],
    nodes: [{ name: 'conv', op: 'conv2d', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { kernel: [o.KH, o.KW], strides: o.s, dilations: o.d, pads: o.p }, act: { kind: 'relu' } }],
    inputs: ['x'], outputs: ['y'],
  };
  const weights: Weights = new Map([['w', rng.f32(o.O * o.KH * o.KW * o.C)], ['b', rng.f32(o.O)]]);
  return { graph, weights };
}

describe('lowRankGraph', () => {
  it('at full rank every scheme equals the original layer (stride, asymmetric pads, dilation, ReLU)', async () => {
    const rng = new Rng(8);
    const shapes = [
      { H: 9, W: 11, C: 3, O: 5, KH: 3, KW: 3, s: [1, 1], d: [1, 1], p: [1, 1, 1, 1] },
      { H: 10, W: 7, C: 4, O: 6, KH: 3, KW: 2, s: [2, 1], d: [1, 2], p: [2, 0, 1, 1] },
      { H: 8, W: 8, C: 2, O: 3, KH: 5, KW: 3, s: [1, 3], d: [1, 1], p: [0, 2, 2, 0] },
    ] as const;
    for (const shape of shapes) {
      const { graph, weights } = convGraph(rng, { ...shape, s: [...shape.s], d: [...shape.d], p: [...shape.p] });
      const x = rng.f32(shape.H * shape.W * shape.C);
      const want = evalGraph(graph, weights, { x }).get('y')!;
      for (const scheme of ['channel', 'spatial'] as const) {
        const r = await lowRankGraph(graph, weights, { rule: { kind: 'energy', keep: 1 }, scheme, minSaving: -Infinity });
        expect(r.layers[0].scheme).toBe(scheme);
        expect(r.graph.nodes.map((n) => n.op)).toEqual(['conv2d', 'conv2d']);
        expect(r.graph.nodes[0].act).toBeUndefined();
        expect(r.graph.nodes[0].inputs).toHaveLength(2); // no bias on the first half
        const got = evalGraph(r.graph, r.weights, { x }).get('y')!;
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
      }
    }
  });

  it('the macs rule keeps each split layer within its MAC budget; the energy rule keeps the energy', async () => {
    const rng = new Rng(12);
    const { graph, weights } = convGraph(rng, { H: 12, W: 12, C: 16, O: 32, KH: 3, KW: 3, s: [1, 1], d: [1, 1], p: [1, 1, 1, 1] });
    const m = await lowRankGraph(graph, weights, { rule: { kind: 'macs', ratio: 0.5 } });
    expect(m.layers[0].macsAfter).toBeLessThanOrEqual(0.5 * m.layers[0].macs);
    expect(m.layers[0].rank).toBeGreaterThan(0);
    const e = await lowRankGraph(graph, weights, { rule: { kind: 'energy', keep: 0.5 } });
    expect(e.layers[0].energy).toBeGreaterThanOrEqual(0.5);
    // A rule that cannot save MACs leaves the layer alone and says why.
    const k = await lowRankGraph(graph, weights, { rule: { kind: 'energy', keep: 1 } });
    expect(k.layers[0].scheme).toBe('kept');
    expect(k.layers[0].why).toMatch(/saves < 10%/);
    await expect(lowRankGraph(graph, weights, { rule: { kind: 'macs', ratio: 1.5 } })).rejects.toThrow(/\(0, 1\)/);
  });
});

describe('LeNet through the runtime (500 test digits)', () => {
  let l: Lenet;
  let floatAcc: number;
  beforeAll(async () => {
    l = await lenet();
    floatAcc = await accuracy(l, l.graph, l.weights);
  });

  it('energy 0.9: every layer split, MACs and weights down, accuracy within 3 points (f32 and int8); composes with prune', async () => {
    const r = await lowRankGraph(l.graph, l.weights, { rule: { kind: 'energy', keep: 0.9 }, observe: l.observe });
    expect(r.layers.filter((x) => x.scheme !== 'kept').length).toBeGreaterThanOrEqual(3);
    for (const x of r.layers) if (x.scheme !== 'kept') {
      expect(x.energy).toBeGreaterThanOrEqual(0.9);
      expect(x.macsAfter).toBeLessThan(x.macs);
      expect(x.error!.mse).toBeGreaterThan(0);
    }
    expect(r.bytesAfter).toBeLessThan(r.bytesBefore);
    expect(r.outputError!.get('logits')!.mse).toBeGreaterThan(0);
    expect(await accuracy(l, r.graph, r.weights)).toBeGreaterThanOrEqual(floatAcc - 0.03);
    const p = await pruneGraph(r.graph, r.weights, { sparsity: 0.5, scope: 'global' });
    const q = await quantizeGraph(p.graph, p.weights, { method: 'sigma', observe: l.observe, outputError: false });
    expect(await accuracy(l, q.graph, q.weights)).toBeGreaterThanOrEqual(floatAcc - 0.03);
  });
});

// Early exit on a small multi-exit CNN (test/fixtures/make_multiexit_fixture.py):
// crafted thresholds (always / never confident), MAC budgets never exceeded, predictors,
// batch equal to single, thresholds round-tripping through the file.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { fromGraph, load, type Model } from '../../src/runtime/model.js';
import { findExits } from '../../src/ir/exits.js';
import { writeBranchy } from '../../src/format/index.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { BranchyFormatError, BranchyInputError } from '../../src/errors.js';
import { Rng } from '../helpers/rng.js';
import { TEST_BUILDS } from '../helpers/wasm.js';

let graph: Graph, weights: Weights, model: Model;
const rng = new Rng(11);
const samples = Array.from({ length: 12 }, () => rng.f32(784, -2, 2));

beforeAll(async () => {
  ({ graph, weights } = importOnnx(new Uint8Array(readFileSync(new URL('../fixtures/multiexit_tiny.onnx', import.meta.url)))));
  model = await fromGraph(graph, weights);
});

function softmax(x: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(x));
  const e = Array.from(x, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('exit structure', () => {
  it('splits the graph into stages, heads and a predictor with their MACs', () => {
    const plan = findExits(graph);
    expect(plan.stages).toHaveLength(3);
    expect(plan.exits.map((e) => e.output)).toEqual(['exit0', 'exit1', 'exit2']);
    expect(plan.exits[0].predictor?.output).toBe('predict0');
    expect(plan.exits[2].head).toEqual([]);
    const total = plan.exits.reduce((a, e) => a + e.macs.stage + e.macs.head + e.macs.predictor, 0);
    expect(total).toBe(model.info.macs);
  });
});

describe('policies', () => {
  it('an always-confident exit 0 answers every sample there, with exit 0 logits', () => {
    const c = model.info.exits!;
    for (const x of samples) {
      const r = model.run(x, { policy: { kind: 'entropy', thresholds: [Infinity, Infinity] } });
      expect(r.exit).toBe(0);
      expect(r.macs).toBe(c[0].macs.stage + c[0].macs.head);
      const want = softmax(model.run(x).exit0.data);
      r.probs.forEach((p, i) => expect(p).toBeCloseTo(want[i], 5));
      expect(r.label).toBe(want.indexOf(Math.max(...want)));
      expect(r.confidence).toBeCloseTo(Math.max(...want), 5);
    }
  });

  it('a never-confident rule runs to the final exit; full skips the early heads', () => {
    const c = model.info.exits!;
    const stages = c.reduce((a, e) => a + e.macs.stage, 0);
    for (const x of samples) {
      const never = model.run(x, { policy: { kind: 'maxprob', thresholds: 1.1 } });
      expect(never.exit).toBe(2);
      expect(never.macs).toBe(stages + c[0].macs.head + c[1].macs.head);
      const full = model.run(x, { policy: { kind: 'full' } });
      expect(full.exit).toBe(2);
      expect(full.macs).toBe(stages);
      const want = softmax(model.run(x).exit2.data);
      expect(full.label).toBe(want.indexOf(Math.max(...want)));
      expect(Array.from(full.probs)).toEqual(Array.from(never.probs));
    }
  });

  it('a MAC budget is never exceeded and reaches the deepest exit that fits', () => {
    const c = model.info.exits!;
    const reach = [0, 1, 2].map((k) => c.slice(0, k + 1).reduce((a, e) => a + e.macs.stage, 0) + c[k].macs.head);
    for (let t = 0; t < 40; t++) {
      const budget = rng.int(reach[0], reach[2] + 1000);
      const r = model.run(samples[t % samples.length], { policy: { kind: 'budget', macs: budget } });
      expect(r.macs).toBeLessThanOrEqual(budget);
      const deepest = [2, 1, 0].find((k) => reach[k] <= budget)!;
      expect(r.exit).toBe(deepest);
      expect(r.macs).toBe(reach[deepest]);
    }
    // Below what exit 0 needs, exit 0 still answers (and the result shows the cost).
    expect(model.run(samples[0], { policy: { kind: 'budget', macs: 1 } }).exit).toBe(0);
  });

  it('a time budget answers within the exits and reports its time', () => {
    const r = model.run(samples[0], { policy: { kind: 'budget', ms: 1000 } });
    expect(r.exit).toBe(2);
    expect(r.timeMs).toBeGreaterThan(0);
  });

  it('predicted: a closed gate skips the head and its cost; an open gate defers to the rule', () => {
    const c = model.info.exits!;
    for (const x of samples) {
      const closed = model.run(x, { policy: { kind: 'predicted', gate: 2, then: { kind: 'entropy', thresholds: Infinity } } });
      expect(closed.skipped).toEqual([0]);
      expect(closed.exit).toBe(1); // exit 1 has no predictor: its head runs and the rule accepts
      expect(closed.macs).toBe(c[0].macs.stage + c[0].macs.predictor + c[1].macs.stage + c[1].macs.head);
      const open = model.run(x, { policy: { kind: 'predicted', gate: 0, then: { kind: 'entropy', thresholds: Infinity } } });
      expect(open.exit).toBe(0);
      expect(open.macs).toBe(c[0].macs.stage + c[0].macs.predictor + c[0].macs.head);
    }
  });

  it('a batch gives the same results as one sample at a time, in every build', async () => {
    const batch = new Float32Array(samples.length * 784);
    samples.forEach((s, i) => batch.set(s, i * 784));
    // Thresholds at the median entropy of each early exit, so the samples split.
    const med = (k: number) => {
      const e = samples.map((s) => model.run(s, { policy: { kind: 'entropy', thresholds: k === 0 ? [Infinity, Infinity] : [-1, Infinity] } }).entropy);
      return e.sort((a, b) => a - b)[e.length >> 1];
    };
    const policy = { kind: 'entropy' as const, thresholds: [med(0), med(1)] };
    for (const build of TEST_BUILDS) {
      const m = await fromGraph(graph, weights, { build });
      const together = m.classify(batch, { policy });
      const alone = samples.map((s) => m.run(s, { policy }));
      expect(together.map((r) => [r.exit, r.label, r.macs])).toEqual(alone.map((r) => [r.exit, r.label, r.macs]));
      expect(new Set(together.map((r) => r.exit)).size).toBeGreaterThan(1); // the thresholds split the samples
    }
  });

  it('rejects a missing threshold, an unknown policy, and a batch through run()', () => {
    expect(() => model.run(samples[0], { policy: { kind: 'entropy' } })).toThrow(BranchyInputError);
    expect(() => model.run(samples[0], { policy: { kind: 'nope' } as never })).toThrow(BranchyInputError);
    const two = new Float32Array(2 * 784);
    expect(() => model.run(two, { policy: { kind: 'full' } })).toThrow(/classify/);
  });
});

describe('thresholds in the file', () => {
  it('round-trip through .branchy and become the defaults', async () => {
    const plan = findExits(graph);
    plan.exits[0].thresholds = { entropy: 5, maxprob: 0.5, predictor: 0.25 };
    plan.exits[1].thresholds = { entropy: 5 };
    const bytes = writeBranchy({ ...graph, exits: plan }, weights);
    const m = await load(bytes);
    expect(m.info.exits![0].thresholds).toEqual({ entropy: 5, maxprob: 0.5, predictor: 0.25 });
    const r = m.run(samples[0], { policy: { kind: 'entropy' } }); // thresholds from the file
    expect(r.exit).toBe(0);
  });

  it('a stored plan that disagrees with the graph is refused', async () => {
    const plan = findExits(graph);
    plan.stages[0] = plan.stages[0].slice(1);
    await expect(load(writeBranchy({ ...graph, exits: plan }, weights))).rejects.toBeInstanceOf(BranchyFormatError);
  });
});

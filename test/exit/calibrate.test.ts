// Threshold calibration on the trained Branchy-LeNet (models/branchy-lenet-mnist.onnx) with
// real MNIST training digits: the target is met on the calibration data, and the real
// scheduler does exactly what the replay predicted.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { fromGraph, type Model } from '../../src/runtime/model.js';
import { loadMnist, type Dataset } from '../../src/cli/datasets.js';
import { collectExitStats } from '../../src/cli/exit-data.js';
import { calibrateMaxDrop, calibrateMeanMacs, dropUpperBound, normalQuantile, replay, sweep, type ExitStats } from '../../src/exit/calibrate.js';
import { parsePolicy } from '../../src/exit/parse.js';
import { BranchyInputError } from '../../src/errors.js';

let model: Model, data: Dataset, stats: ExitStats;
const START = 50_000, N = 1500;

beforeAll(async () => {
  const { graph, weights } = importOnnx(new Uint8Array(readFileSync(new URL('../../models/branchy-lenet-mnist.onnx', import.meta.url))));
  model = await fromGraph(graph, weights);
  data = await loadMnist('train');
  stats = collectExitStats(model, data, START, N);
});

/** Run the real scheduler over the calibration samples. */
function actual(rule: 'entropy' | 'maxprob', thresholds: number[]) {
  let correct = 0, macs = 0;
  for (let j = 0; j < N; j++) {
    const r = model.run(data.images.subarray((START + j) * 784, (START + j + 1) * 784), { policy: { kind: rule, thresholds } });
    if (r.label === data.labels[START + j]) correct++;
    macs += r.macs;
  }
  return { accuracy: correct / N, meanMacs: macs / N };
}

describe('calibration', () => {
  for (const rule of ['entropy', 'maxprob'] as const) {
    it(`${rule}: --max-drop 0.5 keeps accuracy within 0.5 points and saves MACs; the scheduler agrees with the replay`, () => {
      const c = calibrateMaxDrop(stats, rule, 0.5);
      expect(c.result.accuracy).toBeGreaterThanOrEqual(c.full.accuracy - 0.005 - 1e-12);
      expect(c.result.meanMacs).toBeLessThan(c.full.meanMacs);
      const a = actual(rule, c.thresholds);
      expect(a.accuracy).toBeCloseTo(c.result.accuracy, 2);
      expect(Math.abs(a.meanMacs - c.result.meanMacs) / c.result.meanMacs).toBeLessThan(0.01);
    });
  }

  it('--max-drop searches the exits jointly: slack spent at exit 1 can save more than at exit 0', () => {
    // 100 samples, costs 1 / 2 / 10, one mistake allowed (1 point). Group A (20): exit 0 sure
    // (entropy 0.05, but A0 wrong at 0.1), exit 1 unsure and wrong. Group B (80): exit 0 unsure, exit 1 sure
    // and right except B0 (entropy 0.01). Greedy lets exit 0 take A0's mistake, which shuts exit 1
    // (A 20×1 + B 80×10 = 8.2 MACs per sample); joint: exit 0 takes the 19 right A, exit 1 all
    // of B with B0's mistake, A0 goes to the end (19 + 160 + 10 = 1.89).
    const n = 100;
    const f = (v: (j: number) => number) => Float64Array.from({ length: n }, (_, j) => v(j));
    const i32 = (v: (j: number) => number) => Int32Array.from({ length: n }, (_, j) => v(j));
    const crafted: ExitStats = {
      entropy: [f((j) => (j === 0 ? 0.1 : j < 20 ? 0.05 : 2)), f((j) => (j === 20 ? 0.01 : j < 20 ? 2 : 0.05)), f(() => 0)],
      top1: [f(() => 0.5), f(() => 0.5), f(() => 1)],
      label: [i32((j) => (j === 0 || j >= 20 ? 1 : 0)), i32((j) => (j <= 20 ? 1 : 0)), i32(() => 0)],
      truth: i32(() => 0),
      costToExit: [1, 2, 10],
    };
    const c = calibrateMaxDrop(crafted, 'entropy', 1);
    expect(c.full.accuracy).toBe(1);
    expect(c.result.accuracy).toBeCloseTo(0.99, 12);
    expect(c.result.meanMacs).toBeCloseTo(1.89, 12);
    expect(c.result.histogram).toEqual([0.19, 0.8, 0.01]);
  });

  it('--max-drop with --confidence bounds the drop on new data: stricter thresholds, bound met, drop = lost − gained', () => {
    for (const rule of ['entropy', 'maxprob'] as const) {
      const plain = calibrateMaxDrop(stats, rule, 0.5);
      const sure = calibrateMaxDrop(stats, rule, 0.5, 0.95);
      const n = stats.truth.length;
      for (const c of [plain, sure]) {
        // lost − gained is the drop in accuracy, sample for sample.
        expect(c.result.lost - c.result.gained).toBeCloseTo(c.full.accuracy - c.result.accuracy, 12);
      }
      expect(plain.dropBound).toBeCloseTo(plain.full.accuracy - plain.result.accuracy, 12);
      expect(sure.dropBound).toBeCloseTo(dropUpperBound(sure.result, n, normalQuantile(0.95)), 12);
      expect(sure.dropBound).toBeLessThanOrEqual(0.005 + 1e-12);
      // The bound is above the drop whenever any answer changed, so the allowance buys fewer exits.
      expect(sure.result.lost + sure.result.gained).toBeGreaterThan(0);
      expect(sure.dropBound).toBeGreaterThan(sure.result.lost - sure.result.gained);
      expect(sure.result.accuracy).toBeGreaterThanOrEqual(plain.result.accuracy - 1e-12);
      expect(sure.result.meanMacs).toBeGreaterThanOrEqual(plain.result.meanMacs);
      expect(sure.result.meanMacs).toBeLessThan(sure.full.meanMacs);
      // What the scheduler does with them is what the replay said.
      expect(actual(rule, sure.thresholds).accuracy).toBeCloseTo(sure.result.accuracy, 10);
    }
  });

  it('the bound: normal quantiles, and mean + z·sd/√n of the paired difference', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 5);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232, 4);
    for (const bad of [0, 1, NaN, -0.2, 1.5]) expect(() => normalQuantile(bad)).toThrow(RangeError);
    const r = { accuracy: 0.9, meanMacs: 1, histogram: [1], lost: 0.03, gained: 0.01 };
    expect(dropUpperBound(r, 1000, 0)).toBeCloseTo(0.02, 15);
    expect(dropUpperBound(r, 1000, 1.645)).toBeCloseTo(0.02 + 1.645 * Math.sqrt((0.04 - 0.0004) / 1000), 12);
    expect(() => calibrateMaxDrop(stats, 'entropy', Number.NaN)).toThrow(RangeError);
    expect(() => calibrateMaxDrop(stats, 'entropy', 0.5, 1)).toThrow(RangeError);
  });

  it('--mean-macs meets the MAC target with the most accurate shared threshold', () => {
    const full = replay(stats, 'entropy', [-1]);
    const target = 0.6 * full.meanMacs;
    const c = calibrateMeanMacs(stats, 'entropy', target);
    expect(c.result.meanMacs).toBeLessThanOrEqual(target);
    expect(actual('entropy', c.thresholds).meanMacs).toBeLessThanOrEqual(target * 1.01);
  });

  it('a sweep runs from full depth to early exit', () => {
    const s = sweep(stats, 'entropy');
    expect(s[0].result.histogram[0]).toBeLessThan(0.01);
    expect(s.at(-1)!.result.histogram[0]).toBeGreaterThan(0.99);
    for (let i = 1; i < s.length; i++) expect(s[i].result.meanMacs).toBeLessThanOrEqual(s[i - 1].result.meanMacs + 1e-9);
  });
});

describe('policy text', () => {
  it('parses every policy and rejects nonsense', () => {
    expect(parsePolicy('full')).toEqual({ kind: 'full' });
    expect(parsePolicy('entropy:0.1,0.2')).toEqual({ kind: 'entropy', thresholds: [0.1, 0.2] });
    expect(parsePolicy('maxprob')).toEqual({ kind: 'maxprob', thresholds: undefined });
    expect(parsePolicy('predicted:maxprob:0.9', 0.3)).toEqual({ kind: 'predicted', gate: 0.3, then: { kind: 'maxprob', thresholds: [0.9] } });
    expect(parsePolicy('budget-macs:1000')).toEqual({ kind: 'budget', macs: 1000 });
    expect(parsePolicy('budget-ms:2.5')).toEqual({ kind: 'budget', ms: 2.5 });
    for (const bad of ['fast', 'entropy:x', 'budget-ms', 'predicted:foo']) expect(() => parsePolicy(bad)).toThrow(BranchyInputError);
  });
});

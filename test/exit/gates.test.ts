// Predictor gates: the replay of the `predicted` policy (calibrateGates' cost model) matches
// what the real scheduler does, sample by sample, on a model with a predictor
// (test/fixtures/multiexit_tiny.onnx, exits 0/1/2, predictor before head 0) and real MNIST digits.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { fromGraph, type Model } from '../../src/runtime/model.js';
import { loadMnist, type Dataset } from '../../src/cli/datasets.js';
import { collectExitStats } from '../../src/cli/exit-data.js';
import { calibrateGates, replay, replayPredicted, type ExitStats } from '../../src/exit/calibrate.js';

let model: Model, data: Dataset, stats: ExitStats;
const START = 50_000, N = 400;

beforeAll(async () => {
  const { graph, weights } = importOnnx(new Uint8Array(readFileSync(new URL('../fixtures/multiexit_tiny.onnx', import.meta.url))));
  graph.normalize = { mean: [0.1307], std: [0.3081], scale: 255 }; // the fixture stores none: MNIST's
  model = await fromGraph(graph, weights, { build: 'simd' });
  data = await loadMnist('train');
  stats = collectExitStats(model, data, START, N);
});

/** Thresholds halfway between observed entropies (at the q-quantile), so that float rounding
 * differences between the head kernel and the statistics cannot flip a decision. */
function midThresholds(q: number): number[] {
  return stats.entropy.slice(0, -1).map((e) => {
    const v = [...new Set(e)].sort((a, b) => a - b);
    const k = Math.min(v.length - 2, Math.floor(q * v.length));
    return (v[k] + v[k + 1]) / 2;
  });
}

function actual(thresholds: number[], gate: number[]) {
  let correct = 0, macs = 0;
  const hist = [0, 0, 0];
  for (let j = 0; j < N; j++) {
    const r = model.run(data.images.subarray((START + j) * 784, (START + j + 1) * 784),
      { policy: { kind: 'predicted', gate, then: { kind: 'entropy', thresholds } } });
    if (r.label === data.labels[START + j]) correct++;
    macs += r.macs;
    hist[r.exit]++;
  }
  return { accuracy: correct / N, meanMacs: macs / N, histogram: hist.map((h) => h / N) };
}

describe('predictor gates', () => {
  it('collects the predictor sigmoid and the part costs', () => {
    expect(stats.gate).toHaveLength(2);
    expect(stats.gate![1].every(Number.isNaN)).toBe(true); // exit 1 has no predictor
    const g = Array.from(stats.gate![0]);
    expect(g.every((x) => x > 0 && x < 1)).toBe(true);
    expect(new Set(g.map((x) => x.toFixed(3))).size).toBeGreaterThan(10);
    expect(stats.parts!.map((p) => p.predictor)[0]).toBeGreaterThan(0);
  });

  it('the replay of the predicted policy equals the scheduler for several gates', () => {
    const thresholds = midThresholds(0.5); // about half the samples are confident at exit 0
    const median = Array.from(stats.gate![0]).sort((a, b) => a - b)[N >> 1];
    for (const gate of [[0, 0], [median, 0], [1, 0]]) {
      const want = replayPredicted(stats, 'entropy', thresholds, gate);
      const got = actual(thresholds, gate);
      expect(got.meanMacs).toBeCloseTo(want.meanMacs, 6);
      expect(got.accuracy).toBe(want.accuracy);
      expect(got.histogram).toEqual(want.histogram);
    }
    // Gate 0 always runs the head: the plain confidence policy plus the predictor's cost.
    const open = replayPredicted(stats, 'entropy', thresholds, [0, 0]);
    expect(open.accuracy).toBe(replay(stats, 'entropy', thresholds).accuracy);
    expect(open.meanMacs).toBeCloseTo(replay(stats, 'entropy', thresholds).meanMacs + stats.parts![0].predictor, 6);
  });

  it('calibrated gates keep the accuracy of no predictors and never cost more than the open gate', () => {
    const thresholds = midThresholds(0.5);
    const c = calibrateGates(stats, 'entropy', thresholds);
    expect(c.result.accuracy).toBeGreaterThanOrEqual(c.without.accuracy - 1e-12);
    expect(c.result.meanMacs).toBeLessThanOrEqual(replayPredicted(stats, 'entropy', thresholds, [0, 0]).meanMacs);
    const got = actual(thresholds, c.gates);
    expect(got.accuracy).toBe(c.result.accuracy);
  });
});

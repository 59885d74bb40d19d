// Quantization methods beyond min-max: the statistical mean ± k·σ rule (k from the kurtosis),
// k-means weight sharing, and layer-by-layer (sequential) calibration; unit properties of the
// statistics, then each method end to end on the bundled LeNet through the runtime.
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { Moments, TensorStats, sigmaMultiplier } from '../../src/convert/quant-stats.js';
import { kmeans1d, quantizeWeights } from '../../src/convert/quant-weights.js';
import { quantizeGraph } from '../../src/convert/quantize.js';
import { BranchyUnsupportedError } from '../../src/errors.js';
import { evalGraph } from '../reference/ir-eval.js';
import { accuracy, lenet, type Lenet } from './mnist-lenet.js';

const gauss = (rng: Rng) => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
const laplace = (rng: Rng) => (rng.next() < 0.5 ? -1 : 1) * -Math.log(1 - rng.next());

describe('statistics', () => {
  it('k follows the kurtosis: 3.92 for a Gaussian, 6.99 for a Laplace distribution', () => {
    expect(sigmaMultiplier(3)).toBeCloseTo(3.92, 10);
    expect(sigmaMultiplier(6)).toBeCloseTo(6.99, 10);
    expect(sigmaMultiplier(1.8)).toBeLessThan(3.92);
  });

  it('moments: mean, σ and kurtosis of seeded samples (Gaussian 3, Laplace 6, uniform 1.8), even far from 0', () => {
    const rng = new Rng(5);
    const n = 200_000;
    for (const [draw, kurt, shift] of [[gauss, 3, 1000], [laplace, 6, -3], [() => rng.next() * 2 - 1, 1.8, 0]] as const) {
      const m = new Moments();
      for (let b = 0; b < 4; b++) m.add(Float64Array.from({ length: n / 4 }, () => shift + draw(rng)));
      const s = m.stats();
      expect(s.mean).toBeCloseTo(shift, 1);
      expect(s.kurtosis).toBeCloseTo(kurt, 0);
    }
  });

  it('sigma ranges: a heavy-tailed tensor is clipped at k·σ, a light-tailed one keeps its min-max', () => {
    const rng = new Rng(9);
    const heavy = new TensorStats(), light = new TensorStats();
    heavy.add(Float32Array.from({ length: 100_000 }, () => laplace(rng)), 'sigma');
    light.add(Float32Array.from({ length: 100_000 }, () => rng.next()), 'sigma');
    const [lo, hi] = heavy.choose('sigma', 99.99);
    expect(heavy.k!).toBeGreaterThan(6);
    expect(hi).toBeLessThan(heavy.max);
    expect(lo).toBeGreaterThan(heavy.min);
    expect(hi).toBeCloseTo(heavy.k! * Math.SQRT2, 0); // Laplace(1): σ = √2
    expect(light.choose('sigma', 99.99)).toEqual([light.min, light.max]);
  });

  it('a never-negative tensor (ReLU output) reads the statistics of its positive part', () => {
    const rng = new Rng(4);
    const s = new TensorStats();
    s.add(Float32Array.from({ length: 50_000 }, () => (rng.next() < 0.7 ? 0 : Math.abs(gauss(rng)))), 'sigma');
    const [lo] = s.choose('sigma', 99.99);
    expect(lo).toBe(0);
    expect(s.kurtosis!).toBeLessThan(5); // the spike at 0 alone would make it > 5
  });

  it('k-means snaps to K values, finds separated clusters, and int8 keeps at most K values per channel', () => {
    const rng = new Rng(2);
    const v = Float32Array.from({ length: 3000 }, (_, i) => [-1, 0.2, 3][i % 3] + 0.01 * gauss(rng));
    const r = kmeans1d(v, 3);
    expect(new Set(r.snapped).size).toBe(3);
    expect(Array.from(r.centroids).map((c) => Math.round(c * 10) / 10)).toEqual([-1, 0.2, 3]);
    const w = Float32Array.from({ length: 64 * 50 }, () => gauss(rng));
    const q = quantizeWeights('kmeans', w, 64, (i) => Math.floor(i / 50), 8);
    expect(q.clusters).toBe(8);
    for (let c = 0; c < 64; c++) expect(new Set(q.q.subarray(c * 50, c * 50 + 50)).size).toBeLessThanOrEqual(8);
    const s = quantizeWeights('sigma', w, 64, (i) => Math.floor(i / 50));
    expect(s.k!).toBeGreaterThan(3);
    expect(s.k!).toBeLessThan(5); // Gaussian weights: kurtosis ≈ 3
  });
});

describe('LeNet through the runtime (500 test digits)', () => {
  let l: Lenet;
  let floatAcc: number;
  beforeAll(async () => {
    l = await lenet();
    floatAcc = await accuracy(l, l.graph, l.weights);
  });

  it('sigma: int8 within 0.6 points of float; per-layer k, kurtosis, error vs float and time reported', async () => {
    const r = await quantizeGraph(l.graph, l.weights, { method: 'sigma', observe: l.observe });
    expect(await accuracy(l, r.graph, r.weights)).toBeGreaterThanOrEqual(floatAcc - 0.006);
    for (const line of r.report) {
      expect(line.k).toBeGreaterThan(1);
      expect(line.range[1]).toBeLessThanOrEqual(Math.max(0, line.observed[1]));
      expect(line.outputMse).toBeDefined();
      if (line.op !== 'input') expect(line.weight!.k).toBeGreaterThan(1);
    }
    expect(r.report.at(-1)!.outputMse!).toBeGreaterThan(0);
    expect(r.passes).toBe(2); // statistics (recording the float run, errors read from it), the int8 graph
  });

  it('kmeans (K = 16): every layer shares at most 16 values per channel; int8 within 1 point of float', async () => {
    const r = await quantizeGraph(l.graph, l.weights, { method: 'kmeans', clusters: 16, observe: l.observe, outputError: false });
    expect(await accuracy(l, r.graph, r.weights)).toBeGreaterThanOrEqual(floatAcc - 0.01);
    for (const line of r.report.filter((x) => x.weight)) {
      expect(line.weight!.clusters).toBe(16);
      expect(line.weight!.ms).toBeGreaterThanOrEqual(0);
    }
    const fc1 = r.graph.nodes.find((n) => n.name === '/fc1/Gemm')!;
    const q = r.weights.get(fc1.inputs[1]) as Int8Array;
    for (let c = 0; c < 500; c += 50) expect(new Set(q.subarray(c * 800, c * 800 + 800)).size).toBeLessThanOrEqual(16);
  });

  it('sequential: each layer calibrated on the int8 output of the layers before it', async () => {
    const seen: string[][] = [];
    const r = await quantizeGraph(l.graph, l.weights, {
      method: 'minmax', sequential: true,
      observe: async (visit, model) => {
        seen.push(model.graph.nodes.filter((n) => model.graph.tensors.find((t) => t.name === n.outputs[0])!.dtype === 'i8').map((n) => n.name));
        await l.observe(visit, model);
      },
    });
    // One graph per step, each with more int8 nodes than the one before; the last is the result.
    const steps = [...new Set(seen.map((s) => s.join(',')))].map((s) => (s ? s.split(',') : []));
    expect(steps.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < steps.length; i++) expect(steps[i].length).toBeGreaterThan(steps[i - 1].length);
    expect(steps[0]).toEqual([]);
    expect(await accuracy(l, r.graph, r.weights)).toBeGreaterThanOrEqual(floatAcc - 0.006);
    // The fc1 range differs from the float-calibrated one: it saw the int8 conv outputs.
    const plain = await quantizeGraph(l.graph, l.weights, { method: 'minmax', observe: l.observe, outputError: false });
    const fc1 = (q: typeof r) => q.report.find((x) => x.node === '/fc1/Gemm')!.observed;
    expect(fc1(r)).not.toEqual(fc1(plain));
  });

  it('sequential needs an observe that runs the graph it is given', async () => {
    const floatOnly = async (visit: (t: string, v: Float32Array) => void) => {
      for (const img of l.calib.slice(0, 5)) {
        const x = Float32Array.from(img, (v) => (v / 255 - 0.1307) / 0.3081);
        for (const [name, v] of evalGraph(l.graph, l.weights, { input: x })) if (!l.weights.has(name)) visit(name, v);
      }
    };
    await expect(quantizeGraph(l.graph, l.weights, { method: 'minmax', sequential: true, observe: floatOnly })).rejects.toThrow(BranchyUnsupportedError);
    // Without sequential the float-only callback still works; the error vs float is then left out.
    const r = await quantizeGraph(l.graph, l.weights, { method: 'minmax', observe: floatOnly });
    expect(r.report.every((x) => x.outputMse === undefined)).toBe(true);
  });

  it('rejects bad options', async () => {
    await expect(quantizeGraph(l.graph, l.weights, { method: 'kmeans', clusters: 1, observe: l.observe })).rejects.toThrow(/clusters/);
    await expect(quantizeGraph(l.graph, l.weights, { method: 'nope' as 'sigma', observe: l.observe })).rejects.toThrow(/sigma, kmeans/);
  });
});

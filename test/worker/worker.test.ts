// Models in worker_threads workers give exactly the in-thread Model's answers on real MNIST
// digits: the bundled int8 LeNet (all outputs) and Branchy-LeNet quantized here (early exits).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx, quantizeGraph } from '../../src/convert/index.js';
import { writeBranchy } from '../../src/format/index.js';
import { findExits } from '../../src/ir/exits.js';
import { fromGraph, load, type Model } from '../../src/runtime/model.js';
import { loadMnist } from '../../src/cli/datasets.js';
import { createPool, loadInWorker } from '../../src/worker/index.js';
import type { ExitResult } from '../../src/runtime/scheduler.js';
import { BranchyFormatError, BranchyInputError } from '../../src/errors.js';

const workerUrl = new URL('./tsx-entry.mjs', import.meta.url);
const N = 200;
let lenetBytes: Uint8Array, branchyBytes: Uint8Array, digits: Uint8Array;

beforeAll(async () => {
  lenetBytes = new Uint8Array(readFileSync(new URL('../../models/mnist-lenet.int8.branchy', import.meta.url)));
  const { graph, weights } = importOnnx(new Uint8Array(readFileSync(new URL('../../models/branchy-lenet-mnist.onnx', import.meta.url))));
  const train = await loadMnist('train');
  const float = await fromGraph(graph, weights, { keepIntermediates: true });
  const calib = Array.from({ length: 64 }, (_, i) => train.images.slice(i * 911 * 784, (i * 911 + 1) * 784));
  const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: async (visit) => calib.forEach((x) => float.trace(x, visit)) });
  branchyBytes = writeBranchy({ ...q.graph, exits: findExits(q.graph) }, q.weights);
  digits = (await loadMnist('test')).images.slice(0, N * 784);
});

const digit = (i: number) => digits.slice(i * 784, (i + 1) * 784);
const plain = (r: ExitResult) => ({ ...r, probs: Array.from(r.probs), timeMs: 0 });

describe('loadInWorker (worker_threads)', () => {
  it('the int8 LeNet: every output of a 200-digit batch equals the in-thread model', async () => {
    const local = await load(lenetBytes);
    const w = await loadInWorker(lenetBytes, { workerUrl });
    try {
      expect(w.info).toEqual(local.info);
      const want = local.run(digits);
      const got = await w.run(digits);
      expect(Object.keys(got)).toEqual(Object.keys(want));
      for (const k of Object.keys(want)) {
        expect(got[k].dims).toEqual(want[k].dims);
        expect(Array.from(got[k].data)).toEqual(Array.from(want[k].data));
      }
      // One digit at a time, with the input handed over (the caller's copy is detached).
      for (let i = 0; i < 20; i++) {
        const x = digit(i);
        const r = await w.run(x, { transfer: true });
        expect(x.byteLength).toBe(0);
        expect(Array.from(Object.values(r)[0].data)).toEqual(Array.from(Object.values(want)[0].data.subarray(i * 10, i * 10 + 10)));
      }
    } finally {
      await w.terminate();
    }
  });

  it('Branchy-LeNet int8 (converted here): early-exit answers equal the in-thread model for every policy', async () => {
    const local: Model = await load(branchyBytes);
    expect(local.info.exits).toHaveLength(2);
    const w = await loadInWorker(branchyBytes.slice(), { workerUrl, transfer: true });
    try {
      const policies = [
        { kind: 'full' },
        { kind: 'entropy', thresholds: [0.05] },
        { kind: 'entropy', thresholds: [0.5] },
        { kind: 'maxprob', thresholds: [0.99] },
        { kind: 'budget', macs: local.info.exits![0].macs.stage + local.info.exits![0].macs.head },
      ] as const;
      const exitsSeen = new Set<number>();
      for (const policy of policies) {
        const want = local.classify(digits, { policy }).map(plain);
        const got = (await w.classify(digits, { policy })).map(plain);
        expect(got).toEqual(want);
        want.forEach((r) => exitsSeen.add(r.exit));
        const one = await w.run(digit(7), { policy });
        expect(plain(one)).toEqual(want[7]);
      }
      expect([...exitsSeen].sort()).toEqual([0, 1]);
    } finally {
      await w.terminate();
    }
  });

  it('a pool of 2 workers answers 200 concurrent single-digit calls as the in-thread model, in call order', async () => {
    const local = await load(branchyBytes);
    const pool = await createPool(branchyBytes, { size: 2, workerUrl });
    try {
      expect(pool.size).toBe(2);
      const policy = { kind: 'entropy', thresholds: [0.2] } as const;
      const got = await Promise.all(Array.from({ length: N }, (_, i) => pool.run(digit(i), { policy })));
      expect(got.map(plain)).toEqual(local.classify(digits, { policy }).map(plain));
    } finally {
      await pool.terminate();
    }
  });

  it('errors keep their class across the worker boundary; a terminated worker rejects', async () => {
    await expect(loadInWorker(new Uint8Array([1, 2, 3]), { workerUrl })).rejects.toBeInstanceOf(BranchyFormatError);
    const w = await loadInWorker(lenetBytes, { workerUrl });
    await expect(w.run(new Float32Array(5))).rejects.toBeInstanceOf(BranchyInputError);
    await expect(w.run(new Float32Array(5))).rejects.toThrow(/whole number of samples/);
    await w.terminate();
    await expect(w.run(digit(0))).rejects.toThrow(/terminated/);
    await expect(createPool(lenetBytes, { size: 0, workerUrl })).rejects.toBeInstanceOf(BranchyInputError);
  });
});

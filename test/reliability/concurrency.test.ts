// Concurrency: many overlapping run()/classify() calls on one model from async callers that
// interleave at awaits, and several worker_threads each loading the same file: every output
// equals the single-threaded run's. Results are copies, never views a later run overwrites.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/cli/datasets.js';
import { load } from '../../src/runtime/model.js';
import { supportedBuilds } from '../../src/runtime/features.js';
import type { ExitResult } from '../../src/runtime/scheduler.js';
import { Rng } from '../helpers/rng.js';

const N = 120;
const LENET = new URL('../../models/mnist-lenet.int8.branchy', import.meta.url);
const MULTI = new URL('../../models/branchy-lenet-mnist.int8.branchy', import.meta.url);
let digits: Uint8Array;
const digit = (i: number) => digits.subarray(i * 784, (i + 1) * 784);

beforeAll(async () => {
  digits = (await loadMnist('test')).images.slice(0, N * 784);
});

const tick = (rng: Rng) => new Promise<void>((r) => (rng.next() < 0.5 ? setTimeout(r, rng.int(0, 2)) : queueMicrotask(r)));
const plain = (r: ExitResult) => ({ ...r, probs: Array.from(r.probs), timeMs: 0 });

describe('overlapping calls on one model', () => {
  it('32 async callers interleaving run() and classify() get the sequential answers', async () => {
    const lenet = await load(LENET);
    const multi = await load(MULTI);
    const policy = { kind: 'entropy' as const, thresholds: [0.05] };
    const wantRun = Array.from({ length: N }, (_, i) => Array.from(lenet.run(digit(i)).logits.data));
    const wantExit = Array.from({ length: N }, (_, i) => plain(multi.classify(digit(i), { policy })[0]));

    const gotRun: Float32Array[] = new Array(N);
    const gotExit: ExitResult[] = new Array(N);
    const callers = Array.from({ length: 32 }, async (_, k) => {
      const rng = new Rng(100 + k);
      for (let i = k; i < N; i += 32) {
        await tick(rng);
        const r = lenet.run(digit(i)).logits.data as Float32Array;
        await tick(rng);
        gotExit[i] = multi.run(digit(i), { policy });
        await tick(rng);
        gotRun[i] = r; // kept across other callers' runs: must not be a view into the arena
      }
    });
    await Promise.all(callers);
    expect(gotRun.map((r) => Array.from(r))).toEqual(wantRun);
    expect(gotExit.map(plain)).toEqual(wantExit);
  });
});

describe('worker_threads', () => {
  it('4 workers, each loading the same files, give the single-threaded outputs', async () => {
    const entry = new URL('./worker-entry.mjs', import.meta.url);
    const runIn = (path: string, build: string) =>
      new Promise<Record<string, number[]>[]>((resolve, reject) => {
        const w = new Worker(entry, { workerData: { path, digits, build } });  // V8 flags are per process: relaxed SIMD too
        w.once('message', (m) => {
          resolve(m);
          void w.terminate();
        });
        w.once('error', reject);
      });
    for (const url of [LENET, MULTI]) {
      const local = await load(url, { build: 'simd' });
      const want = Array.from({ length: N }, (_, i) => {
        const out = local.run(digit(i));
        return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data)]));
      });
      const path = fileURLToPath(url);
      // int8 models: every build gives the same bits (determinism.test.ts), so any build may answer.
      const builds = ['simd', 'simd', 'scalar', supportedBuilds().includes('relaxed') ? 'relaxed' : 'simd'];
      const got = await Promise.all(builds.map((b) => runIn(path, b)));
      for (const g of got) expect(g).toEqual(want);
    }
  });
});

// The fuzzer's own machinery on real files: a case process (test/fuzz/pool.ts) that does not
// answer in time is a hang, one that dies is an abort, and an answer is the same as in-process;
// one campaign case loads, compares two builds and refuses bad inputs; the seeds hold every op.
import { describe, expect, it } from 'vitest';
import { load } from '../../src/runtime/model.js';
import { cpuMsOf, loadIsolated } from '../fuzz/pool.js';
import { runCase, FUZZ_BUILDS } from '../fuzz/harness.js';
import { Rng } from '../helpers/rng.js';
import { loadSeeds } from '../fuzz/campaign.js';
import { readBranchy } from '../../src/format/index.js';
import { OP_TYPES } from '../../src/ir/ops/index.js';
import { repoFile } from './edit.js';

const lenet = repoFile('models/mnist-lenet.int8.branchy');
const digit = new Rng(3).f32(784, 0, 1);

describe('fuzz case processes', () => {
  it('an answer from a case process equals the in-process one', async () => {
    const r = await loadIsolated(lenet, { build: 'scalar' }, { input: digit });
    expect(r.outcome, r.message).toBe('ok');
    const want = (await load(lenet, { build: 'scalar' })).run(digit).logits.data;
    expect(Array.from(r.output!)).toEqual(Array.from(want));
  }, 60_000);

  it('no answer within the time limit is a hang; a process that runs out of heap is an abort', async () => {
    expect((await loadIsolated(lenet, { build: 'scalar' }, { timeoutMs: 1 })).outcome).toBe('hang');
    const r = await loadIsolated(lenet, { build: 'scalar' }, { heapMb: 4 });
    expect(r.outcome).toBe('abort');
    expect(r.message).toMatch(/died/);
  }, 60_000);

  it("a hang is counted in the process's CPU time, so that a busy machine makes none (seed 1 case 57777 took 32 s of wall time and 2 s of CPU)", () => {
    const before = cpuMsOf(process.pid);
    if (before === null) return; // no /proc: the pool counts wall time
    const c = process.cpuUsage();
    while (process.cpuUsage(c).user < 300_000); // busy for 300 ms of CPU, however long that takes
    expect(cpuMsOf(process.pid)! - before).toBeGreaterThanOrEqual(200);
    expect(cpuMsOf(2 ** 30)).toBeNull();
  });

  it('a case that loads is compared with a second build and given bad inputs', async () => {
    const r = await runCase(lenet, 'branchy', FUZZ_BUILDS[0], new Rng(7));
    expect(r.outcome).toBe('ok');
    expect(r.compared).toBe(FUZZ_BUILDS.length > 1);
    expect(r.badInputs).toBeGreaterThan(0);
  });

  it('the seeds hold every op of the registry (a new op needs a seed: test/fuzz/made-seeds.ts)', () => {
    const ops = new Set(loadSeeds().filter((s) => s.kind === 'branchy').flatMap((s) => readBranchy(s.bytes).graph.nodes.map((n) => n.op as string)));
    expect(OP_TYPES.filter((op) => !ops.has(op))).toEqual([]);
  });
});

// A case process (started by pool.ts): runs what its parent sends, one task at a time: a
// campaign case, or one file (a regression test's). Before a campaign case it says which
// case it starts, so that the parent can name the case that hung or killed the process. A
// case that pushed the process's peak RSS past the cap is a finding; the process then exits,
// and the next case gets a fresh one (the peak only grows).
import { BranchyError } from '../../src/errors.js';
import { load, type LoadOptions } from '../../src/runtime/model.js';
import { loadSeeds, runOne, type Seed } from './campaign.js';
import type { Limits } from './harness.js';

export interface CaseTask {
  type: 'case';
  seed: number;
  index: number;
  limits: Limits;
}

/** Load one .branchy file (and run it once on `input`). */
export interface FileTask {
  type: 'file';
  bytes: Uint8Array;
  options: LoadOptions;
  input?: Float32Array;
}

export interface FileResult {
  /** 'ok', the branchy error class, `untyped <class>`, or (from the pool) 'hang' / 'abort'. */
  outcome: string;
  message?: string;
  loadMs?: number;
  output?: Float32Array | Int8Array;
}

let seeds: Seed[] | null = null;

async function runCaseTask(task: CaseTask): Promise<void> {
  seeds ??= loadSeeds();
  const r = await runOne(seeds, task.seed, task.index, task.limits, (c) => {
    process.send!({ type: 'start', index: task.index, seed: c.seed.name, mutations: c.mutations });
  });
  const peak = process.resourceUsage().maxRSS * 1024;
  const over = peak > task.limits.rssCap;
  if (over && !r.outcome.startsWith('finding:')) {
    r.outcome = 'finding:memory';
    r.message = `[${r.build}] peak RSS of the case process ${(peak / 2 ** 20).toFixed(0)} MiB, above rssCap ${(task.limits.rssCap / 2 ** 20).toFixed(0)} MiB`;
  }
  process.send!({ type: 'done', record: r }, () => {
    if (over) process.exit(0);
  });
}

async function runFileTask(task: FileTask): Promise<FileResult> {
  const t0 = performance.now();
  try {
    const model = await load(task.bytes, task.options);
    const loadMs = performance.now() - t0;
    if (!task.input) return { outcome: 'ok', loadMs };
    const out = model.run(task.input);
    return { outcome: 'ok', loadMs, output: out[model.info.outputs[0].name].data };
  } catch (e) {
    const cls = e instanceof BranchyError ? e.constructor.name : `untyped ${e instanceof Error ? e.constructor.name : typeof e}`;
    return { outcome: cls, message: e instanceof Error ? e.message : String(e) };
  }
}

process.on('message', (task: CaseTask | FileTask) => {
  if (task.type === 'case') void runCaseTask(task);
  else void runFileTask(task).then((r) => process.send!({ type: 'done', record: r }));
});

// The campaign is gone (killed, or done): nothing more will come.
process.on('disconnect', () => process.exit(0));

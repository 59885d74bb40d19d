// Runs campaign cases in child processes (child.ts), so that a case that hangs (an endless
// loop cannot be interrupted in-process) or kills its process (heap out of memory) becomes a
// finding instead of ending the campaign: a case that has used limits.hangMs of CPU time
// without answering (or HANG_WALL_FACTOR times that in wall time) is killed and recorded as
// `finding:hang`, a process that dies during a case as `finding:abort`. The next case gets a
// fresh process. `jobs` processes run cases side by side.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { emptyReport, tally, type CaseRecord, type Report } from './campaign.js';
import { DEFAULT_LIMITS, FUZZ_BUILDS, type Limits } from './harness.js';
import type { CaseTask, FileResult, FileTask } from './child.js';

export interface PoolOptions {
  seed: number;
  indices: number[];
  /** Case processes side by side (default 1). */
  jobs?: number;
  limits?: Limits;
  /** V8 heap limit of a case process, MiB: past it the process aborts (a finding). */
  heapMb?: number;
  /** Called after each case (progress). */
  onCase?: (r: CaseRecord, report: Report) => void;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

interface Started {
  index: number;
  seed: string;
  mutations: string[];
}

/**
 * A hang is counted in the case process's CPU time, so that a busy machine (a wall clock 15x
 * slower than the CPU a process gets) makes no findings; past this many times the limit in wall
 * time the process is killed all the same (a process that waits forever uses no CPU).
 */
const HANG_WALL_FACTOR = 10;

/** CPU time (user + system) of a process in ms, from /proc (Linux); null where it cannot be read. */
export function cpuMsOf(pid: number | undefined): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // clock ticks of 10 ms (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** One case process; restarted after a hang, an abort or a planned exit. */
class Runner {
  private child: ChildProcess | null = null;
  private stderr = '';

  constructor(private readonly heapMb: number) {}

  private spawn(): ChildProcess {
    const c = fork(CHILD, [], {
      cwd: ROOT,
      execArgv: ['--experimental-wasm-relaxed-simd', `--max-old-space-size=${this.heapMb}`, '--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.stderr = '';
    c.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-8192)));
    c.on('exit', () => {
      if (this.child === c) this.child = null;
    });
    return c;
  }

  /**
   * Sends one task and waits for its answer: `done` with the child's record, or a `hang` after
   * timeoutMs of the process's CPU time (where /proc has none, of wall time; the process is
   * killed), or an `abort` when the process dies (its fatal message).
   */
  private call<R>(task: CaseTask | FileTask, timeoutMs: number, onStart?: (m: Started) => void): Promise<{ done: R } | { hang: string } | { abort: string }> {
    const c = (this.child ??= this.spawn());
    return new Promise((resolve) => {
      const finish = (r: { done: R } | { hang: string } | { abort: string }) => {
        clearInterval(timer);
        c.off('message', onMessage);
        c.off('exit', onExit);
        resolve(r);
      };
      const onMessage = (m: ({ type: 'start' } & Started) | { type: 'done'; record: R }) => {
        if (m.type === 'start') onStart?.(m);
        else finish({ done: m.record });
      };
      const onExit = (code: number | null, signal: string | null) => {
        const fatal = /FATAL ERROR[^\n]*|Fatal[^\n]*|RangeError[^\n]*/.exec(this.stderr)?.[0] ?? this.stderr.trim().split('\n').slice(-3).join(' | ');
        finish({ abort: `the case process died (${signal ?? `exit code ${code}`}): ${fatal.slice(0, 300)}` });
      };
      const t0 = performance.now(), cpu0 = cpuMsOf(c.pid);
      const timer = setInterval(() => {
        const wall = performance.now() - t0, cpu = cpu0 === null ? null : cpuMsOf(c.pid);
        if (cpu === null ? wall < timeoutMs : cpu - cpu0! < timeoutMs && wall < HANG_WALL_FACTOR * timeoutMs) return;
        c.off('exit', onExit);
        c.kill('SIGKILL');
        if (this.child === c) this.child = null;
        const used = cpu === null ? '' : `${cpu - cpu0!} ms of CPU, `;
        finish({ hang: `no answer after ${used}${wall.toFixed(0)} ms: the case process was killed` });
      }, Math.min(250, timeoutMs));
      c.on('message', onMessage);
      c.on('exit', onExit);
      c.send(task);
    });
  }

  /** Runs one campaign case; resolves with its record, a hang or an abort. */
  async runCase(task: CaseTask): Promise<CaseRecord> {
    let started: Started = { index: task.index, seed: '?', mutations: [] };
    const r = await this.call<CaseRecord>(task, task.limits.hangMs, (m) => (started = { index: m.index, seed: m.seed, mutations: m.mutations }));
    if ('done' in r) return r.done;
    const [kind, message] = 'hang' in r ? ['hang', r.hang] : ['abort', r.abort];
    return { ...started, outcome: `finding:${kind}`, ms: 0, compared: false, badInputs: 0, build: FUZZ_BUILDS[task.index % FUZZ_BUILDS.length], message };
  }

  /** Loads (and runs) one file. */
  async runFile(task: FileTask, timeoutMs: number): Promise<FileResult> {
    const r = await this.call<FileResult>(task, timeoutMs);
    if ('done' in r) return r.done;
    return 'hang' in r ? { outcome: 'hang', message: r.hang } : { outcome: 'abort', message: r.abort };
  }

  close(): void {
    this.child?.kill();
    this.child = null;
  }
}

/** Runs the cases of campaign `seed` with the given indices in case processes; returns the report. */
export async function runIsolated(opts: PoolOptions): Promise<Report> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const report = emptyReport();
  const t0 = performance.now();
  const queue = opts.indices.slice();
  const runners = Array.from({ length: Math.max(1, opts.jobs ?? 1) }, () => new Runner(opts.heapMb ?? 1024));
  try {
    await Promise.all(runners.map(async (runner) => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const r = await runner.runCase({ type: 'case', seed: opts.seed, index: i, limits });
        tally(report, r);
        opts.onCase?.(r, report);
      }
    }));
  } finally {
    for (const r of runners) r.close();
  }
  report.totalMs = performance.now() - t0;
  return report;
}

/**
 * Loads one .branchy file in a case process (and runs it on `input`): what a regression test
 * uses for a file that used to hang or abort the process. Resolves with 'hang' after timeoutMs.
 */
export async function loadIsolated(bytes: Uint8Array, options: FileTask['options'], opts: { input?: Float32Array; timeoutMs?: number; heapMb?: number } = {}): Promise<FileResult> {
  const runner = new Runner(opts.heapMb ?? 512);
  try {
    return await runner.runFile({ type: 'file', bytes, options, input: opts.input }, opts.timeoutMs ?? 30_000);
  } finally {
    runner.close();
  }
}

// Several workers holding the same model, for throughput on several cores: each call goes to
// the worker with the fewest requests in flight. Calls are independent; answers come back
// per call, so the order of results is the order of the calls that asked for them.
import { BranchyInputError } from '../errors.js';
import type { ModelInfo, ModelInput, ModelSource, OutputTensor, RunOptions } from '../runtime/model.js';
import type { ExitPolicy } from '../exit/policy.js';
import type { ExitResult } from '../runtime/scheduler.js';
import type { Detection, DetectOptions } from '../runtime/detect/index.js';
import { loadInWorker, type WorkerLoadOptions, type WorkerModel, type WorkerRunOptions } from './client.js';

export interface PoolOptions extends Omit<WorkerLoadOptions, 'transfer'> {
  /** Number of workers (default: the cores the engine reports, less one for the caller, at least 1). */
  size?: number;
}

export interface Pool {
  readonly size: number;
  readonly info: ModelInfo;
  run(input: ModelInput, options: WorkerRunOptions & { policy: ExitPolicy }): Promise<ExitResult>;
  run(input: ModelInput, options?: RunOptions & { transfer?: boolean }): Promise<Record<string, OutputTensor>>;
  classify(input: ModelInput, options?: WorkerRunOptions): Promise<ExitResult[]>;
  detect(input: ModelInput, options?: DetectOptions & RunOptions & { transfer?: boolean }): Promise<Detection[]>;
  terminate(): Promise<void>;
}

function defaultSize(): number {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
  return Math.max(1, cores - 1);
}

/** Start `size` workers, each with its own copy of the model. */
export async function createPool(source: ModelSource, options: PoolOptions = {}): Promise<Pool> {
  const size = options.size ?? defaultSize();
  if (!Number.isInteger(size) || size < 1) throw new BranchyInputError(`pool size must be a whole number ≥ 1, got ${size}`);
  const settled = await Promise.allSettled(Array.from({ length: size }, () => loadInWorker(source, options)));
  const workers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw failure.reason;
  }
  const pick = (): WorkerModel => workers.reduce((a, b) => (b.queued < a.queued ? b : a));
  const pool = {
    size,
    info: workers[0].info,
    run: (input: ModelInput, opts?: WorkerRunOptions) => pick().run(input, opts as WorkerRunOptions & { policy: ExitPolicy }),
    classify: (input: ModelInput, opts?: WorkerRunOptions) => pick().classify(input, opts),
    detect: (input: ModelInput, opts?: DetectOptions & RunOptions & { transfer?: boolean }) => pick().detect(input, opts),
    terminate: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
  return pool as Pool;
}

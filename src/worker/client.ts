// A model that runs in a worker, behind promises:
//
//   const w = await loadInWorker('models/x.branchy');        // what load() takes; options.wasm too
//   const r = await w.run(pixels, { policy: { kind: 'entropy', thresholds: [0.05] } });
//   await w.terminate();
//
// Answers come back transferred (no copy). Inputs are copied unless `transfer: true` hands
// their buffers to the worker (the caller's arrays are then detached).
import { BranchyInputError } from '../errors.js';
import type { ClassifyOptions, LoadOptions, ModelInfo, ModelInput, ModelSource, OutputTensor, RunOptions } from '../runtime/model.js';
import type { ExitPolicy } from '../exit/policy.js';
import type { ExitResult } from '../runtime/scheduler.js';
import type { WasmBuilds, WasmSource } from '../runtime/wasm.js';
import { asBytes, isBody, isUrl, readBody } from '../runtime/bytes.js';
import type { Detection, DetectOptions } from '../runtime/detect/index.js';
import { spawn, type Endpoint, type SpawnOptions } from './endpoint.js';
import { decodeError, inputArrays, ownedBuffers, type Reply, type Request, type RequestBody } from './protocol.js';

export interface WorkerLoadOptions extends LoadOptions, SpawnOptions {
  /** Hand the model bytes' buffer to the worker instead of copying it (the caller's array is detached). */
  transfer?: boolean;
}

export interface WorkerRunOptions extends ClassifyOptions {
  /** Hand the input's buffers to the worker instead of copying them (the caller's arrays are detached). */
  transfer?: boolean;
}

/**
 * What the worker is sent: bytes as a Uint8Array (a Blob's or Response's read here), a URL as
 * its href, a string that is not a URL resolved against the page in a browser (a path in Node).
 */
async function sourceFor(src: ModelSource): Promise<Uint8Array | string> {
  const bytes = asBytes(src);
  if (bytes) return bytes;
  if (isUrl(src)) return src.href;
  if (isBody(src)) return readBody(src, BranchyInputError, 'the model');
  if (typeof src !== 'string') throw new BranchyInputError(`loadInWorker() takes the model as bytes, a Blob or Response, a URL or a path; got ${Object.prototype.toString.call(src)}`);
  const base = (globalThis as { location?: { href: string } }).location?.href;
  return base && !/^[a-z][a-z0-9+.-]*:/i.test(src) ? new URL(src, base).href : src;
}

/** The builds with URL objects made cloneable (hrefs); modules and bytes clone as they are. */
function cloneableBuilds(builds: WasmBuilds | undefined): WasmBuilds | undefined {
  if (!builds || typeof builds !== 'object') return builds;
  const out: Record<string, WasmSource> = {};
  for (const [k, v] of Object.entries(builds)) out[k] = isUrl(v) ? v.href : v;
  return out;
}

/** LoadOptions that survive structured clone. */
function cloneableOptions(o: WorkerLoadOptions): LoadOptions {
  const { workerUrl: _w, transfer: _t, ...rest } = o;
  return { ...rest, wasm: cloneableBuilds(rest.wasm), source: cloneableBuilds(rest.source) };
}

export class WorkerModel {
  /** The model's inputs, outputs, build, MACs and exits, as Model.info. */
  info!: ModelInfo;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private dead: Error | null = null;

  /** @internal Settles when the worker listens (it says 'ready') or dies first. */
  readonly started: Promise<void>;
  private onStart!: { resolve: () => void; reject: (e: Error) => void };

  /** @internal Use loadInWorker(). */
  constructor(private readonly endpoint: Endpoint) {
    this.started = new Promise<void>((resolve, reject) => (this.onStart = { resolve, reject }));
    endpoint.listen(
      (msg: Reply) => {
        if (!('id' in msg)) return this.onStart.resolve();
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        this.endpoint.busy(this.pending.size > 0);
        if (msg.ok) p.resolve(msg.value);
        else p.reject(decodeError(msg.error));
      },
      (err) => this.fail(err),
    );
  }

  /** Requests sent and not yet answered. */
  get queued(): number {
    return this.pending.size;
  }

  /** @internal */
  request<T>(req: RequestBody, transfer: ArrayBuffer[]): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.endpoint.busy(true);
      this.endpoint.post({ ...req, id } as Request, transfer);
    });
  }

  /** Run the model; with a policy, the early-exit answer of one sample (as Model.run). */
  run(input: ModelInput, options: WorkerRunOptions & { policy: ExitPolicy }): Promise<ExitResult>;
  run(input: ModelInput, options?: RunOptions & { transfer?: boolean }): Promise<Record<string, OutputTensor>>;
  run(input: ModelInput, options: WorkerRunOptions = {}): Promise<ExitResult | Record<string, OutputTensor>> {
    const { transfer, ...rest } = options;
    return this.request({ type: 'run', input, options: rest }, transfer ? ownedBuffers(inputArrays(input)) : []);
  }

  /** One early-exit result per sample of a batch (as Model.classify). */
  classify(input: ModelInput, options: WorkerRunOptions = {}): Promise<ExitResult[]> {
    const { transfer, ...rest } = options;
    return this.request({ type: 'classify', input, options: rest }, transfer ? ownedBuffers(inputArrays(input)) : []);
  }

  /** The boxes a detector finds in one image (as Model.detect). */
  detect(input: ModelInput, options: DetectOptions & RunOptions & { transfer?: boolean } = {}): Promise<Detection[]> {
    const { transfer, ...rest } = options;
    return this.request({ type: 'detect', input, options: rest }, transfer ? ownedBuffers(inputArrays(input)) : []);
  }

  /** Stop the worker; pending and later calls reject. */
  async terminate(): Promise<void> {
    this.fail(new BranchyInputError('this worker model was terminated'));
    await this.endpoint.terminate();
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    this.onStart.reject(err);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.endpoint.busy(false);
  }
}

/** Load a .branchy model into a new worker (Web Worker in browsers, worker_threads in Node). */
export async function loadInWorker(source: ModelSource, options: WorkerLoadOptions = {}): Promise<WorkerModel> {
  const src = await sourceFor(source);
  const endpoint = await spawn(options);
  const model = new WorkerModel(endpoint);
  const transfer = options.transfer && typeof src !== 'string' ? ownedBuffers([src]) : [];
  // A message posted before the worker's listener exists may be lost: wait for 'ready'.
  await model.started;
  try {
    model.info = await model.request<ModelInfo>({ type: 'load', source: src, options: cloneableOptions(options) }, transfer);
  } catch (e) {
    await model.terminate().catch(() => {});
    throw e;
  }
  return model;
}

// Starting a worker and talking to it, the same way in a browser (Web Worker, module type;
// also Deno and Bun) and in Node (worker_threads, imported only when there is no Worker global
// so that the browser build never names a node: module statically).
import { BranchyWasmError } from '../errors.js';
import type { Reply, Request } from './protocol.js';

/** The main thread's handle on one worker. */
export interface Endpoint {
  post(msg: Request, transfer: Transferable[]): void;
  /** Called with every reply; `fail` when the worker dies or its script cannot load. */
  listen(reply: (msg: Reply) => void, fail: (err: Error) => void): void;
  terminate(): Promise<void>;
  /** Whether requests are pending: an idle Node worker does not keep the process alive. */
  busy(yes: boolean): void;
}

export interface SpawnOptions {
  /**
   * The worker script: this package's `dist/worker/entry.js` by default. Set it when a bundler
   * moves the script, or to a bootstrap that loads the entry some other way.
   */
  workerUrl?: URL | string;
}

export function defaultWorkerUrl(): URL {
  return new URL('./entry.js', import.meta.url);
}

interface WebWorkerLike {
  postMessage(msg: unknown, transfer: Transferable[]): void;
  addEventListener(type: string, fn: (ev: { data?: unknown; message?: string; error?: unknown }) => void): void;
  terminate(): void;
}

interface NodeWorkerLike {
  postMessage(msg: unknown, transfer: readonly unknown[]): void;
  on(type: string, fn: (v: unknown) => void): void;
  terminate(): Promise<number>;
  unref(): void;
  ref(): void;
}

export async function spawn(options: SpawnOptions = {}): Promise<Endpoint> {
  const url = options.workerUrl ?? defaultWorkerUrl();
  const WebWorker = (globalThis as { Worker?: new (u: URL | string, o: { type: 'module' }) => WebWorkerLike }).Worker;
  if (typeof WebWorker === 'function') {
    const w = new WebWorker(url, { type: 'module' });
    return {
      post: (msg, transfer) => w.postMessage(msg, transfer),
      listen(reply, fail) {
        w.addEventListener('message', (ev) => reply(ev.data as Reply));
        w.addEventListener('error', (ev) => fail(new BranchyWasmError(`the model worker failed: ${ev.message ?? 'its script did not load'} (${String(url)})`)));
        w.addEventListener('messageerror', () => fail(new BranchyWasmError('a message from the model worker could not be read')));
      },
      terminate: async () => w.terminate(),
      busy: () => {},
    };
  }
  const wtName = 'node:worker_threads';
  let wt: { Worker: new (u: URL | string) => NodeWorkerLike };
  try {
    wt = (await import(/* @vite-ignore */ wtName)) as typeof wt;
  } catch {
    throw new BranchyWasmError('this runtime has neither Web Workers nor worker_threads; use load() on the main thread');
  }
  const w = new wt.Worker(url instanceof URL || /^[a-z]+:/i.test(url) ? new URL(url) : url);
  return {
    post: (msg, transfer) => w.postMessage(msg, transfer),
    listen(reply, fail) {
      w.on('message', (m) => reply(m as Reply));
      w.on('error', (e) => fail(new BranchyWasmError(`the model worker failed: ${(e as Error).message}`)));
      w.on('exit', (code) => fail(new BranchyWasmError(`the model worker exited (code ${String(code)})`)));
    },
    terminate: async () => {
      await w.terminate();
    },
    busy: (yes) => (yes ? w.ref() : w.unref()),
  };
}

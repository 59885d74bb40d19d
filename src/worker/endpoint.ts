// Starting a worker and talking to it, the same way in a browser (Web Worker, module type;
// also Deno and Bun) and in Node (worker_threads, imported only when there is no Worker global
// so that the browser build never names a node: module statically).
import { BranchyWasmError } from '../errors.js';
import type { Reply, Request } from './protocol.js';
import type { UrlLike } from '../runtime/host-types.js';
import { isUrl } from '../runtime/bytes.js';

/** The main thread's handle on one worker. */
export interface Endpoint {
  post(msg: Request, transfer: ArrayBuffer[]): void;
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
  workerUrl?: UrlLike | string;
}

/** This package's worker script, next to this module (throws a BranchyWasmError where modules have no URL). */
export function defaultWorkerUrl(): UrlLike {
  const base = (import.meta as { url?: unknown }).url;
  try {
    return new URL('./entry.js', base as string);
  } catch {
    throw new BranchyWasmError(`cannot find the worker script: this runtime gives branchy's module no URL (import.meta.url is ${String(base)}); pass workerUrl, or use load() on this thread`);
  }
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
  const given = options.workerUrl ?? defaultWorkerUrl();
  const url = isUrl(given) ? given.href : String(given);
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
  const w = new wt.Worker(/^[a-z][a-z0-9+.-]+:/i.test(url) ? new URL(url) : url);
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

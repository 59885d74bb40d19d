// The worker's side: load one model, answer run/classify requests in order. Started by
// loadInWorker (client.ts) as a Web Worker (module) or a Node worker_threads worker.
import { load, type Model } from '../runtime/model.js';
import { BranchyInputError } from '../errors.js';
import { encodeError, ownedBuffers, resultArrays, type Reply, type Request } from './protocol.js';

interface Side {
  post(msg: Reply, transfer: ArrayBuffer[]): void;
  listen(fn: (msg: Request) => void): void;
}

async function side(): Promise<Side> {
  if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined') {
    const scope = globalThis as unknown as {
      postMessage(m: unknown, t: Transferable[]): void;
      addEventListener(t: 'message', fn: (ev: { data: unknown }) => void): void;
    };
    return { post: (m, t) => scope.postMessage(m, t), listen: (fn) => scope.addEventListener('message', (ev) => fn(ev.data as Request)) };
  }
  const wtName = 'node:worker_threads';
  const { parentPort } = (await import(/* @vite-ignore */ wtName)) as typeof import('node:worker_threads');
  if (!parentPort) throw new Error('branchy worker entry: not started as a worker');
  return { post: (m, t) => parentPort.postMessage(m, t), listen: (fn) => parentPort.on('message', fn) };
}

const port = await side();
let model: Model | null = null;

function send(msg: Reply, transfer: ArrayBuffer[]): void {
  try {
    port.post(msg, transfer);
  } catch {
    port.post(msg, []); // a buffer that cannot move (never expected): copy it instead
  }
}

async function handle(req: Request): Promise<void> {
  try {
    if (req.type === 'load') {
      model = await load(req.source, req.options);
      send({ id: req.id, ok: true, value: model.info }, []);
      return;
    }
    if (!model) throw new BranchyInputError('no model is loaded in this worker');
    const value = req.type === 'classify' ? model.classify(req.input, req.options)
      : req.type === 'detect' ? model.detect(req.input, req.options) : model.run(req.input, req.options);
    send({ id: req.id, ok: true, value }, ownedBuffers(resultArrays(value)));
  } catch (e) {
    send({ id: req.id, ok: false, error: encodeError(e) }, []);
  }
}

// Requests are handled strictly in order (a load finishes before the first run starts).
let queue = Promise.resolve();
port.listen((req) => {
  queue = queue.then(() => handle(req));
});
port.post({ type: 'ready' }, []);

// Inside a worker thread: load the model file named in workerData (the same path every
// worker reads), run each digit one by one, post the outputs back.
import { parentPort, workerData } from 'node:worker_threads';
import { load } from '../../src/runtime/model.js';

const { path, digits, build } = workerData as { path: string; digits: Uint8Array; build: 'scalar' | 'simd' | 'relaxed' };
const model = await load(path, { build });
const outputs: Record<string, number[]>[] = [];
for (let i = 0; i < digits.length / 784; i++) {
  const out = model.run(digits.subarray(i * 784, (i + 1) * 784));
  outputs.push(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data)])));
}
parentPort!.postMessage(outputs);

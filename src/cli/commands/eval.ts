// branchy eval MODEL --data mnist|cifar10 [--data-dir D]: top-1 accuracy, mean and p95
// latency per image, images per second.
import path from 'node:path';
import { parse, intOption } from '../args.js';
import { loadCifar10, loadMnist, type Dataset } from '../datasets.js';
import { Progress } from '../progress.js';
import { openModel } from './open.js';
import { BranchyInputError } from '../../errors.js';
import type { Model } from '../../runtime/model.js';

const USAGE = 'branchy eval MODEL.(branchy|onnx) --data mnist|cifar10 [--data-dir DIR] [--limit N] [--build scalar|simd|relaxed]';

export async function loadDataset(name: string | undefined, dir: string | undefined): Promise<Dataset> {
  if (name === 'mnist') return loadMnist('test', dir);
  if (name === 'cifar10') {
    const d = dir ?? path.join('..', 'shared', 'data', 'cifar10');
    return loadCifar10(path.join(d, 'test.bin'));
  }
  throw new BranchyInputError(`--data wants mnist or cifar10, got '${name ?? ''}'`);
}

export interface EvalResult {
  count: number;
  accuracy: number;
  meanMs: number;
  p95Ms: number;
  imagesPerSecond: number;
}

/** Classify every image one at a time; the last graph output is the class scores. */
export function evaluate(model: Model, data: Dataset, limit = data.count, onProgress?: (i: number) => void): EvalResult {
  const n = Math.min(limit, data.count);
  const size = data.channels * data.height * data.width;
  const outName = model.info.outputs.at(-1)!.name;
  const times: number[] = [];
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const img = data.images.subarray(i * size, (i + 1) * size);
    const t0 = performance.now();
    const scores = model.run(img)[outName].data;
    times.push(performance.now() - t0);
    let best = 0;
    for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
    if (best === data.labels[i]) correct++;
    onProgress?.(i + 1);
  }
  const total = times.reduce((a, b) => a + b, 0);
  const sorted = times.slice().sort((a, b) => a - b);
  return {
    count: n,
    accuracy: correct / n,
    meanMs: total / n,
    p95Ms: sorted[Math.min(n - 1, Math.floor(0.95 * n))],
    imagesPerSecond: (1000 * n) / total,
  };
}

export async function evalCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    data: { type: 'string' },
    'data-dir': { type: 'string' },
    limit: { type: 'string' },
    build: { type: 'string' },
  }, USAGE);
  if (positionals.length !== 1) throw new BranchyInputError(`eval takes one model file\nusage: ${USAGE}`);
  const data = await loadDataset(values.data, values['data-dir']);
  const model = await openModel(positionals[0], values.build);
  const limit = intOption(values.limit, 'limit', data.count);
  const bar = new Progress(`eval ${data.name}`, Math.min(limit, data.count));
  const r = evaluate(model, data, limit, (i) => bar.tick(i));
  bar.end();
  console.log(`model      ${positionals[0]} (build ${model.info.build}, ${model.info.macs} MACs/image)`);
  console.log(`data       ${data.name} test, ${r.count} images`);
  console.log(`top-1      ${(100 * r.accuracy).toFixed(2)}%`);
  console.log(`latency    mean ${r.meanMs.toFixed(3)} ms, p95 ${r.p95Ms.toFixed(3)} ms (one image per run, one thread)`);
  console.log(`throughput ${r.imagesPerSecond.toFixed(0)} images/s`);
}

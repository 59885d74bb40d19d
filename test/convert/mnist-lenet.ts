// The bundled MNIST LeNet (models/mnist-lenet.onnx) with real digits, for the compression-pass
// tests: calibration digits from the training split, accuracy on test digits, both through the
// runtime (fromGraph), as `branchy convert` and `branchy eval` run them.
import { readFileSync } from 'node:fs';
import { importOnnx } from '../../src/convert/index.js';
import { loadMnist, type Dataset } from '../../src/cli/datasets.js';
import { runtimeObserve } from '../../src/cli/compress.js';
import type { Observe } from '../../src/convert/calib-error.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { fromGraph } from '../../src/runtime/model.js';

export interface Lenet {
  graph: Graph;
  weights: Weights;
  train: Dataset;
  test: Dataset;
  /** 100 training digits spread over the split. */
  calib: Uint8Array[];
  observe: Observe;
}

let cached: Promise<Lenet> | null = null;

export function lenet(): Promise<Lenet> {
  cached ??= (async () => {
    const { graph, weights } = importOnnx(new Uint8Array(readFileSync(new URL('../../models/mnist-lenet.onnx', import.meta.url))));
    const [train, test] = await Promise.all([loadMnist('train'), loadMnist('test')]);
    const calib = Array.from({ length: 100 }, (_, i) => train.images.slice(i * 593 * 784, (i * 593 + 1) * 784));
    return { graph, weights, train, test, calib, observe: runtimeObserve(calib) };
  })();
  return cached;
}

/** Top-1 accuracy on the first n test digits, through the runtime. */
export async function accuracy(l: Lenet, graph: Graph, weights: Weights, n = 500): Promise<number> {
  const m = await fromGraph(graph, weights);
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const o = (m.run(l.test.images.subarray(i * 784, (i + 1) * 784)).logits.data) as Float32Array;
    let b = 0;
    for (let c = 1; c < o.length; c++) if (o[c] > o[b]) b = c;
    if (b === l.test.labels[i]) ok++;
  }
  return ok / n;
}

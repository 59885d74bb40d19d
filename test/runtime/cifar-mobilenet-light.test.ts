// The MobileNet with light exits trained by train/cifar_mobilenet_exits.py --head light
// --distill 3 (docs/early-exit.md): its f32 ONNX runs like ONNX Runtime at every exit on real
// CIFAR-10 test images, and the shipped int8 file answers them as documented, at full depth
// and under its calibrated policy (predictor gates, then entropy) with fewer MACs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { fromGraph, load } from '../../src/runtime/model.js';
import { loadCifar10 } from '../../src/cli/datasets.js';

const at = (p: string) => new URL(`../../${p}`, import.meta.url);
const N = 500;
let images: Uint8Array, labels: Uint8Array;

beforeAll(async () => {
  const test = await loadCifar10(fileURLToPath(new URL('../../../shared/data/cifar10/test.bin', import.meta.url)));
  images = test.images.subarray(0, N * 3072);
  labels = test.labels.subarray(0, N);
});

const image = (i: number) => images.subarray(i * 3072, (i + 1) * 3072);
const normalized = (i: number, n: { mean: number[]; std: number[]; scale: number }) =>
  Float32Array.from(image(i), (v, j) => (v / n.scale - n.mean[Math.floor(j / 1024)]) / n.std[Math.floor(j / 1024)]);
const argmax = (v: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
  return b;
};

describe('the CIFAR-10 MobileNet with light exits (models/mobilenet-exits-cifar10-light)', () => {
  it('f32: every exit and predictor gives ONNX Runtime\'s outputs on 100 test images', async () => {
    const bytes = new Uint8Array(readFileSync(at('models/mobilenet-exits-cifar10-light.onnx')));
    const { graph, weights } = importOnnx(bytes);
    const model = await fromGraph(graph, weights);
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
    const names = ['exit0', 'exit1', 'exit2', 'predict0', 'predict1'];
    let worst = 0, same = 0;
    for (let i = 0; i < 100; i++) {
      const x = normalized(i, graph.normalize!);
      const want = await session.run({ input: new ort.Tensor('float32', x, [1, 3, 32, 32]) });
      const got = model.run(x);
      for (const o of names) {
        const w = want[o].data as Float32Array, g = got[o].data as Float32Array;
        for (let k = 0; k < w.length; k++) worst = Math.max(worst, Math.abs(g[k] - w[k]) / Math.max(1, Math.abs(w[k])));
      }
      if (argmax(got.exit2.data as Float32Array) === argmax(want.exit2.data as Float32Array)) same++;
    }
    expect(worst).toBeLessThan(1e-3);
    expect(same).toBe(100);
  }, 60_000);

  it('int8: light heads in the plan; full depth and the file policy as documented on 500 test images', async () => {
    const model = await load(new Uint8Array(readFileSync(at('models/mobilenet-exits-cifar10-light.int8.branchy'))));
    const exits = model.info.exits!;
    // Each early head (stride-2 depthwise-separable block, pool, FC) costs about a thirtieth of full depth.
    for (const e of exits.slice(0, -1)) expect(e.macs.head).toBeLessThan(model.info.macs / 25);
    const t = exits[0].thresholds!;
    expect(t.entropy).toBeDefined();
    expect(t.predictor).toBeDefined();
    let full = 0, early = 0, macs = 0, fullMacs = 0;
    for (let i = 0; i < N; i++) {
      const f = model.run(image(i), { policy: { kind: 'full' } });
      const r = model.run(image(i), { policy: { kind: 'predicted', then: { kind: 'entropy' } } });
      if (f.label === labels[i]) full++;
      if (r.label === labels[i]) early++;
      macs += r.macs;
      fullMacs += f.macs;
    }
    // docs/early-exit.md: 85.07% at full depth and 84.59% with exits (2.01x fewer MACs) on all 10,000 test images.
    expect(full / N).toBeGreaterThan(0.8);
    expect(early / N).toBeGreaterThan(full / N - 0.02);
    expect(fullMacs / macs).toBeGreaterThan(1.6);
  }, 60_000);
});

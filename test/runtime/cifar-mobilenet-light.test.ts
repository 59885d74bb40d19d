// The MobileNet with light exits trained by train/cifar_mobilenet_exits.py --head light
// --distill 3 (docs/early-exit.md): its f32 ONNX runs like ONNX Runtime at every exit on real
// CIFAR-10 test images, and the shipped int8 file answers them as documented, at full depth
// and under its calibrated policy (predictor gates, then entropy) with fewer MACs.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { fromGraph, load } from '../../src/runtime/model.js';
import { argmax, cifarTest, type CifarTest } from '../helpers/cifar.js';

const at = (p: string) => new URL(`../../${p}`, import.meta.url);
const N = 500;
let data: CifarTest;

beforeAll(async () => {
  data = await cifarTest(N);
});

describe('the CIFAR-10 MobileNet with light exits (models/mobilenet-exits-cifar10-light)', () => {
  it('f32: every exit and predictor gives ONNX Runtime\'s outputs on 100 test images', async () => {
    const bytes = new Uint8Array(readFileSync(at('models/mobilenet-exits-cifar10-light.onnx')));
    const { graph, weights } = importOnnx(bytes);
    const model = await fromGraph(graph, weights);
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
    const names = ['exit0', 'exit1', 'exit2', 'predict0', 'predict1'];
    let worst = 0, same = 0;
    for (let i = 0; i < 100; i++) {
      const x = data.normalized(i, graph.normalize!);
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
      const f = model.run(data.image(i), { policy: { kind: 'full' } });
      const r = model.run(data.image(i), { policy: { kind: 'predicted', then: { kind: 'entropy' } } });
      if (f.label === data.labels[i]) full++;
      if (r.label === data.labels[i]) early++;
      macs += r.macs;
      fullMacs += f.macs;
    }
    // docs/early-exit.md: 85.07% at full depth and 84.59% with exits (2.01x fewer MACs) on all 10,000 test images.
    expect(full / N).toBeGreaterThan(0.8);
    expect(early / N).toBeGreaterThan(full / N - 0.02);
    expect(fullMacs / macs).toBeGreaterThan(1.6);
  }, 60_000);
});

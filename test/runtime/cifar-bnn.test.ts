// The CIFAR-10 binary networks trained by train/bnn_kd.py (width 0.5, knowledge distillation
// from the MobileNet): the float ONNX with its binary layers binarized runs like ONNX Runtime on
// real test images, and the shipped .branchy files (binary + int8, binary weights x int8)
// classify them with the accuracy docs/b1.md reports.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { fromGraph, load } from '../../src/runtime/model.js';
import { readBranchy } from '../../src/format/index.js';
import { argmax, cifarTest, type CifarTest } from '../helpers/cifar.js';

const at = (p: string) => new URL(`../../${p}`, import.meta.url);
const LAYERS = ['/blocks.0/blocks.0.0/Conv', '/blocks.1/blocks.1.0/Conv', '/blocks.2/blocks.2.0/Conv', '/blocks.3/blocks.3.0/Conv', '/blocks.4/blocks.4.0/Conv'];
const N = 500;
let data: CifarTest;

beforeAll(async () => {
  data = await cifarTest(N);
});

describe('the trained CIFAR-10 BNN (train/bnn_kd.py --dataset cifar10 --width 0.5)', () => {
  it('binarized in float, it gives ONNX Runtime\'s logits on 100 test images', async () => {
    const bytes = new Uint8Array(readFileSync(at('models/bnn-kd-cifar10-w0.5.onnx')));
    const { graph, weights, binarized } = importOnnx(bytes, { binarize: LAYERS });
    expect(binarized.map((b) => b.input)).toEqual(['bits', 'bits', 'bits', 'bits', 'bits']);
    expect(graph.normalize).toBeDefined();
    const model = await fromGraph(graph, weights);
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
    let same = 0, worst = 0;
    for (let i = 0; i < 100; i++) {
      const x = data.normalized(i, graph.normalize!);
      const want = (await session.run({ input: new ort.Tensor('float32', x, [1, 3, 32, 32]) })).exit1.data as Float32Array;
      const got = model.run(x).exit1.data as Float32Array;
      if (argmax(got) === argmax(want)) same++;
      const scale = Math.max(...Array.from(want, Math.abs));
      for (let k = 0; k < 10; k++) worst = Math.max(worst, Math.abs(got[k] - want[k]) / scale);
    }
    // A sign input within float rounding of 0 may flip one bit; the logits stay within 1% of their range.
    expect(same).toBeGreaterThanOrEqual(99);
    expect(worst).toBeLessThan(0.01);
  }, 60_000);

  // docs/b1.md: 57.55% and 72.61% on all 10,000 test images; 55.2% and 72.2% on these 500.
  for (const [file, min] of [['models/bnn-kd-cifar10-w0.5.branchy', 0.52], ['models/bnn-kd-cifar10-bwn-w0.5.branchy', 0.69]] as const) {
    it(`${file}: binary layers in the file, top-1 on ${N} test images as documented`, async () => {
      const bytes = new Uint8Array(readFileSync(at(file)));
      expect(readBranchy(bytes).graph.tensors.filter((t) => t.dtype === 'b1' && t.constant).length).toBe(LAYERS.length);
      const model = await load(bytes);
      let right = 0;
      for (let i = 0; i < N; i++) if (model.run(data.image(i), { policy: { kind: 'full' } }).label === data.labels[i]) right++;
      expect(right / N).toBeGreaterThan(min);
    }, 60_000);
  }

  it('early exit on the BNN: the calibrated entropy threshold answers at exit 0 more accurately and with fewer MACs', async () => {
    const model = await load(new Uint8Array(readFileSync(at('models/bnn-kd-cifar10-w0.5.branchy'))));
    let right = 0, macs = 0, early = 0;
    for (let i = 0; i < N; i++) {
      const r = model.run(data.image(i), { policy: { kind: 'entropy' } });
      if (r.label === data.labels[i]) right++;
      if (r.exit === 0) early++;
      macs += r.macs;
    }
    // docs/b1.md: 64.78% on 10,000 images, all at exit 0, 1.58x fewer MACs than full depth
    expect(right / N).toBeGreaterThan(0.6);
    expect(early / N).toBeGreaterThan(0.9);
    expect(macs / N).toBeLessThan(model.info.macs / 1.5);
  }, 60_000);
});

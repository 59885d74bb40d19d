// Whole models through the runtime against ONNX Runtime (onnxruntime-node) on the same
// model and input: f32 outputs within 1e-4 relative, every build.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { importOnnx } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import { loadMnist } from '../../src/cli/datasets.js';

async function onnxRuntime(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const sess = await ort.InferenceSession.create(bytes);
  const r = await sess.run({ [sess.inputNames[0]]: new ort.Tensor('float32', x, dims) });
  return r[sess.outputNames[0]].data as Float32Array;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0, err = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / Math.max(scale, 1e-6);
}

const MODELS: { name: string; file: string; dims: number[]; mnist?: boolean }[] = [
  { name: 'LeNet (the bundled MNIST model)', file: 'models/mnist-lenet.onnx', dims: [8, 1, 28, 28], mnist: true },
  { name: 'MobileNet-v1-style (fixture)', file: 'test/fixtures/mobilenet_tiny.onnx', dims: [4, 3, 32, 32] },
];

describe('f32 models match ONNX Runtime', () => {
  for (const m of MODELS) {
    it(m.name, async () => {
      const bytes = new Uint8Array(readFileSync(new URL(`../../${m.file}`, import.meta.url)));
      const n = m.dims.reduce((a, b) => a * b, 1);
      let x: Float32Array;
      if (m.mnist) {
        // Real digits, normalised as the model was trained.
        const ds = await loadMnist('test');
        x = Float32Array.from(ds.images.subarray(0, n), (v) => (v / 255 - 0.1307) / 0.3081);
      } else {
        x = new Rng(3).f32(n, -2, 2);
      }
      const want = await onnxRuntime(bytes, x, m.dims);
      const { graph, weights } = importOnnx(bytes);
      for (const build of TEST_BUILDS) {
        const model = await fromGraph(graph, weights, { build });
        const got = Object.values(model.run(x))[0];
        expect(got.dims).toEqual([m.dims[0], 10]);
        const e = relErr(got.data, want);
        expect(e, `${build}: max error ${e} relative to the largest output`).toBeLessThan(1e-4);
      }
    });
  }
});

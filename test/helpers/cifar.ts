// The real CIFAR-10 test split (../shared/data) for the tests of the trained CIFAR models:
// the first n images as uint8 HWC pixels, and each image as ONNX Runtime takes it.
import { fileURLToPath } from 'node:url';
import { loadCifar10 } from '../../src/cli/datasets.js';

export interface CifarTest {
  count: number;
  labels: Uint8Array;
  /** Image i's 3072 uint8 pixels (what branchy's models take directly). */
  image(i: number): Uint8Array;
  /** Image i normalised as the model file declares, planar RGB (what ONNX Runtime takes). */
  normalized(i: number, n: { mean: number[]; std: number[]; scale: number }): Float32Array;
}

export async function cifarTest(n: number): Promise<CifarTest> {
  const test = await loadCifar10(fileURLToPath(new URL('../../../shared/data/cifar10/test.bin', import.meta.url)));
  const images = test.images.subarray(0, n * 3072);
  const image = (i: number) => images.subarray(i * 3072, (i + 1) * 3072);
  return {
    count: n,
    labels: test.labels.subarray(0, n),
    image,
    normalized: (i, z) => Float32Array.from(image(i), (v, j) => (v / z.scale - z.mean[Math.floor(j / 1024)]) / z.std[Math.floor(j / 1024)]),
  };
}

export const argmax = (v: ArrayLike<number>): number => {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
  return b;
};

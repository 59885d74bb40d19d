// The Model API on the bundled MNIST model: loading from bytes and paths, info, input
// layouts and dtypes, batches, and typed errors for bad input.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { load, type Model } from '../../src/runtime/model.js';
import { BranchyFormatError, BranchyInputError } from '../../src/errors.js';
import { loadMnist, type Dataset } from '../../src/cli/datasets.js';

const FILE = new URL('../../models/mnist-lenet.int8.branchy', import.meta.url);
let model: Model;
let ds: Dataset;

beforeAll(async () => {
  model = await load(FILE);
  ds = await loadMnist('test');
});

const pixels = (i: number) => ds.images.subarray(i * 784, (i + 1) * 784);
const normalised = (i: number) => Float32Array.from(pixels(i), (v) => (v / 255 - 0.1307) / 0.3081);
const argmax = (a: ArrayLike<number>) => Array.prototype.indexOf.call(a, Math.max(...Array.from(a)));

describe('Model', () => {
  it('loads from a URL, a path and bytes, and describes itself', async () => {
    const byPath = await load(fileURLToPath(FILE), { build: 'simd' });
    const byBytes = await load(new Uint8Array(readFileSync(FILE)), { build: 'scalar' });
    expect(byPath.info.build).toBe('simd');
    expect(byBytes.info.build).toBe('scalar');
    expect(model.info.inputs).toEqual([{ name: 'input', dims: [1, 1, 28, 28], dtype: 'f32' }]);
    expect(model.info.outputs).toEqual([{ name: 'logits', dims: [1, 10], dtype: 'f32' }]);
    expect(model.info.macs).toBe(2_293_000);
    expect(model.info.arenaBytes).toBeGreaterThan(0);
    expect(model.info.arenaBytes % 16).toBe(0);
    expect(model.info.normalize).toEqual({ mean: [0.1307], std: [0.3081], scale: 255 });
  });

  it('classifies real digits; uint8 pixels with the model normalisation equal normalised floats', () => {
    let correct = 0;
    for (let i = 0; i < 50; i++) {
      const a = model.run(pixels(i)).logits.data;
      const b = model.run(normalised(i)).logits.data;
      expect(Array.from(a)).toEqual(Array.from(b));
      if (argmax(a) === ds.labels[i]) correct++;
    }
    expect(correct).toBeGreaterThanOrEqual(49);
  });

  it('a batch equals its samples run one by one; NHWC input equals NCHW for one channel', () => {
    const batch = new Float32Array(4 * 784);
    for (let i = 0; i < 4; i++) batch.set(normalised(i), i * 784);
    const out = model.run(batch).logits;
    expect(out.dims).toEqual([4, 10]);
    for (let i = 0; i < 4; i++) {
      expect(Array.from(out.data.subarray(i * 10, (i + 1) * 10))).toEqual(Array.from(model.run(normalised(i)).logits.data));
      expect(Array.from(model.run(normalised(i), { layout: 'NHWC' }).logits.data)).toEqual(Array.from(model.run(normalised(i)).logits.data));
    }
  });

  it('rejects bad inputs with BranchyInputError naming the input', () => {
    expect(() => model.run(new Float32Array(100))).toThrow(/input 'input'.*784/);
    expect(() => model.run(new Float32Array(100))).toThrow(BranchyInputError);
    const nan = normalised(0);
    nan[5] = NaN;
    expect(() => model.run(nan)).toThrow(/not finite/);
    expect(() => model.run(new Float64Array(784) as unknown as Float32Array)).toThrow(BranchyInputError);
    expect(() => model.run({ image: normalised(0) })).toThrow(/unknown input 'image'.*inputs are input/);
    expect(() => model.run(new Float32Array(0))).toThrow(BranchyInputError);
  });

  it('rejects a corrupt file with BranchyFormatError', async () => {
    const bytes = new Uint8Array(readFileSync(FILE));
    await expect(load(bytes.subarray(0, bytes.length - 10))).rejects.toBeInstanceOf(BranchyFormatError);
    await expect(load(new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(BranchyFormatError);
  });
});

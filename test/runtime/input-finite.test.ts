// The finiteness check of a one-sample float input runs in wasm after the copy into the arena
// (src/runtime/model.ts write()); its error is the JS check's: the input's name, the value and
// its index in the caller's data (NCHW here: the arena holds it NHWC), and nothing runs.
import { beforeAll, describe, expect, it } from 'vitest';
import { BranchyInputError } from '../../src/errors.js';
import { load, type Model } from '../../src/runtime/model.js';
import { repoFile } from '../reliability/edit.js';

let lenet: Model;
let cifar: Model;

beforeAll(async () => {
  lenet = await load(repoFile('models/mnist-lenet.int8.branchy'), { build: 'simd' });
  cifar = await load(repoFile('models/mobilenet-exits-cifar10-light.int8.branchy'), { build: 'relaxed' });
});

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BranchyInputError);
    return (e as Error).message;
  }
  throw new Error('expected a BranchyInputError');
}

describe('one-sample float input: non-finite values', () => {
  it('names the first one by its index in the caller layout (NCHW, 3 channels), for run, classify and both layouts', () => {
    const n = 3 * 32 * 32;
    const ok = new Float32Array(n).fill(0.5);
    const want = Array.from(Object.values(cifar.run(ok))[0].data);
    for (const [first, second] of [[0, 5], [1, 1024], [1023, 2048], [n - 1, -1], [2047, 2050]] as const) {
      const x = ok.slice();
      x[first] = Number.NaN;
      // A later one, earlier in NHWC order: the error still names the first in the caller's order.
      if (second >= 0) x[second] = -Infinity;
      const msg = `input 'input': value NaN at index ${first} is not finite`;
      expect(message(() => cifar.run(x))).toBe(msg);
      expect(message(() => cifar.run(x, { layout: 'NHWC' }))).toBe(msg);
      expect(message(() => cifar.classify(x))).toBe(msg);
    }
    // The model still answers as before.
    expect(Array.from(Object.values(cifar.run(ok))[0].data)).toEqual(want);
  });

  it('±Infinity at the last index and -0 / subnormals (finite) on a one-channel model', () => {
    for (const v of [Infinity, -Infinity]) {
      const x = new Float32Array(784);
      x[783] = v;
      expect(message(() => lenet.run(x))).toBe(`input 'input': value ${v} at index 783 is not finite`);
    }
    const fine = new Float32Array(784).fill(-0);
    fine[3] = 1.401298464324817e-45;
    expect(lenet.run(fine).logits.dims).toEqual([1, 10]);
  });
});

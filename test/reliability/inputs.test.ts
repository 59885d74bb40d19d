// Bad inputs to run()/classify(): each is a BranchyInputError that names the input and says
// what was expected, never a raw TypeError/RangeError or a silently wrong answer.
import { beforeAll, describe, expect, it } from 'vitest';
import { BranchyInputError } from '../../src/errors.js';
import { load, type Model, type ModelInput } from '../../src/runtime/model.js';
import { repoFile } from './edit.js';

let model: Model;
let multi: Model;

beforeAll(async () => {
  model = await load(repoFile('models/mnist-lenet.int8.branchy'), { build: 'simd' });
  multi = await load(repoFile('models/branchy-lenet-mnist.int8.branchy'), { build: 'simd' });
});

function rejects(m: Model, input: unknown, msg: RegExp, options?: object): void {
  let err: unknown = null;
  try {
    m.run(input as ModelInput, options);
  } catch (e) {
    err = e;
  }
  expect(err, `expected a BranchyInputError matching ${msg}`).toBeInstanceOf(BranchyInputError);
  expect((err as Error).message).toMatch(msg);
}

/** A typed array whose buffer was transferred to another realm (as postMessage does). */
function detached(): Float32Array {
  const x = new Float32Array(784);
  structuredClone(x.buffer, { transfer: [x.buffer] });
  return x;
}

describe('input checks', () => {
  it('wrong shape: names the input, the sample shape and its size', () => {
    rejects(model, new Float32Array(783), /input 'input': 783 values is not a whole number of samples of 1×28×28 \(784 values each\)/);
    rejects(model, new Float32Array(0), /input 'input' is empty/);
  });

  it('wrong dtype: Float64Array, Int8Array, a plain array, a number, null, a string', () => {
    for (const x of [new Float64Array(784), new Uint8ClampedArray(784), Array(784).fill(0)]) {
      rejects(model, x, /input 'input': expected a Float32Array \(or Uint8Array pixels\), got \[object \w+\]/);
    }
    // int8 values are for an int8 graph input (test/convert/quantized-io.test.ts); this one is float.
    rejects(model, new Int8Array(784), /input 'input': an Int8Array is for an int8 input, and this one is float: pass a Float32Array \(or Uint8Array pixels\)/);
    for (const x of [3, null, undefined, 'pixels']) rejects(model, x, /expected a Float32Array, Uint8Array pixels or an object of named inputs \(input\)/);
  });

  it('named inputs: missing, unknown, or not a typed array', () => {
    rejects(model, {}, /input 'input' is missing; the model's inputs are input/);
    rejects(model, { image: new Float32Array(784) }, /unknown input 'image'; the model's inputs are input/);
    rejects(model, { input: [1, 2, 3] }, /input 'input': expected a Float32Array/);
  });

  it('NaN and ±Infinity: names the input and the index', () => {
    for (const [v, at] of [[Number.NaN, 5], [Infinity, 700], [-Infinity, 1567]] as const) {
      const x = new Float32Array(2 * 784);
      x[at] = v;
      rejects(model, x, new RegExp(`input 'input': value ${v} at index ${at} is not finite`));
    }
  });

  it('a SharedArrayBuffer-backed input (another thread may write it mid-run)', () => {
    const x = new Float32Array(new SharedArrayBuffer(784 * 4));
    rejects(model, x, /input 'input' is backed by a SharedArrayBuffer, .* pass a copy \(new Float32Array\(x\)\)/);
    rejects(model, new Uint8Array(new SharedArrayBuffer(784)), /SharedArrayBuffer/);
    // The copy it asks for works.
    expect(model.run(new Float32Array(x)).logits.dims).toEqual([1, 10]);
  });

  it('a detached buffer (transferred with postMessage)', () => {
    const x = detached();
    expect(x.length).toBe(0);
    rejects(model, x, /input 'input' is empty: its buffer is detached \(transferred with postMessage\?\)/);
  });

  it('a layout other than NCHW or NHWC', () => {
    rejects(model, new Float32Array(784), /layout must be 'NCHW' or 'NHWC'/, { layout: 'CHW' });
  });

  it('the same checks guard classify() on a multi-exit model', () => {
    expect(() => multi.classify(new Float32Array(10), { policy: { kind: 'full' } })).toThrow(BranchyInputError);
    expect(() => multi.classify(detached(), { policy: { kind: 'full' } })).toThrow(/detached/);
    const nan = new Float32Array(784).fill(Number.NaN);
    expect(() => multi.classify(nan, { policy: { kind: 'entropy', thresholds: [0.1] } })).toThrow(/not finite/);
  });

  it('after every refusal the model still answers correctly', () => {
    const x = new Float32Array(784).fill(0.25);
    const want = Array.from(model.run(x).logits.data);
    rejects(model, new Float32Array(5), /whole number/);
    expect(Array.from(model.run(x).logits.data)).toEqual(want);
  });
});

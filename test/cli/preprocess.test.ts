// Preprocessing for models branchy did not train (issue 19): the bundled LeNet and the light
// MobileNet rewritten with Keras / tf2onnx conventions (test/helpers/foreign-onnx.ts: NHWC input,
// raw 0..255 pixels, rescaling and mean/std as ops inside the graph, no normalisation metadata).
// With --scale/--mean/--std/--layout (API: load options, RunOptions.layout) they give the
// originals' answers on real images.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { loadMnist, type Dataset } from '../../src/cli/datasets.js';
import { BranchyInputError } from '../../src/errors.js';
import { foreignOnnx } from '../helpers/foreign-onnx.js';
import { cifarTest, type CifarTest } from '../helpers/cifar.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);
const branchy = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, maxBuffer: 1 << 24 });
const file = (p: string) => new Uint8Array(readFileSync(path.join(ROOT, p)));
const top1 = (s: string) => Number(/top-1\s+([\d.]+)%/.exec(s)![1]);

const dir = mkdtempSync(path.join(tmpdir(), 'branchy-pre-'));
const LENET = path.join(dir, 'lenet-keras.onnx');
const MOBILENET = path.join(dir, 'mobilenet-keras.onnx');
const MOBILENET_RESCALE_FIRST = path.join(dir, 'mobilenet-keras-rescale-first.onnx');
let digits: Dataset;
let cifar: CifarTest;

beforeAll(async () => {
  writeFileSync(LENET, foreignOnnx(file('models/mnist-lenet.onnx')));
  writeFileSync(MOBILENET, foreignOnnx(file('models/mobilenet-exits-cifar10-light.onnx'), { keep: 'exit2', softmax: true }));
  writeFileSync(MOBILENET_RESCALE_FIRST, foreignOnnx(file('models/mobilenet-exits-cifar10-light.onnx'), { keep: 'exit2', rescaleFirst: true }));
  digits = await loadMnist('test');
  cifar = await cifarTest(8);
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('preprocessing in the API', () => {
  it('load({ normalize: { scale: 1 } }) lets a raw-pixel model take uint8 pixels; without it a typed error says what to pass', async () => {
    const orig = importOnnx(file('models/mnist-lenet.onnx'));
    const keras = importOnnx(new Uint8Array(readFileSync(LENET)));
    expect(keras.graph.normalize).toBeUndefined();
    const bare = await fromGraph(keras.graph, keras.weights);
    const px = digits.images.subarray(0, 784);
    expect(() => bare.run(px)).toThrow(BranchyInputError);
    expect(() => bare.run(px)).toThrow(/normalize/);
    const [a, b] = [await fromGraph(orig.graph, orig.weights), await fromGraph(keras.graph, keras.weights, { normalize: { scale: 1 } })];
    expect(b.info.normalize).toEqual({ scale: 1, mean: [0], std: [1] });
    for (let i = 0; i < 5; i++) {
      const x = digits.images.subarray(i * 784, (i + 1) * 784);
      expect(maxDiff(b.run(x).logits.data, a.run(x).logits.data)).toBeLessThan(1e-4);
    }
    await expect(fromGraph(keras.graph, keras.weights, { normalize: { scale: 0 } })).rejects.toThrow(/scale must be a finite number > 0/);
    await expect(fromGraph(keras.graph, keras.weights, { normalize: { mean: [0, 0] } })).rejects.toThrow(/input has 1 channels/);
  });

  it('an NHWC model (tf2onnx style): pixels in either layout, said with RunOptions.layout; the rescale-first variant needs inputLayout NHWC', async () => {
    const orig = importOnnx(file('models/mobilenet-exits-cifar10-light.onnx'));
    const keras = importOnnx(new Uint8Array(readFileSync(MOBILENET)));
    expect(keras.graph.tensors.find((t) => t.name === 'pixels')!.sourceLayout).toBeUndefined();
    // Read before its Transpose, the NHWC input is taken for an NCHW image (32 "channels") unless told.
    const guessed = importOnnx(new Uint8Array(readFileSync(MOBILENET_RESCALE_FIRST)));
    expect(guessed.graph.tensors.find((t) => t.name === guessed.graph.inputs[0])!.sourceLayout).toBe('NCHW');
    const first = importOnnx(new Uint8Array(readFileSync(MOBILENET_RESCALE_FIRST)), { inputLayout: 'NHWC' });
    expect(first.graph.tensors.find((t) => t.name === first.graph.inputs[0])!.sourceLayout).toBeUndefined();
    const a = await fromGraph(orig.graph, orig.weights);
    const b = await fromGraph(keras.graph, keras.weights, { normalize: { scale: 1 } });
    const c = await fromGraph(first.graph, first.weights, { normalize: { scale: 1 } });
    for (let i = 0; i < cifar.count; i++) {
      const nchw = cifar.image(i);
      const nhwc = Uint8Array.from({ length: 3072 }, (_, k) => nchw[(k % 3) * 1024 + Math.floor(k / 3)]);
      const want = a.run(nchw).exit2.data;
      const logits = Array.from(want);
      const probs = b.run(nhwc).probs.data; // the model's own layout by default
      expect(maxDiff(b.run(nchw, { layout: 'NCHW' }).probs.data, probs)).toBe(0);
      expect(probs.indexOf(Math.max(...probs))).toBe(logits.indexOf(Math.max(...logits)));
      expect(maxDiff(c.run(nchw, { layout: 'NCHW' }).logits.data, want)).toBeLessThan(1e-3);
      // Float input too: NCHW floats are transposed for an NHWC model when the caller says so.
      const f = Float32Array.from(nchw);
      expect(maxDiff(c.run(f, { layout: 'NCHW' }).logits.data, want)).toBeLessThan(1e-3);
    }
  });
});

describe('preprocessing on the command line', () => {
  it('eval of a raw-pixel MNIST model: refused without --scale (the message says what to pass); with --scale 1 the original\'s accuracy', async () => {
    const err = await branchy('eval', LENET, '--data', 'mnist', '--limit', '10').then(() => null, (e: { stderr: string }) => e.stderr);
    expect(err).toMatch(/no input normalisation.*--scale 255.*--scale 1/s);
    const [orig, keras] = await Promise.all([
      branchy('eval', 'models/mnist-lenet.onnx', '--data', 'mnist', '--limit', '500'),
      branchy('eval', LENET, '--data', 'mnist', '--limit', '500', '--scale', '1'),
    ]);
    expect(top1(keras.stdout)).toBe(top1(orig.stdout));
  }, 60_000);

  it('convert --scale 1 stores the normalisation (then eval and calibrate need no options); --quant int8 calibrates with it', async () => {
    const out = path.join(dir, 'lenet-keras.int8.branchy');
    await branchy('convert', LENET, '--scale', '1', '--quant', 'int8', '--calib', 'mnist', '--calib-count', '100', '-o', out);
    const i = await branchy('inspect', out);
    expect(i.stdout).toMatch(/normalize \(x\/1 - \[0\]\) \/ \[1\]/);
    const e = await branchy('eval', out, '--data', 'mnist', '--limit', '500');
    expect(top1(e.stdout)).toBeGreaterThan(98);
  }, 90_000);

  it('a CIFAR-10 model taking NHWC 0..255 with rescaling first: --layout NHWC --scale 1 gives the original\'s accuracy; --layout against a .branchy\'s input is refused', async () => {
    const [orig, keras] = await Promise.all([
      branchy('eval', 'models/mobilenet-exits-cifar10-light.onnx', '--data', 'cifar10', '--limit', '100', '--policy', 'full'),
      branchy('eval', MOBILENET_RESCALE_FIRST, '--data', 'cifar10', '--limit', '100', '--layout', 'NHWC', '--scale', '1'),
    ]);
    expect(top1(keras.stdout)).toBe(top1(orig.stdout));
    const err = await branchy('eval', 'models/mobilenet-exits-cifar10-light.int8.branchy', '--data', 'cifar10', '--limit', '10', '--layout', 'NHWC')
      .then(() => null, (e: { stderr: string }) => e.stderr);
    expect(err).toMatch(/--layout NHWC: .* input is NCHW/);
    const bad = await branchy('eval', LENET, '--data', 'mnist', '--scale', '1', '--mean', '0.1,0.2').then(() => null, (e: { stderr: string }) => e.stderr);
    expect(bad).toMatch(/--mean\/--std have 2 values; .* input has 1 channels/);
  }, 90_000);
});

// Determinism: the scalar, simd and relaxed builds give bit-identical results on every
// shipped int8 or binary model (models/*.int8.branchy, models/bnn-*.branchy, models/*-bwn.branchy;
// MNIST test digits, CIFAR-10 test images from ../shared/data or the detectors' shipped frames
// examples/web/frames, by the model's input size) and on an int8 conversion of the multi-exit
// models/branchy-lenet-mnist.onnx made here with quantizeGraph, over real MNIST test digits:
// every output, every intermediate int8 tensor, and the early-exit decisions.
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx, quantizeGraph } from '../../src/convert/index.js';
import { writeBranchy } from '../../src/format/index.js';
import { fileURLToPath } from 'node:url';
import { loadCifar10, loadMnist } from '../../src/cli/datasets.js';
import { loadDetection } from '../../src/cli/detect-data.js';
import { fromGraph, load } from '../../src/runtime/model.js';
import type { Build } from '../../src/runtime/features.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { repoFile } from './edit.js';

const N = 400; // digits through every output
const TRACED = 20; // digits through every intermediate tensor

const models: [string, Uint8Array][] = readdirSync(new URL('../../models/', import.meta.url))
  .filter((f) => f.endsWith('.int8.branchy') || f.endsWith('-bwn.branchy') || (f.startsWith('bnn-') && f.endsWith('.branchy')))
  .sort()
  .map((f) => [`models/${f}`, repoFile(`models/${f}`)]);
/** The multi-exit LeNet quantized in beforeAll (its bytes are filled in there). */
const QUANTIZED_HERE = 'branchy-lenet-mnist.onnx, quantized here';
models.push([QUANTIZED_HERE, new Uint8Array(0)]);
/** One test per model and check, so that each gets its own time limit (the scalar build of a
 *  binary CIFAR model takes minutes on a loaded machine). */
const PER_MODEL_MS = 600_000;
let digits: Uint8Array, cifar: Uint8Array, frames: Awaited<ReturnType<typeof loadDetection>>;
/** Real test samples of the model's input size: N MNIST digits, N CIFAR-10 images or the n shipped detection frames. */
const samplesFor = (m: { info: { inputs: { dims: number[] }[] } }): { x: Uint8Array; size: number; n: number } => {
  const size = m.info.inputs[0].dims.slice(1).reduce((a, b) => a * b, 1);
  if (size === 784) return { x: digits, size, n: N };
  if (size === 3072) return { x: cifar, size, n: N };
  if (size === 3 * frames.height * frames.width) return { x: frames.images, size, n: frames.count };
  throw new Error(`no test data of ${size} values per sample`);
};

beforeAll(async () => {
  digits = (await loadMnist('test')).images.slice(0, N * 784);
  frames = await loadDetection(fileURLToPath(new URL('../../examples/web/frames', import.meta.url)));
  cifar = (await loadCifar10(fileURLToPath(new URL('../../../shared/data/cifar10/test.bin', import.meta.url)))).images.slice(0, N * 3072);
  const { graph, weights } = importOnnx(repoFile('models/branchy-lenet-mnist.onnx'));
  const train = await loadMnist('train');
  const float = await fromGraph(graph, weights, { keepIntermediates: true });
  const calib = Array.from({ length: 64 }, (_, i) => train.images.slice(i * 917 * 784, (i * 917 + 1) * 784));
  const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: async (visit) => calib.forEach((x) => float.trace(x, visit)) });
  models.find(([n]) => n === QUANTIZED_HERE)![1] = writeBranchy(q.graph, q.weights);
}, 60_000);

/** Bits of every value, so that -0 / NaN payloads count too. */
const bits = (a: Float32Array | Int8Array) => (a instanceof Float32Array ? Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length)) : Array.from(a));

describe('the three builds agree bit for bit on int8 models', () => {
  it('there is something to compare', () => {
    expect(models.length).toBeGreaterThanOrEqual(2);
    expect(TEST_BUILDS.length, 'vitest runs Node with relaxed SIMD enabled').toBe(3);
  });

  for (const [name] of models) it(`every output of 400 test images: ${name}`, async () => {
    {
      const bytes = models.find(([n]) => n === name)![1];
      const outs = new Map<Build, Record<string, number[]>>();
      let count = 0;
      for (const build of TEST_BUILDS) {
        const m = await load(bytes, { build });
        const { x, n } = samplesFor(m);
        count = n;
        outs.set(build, Object.fromEntries(Object.entries(m.run(x)).map(([k, v]) => [k, bits(v.data)])));
      }
      const [first, ...rest] = TEST_BUILDS;
      expect(Object.values(outs.get(first)!)[0].length, name).toBeGreaterThanOrEqual(count * 10);
      for (const b of rest) expect(outs.get(b), `${name}: ${b} differs from ${first}`).toEqual(outs.get(first));
    }
  }, PER_MODEL_MS);

  for (const [name] of models) it(`every intermediate tensor (int8 ones dequantized, exactly) of 20 test images: ${name}`, async () => {
    {
      const bytes = models.find(([n]) => n === name)![1];
      const traces = new Map<Build, Map<string, number[]>>();
      let count = 0;
      for (const build of TEST_BUILDS) {
        const m = await load(bytes, { build, keepIntermediates: true });
        const t = new Map<string, number[]>();
        const { x, size, n } = samplesFor(m);
        count = Math.min(TRACED, n);
        m.trace(x.subarray(0, count * size), (tensor, v) => t.set(`${tensor}#${t.size}`, bits(v)));
        traces.set(build, t);
      }
      const [first, ...rest] = TEST_BUILDS;
      expect(traces.get(first)!.size, name).toBeGreaterThan(count * 5);
      for (const b of rest) {
        for (const [k, v] of traces.get(first)!) expect(traces.get(b)!.get(k), `${name}: tensor ${k} in ${b}`).toEqual(v);
      }
    }
  }, PER_MODEL_MS);

  for (const [name] of models) it(`the early-exit decisions of multi-exit models: ${name}`, async () => {
    {
      const bytes = models.find(([n]) => n === name)![1];
      const results = new Map<Build, unknown[]>();
      for (const build of TEST_BUILDS) {
        const m = await load(bytes, { build });
        if (!m.info.exits) break;
        const { x, size } = samplesFor(m);
        const r = m.classify(x.subarray(0, N * size), { policy: { kind: 'entropy', thresholds: m.info.exits.slice(1).map(() => 0.3) } });
        results.set(build, r.map((x) => ({ exit: x.exit, label: x.label, probs: bits(x.probs), macs: x.macs })));
      }
      if (!results.size) return;
      const [first, ...rest] = TEST_BUILDS;
      for (const b of rest) expect(results.get(b), `${name}: ${b}`).toEqual(results.get(first));
    }
  }, PER_MODEL_MS);
});

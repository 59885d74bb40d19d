// LiteRT.js (TFLite + XNNPACK in wasm, one thread) as the reference for the TFLite file
// layer: it runs each MLPerf Tiny file on seeded inputs, the same outputs twice; the float-
// edged wrapper of each int8 file (withFloatEdges, through LiteRT.js's public API) gives
// exactly the int8 outputs of the file itself (run as it is through LiteRT.js's wasm
// bindings); and every file writeTflite writes back, inline or with external buffers, gives
// bit for bit the outputs of the original.
import { describe, expect, it } from 'vitest';
import { readTflite, withFloatEdges, writeTflite, type TfliteModel, type TfliteTensor } from '../../src/convert/index.js';
import { argmax, cifarTest } from '../helpers/cifar.js';
import { openLitert, openLitertRaw, type LitertArray, type LitertModel } from '../helpers/litert.js';
import { MLPERF_MODELS, mlperfBytes } from '../helpers/mlperf.js';
import { Rng } from '../helpers/rng.js';

const SAMPLES = 4;
const count = (t: TfliteTensor) => t.shape.reduce((a, d) => a * d, 1);
const edge = (m: TfliteModel, which: 'inputs' | 'outputs') => m.subgraphs[0].tensors[m.subgraphs[0][which][0]];

/** Seeded int8 inputs spread over the input's range, and the floats that quantize to them. */
function int8Inputs(m: TfliteModel, seed: number): { q: Int8Array; x: Float32Array }[] {
  const t = edge(m, 'inputs');
  const { scale, zeroPoint } = t.quantization!;
  const rng = new Rng(seed);
  return Array.from({ length: SAMPLES }, () => {
    const q = rng.i8(count(t));
    return { q, x: Float32Array.from(q, (v) => (v - zeroPoint[0]) * scale[0]) };
  });
}

const bits = (a: LitertArray) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

async function runAll(model: LitertModel, xs: LitertArray[]): Promise<LitertArray[]> {
  const out: LitertArray[] = [];
  for (const x of xs) out.push((await model.run([x]))[0]);
  return out;
}

describe.each(MLPERF_MODELS)('LiteRT.js on %s', (name) => {
  const int8 = mlperfBytes(`${name}_int8.tflite`);
  const f32 = mlperfBytes(`${name}_f32.tflite`);
  const m8 = readTflite(int8);
  const m32 = readTflite(f32);
  const ins8 = int8Inputs(m8, 1800 + name.length);
  const insF = ins8.map((s) => s.x);

  it('float file: finite outputs, the same bits on a second run, and on what writeTflite writes back', async () => {
    const original = await openLitert(f32);
    expect(original.inputs.map((i) => [i.dtype, i.shape])).toEqual([['float32', edge(m32, 'inputs').shape]]);
    const a = await runAll(original, insF);
    const b = await runAll(original, insF);
    original.delete();
    for (const y of a) expect(Array.from(y).every(Number.isFinite)).toBe(true);
    expect(b.map(bits)).toEqual(a.map(bits));
    for (const externalBuffers of [false, true]) {
      const written = await openLitert(writeTflite(m32, { externalBuffers }));
      expect((await runAll(written, insF)).map(bits), `externalBuffers ${externalBuffers}`).toEqual(a.map(bits));
      written.delete();
    }
  });

  it('int8 file as it is (wasm bindings): the same bits on a second run, and on what writeTflite writes back', async () => {
    const raw = await openLitertRaw(int8);
    expect(raw.inputs.map((i) => i.dtype)).toEqual(['int8']);
    const qs = ins8.map((s) => s.q);
    const a = await runAll(raw, qs);
    expect((await runAll(raw, qs)).map(bits)).toEqual(a.map(bits));
    raw.delete();
    const written = await openLitertRaw(writeTflite(m8, { externalBuffers: true }));
    expect((await runAll(written, qs)).map(bits)).toEqual(a.map(bits));
    written.delete();
  });

  it('int8 file with float edges (public API) gives exactly the int8 outputs of the file itself', async () => {
    const raw = await openLitertRaw(int8);
    const wrapped = await openLitert(writeTflite(withFloatEdges(m8)));
    expect(wrapped.inputs.map((i) => i.dtype)).toEqual(['float32']);
    expect(wrapped.outputs.map((o) => o.dtype)).toEqual(['float32']);
    const out = edge(m8, 'outputs').quantization!;
    const seen = new Set<string>();
    for (const s of ins8) {
      const q = (await raw.run([s.q]))[0] as Int8Array;
      const y = (await wrapped.run([s.x]))[0] as Float32Array;
      // Each float output is (q - zeroPoint) * scale of an integer q: recover it and compare.
      const back = Int8Array.from(y, (v) => Math.round(v / out.scale[0]) + out.zeroPoint[0]);
      y.forEach((v, i) => expect(Math.abs(v / out.scale[0] + out.zeroPoint[0] - back[i])).toBeLessThan(1e-3));
      expect(Array.from(back)).toEqual(Array.from(q));
      seen.add(Array.from(q).join());
    }
    // Not a vacuous comparison: the samples give different outputs.
    expect(seen.size).toBeGreaterThan(1);
    raw.delete();
    wrapped.delete();
  });
});

it('ResNet-8 int8 (float edges) and f32 agree on the first 20 CIFAR-10 test images, fed raw 0-255 pixels', async () => {
  const cifar = await cifarTest(20);
  const f32 = await openLitert(mlperfBytes('ic_resnet8_f32.tflite'));
  const int8 = await openLitert(writeTflite(withFloatEdges(readTflite(mlperfBytes('ic_resnet8_int8.tflite')))));
  let agree = 0;
  let right = 0;
  for (let i = 0; i < cifar.count; i++) {
    // test.bin stores planar RGB (CHW); the model takes NHWC.
    const chw = cifar.image(i);
    const x = new Float32Array(3072);
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) x[p * 3 + c] = chw[c * 1024 + p];
    const a = argmax((await f32.run([x]))[0]);
    agree += +(a === argmax((await int8.run([x]))[0]));
    right += +(a === cifar.labels[i]);
  }
  f32.delete();
  int8.delete();
  expect(agree).toBeGreaterThanOrEqual(18);
  expect(right).toBeGreaterThanOrEqual(12);
});

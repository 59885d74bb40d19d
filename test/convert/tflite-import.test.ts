// importTflite on the eight MLPerf Tiny files, against LiteRT.js (TFLite + XNNPACK, one
// thread) on the same inputs, in every kernel build: float files within 1e-4 of the largest
// output (the DS-CNN "f32" file has int8 weights that LiteRT.js runs with dynamically
// quantized activations: 2e-2 there (measured 1.1e-2), the same top class), int8 files within one quantization
// step operator by operator (bit for bit), and end to end (the int8 files run as they are in
// LiteRT.js, int8 in and out). Inputs: the real
// CIFAR-10 test images for ResNet-8 and, scaled up to 96×96, for the VWW MobileNet (its data
// set is not here); seeded values over the int8 input's range for DS-CNN and the autoencoder
// (no speech or machine-sound data here). Then ResNet-8's top-1 answers on 200 CIFAR-10 test
// images beside LiteRT.js's, and the typed refusals.
import { describe, expect, it } from 'vitest';
import { builtinCode, builtinName, importTflite, readTflite, writeTflite, type TfliteModel } from '../../src/convert/index.js';
import { layerAgreement } from '../../bench/peers/tflite-layers.mjs';
import { BranchyUnsupportedError } from '../../src/errors.js';
import { fromGraph, type Model } from '../../src/runtime/model.js';
import { argmax, cifarTest, type CifarTest } from '../helpers/cifar.js';
import { openLitert, openLitertRaw, type LitertModel } from '../helpers/litert.js';
import { MLPERF_MODELS, mlperfBytes } from '../helpers/mlperf.js';
import { Rng } from '../helpers/rng.js';
import { TEST_BUILDS } from '../helpers/wasm.js';

const SAMPLES = 6;
const edge = (m: TfliteModel, which: 'inputs' | 'outputs') => m.subgraphs[0].tensors[m.subgraphs[0][which][0]];

/** An NHWC image of `size`×`size` from CIFAR-10 test image i (planar RGB), nearest-neighbour scaled. */
function image(cifar: CifarTest, i: number, size: number): Uint8Array {
  const chw = cifar.image(i);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = Math.floor((y * 32) / size) * 32 + Math.floor((x * 32) / size);
      for (let c = 0; c < 3; c++) out[(y * size + x) * 3 + c] = chw[c * 1024 + p];
    }
  }
  return out;
}

/** The int8 input samples of a model (q, as the int8 file takes them), real images where there are. */
function int8Samples(name: string, m8: TfliteModel, cifar: CifarTest): Int8Array[] {
  const t = edge(m8, 'inputs');
  const n = t.shape.reduce((a, d) => a * d, 1);
  const { scale: [s], zeroPoint: [zp] } = t.quantization!;
  if (name === 'ic_resnet8' || name === 'vww_mobilenet') {
    return Array.from({ length: SAMPLES }, (_, i) => {
      const px = image(cifar, i, t.shape[1]);
      // ResNet-8 takes raw pixels (scale 1), the VWW MobileNet pixels / 255.
      const real = name === 'ic_resnet8' ? (v: number) => v : (v: number) => v / 255;
      return Int8Array.from(px, (v) => Math.max(-128, Math.min(127, Math.round(real(v) / s) + zp)));
    });
  }
  const rng = new Rng(1800 + name.length);
  return Array.from({ length: SAMPLES }, () => rng.i8(n));
}

const dequant = (q: Int8Array, s: number, zp: number) => Float32Array.from(q, (v) => (v - zp) * s);

async function runBoth(model: Model, lit: LitertModel, branchyIn: Float32Array, litIn: Float32Array | Int8Array) {
  const y = Object.values(model.run(branchyIn))[0].data as Float32Array;
  const ref = (await lit.run([litIn]))[0] as Float32Array | Int8Array;
  return { y, ref };
}

describe.each(MLPERF_MODELS)('importTflite on %s against LiteRT.js', (name) => {
  const f32 = mlperfBytes(`${name}_f32.tflite`);
  const int8 = mlperfBytes(`${name}_int8.tflite`);
  const m8 = readTflite(int8);
  const inQ = edge(m8, 'inputs').quantization!;
  const outQ = edge(m8, 'outputs').quantization!;

  it.each(TEST_BUILDS)('int8 file, %s build: each operator on LiteRT.js\'s own input gives its int8 output, within one step', async (build) => {
    const cifar = await cifarTest(SAMPLES);
    const rows = await layerAgreement(int8, int8Samples(name, m8, cifar), build, builtinName);
    expect(rows.length).toBe(m8.subgraphs[0].operators.length);
    for (const r of rows) {
      // The average pool too: imported with TFLite's rounding (half away from zero).
      expect(r.differ, `operator ${r.index} ${r.op}: ${r.differ} values differ, by up to ${r.max}`).toBe(0);
    }
  });

  it('int8 file end to end: the same int8 outputs as LiteRT.js', async () => {
    const cifar = await cifarTest(SAMPLES);
    const { graph, weights } = importTflite(int8);
    const model = await fromGraph(graph, weights);
    const lit = await openLitertRaw(int8);
    for (const q of int8Samples(name, m8, cifar)) {
      const { y, ref } = await runBoth(model, lit, dequant(q, inQ.scale[0], inQ.zeroPoint[0]), q);
      expect(Array.from(y, (v) => Math.round(v / outQ.scale[0]) + outQ.zeroPoint[0])).toEqual(Array.from(ref));
    }
    lit.delete();
  });

  it.each(TEST_BUILDS)('float file, %s build: outputs match LiteRT.js', async (build) => {
    const cifar = await cifarTest(SAMPLES);
    const { graph, weights, warnings } = importTflite(f32);
    const model = await fromGraph(graph, weights, { build });
    const lit = await openLitert(f32);
    // kws_dscnn_f32.tflite is dynamic-range quantized: int8 conv weights, float activations.
    const hybrid = name === 'kws_dscnn';
    expect(warnings.length > 0).toBe(hybrid);
    for (const q of int8Samples(name, m8, cifar)) {
      const x = dequant(q, inQ.scale[0], inQ.zeroPoint[0]);
      const { y, ref } = await runBoth(model, lit, x, x);
      const peak = Math.max(...Array.from(ref, Math.abs));
      const err = Math.max(...Array.from(ref, (r, i) => Math.abs(y[i] - r)));
      expect(err / peak).toBeLessThan(hybrid ? 2e-2 : 1e-4);
      if (hybrid) expect(argmax(y)).toBe(argmax(ref));
    }
    lit.delete();
  });
});

describe('ResNet-8 on CIFAR-10 test images beside LiteRT.js', () => {
  it('200 images: branchy answers as LiteRT.js on nearly all of them, float and int8', async () => {
    const N = 200;
    const cifar = await cifarTest(N);
    const agree = { f32: 0, int8: 0 };
    const right = { f32: 0, int8: 0, litF32: 0, litInt8: 0 };
    for (const kind of ['f32', 'int8'] as const) {
      const bytes = mlperfBytes(`ic_resnet8_${kind}.tflite`);
      const { graph, weights } = importTflite(bytes);
      const model = await fromGraph(graph, weights);
      const lit = await (kind === 'int8' ? openLitertRaw : openLitert)(bytes);
      for (let i = 0; i < N; i++) {
        const px = image(cifar, i, 32);
        const x = Float32Array.from(px);
        const a = argmax(Object.values(model.run(x))[0].data as Float32Array);
        const b = argmax((await lit.run([kind === 'int8' ? Int8Array.from(px, (v) => v - 128) : x]))[0]);
        agree[kind] += +(a === b);
        right[kind] += +(a === cifar.labels[i]);
        right[kind === 'f32' ? 'litF32' : 'litInt8'] += +(b === cifar.labels[i]);
      }
      lit.delete();
    }
    expect(agree.f32).toBe(N);
    // int8: the same int8 outputs (the average pool rounds as TFLite's), so the same answers.
    expect(agree.int8).toBe(N);
    expect(right.int8).toBe(right.litInt8);
    expect(right.f32 / N).toBeGreaterThan(0.6);
  });
});

describe('refusals', () => {
  const base = () => readTflite(mlperfBytes('ic_resnet8_f32.tflite'));
  const codeOf = (m: TfliteModel, i: number) => m.operatorCodes[m.subgraphs[0].operators[i].opcodeIndex];

  it('an operator branchy does not import: BranchyUnsupportedError naming it, its index and its output', () => {
    const m = base();
    const last = m.subgraphs[0].operators.length - 1;
    codeOf(m, last).builtinCode = builtinCode('FLOOR')!; // in place of the SOFTMAX
    delete m.subgraphs[0].operators[last].options;
    const f = () => importTflite(writeTflite(m));
    expect(f).toThrow(BranchyUnsupportedError);
    expect(f).toThrow(new RegExp(`TFLite operator ${last} \\(FLOOR, output "Identity"\\): branchy does not import the operator FLOOR; it imports CONV_2D`));
  });

  it('a fused activation branchy has no clamp for', () => {
    const m = base();
    const o = m.subgraphs[0].operators[0].options as { activation: string };
    o.activation = 'TANH';
    expect(() => importTflite(writeTflite(m))).toThrow(/TFLite operator 0 \(CONV_2D, output ".*"\): fused activation TANH; branchy fuses RELU, RELU6/);
  });

  it('an int16 activation', () => {
    const m = readTflite(mlperfBytes('ic_resnet8_int8.tflite'));
    const g = m.subgraphs[0];
    const t = g.tensors[g.operators[0].outputs[0]];
    t.type = 'INT16';
    expect(() => importTflite(writeTflite(m))).toThrow(BranchyUnsupportedError);
  });
});

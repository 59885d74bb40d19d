// LiteRT.js (@litertjs/core, XNNPACK in wasm, one thread) on the MLPerf Tiny reference models:
// the reference numbers branchy's TFLite import is measured against (issue 18).
//   node --experimental-wasm-relaxed-simd --import tsx bench/mlperf-litert.mts [--limit N] [--rounds 30] [--no-accuracy]
// 1. ResNet-8 top-1 on the CIFAR-10 test split (../shared/data/cifar10/test.bin: planar RGB
//    records, transposed here to the NHWC the model takes, raw 0-255 values): the float file,
//    and the int8 file two ways (as it is through LiteRT.js's wasm bindings, int8 input
//    q = pixel - 128 for its scale 1, zero point -128; and with float edges through the
//    public API), which must answer alike.
// 2. Time per inference of each of the eight files, one thread, on seeded inputs, the models
//    interleaved: each round runs every model `calls` times in turn; median and 25th
//    percentile per call. int8 files run as they are (wasm bindings); float files through the
//    public API; the time is what a caller waits for, input copy and output read included.
//    MACs from the graph (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadCifar10 } from '../src/cli/datasets.js';
import { readTflite, tfliteGraph, withFloatEdges, writeTflite, type TfliteModel } from '../src/convert/index.js';
import { machine } from './machine.js';
import { loadLitert, openLitert, openLitertRaw, type LitertArray, type LitertModel } from './peers/litert.mjs';

const { values } = parseArgs({
  options: {
    limit: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '30' },
    'no-accuracy': { type: 'boolean', default: false },
  },
});
const DIR = new URL('../../shared/models/mlperf-tiny/', import.meta.url);
const bytesOf = (file: string) => new Uint8Array(readFileSync(new URL(file, DIR)));
const argmax = (v: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
  return b;
};

const { build } = await loadLitert();
console.log(`# LiteRT.js ${JSON.parse(readFileSync(new URL('../node_modules/@litertjs/core/package.json', import.meta.url), 'utf8')).version} (${build}.wasm), one thread`);
console.log(`machine: ${machine()}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);

if (!values['no-accuracy']) {
  const cifar = await loadCifar10(new URL('../../shared/data/cifar10/test.bin', import.meta.url).pathname);
  const n = Math.min(Number(values.limit), cifar.count);
  const f32 = await openLitert(bytesOf('ic_resnet8_f32.tflite'));
  const i8bytes = bytesOf('ic_resnet8_int8.tflite');
  const i8 = readTflite(i8bytes);
  const q = i8.subgraphs[0].tensors[i8.subgraphs[0].inputs[0]].quantization!;
  if (q.scale[0] !== 1 || q.zeroPoint[0] !== -128) throw new Error(`ic_resnet8_int8 input quantization ${q.scale}/${q.zeroPoint}: expected 1 / -128`);
  const raw = await openLitertRaw(i8bytes);
  const wrapped = await openLitert(writeTflite(withFloatEdges(i8)));
  const right = { f32: 0, int8: 0, wrapped: 0 };
  let disagree = 0;
  const x = new Float32Array(3072);
  const xq = new Int8Array(3072);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const chw = cifar.images.subarray(i * 3072, (i + 1) * 3072);
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) {
        x[p * 3 + c] = chw[c * 1024 + p];
        xq[p * 3 + c] = chw[c * 1024 + p] - 128;
      }
    }
    const label = cifar.labels[i];
    const a = argmax((await f32.run([x]))[0]);
    const b = argmax((await raw.run([xq]))[0]);
    const c = argmax((await wrapped.run([x]))[0]);
    right.f32 += +(a === label);
    right.int8 += +(b === label);
    right.wrapped += +(c === label);
    disagree += +(b !== c);
  }
  const pct = (k: number) => `${((100 * k) / n).toFixed(2)}%`;
  console.log(`## ResNet-8 on CIFAR-10 test (${n} images, raw 0-255 pixels; ${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  console.log('| file | LiteRT.js top-1 |\n|---|---|');
  console.log(`| ic_resnet8_f32.tflite | ${pct(right.f32)} |`);
  console.log(`| ic_resnet8_int8.tflite (int8 input, as is) | ${pct(right.int8)} |`);
  console.log(`| ic_resnet8_int8.tflite with float edges | ${pct(right.wrapped)} (answers differing from the int8 run: ${disagree}) |\n`);
  for (const m of [f32, raw, wrapped]) m.delete();
}

/** MACs of one inference: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (the rest is small). */
function macs(m: TfliteModel): number {
  let total = 0;
  for (const op of tfliteGraph(m).ops) {
    const out = op.outputs[0]!.shape.reduce((a, d) => a * d, 1);
    const w = op.inputs[1]?.shape ?? [];
    if (op.op === 'CONV_2D') total += out * w[1] * w[2] * w[3];
    else if (op.op === 'DEPTHWISE_CONV_2D') total += out * w[1] * w[2];
    else if (op.op === 'FULLY_CONNECTED') total += out * w[1];
  }
  return total;
}

interface Row {
  file: string;
  model: LitertModel;
  input: LitertArray;
  macs: number;
  times: number[];
}
const rows: Row[] = [];
for (const name of ['ic_resnet8', 'vww_mobilenet', 'kws_dscnn', 'ad_autoencoder']) {
  for (const kind of ['int8', 'f32']) {
    const file = `${name}_${kind}.tflite`;
    const bytes = bytesOf(file);
    const m = readTflite(bytes);
    const t = m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]];
    const count = t.shape.reduce((a, d) => a * d, 1);
    let seed = 18;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const input = kind === 'int8' ? Int8Array.from({ length: count }, () => Math.floor(rand() * 256) - 128) : Float32Array.from({ length: count }, () => rand() * 2 - 1);
    rows.push({ file, model: await (kind === 'int8' ? openLitertRaw : openLitert)(bytes), input, macs: macs(m), times: [] });
  }
}
const rounds = Number(values.rounds);
// Warm-up: V8 first runs wasm in its baseline compiler and tiers up to optimized code after
// many calls; a few calls are not enough (ResNet-8 int8 ran at ~1.1 ms, then ~0.54 ms).
for (const r of rows) {
  const t = performance.now();
  for (let i = 0; i < 300 || performance.now() - t < 500; i++) await r.model.run([r.input]);
}
for (let round = 0; round < rounds; round++) {
  for (const r of rows) {
    // ~20 ms of calls per model per round.
    const calls = Math.max(1, Math.min(50, Math.round(20 / Math.max(0.05, r.times.length ? r.times[r.times.length - 1] : 1))));
    for (let c = 0; c < calls; c++) {
      const t = performance.now();
      await r.model.run([r.input]);
      r.times.push(performance.now() - t);
    }
  }
}
const q = (xs: number[], p: number) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
console.log(`## Time per inference, one thread (${rounds} interleaved rounds)\n`);
console.log('| file | MACs | median ms | p25 ms | GMAC/s (median) | calls |\n|---|---|---|---|---|---|');
for (const r of rows) {
  const med = q(r.times, 0.5);
  console.log(`| ${r.file} | ${(r.macs / 1e6).toFixed(2)} M | ${med.toFixed(3)} | ${q(r.times, 0.25).toFixed(3)} | ${(r.macs / med / 1e6).toFixed(2)} | ${r.times.length} |`);
  r.model.delete();
}
console.log(`\nload average after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

// branchy beside LiteRT.js (@litertjs/core, XNNPACK in wasm, one thread) on the MLPerf Tiny
// reference models, each .tflite file run as it is by LiteRT.js and imported by branchy
// (importTflite) (issue 18).
//   node --experimental-wasm-relaxed-simd --import tsx bench/mlperf-litert.mts [--limit N] [--rounds 30] [--no-accuracy] [--build relaxed|simd|scalar] [--residual] [--no-winograd]
// 1. ResNet-8 top-1 on the CIFAR-10 test split (../shared/data/cifar10/test.bin: planar RGB
//    records, transposed here to the NHWC the model takes, raw 0-255 values): the float file,
//    and the int8 file two ways (as it is through LiteRT.js's wasm bindings, int8 input
//    q = pixel - 128 for its scale 1, zero point -128; and with float edges through the
//    public API), which must answer alike; and branchy on both files (float input: raw pixels;
//    its int8 graph quantizes them with the file's scale 1, zero point -128 itself).
// 2. Time per inference of each of the eight files, one thread, on seeded inputs, the models
//    interleaved: each round runs every model `calls` times in turn; median and 25th
//    percentile per call. int8 files run as they are (wasm bindings); float files through the
//    public API; the time is what a caller waits for, input copy and output read included.
//    MACs from the graph (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED). branchy runs each file
//    imported, interleaved with LiteRT.js (the same rounds), fed floats (its int8 graphs quantize
//    the input and dequantize the output themselves). --residual: branchy also loaded with
//    { fuseResidualAdd: true } (residual adds in the conv epilogues) on the int8 files, same rounds.
//    --no-winograd: branchy also loaded with { winograd: false } (3x3 stride-1 convs on the direct
//    kernels, int8 weights int8 in memory) on the int8 files, same rounds.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadCifar10 } from '../src/cli/datasets.js';
import { importTflite, readTflite, withFloatEdges, writeTflite } from '../src/convert/index.js';
import { tfliteMacs } from './tflite-macs.mjs';
import { fromGraph, type Model } from '../src/runtime/model.js';
import type { Build } from '../src/runtime/features.js';
import { machine } from './machine.js';
import { loadLitert, openLitert, openLitertRaw, type LitertArray, type LitertModel } from './peers/litert.mjs';

const { values } = parseArgs({
  options: {
    limit: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '30' },
    'no-accuracy': { type: 'boolean', default: false },
    build: { type: 'string', default: 'auto' },
    residual: { type: 'boolean', default: false },
    'no-winograd': { type: 'boolean', default: false },
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
const branchyOpts = { build: values.build as Build | 'auto' };
const branchyOf = async (bytes: Uint8Array, over: { fuseResidualAdd?: boolean; winograd?: boolean } = {}): Promise<Model> => {
  const { graph, weights } = importTflite(bytes);
  return fromGraph(graph, weights, { ...branchyOpts, ...over });
};
// The extra branchy configurations, each a column of its own (int8 files).
const variants = [
  ...(values.residual ? [{ engine: 'branchy fuseResidualAdd', over: { fuseResidualAdd: true } }] : []),
  ...(values['no-winograd'] ? [{ engine: 'branchy winograd: false', over: { winograd: false } }] : []),
];
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
  const bF32 = await branchyOf(bytesOf('ic_resnet8_f32.tflite'));
  const bInt8 = await branchyOf(i8bytes);
  const right = { f32: 0, int8: 0, wrapped: 0, bF32: 0, bInt8: 0 };
  const same = { f32: 0, int8: 0 };
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
    const d = argmax(bF32.run(x)[bF32.info.outputs[0].name].data);
    const e = argmax(bInt8.run(x)[bInt8.info.outputs[0].name].data);
    right.f32 += +(a === label);
    right.int8 += +(b === label);
    right.wrapped += +(c === label);
    right.bF32 += +(d === label);
    right.bInt8 += +(e === label);
    same.f32 += +(a === d);
    same.int8 += +(b === e);
    disagree += +(b !== c);
  }
  const pct = (k: number) => `${((100 * k) / n).toFixed(2)}%`;
  console.log(`## ResNet-8 on CIFAR-10 test (${n} images, raw 0-255 pixels; ${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  console.log(`| file | LiteRT.js top-1 | branchy top-1 (${bF32.info.build}) | branchy answers as LiteRT.js |\n|---|---|---|---|`);
  console.log(`| ic_resnet8_f32.tflite | ${pct(right.f32)} | ${pct(right.bF32)} | ${pct(same.f32)} |`);
  console.log(`| ic_resnet8_int8.tflite (int8 input, as is) | ${pct(right.int8)} | ${pct(right.bInt8)} | ${pct(same.int8)} |`);
  console.log(`| ic_resnet8_int8.tflite with float edges | ${pct(right.wrapped)} (answers differing from the int8 run: ${disagree}) | | |\n`);
  for (const m of [f32, raw, wrapped]) m.delete();
}

interface Row {
  file: string;
  engine: string;
  run: () => unknown;
  macs: number;
  times: number[];
  free: () => void;
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
    const lit = await (kind === 'int8' ? openLitertRaw : openLitert)(bytes);
    rows.push({ file, engine: 'LiteRT.js', run: () => lit.run([input]), macs: tfliteMacs(m), times: [], free: () => lit.delete() });
    // branchy takes floats: the real values of the int8 input (its graph quantizes them back to the same q).
    const q = t.quantization;
    const x = input instanceof Int8Array ? Float32Array.from(input, (v) => (v - q!.zeroPoint[0]) * q!.scale[0]) : input;
    const b = await branchyOf(bytes);
    rows.push({ file, engine: 'branchy', run: () => b.run(x), macs: tfliteMacs(m), times: [], free: () => {} });
    for (const v of kind === 'int8' ? variants : []) {
      const u = await branchyOf(bytes, v.over);
      rows.push({ file, engine: v.engine, run: () => u.run(x), macs: tfliteMacs(m), times: [], free: () => {} });
    }
  }
}
const rounds = Number(values.rounds);
// Warm-up: V8 first runs wasm in its baseline compiler and tiers up to optimized code after
// many calls; a few calls are not enough (ResNet-8 int8 ran at ~1.1 ms, then ~0.54 ms).
for (const r of rows) {
  const t = performance.now();
  for (let i = 0; i < 300 || performance.now() - t < 500; i++) await r.run();
}
for (let round = 0; round < rounds; round++) {
  // Every engine on every file each round, the order rotating from round to round.
  for (let k = 0; k < rows.length; k++) {
    const r = rows[(k + round) % rows.length];
    // ~20 ms of calls per model per round.
    const calls = Math.max(1, Math.min(50, Math.round(20 / Math.max(0.05, r.times.length ? r.times[r.times.length - 1] : 1))));
    for (let c = 0; c < calls; c++) {
      const t = performance.now();
      await r.run();
      r.times.push(performance.now() - t);
    }
  }
}
const q = (xs: number[], p: number) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
console.log(`## Time per inference, one thread (${rounds} interleaved rounds; branchy build ${(await branchyOf(bytesOf('ad_autoencoder_f32.tflite'))).info.build})\n`);
const un = variants.map((v) => ` ${v.engine} median ms (p25) | that ÷ LiteRT.js |`).join('');
console.log(`| file | MACs | LiteRT.js median ms (p25) | branchy median ms (p25) | branchy ÷ LiteRT.js | GMAC/s LiteRT.js / branchy |${un}\n|---|---|---|---|---|---|${'---|---|'.repeat(variants.length)}`);
for (const l of rows.filter((r) => r.engine === 'LiteRT.js')) {
  const b = rows.find((r) => r.file === l.file && r.engine === 'branchy');
  const [ml, mb] = [q(l.times, 0.5), q(b!.times, 0.5)];
  const uc = variants.map((v) => {
    const u = rows.find((r) => r.file === l.file && r.engine === v.engine);
    return u ? ` ${q(u.times, 0.5).toFixed(3)} (${q(u.times, 0.25).toFixed(3)}) | ${(q(u.times, 0.5) / ml).toFixed(2)} |` : ' | |';
  }).join('');
  console.log(`| ${l.file} | ${(l.macs / 1e6).toFixed(2)} M | ${ml.toFixed(3)} (${q(l.times, 0.25).toFixed(3)}) | ${mb.toFixed(3)} (${q(b!.times, 0.25).toFixed(3)}) | ${(mb / ml).toFixed(2)} | ${(l.macs / ml / 1e6).toFixed(2)} / ${(l.macs / mb / 1e6).toFixed(2)} |${uc}`);
  l.free();
}
console.log(`\nload average after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

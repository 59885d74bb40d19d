// npm run bench:zoo -- [--models a,b,...] [--rounds 15] [--round-ms 200] [--litert]
//
// Every zoo model branchy converts today (test/zoo/make_zoo.py; docs/zoo.md): branchy f32 and
// int8 (minmax, the zoo test's 32 calibration inputs) against ONNX Runtime Web (wasm, one thread,
// SIMD, graph optimization 'all') on the f32 ONNX and on the QDQ export of branchy's int8 graph
// (`exportOnnx`, as `branchy export` writes it). One process, batch 1, seeded inputs; per round
// every engine runs ~round-ms of samples back to back, engines in a rotating order; the table
// gives the median per-sample time over rounds (p10–p90) and the ratios.
//
// --litert: also LiteRT.js int8 (TFLite + XNNPACK in wasm, one thread; bench/peers/litert.mts) on
// branchy's int8 graph exported as .tflite with int8 edges (`exportTflite(..., { io: 'int8' })`, as
// `branchy export --io int8` writes it), run through LiteRT.js's wasm bindings (openLitertRaw) on
// seeded int8 inputs, in the same interleaved rounds; a second table gives branchy int8 against it,
// how far apart their int8 outputs lie on the same inputs (in output steps), or the exporter's
// (or LiteRT's) refusal; then, per node kind, how far each node's TFLite form lies from branchy's
// node on the same (LiteRT's) inputs (bench/peers/export-layers.mts). branchy int8 takes float input and its time includes
// quantizing it; LiteRT.js is handed int8.
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import { exportOnnx, exportTflite, readTflite } from '../src/convert/index.js';
import { nodeMacs } from '../src/ir/macs.js';
import { fromGraph, type Model } from '../src/runtime/model.js';
import type { Graph, Weights } from '../src/ir/types.js';
import { importZoo, quantizeZoo, readZoo, zooBytes, zooInputs, TEST_SEED, type ZooModel } from '../test/zoo/harness.js';
import { machine } from './machine.js';
import { loadLitert, openLitertRaw, type LitertArray } from './peers/litert.mjs';
import { seededInt8Input } from './peers/seeded-input.mjs';
import { exportAgreement } from './peers/export-layers.mjs';

const { values: opt } = parseArgs({
  options: {
    models: { type: 'string' },
    rounds: { type: 'string', default: '15' },
    'round-ms': { type: 'string', default: '200' },
    litert: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(opt.rounds), ROUND_MS = Number(opt['round-ms']);
const SAMPLES = 8;

type Engine = 'branchy int8' | 'branchy f32' | 'ORT Web f32' | 'ORT Web QDQ int8' | 'LiteRT.js int8';
type Run = (i: number) => unknown;

async function ortWeb(bytes: Uint8Array, m: ZooModel, xs: Float32Array[]): Promise<Run> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = xs.map((x) => ({ [m.input.name]: new ort.Tensor('float32', x, m.input.shape) }));
  return (i) => s.run(feeds[i]);
}

const firstWords = (e: unknown): string => {
  const m = (e as Error).message;
  return m.length <= 90 ? m : `${m.slice(0, 90).replace(/\s+\S*$/, '')} …`;
};

/**
 * How far LiteRT.js's int8 outputs lie from branchy int8's on the same inputs (branchy fed the
 * real values of LiteRT's int8 input, its float outputs turned back into int8 steps at each
 * output's scale and zero point): the largest difference in steps, and how many of the outputs differ.
 */
async function agreement(g: Graph, int8: Model, tfl: ReturnType<typeof readTflite>, run: (xq: LitertArray) => Promise<LitertArray[]>): Promise<{ max: number; differ: number; n: number }> {
  const sg = tfl.subgraphs[0];
  let max = 0, differ = 0, n = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const { xq, x } = seededInt8Input(tfl, 18 + i);
    const ys = int8.run(x, { layout: 'NHWC' });
    const refs = await run(xq);
    sg.outputs.forEach((t, k) => {
      const { scale: [s], zeroPoint: [zp] } = sg.tensors[t].quantization!;
      const y = ys[g.outputs[k]].data as Float32Array;
      // branchy gives a 4-D output of a PyTorch model in NCHW; TFLite's is NHWC.
      const info = g.tensors.find((u) => u.name === g.outputs[k])!;
      const C = info.sourceLayout === 'NCHW' && info.shape.length === 4 ? info.shape[3] : 1, HW = refs[k].length / C;
      refs[k].forEach((r, j) => {
        const d = Math.abs(Math.round(y[(j % C) * HW + Math.floor(j / C)] / s) + zp - r);
        max = Math.max(max, d);
        differ += +(d !== 0);
        n++;
      });
    });
  }
  return { max, differ, n };
}

/** LiteRT.js on the int8-edged .tflite of the int8 graph, or why not (the error's first words). */
async function litertInt8(g: Graph, w: Weights, int8: Model): Promise<{ run: Run; agree: string; nodes: string } | string> {
  let bytes: Uint8Array;
  try {
    bytes = exportTflite(g, w, { io: 'int8' });
  } catch (e) {
    return `export refused: ${firstWords(e)}`;
  }
  try {
    const lit = await openLitertRaw(bytes);
    if (lit.inputs.length !== 1 || lit.inputs[0].dtype !== 'int8') throw new Error(`inputs ${JSON.stringify(lit.inputs)}: one int8 input expected`);
    const tfl = readTflite(bytes);
    const feeds: LitertArray[][] = Array.from({ length: SAMPLES }, (_, i) => [seededInt8Input(tfl, 18 + i).xq]);
    const a = await agreement(g, int8, tfl, (xq) => lit.run([xq]));
    const nodes = (await exportAgreement(g, w, feeds.slice(0, 2).map((f) => f[0] as Int8Array)))
      .map((r) => `${r.kind} ×${r.nodes}: ${r.max}${r.max ? ` (${((100 * r.differ) / r.total).toFixed(2)}%)` : ''}`).join(', ');
    return { run: (i) => lit.run(feeds[i]), agree: `${a.max} | ${((100 * a.differ) / a.n).toFixed(2)}% of ${a.n}`, nodes };
  } catch (e) {
    return `LiteRT.js refused: ${firstWords(e)}`;
  }
}

const q = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * p, lo = Math.floor(i), hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
};
const us = (ms: number): string => (ms * 1000 >= 100 ? (ms * 1000).toFixed(0) : (ms * 1000).toFixed(1));

const zoo = readZoo();
const only = opt.models?.split(',');
console.log(`# Model zoo — ${machine()}\n`);
console.log(`command: npm run bench:zoo -- ${process.argv.slice(2).join(' ')}`);
console.log(`rounds ${ROUNDS} × ~${ROUND_MS} ms per engine, ${SAMPLES} seeded inputs; onnxruntime-web ${ort.env.versions.web ?? ''} (wasm, 1 thread, SIMD)\n`);
if (opt.litert) console.log(`LiteRT.js: @litertjs/core, ${(await loadLitert()).build}.wasm, 1 thread, int8 .tflite through the wasm bindings\n`);
const rows: string[] = [];
const litRows: string[] = [];
const nodeRows: string[] = [];
for (const m of zoo.models) {
  if (only && !only.includes(m.name)) continue;
  let graph, weights;
  try {
    ({ graph, weights } = importZoo(m));
  } catch (e) {
    console.log(`- ${m.name}: not converted (${(e as Error).message.slice(0, 100)})`);
    continue;
  }
  const macs = graph.nodes.reduce((a, n) => a + nodeMacs(graph, n), 0);
  const xs = zooInputs(m, TEST_SEED, SAMPLES);
  const qz = await quantizeZoo(m, graph, weights);
  const f32 = await fromGraph(graph, weights);
  const int8 = await fromGraph(qz.graph, qz.weights);
  const runs = new Map<Engine, Run>([
    ['branchy int8', (i) => int8.run(xs[i])],
    ['branchy f32', (i) => f32.run(xs[i])],
    ['ORT Web f32', await ortWeb(zooBytes(m), m, xs)],
    ['ORT Web QDQ int8', await ortWeb(exportOnnx(qz.graph, qz.weights), m, xs)],
  ]);
  const lit = opt.litert ? await litertInt8(qz.graph, qz.weights, int8) : undefined;
  if (typeof lit === 'object') {
    runs.set('LiteRT.js int8', lit.run);
    nodeRows.push(`- ${m.name}: ${lit.nodes}`);
  }
  else if (lit) litRows.push(`| ${m.name} | — | — | — | — | — | ${lit.replaceAll('|', '\\|')} |`);
  const engines = [...runs.keys()];
  // Warm-up (tier-up, caches), then how many samples make ~ROUND_MS.
  const per = new Map<Engine, number>();
  for (const e of engines) {
    const run = runs.get(e)!;
    const t = performance.now();
    let k = 0;
    while (k < 10 || performance.now() - t < 300) await run(k++ % SAMPLES);
    per.set(e, Math.max(2, Math.round(ROUND_MS / ((performance.now() - t) / k))));
  }
  const times = new Map<Engine, number[]>(engines.map((e) => [e, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const e of engines.map((_, i) => engines[(i + r) % engines.length])) {
      const run = runs.get(e)!, n = per.get(e)!;
      const t = performance.now();
      for (let k = 0; k < n; k++) await run(k % SAMPLES);
      times.get(e)!.push((performance.now() - t) / n);
    }
  }
  const med = (e: Engine) => q(times.get(e)!, 0.5);
  const cell = (e: Engine) => `${us(med(e))} (${us(q(times.get(e)!, 0.1))}–${us(q(times.get(e)!, 0.9))})`;
  const row = `| ${m.name} | ${m.input.shape.join('×')} | ${(macs / 1e6).toFixed(1)} M | ${engines.filter((e) => e !== 'LiteRT.js int8').map(cell).join(' | ')} | ` +
    `${(med('ORT Web f32') / med('branchy int8')).toFixed(2)} | ${(med('ORT Web QDQ int8') / med('branchy int8')).toFixed(2)} | ${(med('ORT Web f32') / med('branchy f32')).toFixed(2)} |`;
  rows.push(row);
  if (runs.has('LiteRT.js int8')) {
    const ms = (e: Engine) => (med(e) >= 10 ? med(e).toFixed(1) : med(e).toFixed(2));
    litRows.push(`| ${m.name} | ${ms('branchy int8')} | ${ms('LiteRT.js int8')} | ${(med('branchy int8') / med('LiteRT.js int8')).toFixed(2)} | ${(lit as { agree: string }).agree} | |`);
  }
  if (opt.litert) console.log(`  ${litRows.at(-1)}`);
  console.log(`- ${m.name}: build ${int8.info.build}; ${engines.map((e) => `${e} ${per.get(e)}/round`).join(', ')}; ${qz.float.length} nodes left in float by int8`);
}
console.log('\nmedian µs per sample (p10–p90):\n');
console.log('| model | input | MACs | branchy int8 | branchy f32 | ORT Web f32 | ORT Web QDQ int8 | ORT f32 ÷ branchy int8 | ORT QDQ ÷ branchy int8 | ORT f32 ÷ branchy f32 |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
if (opt.litert) {
  console.log('\nbranchy int8 vs LiteRT.js int8 (the exported .tflite, int8 edges), median ms per sample:\n');
  console.log('| model | branchy int8 ms | LiteRT.js int8 ms | branchy ÷ LiteRT.js | max steps apart | outputs differing | refusal |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const r of litRows) console.log(r);
  console.log('\nper node of branchy\'s int8 graph, run alone on LiteRT.js\'s own values of its inputs (2 inputs): largest difference in steps from LiteRT.js (values that differ):\n');
  for (const r of nodeRows) console.log(r);
}
console.log(`\n${machine()}`);

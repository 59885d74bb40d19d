// npm run bench:zoo -- [--models a,b,...] [--rounds 15] [--round-ms 200]
//
// Every zoo model branchy converts today (test/zoo/make_zoo.py; docs/zoo.md): branchy f32 and
// int8 (minmax, the zoo test's 32 calibration inputs) against ONNX Runtime Web (wasm, one thread,
// SIMD, graph optimization 'all') on the f32 ONNX and on the QDQ export of branchy's int8 graph
// (`exportOnnx`, as `branchy export` writes it). One process, batch 1, seeded inputs; per round
// every engine runs ~round-ms of samples back to back, engines in a rotating order; the table
// gives the median per-sample time over rounds (p10–p90) and the ratios.
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import { exportOnnx } from '../src/convert/index.js';
import { nodeMacs } from '../src/ir/macs.js';
import { fromGraph } from '../src/runtime/model.js';
import { importZoo, quantizeZoo, readZoo, zooBytes, zooInputs, TEST_SEED, type ZooModel } from '../test/zoo/harness.js';
import { machine } from './machine.js';

const { values: opt } = parseArgs({
  options: {
    models: { type: 'string' },
    rounds: { type: 'string', default: '15' },
    'round-ms': { type: 'string', default: '200' },
  },
});
const ROUNDS = Number(opt.rounds), ROUND_MS = Number(opt['round-ms']);
const SAMPLES = 8;

type Engine = 'branchy int8' | 'branchy f32' | 'ORT Web f32' | 'ORT Web QDQ int8';
type Run = (i: number) => unknown;

async function ortWeb(bytes: Uint8Array, m: ZooModel, xs: Float32Array[]): Promise<Run> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = xs.map((x) => ({ [m.input.name]: new ort.Tensor('float32', x, m.input.shape) }));
  return (i) => s.run(feeds[i]);
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
const rows: string[] = [];
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
  const row = `| ${m.name} | ${m.input.shape.join('×')} | ${(macs / 1e6).toFixed(1)} M | ${engines.map(cell).join(' | ')} | ` +
    `${(med('ORT Web f32') / med('branchy int8')).toFixed(2)} | ${(med('ORT Web QDQ int8') / med('branchy int8')).toFixed(2)} | ${(med('ORT Web f32') / med('branchy f32')).toFixed(2)} |`;
  rows.push(row);
  console.log(`- ${m.name}: build ${int8.info.build}; ${engines.map((e) => `${e} ${per.get(e)}/round`).join(', ')}; ${qz.float.length} nodes left in float by int8`);
}
console.log('\nmedian µs per sample (p10–p90):\n');
console.log('| model | input | MACs | branchy int8 | branchy f32 | ORT Web f32 | ORT Web QDQ int8 | ORT f32 ÷ branchy int8 | ORT QDQ ÷ branchy int8 | ORT f32 ÷ branchy f32 |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
console.log(`\n${machine()}`);

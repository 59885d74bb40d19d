// This checkout's kernels against another build's wasm on int8 .tflite files, with LiteRT.js
// (TFLite + XNNPACK, one thread) in the same rounds: the before / after of a kernel change and
// both sides' ratio to LiteRT.js, measured interleaved in one process. branchy imports each file
// (importTflite) twice, once per wasm (the host code is this checkout's for both), and is fed the
// real values of LiteRT's int8 input in NHWC (its graph quantizes them back to the same q);
// LiteRT.js runs the file as it is (int8 in and out, wasm bindings). Each round runs every engine
// ~20 ms per file, in a rotating order; medians and 25th percentiles per inference, and the
// fastest call of each (on a shared machine other jobs only slow a call down: the ratio of the
// minima is the steadiest A / B figure under load).
//   node --experimental-wasm-relaxed-simd --import tsx bench/wasm-ab-litert.mts OTHER.relaxed.wasm [FILE.tflite ...] [--rounds 20]
// Default files: the four MLPerf Tiny int8 models (../shared/models/mlperf-tiny).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { importTflite, readTflite } from '../src/convert/index.js';
import { fromGraph } from '../src/runtime/model.js';
import { machine } from './machine.js';
import { openLitertRaw } from './peers/litert.mjs';
import { seededInt8Input } from './peers/seeded-input.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '20' } } });
if (positionals.length < 1) throw new Error('usage: bench/wasm-ab-litert.mts OTHER.relaxed.wasm [FILE.tflite ...] [--rounds 20]');
const other = new Uint8Array(readFileSync(positionals[0]));
const files = positionals.length > 1 ? positionals.slice(1)
  : ['ic_resnet8', 'vww_mobilenet', 'kws_dscnn', 'ad_autoencoder'].map((n) => path.join(ROOT, '../shared/models/mlperf-tiny', `${n}_int8.tflite`));

interface Engine { label: string; run: () => unknown; times: number[] }
const rows: { file: string; engines: Engine[]; arena: number[] }[] = [];
for (const file of files) {
  const bytes = new Uint8Array(readFileSync(file));
  const { xq, x } = seededInt8Input(readTflite(bytes));
  const lit = await openLitertRaw(bytes);
  const { graph, weights } = importTflite(bytes);
  const a = await fromGraph(graph, weights, { build: 'relaxed' });
  const b = await fromGraph(graph, weights, { build: 'relaxed', wasm: { relaxed: other } });
  rows.push({
    file: path.basename(file),
    arena: [a.info.arenaBytes, b.info.arenaBytes],
    engines: [
      { label: 'LiteRT.js int8', run: () => lit.run([xq]), times: [] },
      { label: 'branchy (this)', run: () => a.run(x, { layout: 'NHWC' }), times: [] },
      { label: 'branchy (other wasm)', run: () => b.run(x, { layout: 'NHWC' }), times: [] },
    ],
  });
}
for (const r of rows) for (const e of r.engines) { const t = performance.now(); for (let i = 0; i < 100 || performance.now() - t < 400; i++) await e.run(); }
for (let round = 0; round < Number(values.rounds); round++) {
  for (const r of rows) {
    for (let k = 0; k < r.engines.length; k++) {
      const e = r.engines[(k + round) % r.engines.length];
      const t0 = performance.now();
      do {
        const t = performance.now();
        await e.run();
        e.times.push(performance.now() - t);
      } while (performance.now() - t0 < 20);
    }
  }
}
const q = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))];
console.log(`# bench/wasm-ab-litert.mts: this checkout vs ${positionals[0]}, relaxed build, ${values.rounds} rounds\n${machine()}; load average after ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}\n`);
console.log('| file | LiteRT.js int8 ms (median / p25) | branchy this | branchy other | this ÷ LiteRT | other ÷ LiteRT | this ÷ other (median / min) | arena KB this / other |\n|---|---|---|---|---:|---:|---|---|');
for (const r of rows) {
  const [l, a, b] = r.engines.map((e) => [q(e.times, 0.5), q(e.times, 0.25), q(e.times, 0)]);
  const f = (v: number[]) => `${v[0].toFixed(3)} / ${v[1].toFixed(3)}`;
  console.log(`| ${r.file} | ${f(l)} | ${f(a)} | ${f(b)} | ${(a[0] / l[0]).toFixed(2)} | ${(b[0] / l[0]).toFixed(2)} | ${(a[0] / b[0]).toFixed(2)} / ${(a[2] / b[2]).toFixed(2)} | ${(r.arena[0] / 1024).toFixed(0)} / ${(r.arena[1] / 1024).toFixed(0)} |`);
}

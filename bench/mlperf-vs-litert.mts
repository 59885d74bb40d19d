// branchy int8 against LiteRT.js int8 (TFLite + XNNPACK, one thread) on the MLPerf Tiny
// architectures (issue 21), until branchy imports TFLite itself:
//   node --experimental-wasm-relaxed-simd --import tsx bench/mlperf-vs-litert.mts [--rounds 30] [--models a,b] [--steps]
// LiteRT.js runs the int8 .tflite files of ../shared/models/mlperf-tiny as they are (int8 in and
// out through its wasm bindings, as bench/mlperf-litert.mts). branchy runs each one's ONNX twin
// (bench/mlperf_twin.py, written from the .tflite's own op list: the same layers, shapes,
// strides and fused ReLUs; seeded random weights), quantized to int8 as `branchy convert
// --quant int8` does (minmax, 32 seeded calibration inputs), in the simd and relaxed builds.
// The MACs of both sides are printed: they must agree. One process, one thread, batch 1,
// seeded inputs; every round runs each engine on each model for ~20 ms, in turn (interleaved);
// medians and 25th percentiles per call. branchy's time includes quantizing the float input
// (LiteRT's is handed int8). --steps: branchy's per-step times (relaxed build) with GMAC/s.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { importOnnx, quantizeGraph, readTflite, tfliteGraph, type TfliteModel } from '../src/convert/index.js';
import { runtimeObserve } from '../src/cli/compress.js';
import { nodeMacs } from '../src/ir/macs.js';
import { fromGraph, type Model } from '../src/runtime/model.js';
import { loadKernels } from '../src/runtime/wasm.js';
import { LinearMemory } from '../src/runtime/memory.js';
import type { Build } from '../src/runtime/features.js';
import type { Program } from '../src/runtime/executor.js';
import { machine } from './machine.js';
import { peaks } from './peak.js';
import { loadLitert, openLitertRaw, type LitertModel } from './peers/litert.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIR = path.join(ROOT, '../shared/models/mlperf-tiny');
const OUT = path.join(ROOT, 'bench/out/mlperf');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '30' },
    models: { type: 'string', default: 'ic_resnet8,vww_mobilenet,kws_dscnn,ad_autoencoder' },
    steps: { type: 'boolean', default: false },
  },
});
const BUILDS: Build[] = ['simd', 'relaxed'];

/** MACs of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (as bench/mlperf-litert.mts). */
function tfliteMacs(m: TfliteModel): number {
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

/** The ONNX twin (bench/mlperf_twin.py) of a .tflite graph, written once into bench/out/mlperf. */
function twin(name: string, m: TfliteModel): Uint8Array {
  const file = path.join(OUT, `${name}.onnx`);
  if (!existsSync(file)) {
    mkdirSync(OUT, { recursive: true });
    const g = tfliteGraph(m);
    const spec = {
      input_id: g.inputs[0].index, output_id: g.outputs[0].index, input_shape: g.inputs[0].shape,
      ops: g.ops.map((op) => ({
        op: op.op, inputs: op.inputs.map((t) => t?.index ?? -1), outputs: op.outputs.map((t) => t!.index),
        in_shapes: op.inputs.map((t) => t?.shape ?? []), out_shapes: op.outputs.map((t) => t!.shape), options: op.options ?? {},
      })),
    };
    const r = spawnSync('/usr/bin/python3', [path.join(ROOT, 'bench/mlperf_twin.py'), file], { input: JSON.stringify(spec), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mlperf_twin.py ${name}: ${r.stderr}`);
  }
  return new Uint8Array(readFileSync(file));
}

function seeded(count: number, seed: number, int8: boolean): Float32Array | Int8Array {
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return int8 ? Int8Array.from({ length: count }, () => Math.floor(rand() * 256) - 128) : Float32Array.from({ length: count }, () => rand() * 2 - 1);
}

interface Engine { label: string; run: () => unknown; times: number[] }
interface Row { name: string; macs: number; branchyMacs: number; engines: Engine[]; models: Model[]; litert: LitertModel }

const { build: litertWasm } = await loadLitert();
const mem = new LinearMemory(await loadKernels({ build: 'simd' }));
console.log(`# branchy int8 vs LiteRT.js int8 on the MLPerf Tiny architectures — ${machine()}\n`);
console.log(`command: node --experimental-wasm-relaxed-simd --import tsx bench/mlperf-vs-litert.mts ${process.argv.slice(2).join(' ')}`);
console.log(`LiteRT.js ${JSON.parse(readFileSync(path.join(ROOT, 'node_modules/@litertjs/core/package.json'), 'utf8')).version} (${litertWasm}.wasm), one thread; load average before ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const peakBefore = peaks(mem).dot_i16x8!;
console.log(`measured i32x4.dot_i16x8_s peak (bench/peak.ts) before: ${peakBefore.toFixed(1)} GMAC/s\n`);

const rows: Row[] = [];
for (const name of values.models.split(',')) {
  const bytes = new Uint8Array(readFileSync(path.join(DIR, `${name}_int8.tflite`)));
  const tfl = readTflite(bytes);
  const inT = tfl.subgraphs[0].tensors[tfl.subgraphs[0].inputs[0]];
  const count = inT.shape.reduce((a, d) => a * d, 1);
  const { graph, weights } = importOnnx(twin(name, tfl));
  const calib = Array.from({ length: 32 }, (_, i) => seeded(count, 300 + i, false) as Float32Array);
  const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: runtimeObserve(calib, ''), outputError: false });
  const branchyMacs = q.graph.nodes.reduce((a, n) => a + nodeMacs(q.graph, n), 0);
  const litert = await openLitertRaw(bytes);
  const xi = seeded(count, 18, true) as Int8Array;
  const xf = seeded(count, 18, false) as Float32Array;
  const models: Model[] = [];
  const engines: Engine[] = [{ label: 'LiteRT.js int8', run: () => litert.run([xi]), times: [] }];
  for (const build of BUILDS) {
    const model = await fromGraph(q.graph, q.weights, { build });
    models.push(model);
    engines.push({ label: `branchy int8 ${build}`, run: () => model.run(xf), times: [] });
  }
  rows.push({ name, macs: tfliteMacs(tfl), branchyMacs, engines, models, litert });
}

// Warm-up: V8 tiers wasm up after many calls.
for (const r of rows) {
  for (const e of r.engines) {
    const t = performance.now();
    for (let i = 0; i < 300 || performance.now() - t < 500; i++) await e.run();
  }
}
const peaksSeen: number[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  for (const r of rows) {
    // engines in a rotating order
    for (let k = 0; k < r.engines.length; k++) {
      const e = r.engines[(k + round) % r.engines.length];
      const last = e.times.length ? e.times[e.times.length - 1] : 1;
      const calls = Math.max(1, Math.min(50, Math.round(20 / Math.max(0.05, last))));
      for (let c = 0; c < calls; c++) {
        const t = performance.now();
        await e.run();
        e.times.push(performance.now() - t);
      }
    }
  }
  if (round % 10 === 9) peaksSeen.push(peaks(mem).dot_i16x8!);
}
const quant = (xs: number[], p: number) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const peak = Math.max(peakBefore, ...peaksSeen);
console.log(`## Time per inference (${values.rounds} interleaved rounds)\n`);
console.log('| model | MACs (tflite / branchy twin) | engine | median ms | p25 ms | × LiteRT (median) | GMAC/s | % of dot peak |\n|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const base = quant(r.engines[0].times, 0.5);
  for (const e of r.engines) {
    const med = quant(e.times, 0.5);
    const gmacs = r.macs / med / 1e6;
    console.log(`| ${r.name} | ${(r.macs / 1e6).toFixed(2)} M / ${(r.branchyMacs / 1e6).toFixed(2)} M | ${e.label} | ${med.toFixed(3)} | ${quant(e.times, 0.25).toFixed(3)} | ${(med / base).toFixed(2)} | ${gmacs.toFixed(2)} | ${((100 * gmacs) / peak).toFixed(0)}% |`);
  }
}
console.log(`\ndot peak: ${peakBefore.toFixed(1)} before, ${peaksSeen.map((p) => p.toFixed(1)).join(', ')} during (every 10 rounds); % of the highest, ${peak.toFixed(1)} GMAC/s`);
console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

if (values.steps) {
  for (const r of rows) {
    const program = (r.models[r.models.length - 1] as unknown as { program: Program }).program; // internal: the compiled steps
    const ts = program.steps.map(() => [] as number[]);
    for (let round = 0; round < 300; round++) {
      program.steps.forEach((s, i) => {
        const t = performance.now();
        for (let c = 0; c < 5; c++) s.run();
        ts[i].push((performance.now() - t) / 5);
      });
    }
    console.log(`\n### ${r.name}: branchy relaxed, per step (25th percentile of 300 rounds × 5 calls)\n`);
    console.log('| µs (p25) | op | node | MACs | GMAC/s |\n|---:|---|---|---:|---:|');
    let total = 0;
    program.steps.forEach((s, i) => {
      const t = quant(ts[i], 0.25);
      total += t;
      console.log(`| ${(t * 1000).toFixed(1)} | ${s.node.op} | ${s.node.name} | ${s.macs} | ${s.macs ? (s.macs / t / 1e6).toFixed(2) : ''} |`);
    });
    console.log(`\ntotal ${(total * 1000).toFixed(0)} µs`);
  }
}
for (const r of rows) {
  r.litert.delete();
}

// branchy int8 against LiteRT.js int8 (TFLite + XNNPACK, one thread) on the MLPerf Tiny
// architectures (issue 21), until branchy imports TFLite itself:
//   node --experimental-wasm-relaxed-simd --import tsx bench/mlperf-vs-litert.mts [--rounds 30] [--models a,b] [--layers]
// LiteRT.js runs the int8 .tflite files of ../shared/models/mlperf-tiny as they are (int8 in and
// out through its wasm bindings, as bench/mlperf-litert.mts), and with float edges
// (withFloatEdges: QUANTIZE / DEQUANTIZE operators added, float in and out through the public
// API), which is what branchy is handed and returns. branchy runs each one's ONNX twin
// (bench/mlperf_twin.py, written from the .tflite's own op list: the same layers, shapes,
// strides and fused ReLUs; seeded random weights), quantized to int8 as `branchy convert
// --quant int8` does (minmax, 32 seeded calibration inputs), in the simd and relaxed builds.
// The MACs of both sides are printed: they must agree. One process, one thread, batch 1,
// seeded inputs; every round runs each engine on each model for ~20 ms, in turn (interleaved);
// medians and 25th percentiles per call. branchy is handed the float input in NHWC, the
// layout the .tflite takes (run(x, { layout: 'NHWC' })); its time includes quantizing it
// (LiteRT's is handed int8).
// --layers: per layer, branchy's step (relaxed build, run alone) beside LiteRT.js running a
// one-operator .tflite cut from the model (that operator with its own tensors and weights,
// int8 in and out); LiteRT's column has its per-call cost in it, shown apart as the time of
// the cheapest such one-operator model (RESHAPE or SOFTMAX on a few values), and the
// difference. Each layer runs 5 calls per round, 200 rounds, layers interleaved; 25th
// percentiles (the machine is shared: a low quantile is what the code costs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { importOnnx, quantizeGraph, readTflite, tfliteGraph, withFloatEdges, writeTflite, type TfliteModel } from '../src/convert/index.js';
import { tfliteMacs } from './tflite-macs.mjs';
import { runtimeObserve } from '../src/cli/compress.js';
import { nodeMacs } from '../src/ir/macs.js';
import { fromGraph, type Model } from '../src/runtime/model.js';
import { loadKernels } from '../src/runtime/wasm.js';
import { LinearMemory } from '../src/runtime/memory.js';
import type { Build } from '../src/runtime/features.js';
import type { Program } from '../src/runtime/executor.js';
import { machine } from './machine.js';
import { peaks } from './peak.js';
import { loadLitert, openLitert, openLitertRaw, type LitertModel } from './peers/litert.mjs';
import { oneOperator } from './peers/one-operator.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIR = path.join(ROOT, '../shared/models/mlperf-tiny');
const OUT = path.join(ROOT, 'bench/out/mlperf');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '30' },
    models: { type: 'string', default: 'ic_resnet8,vww_mobilenet,kws_dscnn,ad_autoencoder' },
    layers: { type: 'boolean', default: false },
  },
});
const BUILDS: Build[] = ['simd', 'relaxed'];

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
interface Row { name: string; tfl: TfliteModel; macs: number; branchyMacs: number; engines: Engine[]; models: Model[]; litert: LitertModel[] }

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
  const litert = [await openLitertRaw(bytes), await openLitert(writeTflite(withFloatEdges(tfl)))];
  const xi = seeded(count, 18, true) as Int8Array;
  const xf = seeded(count, 18, false) as Float32Array;
  const models: Model[] = [];
  const engines: Engine[] = [
    { label: 'LiteRT.js int8', run: () => litert[0].run([xi]), times: [] },
    { label: 'LiteRT.js int8, float edges', run: () => litert[1].run([xf]), times: [] },
  ];
  for (const build of BUILDS) {
    const model = await fromGraph(q.graph, q.weights, { build });
    models.push(model);
    engines.push({ label: `branchy int8 ${build}`, run: () => model.run(xf, { layout: 'NHWC' }), times: [] });
  }
  rows.push({ name, tfl, macs: tfliteMacs(tfl), branchyMacs, engines, models, litert });
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

if (values.layers) {
  const p25 = (xs: number[]) => quant(xs, 0.25) * 1000;
  for (const r of rows) {
    const program = (r.models[r.models.length - 1] as unknown as { program: Program }).program; // internal: the compiled steps
    const g = tfliteGraph(r.tfl);
    // TFLite op i <-> the twin's node "/mods.i/..." (its conv, depthwise, gemm or pool), else
    // the next step of the same kind (ADD, RESHAPE, SOFTMAX: "/Add_k", "/Flatten", "/Softmax").
    const KIND: Record<string, string> = { ADD: 'add', RESHAPE: 'reshape', SOFTMAX: 'softmax' };
    const taken = new Set<unknown>();
    const layers = await Promise.all(g.ops.map(async (op, i) => {
      const one = await openLitertRaw(writeTflite(oneOperator(r.tfl, i)));
      const xs = one.inputs.map((t, k) => seeded(t.shape.reduce((a, d) => a * d, 1), 40 + k, true) as Int8Array);
      const step = program.steps.find((s) => s.node.name.startsWith(`/mods.${i}/`)) ??
        program.steps.find((s) => !taken.has(s) && s.node.op === KIND[op.op] && !s.node.name.startsWith('/mods.'));
      taken.add(step);
      return { op, one, xs, step, lt: [] as number[], br: [] as number[] };
    }));
    for (const l of layers) for (let c = 0; c < 200; c++) { await l.one.run(l.xs); l.step?.run(); } // warm-up
    for (let round = 0; round < 200; round++) {
      for (const l of layers) {
        let t = performance.now();
        for (let c = 0; c < 5; c++) await l.one.run(l.xs);
        l.lt.push((performance.now() - t) / 5);
        if (l.step) {
          t = performance.now();
          for (let c = 0; c < 5; c++) l.step.run();
          l.br.push((performance.now() - t) / 5);
        }
      }
    }
    const floor = Math.min(...layers.map((l) => p25(l.lt)));
    console.log(`\n### ${r.name}: per layer, µs (25th percentile; LiteRT's per-call floor ${floor.toFixed(1)} µs, the cheapest one-operator model)\n`);
    console.log('| # | op | shape in → out | MACs | LiteRT.js | LiteRT − floor | branchy relaxed | branchy GMAC/s | branchy ÷ (LiteRT − floor) |\n|---:|---|---|---:|---:|---:|---:|---:|---:|');
    let sums = [0, 0, 0];
    for (const l of layers) {
      const lt = p25(l.lt), br = l.step ? p25(l.br) : NaN;
      const macs = l.step?.macs ?? 0;
      if (l.step) sums = [sums[0] + lt, sums[1] + lt - floor, sums[2] + br];
      console.log(`| ${l.op.index} | ${l.op.op} | ${l.op.inputs[0]!.shape.join('×')} → ${l.op.outputs[0]!.shape.join('×')} | ${macs} | ${lt.toFixed(1)} | ${(lt - floor).toFixed(1)} | ${l.step ? br.toFixed(1) : '—'} | ${macs ? (macs / br / 1000).toFixed(1) : ''} | ${l.step ? (br / (lt - floor)).toFixed(2) : ''} |`);
      l.one.delete();
    }
    console.log(`\nlayers with a branchy step: LiteRT ${sums[0].toFixed(0)} µs (${sums[1].toFixed(0)} without the per-call floor), branchy ${sums[2].toFixed(0)} µs`);
  }
}
for (const r of rows) for (const m of r.litert) m.delete();

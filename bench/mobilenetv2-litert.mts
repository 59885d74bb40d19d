// branchy int8 against LiteRT.js int8 (TFLite + XNNPACK, one thread) on MobileNetV2-1.0-224, the
// targets of issues 18 (≤ 0.8×) and 21 (≤ 0.7×):
//   node --experimental-wasm-relaxed-simd --import tsx bench/mobilenetv2-litert.mts [--rounds 15] [--calls 4] [--residual]
// The network: the zoo's mobilenet_v2 at 224 px (test/zoo/make_zoo.py --image-size 224, run once
// with Debian's PyTorch into the ignored bench/out/mnv2/): torchvision's mobilenet_v2(weights=None)
// under a fixed seed, every BatchNorm made non-trivial from seeded data, eval, opset 13. (Plain
// torchvision initialisation in eval mode leaves identity BatchNorms, and the activations shrink
// layer by layer until a bias scale falls below 2^-40 and int8 quantization refuses the graph.)
// branchy imports the ONNX and quantizes it to int8 as `branchy convert --quant int8` does
// (minmax on 8 seeded random inputs uniform in [-1.5, 1.5]); that int8 graph is written as a
// .tflite with exportTflite(..., { io: 'int8' }) (int8 input and output; PyTorch's symmetric pads
// on the strided convs become PAD operators) and LiteRT.js runs that file as it is through its
// wasm bindings (openLitertRaw), handed int8. branchy runs the same int8 graph (fromGraph, relaxed
// build), handed the float input in NHWC whose quantization is the same int8 (its time includes
// quantizing the input and dequantizing the output). LiteRT.js also runs the file with float edges
// (withFloatEdges, public API), for reference.
// First the two engines' outputs on a few seeded inputs (top-1 and max difference in output
// steps; branchy's graph as quantized, f64 requantization multipliers, and again with
// graph.requantScale 'f32', XNNPACK's arithmetic, opt-in), then timing: one process, one thread,
// batch 1; each round runs every engine `calls` times, the order rotating (interleaved); medians
// and 25th percentiles per call.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { builtinName, exportTflite, importOnnx, importTflite, quantizeGraph, readTflite, withFloatEdges, writeTflite } from '../src/convert/index.js';
import { runtimeObserve } from '../src/cli/compress.js';
import { nodeMacs } from '../src/ir/macs.js';
import { fromGraph } from '../src/runtime/model.js';
import { machine } from './machine.js';
import { loadLitert, openLitert, openLitertRaw } from './peers/litert.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = path.join(ROOT, 'bench/out/mnv2');
const ONNX = path.join(OUT, 'mobilenet_v2.onnx');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' }, calls: { type: 'string', default: '4' }, residual: { type: 'boolean', default: false } } });
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

if (!existsSync(ONNX)) {
  mkdirSync(OUT, { recursive: true });
  const args = [path.join(ROOT, 'test/zoo/make_zoo.py'), '--out', OUT, '--only', 'mobilenet_v2', '--image-size', '224'];
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make_zoo.py: ${r.stderr}`);
}

const { build: litertWasm } = await loadLitert();
console.log(`# MobileNetV2-1.0-224 (seeded random weights): branchy int8 vs LiteRT.js int8 — ${machine()}\n`);
console.log(`command: node --experimental-wasm-relaxed-simd --import tsx bench/mobilenetv2-litert.mts ${process.argv.slice(2).join(' ')}`);
console.log(`LiteRT.js ${JSON.parse(readFileSync(path.join(ROOT, 'node_modules/@litertjs/core/package.json'), 'utf8')).version} (${litertWasm}.wasm), one thread; load average before ${load()}`);

function seeded(count: number, seed: number): Float32Array {
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Float32Array.from({ length: count }, () => rand() * 3 - 1.5);
}
const numel = (s: number[]) => s.reduce((a, d) => a * d, 1);
const argmax = (v: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
  return b;
};

const { graph, weights } = importOnnx(new Uint8Array(readFileSync(ONNX)));
const inCount = numel(graph.tensors.find((t) => t.name === graph.inputs[0])!.shape);
const calib = Array.from({ length: 8 }, (_, i) => seeded(inCount, 300 + i));
const t0 = performance.now();
const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: runtimeObserve(calib, ''), outputError: false });
const macs = q.graph.nodes.reduce((a, n) => a + nodeMacs(q.graph, n), 0);
const bytes = exportTflite(q.graph, q.weights, { io: 'int8' });
writeFileSync(path.join(OUT, 'mobilenet_v2_224.int8.tflite'), bytes);
const tfl = readTflite(bytes);
const sg = tfl.subgraphs[0];
const [inT, outT] = [sg.tensors[sg.inputs[0]], sg.tensors[sg.outputs[0]]];
const ops = new Map<string, number>();
for (const o of sg.operators) {
  const name = builtinName(tfl.operatorCodes[o.opcodeIndex].builtinCode);
  ops.set(name, (ops.get(name) ?? 0) + 1);
}
console.log(`int8 graph: ${q.graph.nodes.length} nodes, ${q.float.length} left in f32; MACs ${(macs / 1e6).toFixed(1)} M; .tflite ${(bytes.byteLength / 1e6).toFixed(2)} MB, ${sg.operators.length} operators (${[...ops].map(([k, n]) => `${n} ${k}`).join(', ')}), int8 input ${JSON.stringify(inT.shape)} and output (quantize + export ${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);

const branchy = await fromGraph(q.graph, q.weights, { build: 'relaxed' });
const outName = branchy.info.outputs[0].name;
const litRaw = await openLitertRaw(bytes);
const litFloat = await openLitert(writeTflite(withFloatEdges(tfl)));
const { scale: [si], zeroPoint: [zi] } = inT.quantization!;
const { scale: [so], zeroPoint: [zo] } = outT.quantization!;
/** An int8 input and its real values (NHWC): branchy quantizes them back to the same q. */
const sample = (seed: number) => {
  const qi = Int8Array.from(seeded(inCount, seed), (v) => Math.max(-128, Math.min(127, Math.round(v / si) + zi)));
  return { qi, xf: Float32Array.from(qi, (v) => (v - zi) * si) };
};

// Agreement on a few inputs: top-1 and the largest difference in output steps.
const AGREE = 4;
for (const [label, model] of [['f64 multipliers (as quantized)', branchy], ['requantScale f32', await fromGraph({ ...q.graph, requantScale: 'f32' }, q.weights, { build: 'relaxed' })]] as const) {
  let same = 0, worst = 0, differ = 0, total = 0;
  for (let k = 0; k < AGREE; k++) {
    const { qi, xf } = sample(70 + k);
    const lit = (await litRaw.run([qi]))[0] as Int8Array;
    const mine = model.run(xf, { layout: 'NHWC' })[outName].data as Float32Array;
    const steps = Array.from(lit, (v, i) => Math.abs(Math.round(mine[i] / so + zo) - v));
    same += +(argmax(lit) === argmax(mine));
    worst = Math.max(worst, ...steps);
    differ += steps.filter((d) => d > 0).length;
    total += steps.length;
  }
  console.log(`outputs on ${AGREE} seeded inputs, branchy ${label}: top-1 agrees on ${same}/${AGREE}; max difference ${worst} output step(s) (step ${so.toPrecision(3)}); ${differ}/${total} outputs differ`);
}
console.log('');

const { qi, xf } = sample(18);
const engines = [
  { label: 'LiteRT.js int8 (int8 in/out)', run: () => litRaw.run([qi]), times: [] as number[] },
  { label: 'LiteRT.js int8, float edges', run: () => litFloat.run([xf]), times: [] as number[] },
  { label: 'branchy int8 relaxed (float in/out)', run: () => branchy.run(xf, { layout: 'NHWC' }), times: [] as number[] },
];
// Like for like with LiteRT.js's float-edged row: branchy on the exported .tflite itself
// (importTflite: TFLite's f32 multipliers, as the MLPerf Tiny rows run; the importer gives an int8
// file a float input and a quantize, so both engines quantize the input and dequantize the output).
const imported = importTflite(bytes);
const fromFile = await fromGraph(imported.graph, imported.weights, { build: 'relaxed' });
engines.push({ label: 'branchy int8 relaxed, the .tflite (float edges)', run: () => fromFile.run(xf, { layout: 'NHWC' }), times: [] });
// --residual: the same graph with the residual adds in the project convs' epilogues, same rounds.
if (values.residual) {
  const fused = await fromGraph(q.graph, q.weights, { build: 'relaxed', fuseResidualAdd: true });
  engines.push({ label: 'branchy int8 relaxed, fuseResidualAdd', run: () => fused.run(xf, { layout: 'NHWC' }), times: [] });
}
// Warm-up: V8 tiers wasm up after many calls.
for (const e of engines) {
  const t = performance.now();
  for (let i = 0; i < 20 || performance.now() - t < 1500; i++) await e.run();
}
const rounds = Number(values.rounds), calls = Number(values.calls);
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < engines.length; k++) {
    const e = engines[(k + round) % engines.length];
    for (let c = 0; c < calls; c++) {
      const t = performance.now();
      await e.run();
      e.times.push(performance.now() - t);
    }
  }
}
const quant = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const base = quant(engines[0].times, 0.5);
console.log(`## Time per inference (${rounds} interleaved rounds × ${calls} calls)\n`);
console.log('| engine | median ms | p25 ms | × LiteRT.js int8 (median) | GMAC/s |\n|---|---|---|---|---|');
for (const e of engines) {
  const med = quant(e.times, 0.5);
  console.log(`| ${e.label} | ${med.toFixed(2)} | ${quant(e.times, 0.25).toFixed(2)} | ${(med / base).toFixed(2)} | ${(macs / med / 1e6).toFixed(1)} |`);
}
const ratio = quant(engines[2].times, 0.5) / base;
const same = quant(engines[3].times, 0.5) / quant(engines[1].times, 0.5);
console.log(`\nboth on float edges (branchy on the same .tflite ÷ LiteRT.js int8, float edges): ${same.toFixed(2)}`);
console.log(`\nbranchy ÷ LiteRT.js int8: ${ratio.toFixed(2)} — issue 18 target ≤ 0.8: ${ratio <= 0.8 ? 'met' : 'missed'}; issue 21 target ≤ 0.7: ${ratio <= 0.7 ? 'met' : 'missed'}`);
console.log(`load average after: ${load()}`);
litRaw.delete();
litFloat.delete();

// Per-layer times of one int8 .tflite in branchy and in LiteRT.js (TFLite + XNNPACK, one thread),
// the same file: branchy imports it (importTflite) and each of its steps runs alone; LiteRT.js runs
// each operator as a one-operator model cut from the file (bench/peers/one-operator.mts: that op,
// its tensors and weights, int8 in and out). Rounds interleave the layers and the two engines;
// 25th percentiles in µs. LiteRT's column includes its per-call cost (tensor buffers, copying the
// input in and the output out); "− floor" subtracts its cheapest one-operator model's time.
// branchy's steps named op<i>_... belong to TFLite operator i (a PAD has none: it is folded into
// the convolution after it); the input quantize and output dequantize steps get rows of their own.
// Rows sorted by the gap, branchy − (LiteRT − floor): the layers where XNNPACK is closest or ahead.
//   node --experimental-wasm-relaxed-simd --import tsx bench/tflite-layer-times.mts FILE.tflite [--rounds 100] [--build relaxed]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { builtinName, importTflite, readTflite, writeTflite } from '../src/convert/index.js';
import { fromGraph } from '../src/runtime/model.js';
import type { Build } from '../src/runtime/features.js';
import type { Program } from '../src/runtime/executor.js';
import { machine } from './machine.js';
import { openLitertRaw } from './peers/litert.mjs';
import { oneOperator } from './peers/one-operator.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '100' }, build: { type: 'string', default: 'relaxed' } },
});
if (positionals.length !== 1) throw new Error('usage: bench/tflite-layer-times.mts FILE.tflite [--rounds 100] [--build relaxed]');
const bytes = new Uint8Array(readFileSync(positionals[0]));
const tfl = readTflite(bytes);
const sg = tfl.subgraphs[0];
const { graph, weights } = importTflite(bytes);
const model = await fromGraph(graph, weights, { build: values.build as Build });
const program = (model as unknown as { program: Program }).program; // internal: the compiled steps

function seeded(count: number, seed: number): Int8Array {
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Int8Array.from({ length: count }, () => Math.floor(rand() * 256) - 128);
}
const numel = (s: readonly number[]) => s.reduce((a, d) => a * Math.max(1, d), 1);

interface Layer { label: string; shape: string; steps: Program['steps']; macs: number; lit?: Awaited<ReturnType<typeof openLitertRaw>>; xs?: Int8Array[]; lt: number[]; br: number[] }
const layers: Layer[] = [];
const byOp = new Map<number, Program['steps']>();
for (const s of program.steps) {
  const m = /^op(\d+)_/.exec(s.node.name);
  if (m) byOp.set(Number(m[1]), [...(byOp.get(Number(m[1])) ?? []), s]);
  else layers.push({ label: `(${s.node.op}: ${s.node.name})`, shape: '', steps: [s], macs: s.macs, lt: [], br: [] });
}
for (let i = 0; i < sg.operators.length; i++) {
  const op = sg.operators[i];
  const lit = await openLitertRaw(writeTflite(oneOperator(tfl, i)));
  const xs = lit.inputs.map((t, k) => seeded(numel(t.shape), 40 + k));
  const steps = byOp.get(i) ?? [];
  const shape = `${sg.tensors[op.inputs[0]].shape.join('×')} → ${sg.tensors[op.outputs[0]].shape.join('×')}`;
  layers.push({ label: `${i} ${builtinName(tfl.operatorCodes[op.opcodeIndex].builtinCode)}`, shape, steps, macs: steps.reduce((a, s) => a + s.macs, 0), lit, xs, lt: [], br: [] });
}
const runSteps = (l: Layer) => { for (const s of l.steps) s.run(); };
// The whole model too, in the same rounds: LiteRT.js on an int8 input, branchy on its real values (NHWC).
const whole = await openLitertRaw(bytes);
const inT = sg.tensors[sg.inputs[0]];
const xq = seeded(numel(inT.shape), 18);
const { scale: [si], zeroPoint: [zi] } = inT.quantization!;
const xf = Float32Array.from(xq, (v) => (v - zi) * si);
const wholeT = [[] as number[], [] as number[]];
for (const l of layers) for (let c = 0; c < 50; c++) { if (l.lit) await l.lit.run(l.xs!); runSteps(l); } // warm-up
for (let c = 0; c < 50; c++) { await whole.run([xq]); model.run(xf, { layout: 'NHWC' }); }
for (let round = 0; round < Number(values.rounds); round++) {
  let t0 = performance.now();
  for (let c = 0; c < 5; c++) await whole.run([xq]);
  wholeT[0].push(((performance.now() - t0) / 5) * 1000);
  t0 = performance.now();
  for (let c = 0; c < 5; c++) model.run(xf, { layout: 'NHWC' });
  wholeT[1].push(((performance.now() - t0) / 5) * 1000);
  for (const l of layers) {
    let t = performance.now();
    if (l.lit) {
      for (let c = 0; c < 5; c++) await l.lit.run(l.xs!);
      l.lt.push(((performance.now() - t) / 5) * 1000);
    }
    if (l.steps.length) {
      t = performance.now();
      for (let c = 0; c < 5; c++) runSteps(l);
      l.br.push(((performance.now() - t) / 5) * 1000);
    }
  }
}
const p25 = (xs: number[]) => (xs.length ? xs.slice().sort((a, b) => a - b)[xs.length >> 2] : 0);
const floor = Math.min(...layers.filter((l) => l.lit).map((l) => p25(l.lt)));
console.log(`# ${positionals[0]}: per layer, branchy (${values.build}) vs LiteRT.js, µs (p25 of ${values.rounds} interleaved rounds × 5 calls)\n${machine()}; load average after ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
console.log(`LiteRT's per-call floor ${floor.toFixed(1)} µs (its cheapest one-operator model)\n`);
console.log('| layer | shape in → out | MACs | LiteRT.js | LiteRT − floor | branchy | branchy GMAC/s | branchy ÷ (LiteRT − floor) | gap µs |\n|---|---|---:|---:|---:|---:|---:|---:|---:|');
const rows = layers.map((l) => {
  const lt = l.lit ? p25(l.lt) - floor : 0, br = p25(l.br);
  return { l, lt, br, gap: br - lt };
});
let sums = [0, 0];
for (const r of rows.sort((a, b) => b.gap - a.gap)) {
  sums = [sums[0] + r.lt, sums[1] + r.br];
  const g = r.l.macs && r.br ? (r.l.macs / r.br / 1000).toFixed(1) : '';
  console.log(`| ${r.l.label} | ${r.l.shape} | ${r.l.macs} | ${r.l.lit ? (r.lt + floor).toFixed(1) : '—'} | ${r.l.lit ? r.lt.toFixed(1) : '—'} | ${r.l.steps.length ? r.br.toFixed(1) : '—'} | ${g} | ${r.l.lit && r.l.steps.length ? (r.br / r.lt).toFixed(2) : ''} | ${r.gap.toFixed(1)} |`);
}
console.log(`\nsums: LiteRT − floor ${sums[0].toFixed(0)} µs, branchy ${sums[1].toFixed(0)} µs (${(sums[1] / sums[0]).toFixed(2)})`);
const [wl, wb] = wholeT.map(p25);
console.log(`whole model (same rounds): LiteRT.js int8 in/out ${wl.toFixed(0)} µs, branchy run() float in/out ${wb.toFixed(0)} µs (${(wb / wl).toFixed(2)}); branchy outside its steps ${(wb - sums[1]).toFixed(0)} µs, LiteRT's whole run − its layers' sum ${(wl - sums[0]).toFixed(0)} µs`);
const byKind = new Map<string, number[]>();
for (const r of rows) {
  const k = r.l.label.replace(/^\d+ /, '').replace(/^\((\w+):.*$/, '$1');
  const v = byKind.get(k) ?? [0, 0];
  byKind.set(k, [v[0] + r.lt, v[1] + r.br]);
}
console.log(`by kind (LiteRT − floor / branchy, µs): ${[...byKind].sort((a, b) => b[1][1] - a[1][1]).map(([k, [a, b]]) => `${k} ${a.toFixed(0)} / ${b.toFixed(0)}`).join('; ')}`);
for (const l of layers) l.lit?.delete();
whole.delete();

// Per-step kernel times of any .branchy model: where a forward pass spends its time.
//   node --experimental-wasm-relaxed-simd --import tsx bench/model-steps.mts MODEL.branchy [--build simd] [--rounds 300] [--no-winograd]
// Each step runs alone, 5 calls per round, steps interleaved over the rounds; prints the
// 25th percentile per step (the machine is shared: a low quantile is what the code costs),
// its MACs and GMAC/s, and the totals. The input is uniform noise of the model's input size
// (kernel times do not depend on the values; early-exit decisions are not taken here).
import { parseArgs } from 'node:util';
import { load } from '../src/runtime/model.js';
import type { Build } from '../src/runtime/features.js';
import type { Program } from '../src/runtime/executor.js';
import { machine } from './machine.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { build: { type: 'string', default: 'simd' }, rounds: { type: 'string', default: '300' }, 'no-winograd': { type: 'boolean', default: false } },
});
const file = positionals[0];
if (!file) throw new Error('usage: bench/model-steps.mts MODEL.branchy [--build simd] [--rounds 300]');
const model = await load(file, { build: values.build as Build, winograd: !values['no-winograd'] });
const program = (model as unknown as { program: Program }).program; // internal: the compiled steps
const size = model.info.inputs[0].dims.slice(1).reduce((a: number, d: number) => a * d, 1);
const x = new Float32Array(size).map(() => Math.random() * 2 - 1);
for (let i = 0; i < 100; i++) model.run(x); // tier-up

const steps = program.steps;
const ts = steps.map(() => [] as number[]);
for (let r = 0; r < Number(values.rounds); r++) {
  steps.forEach((s, i) => {
    const t = performance.now();
    for (let c = 0; c < 5; c++) s.run();
    ts[i].push(((performance.now() - t) / 5) * 1000);
  });
}
console.log(`# ${file}, build ${values.build}${values['no-winograd'] ? ', winograd: false' : ''}, ${machine()}\n`);
console.log('| µs (p25) | op | node | MACs | GMAC/s |\n|---:|---|---|---:|---:|');
const byOp = new Map<string, number>();
let total = 0;
steps.forEach((s, i) => {
  const v = ts[i].sort((a, b) => a - b)[ts[i].length >> 2];
  total += v;
  byOp.set(s.node.op, (byOp.get(s.node.op) ?? 0) + v);
  console.log(`| ${v.toFixed(1)} | ${s.node.op} | ${s.node.name} | ${s.macs} | ${s.macs ? (s.macs / v / 1000).toFixed(1) : ''} |`);
});
console.log(`\ntotal ${total.toFixed(0)} µs; by op: ${[...byOp].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);

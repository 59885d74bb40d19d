// Where the time of an early exit goes: per-step kernel times of a multi-exit model, the
// host work around them, and Model.run under a policy against full depth.
//   node --import tsx bench/exit-steps.mts [MODEL] [--policy entropy] [--build simd]
// On a shared machine a long timing loop is always interrupted, so every number here is the
// minimum (and the 25th percentile) over many short rounds (about 10 calls each), run
// interleaved: what the code costs when nothing else runs, not what `branchy eval` sees.
import { parseArgs } from 'node:util';
import { load } from '../src/runtime/model.js';
import { loadMnist } from '../src/cli/datasets.js';
import { parsePolicy } from '../src/exit/parse.js';
import type { Build } from '../src/runtime/features.js';
import type { Program } from '../src/runtime/executor.js';
import { machine } from './machine.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { policy: { type: 'string', default: 'entropy' }, build: { type: 'string', default: 'simd' }, rounds: { type: 'string', default: '600' } },
});
const file = positionals[0] ?? 'models/branchy-lenet-mnist.int8.branchy';
const model = await load(file, { build: values.build as Build });
const data = await loadMnist('test');
const policy = parsePolicy(values.policy!);
const rounds = Number(values.rounds);
// The steps are internal; this benchmark reads them to time each kernel call alone.
const program = (model as unknown as { program: Program }).program;
const img = (i: number) => data.images.subarray((i % data.count) * 784, ((i % data.count) + 1) * 784);

function timeRounds(fns: Record<string, (i: number) => void>, calls: number): Map<string, { min: number; p25: number }> {
  const ts = new Map(Object.keys(fns).map((k) => [k, [] as number[]]));
  let i = 0;
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(fns)) {
      const t0 = performance.now();
      for (let c = 0; c < calls; c++) f(i++);
      ts.get(k)!.push(((performance.now() - t0) / calls) * 1000);
    }
  }
  return new Map([...ts].map(([k, t]) => (t.sort((a, b) => a - b), [k, { min: t[0], p25: t[t.length >> 2] }])));
}

const early = (i: number) => model.run(img(i), { policy });
const full = (i: number) => model.run(img(i), { policy: { kind: 'full' } });
for (let i = 0; i < 2000; i++) (early(i), full(i));
const runs = timeRounds({ early, full }, 10);
model.run(img(0), { policy: { kind: 'full' } });
const steps = timeRounds(Object.fromEntries(program.steps.map((s) => [s.node.name, () => s.run()])), 10);

const e = runs.get('early')!, f = runs.get('full')!;
console.log(`${machine()}; ${file}, build ${model.info.build}, policy ${values.policy}`);
console.log(`\n| step | MACs | µs (min) | µs (p25) | GMAC/s |\n|---|---:|---:|---:|---:|`);
for (const s of program.steps) {
  const t = steps.get(s.node.name)!;
  console.log(`| ${s.node.name} (${s.node.op}) | ${s.macs} | ${t.min.toFixed(2)} | ${t.p25.toFixed(2)} | ${s.macs ? (s.macs / t.min / 1000).toFixed(1) : ''} |`);
}
const r = model.run(img(0), { policy });
console.log(`\nrun(${values.policy}) ${e.min.toFixed(2)} µs (p25 ${e.p25.toFixed(2)}), answering at exit ${r.exit} for digit 0`);
console.log(`run(full)     ${f.min.toFixed(2)} µs (p25 ${f.p25.toFixed(2)})`);
console.log(`speed-up      ${(f.min / e.min).toFixed(2)}× (min), ${(f.p25 / e.p25).toFixed(2)}× (p25)`);

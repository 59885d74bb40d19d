// node --experimental-wasm-relaxed-simd --import tsx bench/ab.mts OTHER_CHECKOUT [--rounds 21] [--build simd]
//
// This checkout against another one (e.g. a worktree of an older commit), on the shipped
// models in models/*.branchy: both runtimes loaded in one process from their sources, the
// same model bytes and input, run() at full depth, alternating A/B every round (the order
// flips each round); per model the median per-run time of each side and the ratio. For
// "no slower" checks of host-side refactors (issue 15), where kernels are byte-identical.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machine } from './machine.js';

const HERE = fileURLToPath(new URL('../', import.meta.url));
const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '21' }, build: { type: 'string', default: 'simd' }, 'round-ms': { type: 'string', default: '150' } },
});
if (positionals.length !== 1) throw new Error('usage: bench/ab.mts OTHER_CHECKOUT');
const OTHER = path.resolve(positionals[0]);
type Api = { load(bytes: Uint8Array, o: object): Promise<{ info: { inputs: { dims: number[]; dtype: string }[] }; run(x: Float32Array | Uint8Array): unknown; dispose?(): void }> };
const sides: [string, Api][] = [
  ['this', (await import(path.join(HERE, 'src/index.ts'))) as Api],
  ['other', (await import(path.join(OTHER, 'src/index.ts'))) as Api],
];
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];

console.log(`# bench/ab.mts: ${HERE} vs ${OTHER}, build ${opt.build}, ${opt.rounds} rounds of ~${opt['round-ms']} ms each side`);
console.log(machine());
console.log('| model | this (µs) | other (µs) | this / other |\n|---|---:|---:|---:|');
for (const f of readdirSync(path.join(HERE, 'models')).filter((n) => n.endsWith('.branchy')).sort()) {
  const bytes = new Uint8Array(readFileSync(path.join(HERE, 'models', f)));
  const models = await Promise.all(sides.map(([, api]) => api.load(bytes, { build: opt.build })));
  const { dims, dtype } = models[0].info.inputs[0];
  const n = dims.reduce((a, d) => a * (d > 0 ? d : 1), 1);
  const x = dtype === 'f32' ? new Float32Array(n).map((_, i) => Math.sin(i * 0.37)) : new Uint8Array(n).map((_, i) => (i * 37) & 255);
  const per = (m: (typeof models)[0]): number => {
    const t0 = performance.now();
    let n = 0;
    do { m.run(x); n++; } while (performance.now() - t0 < Number(opt['round-ms']));
    return ((performance.now() - t0) * 1000) / n;
  };
  for (const m of models) per(m); // warm up
  const t: number[][] = [[], []];
  for (let r = 0; r < Number(opt.rounds); r++) {
    const order = r % 2 ? [1, 0] : [0, 1];
    for (const i of order) t[i].push(per(models[i]));
  }
  const [a, b] = t.map(median);
  console.log(`| ${f} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(3)} |`);
  for (const m of models) m.dispose?.();
}

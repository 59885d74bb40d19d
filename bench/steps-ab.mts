// node --experimental-wasm-relaxed-simd --import tsx bench/steps-ab.mts MODEL.branchy OTHER_CHECKOUT... [--rounds 200] [--build simd]
//
// Per-step kernel times of one model in this checkout and in others (e.g. a worktree of an
// older commit, its wasm built), all loaded in one process: every step of every side runs 5
// calls per round, sides and steps interleaved in the same rounds (the order of the sides
// flips each round), so a loaded machine slows all sides alike. Times are process CPU time
// (a time slice lost to another process does not count: on a machine loaded 5x over, wall
// time inflates a 3 ms measurement far more than a 0.3 ms one). Prints per step the 25th
// percentile (µs) of each side, and the totals with their ratio: before/after numbers of a
// kernel change, step by step. Steps are matched by node name; a step one side lacks (a
// pool another kernel absorbed still has its empty step) shows as 0.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machine } from './machine.js';

const HERE = fileURLToPath(new URL('../', import.meta.url));
const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '200' }, build: { type: 'string', default: 'simd' } },
});
if (positionals.length < 2) throw new Error('usage: bench/steps-ab.mts MODEL.branchy OTHER_CHECKOUT...');
const [file, ...others] = positionals;
type Step = { node: { name: string; op: string }; run(): void };
type Api = { load(bytes: Uint8Array, o: object): Promise<{ info: { inputs: { dims: number[]; dtype: string }[] }; run(x: Float32Array | Uint8Array): unknown }> };
const roots = [HERE, ...others.map((o) => path.resolve(o))];
const bytes = new Uint8Array(readFileSync(file));
const sides = await Promise.all(roots.map(async (root) => {
  const api = (await import(path.join(root, 'src/index.ts'))) as Api;
  const wasm = { [opt.build!]: new Uint8Array(readFileSync(path.join(root, `build/branchy.${opt.build}.wasm`))) };
  const model = await api.load(bytes, { build: opt.build, wasm });
  const { dims, dtype } = model.info.inputs[0];
  const n = dims.reduce((a, d) => a * (d > 0 ? d : 1), 1);
  const x = dtype === 'f32' ? new Float32Array(n).map((_, i) => Math.sin(i * 0.37)) : new Uint8Array(n).map((_, i) => (i * 37) & 255);
  for (let i = 0; i < 50; i++) model.run(x); // tier-up
  const steps = (model as unknown as { program: { steps: Step[] } }).program.steps;
  return { root, steps, times: steps.map(() => [] as number[]) };
}));
for (let r = 0; r < Number(opt.rounds); r++) {
  for (let k = 0; k < sides.length; k++) {
    const s = sides[r % 2 ? sides.length - 1 - k : k];
    s.steps.forEach((step, i) => {
      const c0 = process.cpuUsage();
      for (let c = 0; c < 5; c++) step.run();
      const c = process.cpuUsage(c0);
      s.times[i].push((c.user + c.system) / 5);
    });
  }
}
const p25 = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 2];
const names = [...new Set(sides.flatMap((s) => s.steps.map((st) => st.node.name)))];
const at = (s: (typeof sides)[0], name: string): number => {
  const i = s.steps.findIndex((st) => st.node.name === name);
  return i < 0 ? 0 : p25(s.times[i]);
};
console.log(`# bench/steps-ab.mts ${file}, build ${opt.build}, ${opt.rounds} rounds; ${machine()}\n`);
sides.forEach((s, i) => console.log(`- side ${i}: ${s.root}`));
console.log(`\n| step | op | ${sides.map((_, i) => `side ${i} µs (p25)`).join(' | ')} |\n|---|---|${sides.map(() => '---:').join('|')}|`);
for (const name of names) {
  const op = sides.flatMap((s) => s.steps).find((st) => st.node.name === name)!.node.op;
  console.log(`| ${name} | ${op} | ${sides.map((s) => at(s, name).toFixed(1)).join(' | ')} |`);
}
const totals = sides.map((s) => names.reduce((a, n) => a + at(s, n), 0));
console.log(`| total | | ${totals.map((t) => t.toFixed(0)).join(' | ')} |`);
console.log(`\nside 0 / side ${sides.length > 2 ? 'k' : '1'}: ${totals.slice(1).map((t) => (totals[0] / t).toFixed(3)).join(', ')}`);

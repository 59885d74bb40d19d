// The host work of run() on one MLPerf Tiny int8 file, this checkout against another checkout
// (its src/ and build/: e.g. main's worktree), both imported into one process, with LiteRT.js
// in the same interleaved rounds; and where the time outside the compiled steps goes (this
// checkout): the JS finiteness check it replaced, the copy into the arena, the wasm check,
// the steps back to back. 25th percentiles in µs over rounds of 20 calls.
//   node --experimental-wasm-relaxed-simd --import tsx bench/input-ab.mts OTHER_CHECKOUT [FILE.tflite] [--rounds 200]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { importTflite, readTflite } from '../src/convert/index.js';
import { fromGraph } from '../src/runtime/model.js';
import type { Program } from '../src/runtime/executor.js';
import { machine } from './machine.js';
import { openLitertRaw } from './peers/litert.mjs';
import { seededInt8Input } from './peers/seeded-input.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '200' } } });
if (positionals.length < 1) throw new Error('usage: bench/input-ab.mts OTHER_CHECKOUT [FILE.tflite] [--rounds 200]');
const other = (await import(pathToFileURL(path.resolve(positionals[0], 'src/runtime/model.ts')).href)) as { fromGraph: typeof fromGraph };
const file = positionals[1] ?? path.join(ROOT, '../shared/models/mlperf-tiny/vww_mobilenet_int8.tflite');
const bytes = new Uint8Array(readFileSync(file));
const { xq, x } = seededInt8Input(readTflite(bytes));
const lit = await openLitertRaw(bytes);
const { graph, weights } = importTflite(bytes);
const a = await fromGraph(graph, weights, { build: 'relaxed' });
const b = await other.fromGraph(graph, weights, { build: 'relaxed' });
const program = (a as unknown as { program: Program }).program;
const slot = program.tensors.get(graph.inputs[0])!;
const scan = program.mem.mod.exports.f32_vfinite_x16__wasmsimd as unknown as (n: number, x: number) => number;
const jsCheck = (v: Float32Array): number => { // the JS check this branch replaced (model.ts firstNonFinite)
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
  for (; i + 4 <= v.length; i += 4) { s0 += v[i] * 0; s1 += v[i + 1] * 0; s2 += v[i + 2] * 0; s3 += v[i + 3] * 0; }
  for (; i < v.length; i++) s0 += v[i] * 0;
  return s0 + s1 + s2 + s3 === 0 ? -1 : 0;
};
const parts: [string, () => unknown][] = [
  ['LiteRT.js int8 run', () => lit.run([xq])],
  ['branchy run() (this)', () => a.run(x, { layout: 'NHWC' })],
  ['branchy run() (other)', () => b.run(x, { layout: 'NHWC' })],
  ['steps back to back', () => { for (const s of program.steps) s.run(); }],
  ['JS finiteness check (replaced)', () => jsCheck(x)],
  ['copy into the arena (f32.set)', () => program.mem.f32(slot.ptr, slot.elements).set(x)],
  ['wasm check f32_vfinite', () => scan(slot.elements, slot.ptr)],
];
const times = parts.map(() => [] as number[]);
for (const [, f] of parts) for (let i = 0; i < 300; i++) await f();
for (let r = 0; r < Number(values.rounds); r++) {
  for (let k = 0; k < parts.length; k++) {
    const j = (k + r) % parts.length;
    const t0 = performance.now();
    for (let c = 0; c < 20; c++) await parts[j][1]();
    times[j].push(((performance.now() - t0) / 20) * 1000);
  }
}
const p25 = (xs: number[]) => xs.slice().sort((p, q) => p - q)[Math.floor(0.25 * (xs.length - 1))];
console.log(`# bench/input-ab.mts ${positionals[0]} ${path.basename(file)}, relaxed, ${values.rounds} rounds\n${machine()}; load average after ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}\n`);
console.log('| part | µs (p25) |\n|---|---:|');
for (let k = 0; k < parts.length; k++) console.log(`| ${parts[k][0]} | ${p25(times[k]).toFixed(1)} |`);
const [l, ta, tb, steps] = times.slice(0, 4).map(p25);
console.log(`\nthis ÷ LiteRT ${(ta / l).toFixed(3)}, other ÷ LiteRT ${(tb / l).toFixed(3)}; run() − steps: this ${(ta - steps).toFixed(1)} µs, other ${(tb - steps).toFixed(1)} µs`);

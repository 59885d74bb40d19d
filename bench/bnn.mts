// Whole-model latency of .branchy files side by side (binary networks against their int8 and
// f32 twins): interleaved rounds, one image per run, one thread, medians of wall and process
// CPU time per image (the CPU time is steadier on a shared machine), plus file size, packed
// weight bytes and MACs. Full depth (no early exit; `branchy eval --policy` measures exits).
//
//   node --experimental-wasm-relaxed-simd --import tsx bench/bnn.mts [--build simd] [--rounds 15] [--runs 30] A.branchy B.branchy ...
//
// Ratios are against the first file. A file named with the suffix `@direct` (A.branchy@direct) is
// loaded with { winograd: false }: its 3x3 stride-1 convs on the direct kernels.
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { load } from '../src/runtime/model.js';
import type { Build } from '../src/runtime/features.js';
import { machine } from './machine.js';

const { values, positionals } = parseArgs({
  options: { build: { type: 'string', default: 'simd' }, rounds: { type: 'string', default: '15' }, runs: { type: 'string', default: '30' } },
  allowPositionals: true,
});
if (positionals.length === 0) throw new Error('usage: bench/bnn.mts [--build simd] [--rounds N] [--runs N] A.branchy B.branchy ...');
const rounds = Number(values.rounds), runs = Number(values.runs);

const models = await Promise.all(positionals.map(async (name) => {
  const direct = name.endsWith('@direct');
  const file = direct ? name.slice(0, -'@direct'.length) : name;
  const model = await load(new Uint8Array(readFileSync(file)), { build: values.build as Build, winograd: !direct });
  const dims = model.info.inputs[0].dims;
  const n = dims.slice(1).reduce((a, b) => a * b, 1);
  // A fixed, deterministic input (latency does not depend on the values at full depth).
  const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 1.5);
  return { file: name, path: file, model, x, wall: [] as number[], cpu: [] as number[] };
}));

const median = (a: number[]) => {
  const s = a.slice().sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const m of models) for (let i = 0; i < runs; i++) m.model.run(m.x); // warm up (tier up to TurboFan)
for (let r = 0; r < rounds; r++) {
  for (const m of models) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) m.model.run(m.x);
    const wall = (performance.now() - t0) / runs;
    const c = process.cpuUsage(c0);
    m.wall.push(wall);
    m.cpu.push((c.user + c.system) / 1000 / runs);
  }
}

console.log(`${machine()}; build ${values.build}; ${rounds} interleaved rounds of ${runs} runs; one image per run, one thread`);
console.log('');
console.log('| model | file bytes | packed weight bytes | MACs | wall ms (median) | CPU ms (median) | CPU time vs first |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
const base = median(models[0].cpu);
for (const m of models) {
  const cpu = median(m.cpu);
  console.log(`| ${m.file} | ${statSync(m.path).size} | ${m.model.info.weightBytes} | ${m.model.info.macs} | ${median(m.wall).toFixed(3)} | ` +
    `${cpu.toFixed(3)} | ${(cpu / base).toFixed(2)}× |`);
}

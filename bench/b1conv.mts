// Binary (XNOR-popcount) conv against the int8 conv of the same shape, side by side in one
// process: ResNet-18's 3×3 56×56×64→64 pad 1 (or --shape HxWxCxCOUT), in each build of
// --builds (default simd and relaxed), every b1_conv kernel the build has (the table's
// choice, the scalar twins, the variants), int8 and bits out, beside the int8 conv the table
// picks in that build. Interleaved rounds; per round each layer runs `--runs` times; medians
// over the rounds of process CPU time and wall time per call (CPU time is the steadier one
// on a shared machine). Ratios are the same build's int8 time / binary time: the int8 conv as
// the runtime runs it by default (the table's pick; a 3x3 stride-1 conv with C_in % 8 = 0 runs on
// the Winograd kernel in the SIMD builds) and with { winograd: false } (the direct/im2col kernel).
//
//   npm run bench:b1conv -- [--builds simd,relaxed] [--rounds 31] [--runs 10]
//     [--shape 56x56x64x64] [--only REGEX]   (--only: the binary kernels to run)
import { parseArgs } from 'node:util';
import { loadKernels } from '../src/runtime/wasm.js';
import { LinearMemory } from '../src/runtime/memory.js';
import { supportedBuilds, type Build } from '../src/runtime/features.js';
import os from 'node:os';
import { prepareQs8Conv, runQs8Conv } from '../src/runtime/ops/qs8-conv.js';
import { prepareB1Conv, runB1Conv } from '../src/runtime/ops/b1.js';
import { b1Words } from '../src/runtime/ops/b1-transform.js';
import { chooseKernel } from '../src/runtime/kernel-table.js';
import { kernelsOf } from '../src/runtime/manifest.js';
import { machine } from './machine.js';

const { values: opt } = parseArgs({
  options: {
    builds: { type: 'string', default: 'simd,relaxed' }, rounds: { type: 'string', default: '31' }, runs: { type: 'string', default: '10' },
    shape: { type: 'string', default: '56x56x64x64' }, only: { type: 'string' },
  },
});
const builds = opt.builds!.split(',').filter((b) => supportedBuilds().includes(b as Build)) as Build[];
const rounds = Number(opt.rounds), runs = Number(opt.runs);
const [h, w, c, cOut] = opt.shape!.split('x').map(Number);
const only = opt.only ? new RegExp(opt.only) : null;

const geom = { n: 1, h, w, c, kh: 3, kw: 3, pads: [1, 1, 1, 1] as [number, number, number, number] };
const K = 9 * c;
const macs = h * w * cOut * K;

interface Case { name: string; build: Build; fn: () => void; cpu: number[]; wall: number[]; int8?: 'default' | 'direct' }
const cases: Case[] = [];

for (const build of builds) {
  const mem = new LinearMemory(await loadKernels({ build }));
  for (const winograd of [true, false]) {
    const wq = Int8Array.from({ length: cOut * K }, (_, i) => ((i * 37) % 255) - 127);
    const L = prepareQs8Conv(mem, build, {
      geom, cOut, weights: wq, bias: new Int32Array(cOut).fill(100), scale: new Float32Array(cOut).fill(0.001),
      zpIn: -3, zpOut: 2, qmin: -128, qmax: 127, winograd,
    });
    const x = mem.put(Int8Array.from({ length: h * w * c }, (_, i) => ((i * 13) % 256) - 128));
    const y = mem.alloc(L.outputBytes);
    cases.push({ name: `int8 conv (${L.kernel}${winograd ? '' : ', winograd: false'})`, build, fn: () => runQs8Conv(mem, L, x, y), cpu: [], wall: [], int8: winograd ? 'default' : 'direct' });
  }
  const xb = mem.put(Uint32Array.from({ length: h * w * b1Words(c) }, (_, i) => Math.imul(i + 1, 0x9e3779b1) >>> 0 & (c % 32 ? (1 << c % 32) - 1 : -1)));
  const signs = Int8Array.from({ length: cOut * K }, (_, i) => ((Math.imul(i, 2654435761) >>> 13) & 1 ? 1 : -1));
  const mul = new Float32Array(cOut).map((_, i) => (i % 3 ? 0.01 : -0.013));
  const addv = new Float32Array(cOut).map((_, i) => (i % 5) * 0.01 - 0.02);
  for (const kernel of kernelsOf('b1_conv', build)) {
    if (only && !only.test(kernel)) continue;
    for (const out of [{ kind: 'int8', scale: 0.05, zeroPoint: 0 }, { kind: 'bits' }] as const) {
      const L = prepareB1Conv(mem, build, { geom, cOut, weights: signs, mul, add: addv, out, kernel });
      const y = mem.alloc(L.outputBytes);
      cases.push({ name: `binary conv → ${out.kind} (${kernel}${kernel === chooseKernel('b1_conv', build).kernel ? ', table' : ''})`, build, fn: () => runB1Conv(mem, L, xb, y), cpu: [], wall: [] });
    }
  }
}

const median = (a: number[]) => {
  const s = a.slice().sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const k of cases) for (let i = 0; i < 3 * runs; i++) k.fn(); // warm up (tier up to TurboFan)
for (let r = 0; r < rounds; r++) {
  for (const k of cases) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) k.fn();
    const wall = (performance.now() - t0) / runs;
    const cu = process.cpuUsage(c0);
    k.wall.push(wall);
    k.cpu.push((cu.user + cu.system) / 1000 / runs);
  }
}

const load = os.loadavg().map((v) => v.toFixed(1)).join(' ');
console.log(`${machine()}; 3×3 pad 1 ${h}×${w}×${c}→${cOut} (${macs} MACs); ${rounds} interleaved rounds of ${runs} calls; load average at the end ${load}\n`);
console.log('| build | layer (kernel) | CPU ms (median) | wall ms (median) | G(bit-)MAC/s (CPU) | int8 / this (CPU) | int8 / this (wall) | int8 winograd: false / this (CPU) |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const k of cases) {
  const base = cases.find((b) => b.int8 === 'default' && b.build === k.build)!;
  const direct = cases.find((b) => b.int8 === 'direct' && b.build === k.build)!;
  const cpu = median(k.cpu), wall = median(k.wall);
  console.log(`| ${k.build} | ${k.name} | ${cpu.toFixed(3)} | ${wall.toFixed(3)} | ${(macs / cpu / 1e6).toFixed(1)} | ${(median(base.cpu) / cpu).toFixed(2)}× | ${(median(base.wall) / wall).toFixed(2)}× | ${(median(direct.cpu) / cpu).toFixed(2)}× |`);
}

// The int8 depthwise layers of bench:kernels (MobileNetV2-224, VWW, DS-CNN, the CIFAR MobileNet)
// run by this checkout's kernels and by another build's wasm, in one process, alternating
// A / B every round (the order flips each round); per layer the fastest call of each side
// (a shared machine only ever slows a call down), GMAC/s, % of the dot peak measured in the
// same process, and the ratio. The host code is this checkout's for both (packing and the
// kernels' layouts live in the wasm).
//   node --experimental-wasm-relaxed-simd --import tsx bench/dw-ab.mts OTHER.simd.wasm [--rounds 15] [--only RE]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadKernels } from '../src/runtime/wasm.js';
import { LinearMemory } from '../src/runtime/memory.js';
import { prepareQs8Dwconv, runQs8Dwconv } from '../src/runtime/ops/qs8-dwconv.js';
import { peaks } from './peak.js';
import { machine } from './machine.js';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '15' }, only: { type: 'string' }, 'round-ms': { type: 'string', default: '40' } },
});
if (positionals.length !== 1) throw new Error('usage: bench/dw-ab.mts OTHER.simd.wasm');

interface Dw { name: string; h: number; w: number; c: number; s: number }
const LAYERS: Dw[] = [
  { name: '32×32×64', h: 32, w: 32, c: 64, s: 1 },
  { name: '8×8×512', h: 8, w: 8, c: 512, s: 1 },
  { name: '112×112×32', h: 112, w: 112, c: 32, s: 1 },
  { name: '/2 112×112×96', h: 112, w: 112, c: 96, s: 2 },
  { name: '56×56×144', h: 56, w: 56, c: 144, s: 1 },
  { name: '/2 56×56×144', h: 56, w: 56, c: 144, s: 2 },
  { name: '28×28×192', h: 28, w: 28, c: 192, s: 1 },
  { name: '14×14×576', h: 14, w: 14, c: 576, s: 1 },
  { name: '7×7×960', h: 7, w: 7, c: 960, s: 1 },
  { name: '48×48×8 (VWW)', h: 48, w: 48, c: 8, s: 1 },
  { name: '/2 48×48×16 (VWW)', h: 48, w: 48, c: 16, s: 2 },
  { name: '24×24×32 (VWW)', h: 24, w: 24, c: 32, s: 1 },
  { name: '6×6×128 (VWW)', h: 6, w: 6, c: 128, s: 1 },
  { name: '25×5×64 (DS-CNN)', h: 25, w: 5, c: 64, s: 1 },
].filter((l) => !opt.only || new RegExp(opt.only).test(l.name));

const sides = await Promise.all([
  loadKernels({ build: 'simd' }),
  loadKernels({ build: 'simd', wasm: { simd: new Uint8Array(readFileSync(positionals[0])) } }),
]);
const mems = sides.map((m) => new LinearMemory(m));
const peak = peaks(mems[0]).dot_i16x8!;

function prepare(mem: LinearMemory, l: Dw): { call: () => void; macs: number } {
  const wq = Int8Array.from({ length: 9 * l.c }, (_, i) => ((i * 37) % 255) - 127);
  const L = prepareQs8Dwconv(mem, 'simd', {
    geom: { n: 1, h: l.h, w: l.w, c: l.c, kh: 3, kw: 3, strideH: l.s, strideW: l.s, pads: [1, 1, 1, 1] },
    weights: wq, bias: new Int32Array(l.c).fill(100), scale: new Float32Array(l.c).fill(0.001), zpIn: -3, zpOut: 2,
  });
  const x = mem.put(Int8Array.from({ length: l.h * l.w * l.c }, (_, i) => ((i * 13) % 256) - 128));
  const y = mem.alloc(L.outputBytes);
  return { call: () => runQs8Dwconv(mem, L, x, y), macs: L.geom.oh * L.geom.ow * l.c * 9 };
}

console.log(`# bench/dw-ab.mts: this checkout (A) against ${positionals[0]} (B), simd build, ${opt.rounds} rounds`);
console.log(machine());
console.log(`dot peak ${peak.toFixed(1)} GMAC/s\n`);
console.log('| 3×3 depthwise | MACs | A GMAC/s | A % peak | B GMAC/s | B % peak | A time ÷ B |\n|---|---:|---:|---:|---:|---:|---:|');
for (const l of LAYERS) {
  const run = mems.map((m) => prepare(m, l));
  const best = [Infinity, Infinity];
  for (const r of run) for (let i = 0; i < 50; i++) r.call();
  for (let round = 0; round < Number(opt.rounds); round++) {
    for (const k of round % 2 ? [1, 0] : [0, 1]) {
      const t0 = performance.now();
      do {
        const t = performance.now();
        run[k].call();
        best[k] = Math.min(best[k], performance.now() - t);
      } while (performance.now() - t0 < Number(opt['round-ms']));
    }
  }
  const g = best.map((t) => run[0].macs / (t * 1e6));
  console.log(`| ${l.name} | ${run[0].macs} | ${g[0].toFixed(2)} | ${((100 * g[0]) / peak).toFixed(0)}% | ${g[1].toFixed(2)} | ${((100 * g[1]) / peak).toFixed(0)}% | ${(best[0] / best[1]).toFixed(2)} |`);
}

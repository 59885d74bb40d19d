// The int8 conv with the residual add in its epilogue (qs8_conv_add) against the conv and then the
// element-wise add (what the executor runs by default), on the layers that feed a
// residual add in ResNet-8 and MobileNetV2-224; the same packed weights, the same bytes out
// (checked first). Rounds alternate the two; fastest call of each (other jobs only slow a call).
//   node --experimental-wasm-relaxed-simd --import tsx bench/conv-add.mts [--rounds 200] [--build relaxed]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadKernels } from '../src/runtime/wasm.js';
import { LinearMemory } from '../src/runtime/memory.js';
import type { Build } from '../src/runtime/features.js';
import { prepareQs8Conv, runQs8Conv } from '../src/runtime/ops/qs8-conv.js';
import { binaryMultipliers, prepareBinary, runBinary } from '../src/runtime/ops/broadcast.js';
import { machine } from './machine.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '200' }, build: { type: 'string', default: 'relaxed' } } });
const build = values.build as Build;
const mem = new LinearMemory(await loadKernels({ build }), 1 << 30);
let seed = 3;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const i8 = (n: number, lo = -127, hi = 127) => Int8Array.from({ length: n }, () => lo + Math.floor(rand() * (hi - lo + 1)));

const LAYERS = [
  { name: 'ResNet-8 block 2: 3x3 16×16×32 → 32', h: 16, c: 32, o: 32, k: 3 },
  { name: 'ResNet-8 block 3: 3x3 8×8×64 → 64', h: 8, c: 64, o: 64, k: 3 },
  { name: 'MobileNetV2 project 56×56×144 → 24', h: 56, c: 144, o: 24, k: 1 },
  { name: 'MobileNetV2 project 14×14×384 → 64', h: 14, c: 384, o: 64, k: 1 },
  { name: 'MobileNetV2 project 14×14×576 → 96', h: 14, c: 576, o: 96, k: 1 },
  { name: 'MobileNetV2 project 7×7×960 → 160', h: 7, c: 960, o: 160, k: 1 },
];
const qv = { scale: 0.05, zeroPoint: 3 }, qr = { scale: 0.04, zeroPoint: -7 }, qy = { scale: 0.06, zeroPoint: -128 };
const rows = LAYERS.map((l) => {
  const K = l.k * l.k * l.c, size = l.h * l.h * l.o;
  const spec = {
    geom: { n: 1, h: l.h, w: l.h, c: l.c, kh: l.k, kw: l.k, pads: (l.k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0]) as [number, number, number, number] },
    cOut: l.o, weights: i8(l.o * K), bias: null, scale: Float32Array.from({ length: l.o }, () => Math.fround((0.5 + rand()) / (60 * Math.sqrt(K)))),
    zpIn: -5, zpOut: qv.zeroPoint, allocScratch: false,
  };
  const { m_a, m_b } = binaryMultipliers('add', qv, qr, qy);
  const conv = prepareQs8Conv(mem, build, spec);
  const fused = prepareQs8Conv(mem, build, { ...spec, residual: { zp: qr.zeroPoint, zpY: qy.zeroPoint, qmin: -128, qmax: 127, mV: m_a, mR: m_b } });
  const add = prepareBinary(mem, build, { dtype: 'qs8', op: 'add', a: [l.h, l.h, l.o], b: [l.h, l.h, l.o], qa: qv, qb: qr, qy });
  const x = mem.put(i8(l.h * l.h * l.c, -128, 127)), r = mem.put(i8(size, -128, 127));
  const v = mem.alloc(size), y = mem.alloc(size), yf = mem.alloc(size), s = mem.alloc(Math.max(16, conv.scratchBytes, fused.scratchBytes));
  const plain = () => { runQs8Conv(mem, conv, x, v, s); runBinary(mem, add, v, r, y); };
  const one = () => runQs8Conv(mem, fused, x, yf, s, r);
  plain();
  one();
  const a = mem.i8(y, size), b = mem.i8(yf, size);
  const bad = a.findIndex((t, i) => t !== b[i]);
  if (bad >= 0) throw new Error(`${l.name}: byte ${bad}: fused ${b[bad]}, conv then add ${a[bad]}`);
  const macs = size * K;
  return { l, plain, one, convOnly: () => runQs8Conv(mem, conv, x, v, s), addOnly: () => runBinary(mem, add, v, r, y), t: [Infinity, Infinity, Infinity, Infinity], macs, kernel: conv.kernel };
});
const rounds = Number(values.rounds);
const load0 = os.loadavg()[0];
for (let round = 0; round < rounds; round++) {
  for (const row of rows) {
    [row.plain, row.one, row.convOnly, row.addOnly].forEach((f, i) => {
      const t0 = performance.now();
      for (let c = 0; c < 3; c++) f();
      row.t[i] = Math.min(row.t[i], ((performance.now() - t0) / 3) * 1000);
    });
  }
}
console.log(`# conv then add vs conv with the add in its epilogue (${build}), fastest µs of ${rounds} rounds × 3 calls`);
console.log(`${machine()}; load average ${load0.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after\n`);
console.log('| layer | conv kernel | conv | add | conv + add | fused | fused ÷ (conv + add) | saved µs |\n|---|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.l.name} | ${r.kernel} | ${r.t[2].toFixed(1)} | ${r.t[3].toFixed(1)} | ${r.t[0].toFixed(1)} | ${r.t[1].toFixed(1)} | ${(r.t[1] / r.t[0]).toFixed(3)} | ${(r.t[0] - r.t[1]).toFixed(1)} |`);
}

// The int8 add alone against its size: the time per element stays where the operands live in L1
// (2 K elements) or in L2 (300 K): its f32 arithmetic is its cost, not its memory traffic.
console.log('\n| int8 add alone, elements | ns per element (fastest) |\n|---:|---:|');
const qa = { scale: 0.05, zeroPoint: 3 }, qb = { scale: 0.04, zeroPoint: -7 };
for (const n of [2048, 8192, 75264, 301056]) {
  const L = prepareBinary(mem, build, { dtype: 'qs8', op: 'add', a: [n], b: [n], qa, qb, qy });
  const a = mem.put(i8(n, -128, 127)), b = mem.put(i8(n, -128, 127)), y = mem.alloc(n);
  const reps = Math.max(1, Math.round(75264 / n));
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) runBinary(mem, L, a, b, y);
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  console.log(`| ${n} | ${((best * 1e6) / n).toFixed(3)} |`);
}

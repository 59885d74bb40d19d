// Kernel benchmarks on real layer shapes (MobileNet-v1 CIFAR-10, ResNet-18), every
// build, GMAC/s at the median, beside the measured peak of the dot instruction mix; then the
// element-wise kernels (./eltwise.ts) in ns per element, and the data-movement kernels
// (bench/move-cases.mts), every kernel of their op the manifest lists (the SIMD kernel and its
// scalar twin), GB/s of bytes read and written.
//   npm run bench:kernels               (prints Markdown tables; paste them into bench/RESULTS.md)
//   npm run bench:kernels -- --eltwise  (the element-wise table only)
//   npm run bench:kernels -- --builds simd --only 'dw|1×1' --stat min --time 2000
// --only: the conv layers (and move cases) whose name matches, no element-wise table.
// --stat min reports the fastest call (on a shared, loaded machine the least disturbed one:
// compare builds of the code by alternating runs and taking the best of each).
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { loadKernels } from '../src/runtime/wasm.js';
import { LinearMemory } from '../src/runtime/memory.js';
import { BUILDS, supportedBuilds, type Build } from '../src/runtime/features.js';
import { prepareQs8Conv, runQs8Conv } from '../src/runtime/ops/qs8-conv.js';
import { chooseKernel } from '../src/runtime/kernel-table.js';
import { buildOf, kernelsOf } from '../src/runtime/manifest.js';
import { prepareQs8Dwconv, runQs8Dwconv } from '../src/runtime/ops/qs8-dwconv.js';
import { prepareF32Conv, runF32Conv } from '../src/runtime/ops/f32-conv.js';
import { peaks } from './peak.js';
import { machine } from './machine.js';
import { benchEltwise, ELT_CASES } from './eltwise.js';
import { MOVE_CASES, moveBytes } from './move-cases.mjs';

interface Shape {
  name: string;
  kind: 'qs8_conv' | 'qs8_dw' | 'f32_conv';
  h: number; w: number; c: number; cOut: number; k: number; stride: number; pad: number;
  /** Run the kernel variant with this export name instead of the table's choice (per build). */
  kernel?: Partial<Record<Build, string>>;
}

/** The im2col + GEMM conv (the table's 'qs8_conv'), to run head to head with the direct kernel that the conv op picks for C_in <= 4. */
const IM2COL = Object.fromEntries(BUILDS.map((b) => [b, chooseKernel('qs8_conv', b).kernel])) as Record<Build, string>;
/** The relaxed build's own conv variants (the manifest's __wasmrelaxed qs8 convs), beside the simd kernel it runs. */
const RELAXED_DOT = { relaxed: kernelsOf('qs8_conv', 'relaxed').find((k) => buildOf(k) === 'relaxed') };

const SHAPES: Shape[] = [
  { name: 'conv 3×3 32×32×3→32', kind: 'qs8_conv', h: 32, w: 32, c: 3, cOut: 32, k: 3, stride: 1, pad: 1 },
  { name: 'conv 3×3 32×32×3→32, im2col GEMM', kind: 'qs8_conv', h: 32, w: 32, c: 3, cOut: 32, k: 3, stride: 1, pad: 1, kernel: IM2COL },
  { name: 'LeNet conv1 5×5 28×28×1→20', kind: 'qs8_conv', h: 28, w: 28, c: 1, cOut: 20, k: 5, stride: 1, pad: 0 },
  { name: 'LeNet conv1 5×5 28×28×1→20, im2col GEMM', kind: 'qs8_conv', h: 28, w: 28, c: 1, cOut: 20, k: 5, stride: 1, pad: 0, kernel: IM2COL },
  { name: 'dw 3×3 32×32×64', kind: 'qs8_dw', h: 32, w: 32, c: 64, cOut: 64, k: 3, stride: 1, pad: 1 },
  { name: 'dw 3×3 8×8×512', kind: 'qs8_dw', h: 8, w: 8, c: 512, cOut: 512, k: 3, stride: 1, pad: 1 },
  // MobileNetV2-224's depthwise layers (one of each kind) and its first conv.
  { name: 'dw 3×3 112×112×32', kind: 'qs8_dw', h: 112, w: 112, c: 32, cOut: 32, k: 3, stride: 1, pad: 1 },
  { name: 'dw 3×3/2 112×112×96', kind: 'qs8_dw', h: 112, w: 112, c: 96, cOut: 96, k: 3, stride: 2, pad: 1 },
  { name: 'dw 3×3 56×56×144', kind: 'qs8_dw', h: 56, w: 56, c: 144, cOut: 144, k: 3, stride: 1, pad: 1 },
  { name: 'dw 3×3/2 56×56×144', kind: 'qs8_dw', h: 56, w: 56, c: 144, cOut: 144, k: 3, stride: 2, pad: 1 },
  { name: 'dw 3×3 14×14×576', kind: 'qs8_dw', h: 14, w: 14, c: 576, cOut: 576, k: 3, stride: 1, pad: 1 },
  { name: 'dw 3×3 7×7×960', kind: 'qs8_dw', h: 7, w: 7, c: 960, cOut: 960, k: 3, stride: 1, pad: 1 },
  // MLPerf Tiny: VWW's first depthwise (8 channels) and DS-CNN's (25×5×64).
  { name: 'dw 3×3 48×48×8 (VWW)', kind: 'qs8_dw', h: 48, w: 48, c: 8, cOut: 8, k: 3, stride: 1, pad: 1 },
  { name: 'dw 3×3 25×5×64 (DS-CNN)', kind: 'qs8_dw', h: 25, w: 5, c: 64, cOut: 64, k: 3, stride: 1, pad: 1 },
  { name: 'conv 3×3/2 96×96×3→8 (VWW first)', kind: 'qs8_conv', h: 96, w: 96, c: 3, cOut: 8, k: 3, stride: 2, pad: 1 },
  { name: 'conv 3×3/2 96×96×3→16', kind: 'qs8_conv', h: 96, w: 96, c: 3, cOut: 16, k: 3, stride: 2, pad: 1 },
  { name: 'conv 3×3/2 224×224×3→32 (MobileNetV2 first)', kind: 'qs8_conv', h: 224, w: 224, c: 3, cOut: 32, k: 3, stride: 2, pad: 1 },
  // MobileNetV2-224's first expand (K = 16 on 112×112: the direct kernel's pair image is 800 KB) and VWW's 8→16.
  { name: '1×1 112×112×16→96', kind: 'qs8_conv', h: 112, w: 112, c: 16, cOut: 96, k: 1, stride: 1, pad: 0 },
  { name: '1×1 112×112×16→96, im2col GEMM', kind: 'qs8_conv', h: 112, w: 112, c: 16, cOut: 96, k: 1, stride: 1, pad: 0, kernel: IM2COL },
  { name: '1×1 25×5×64→64 (DS-CNN)', kind: 'qs8_conv', h: 25, w: 5, c: 64, cOut: 64, k: 1, stride: 1, pad: 0 },
  { name: '1×1 48×48×8→16', kind: 'qs8_conv', h: 48, w: 48, c: 8, cOut: 16, k: 1, stride: 1, pad: 0 },
  { name: '1×1 48×48×8→16, im2col GEMM', kind: 'qs8_conv', h: 48, w: 48, c: 8, cOut: 16, k: 1, stride: 1, pad: 0, kernel: IM2COL },
  { name: '1×1 16×16×128→256', kind: 'qs8_conv', h: 16, w: 16, c: 128, cOut: 256, k: 1, stride: 1, pad: 0 },
  { name: '1×1 4×4×512→1024', kind: 'qs8_conv', h: 4, w: 4, c: 512, cOut: 1024, k: 1, stride: 1, pad: 0 },
  { name: '1×1 16×16×128→256 (relaxed dot)', kind: 'qs8_conv', h: 16, w: 16, c: 128, cOut: 256, k: 1, stride: 1, pad: 0, kernel: RELAXED_DOT },
  { name: 'ResNet-18 3×3 56×56×64→64', kind: 'qs8_conv', h: 56, w: 56, c: 64, cOut: 64, k: 3, stride: 1, pad: 1 },
  { name: 'f32 conv 3×3 32×32×3→32', kind: 'f32_conv', h: 32, w: 32, c: 3, cOut: 32, k: 3, stride: 1, pad: 1 },
  { name: 'f32 1×1 16×16×128→256', kind: 'f32_conv', h: 16, w: 16, c: 128, cOut: 256, k: 1, stride: 1, pad: 0 },
];

function macs(s: Shape): number {
  const oh = Math.floor((s.h + 2 * s.pad - s.k) / s.stride) + 1;
  const ow = Math.floor((s.w + 2 * s.pad - s.k) / s.stride) + 1;
  return oh * ow * s.cOut * s.k * s.k * (s.kind === 'qs8_dw' ? 1 : s.c);
}

/** Prepare one layer with deterministic weights; returns the call to time, or null if this build lacks the variant. */
function layer(mem: LinearMemory, build: Build, s: Shape): (() => void) | null {
  const kernel = s.kernel ? s.kernel[build] : undefined;
  if (s.kernel && !kernel) return null;
  const geom = { n: 1, h: s.h, w: s.w, c: s.c, kh: s.k, kw: s.k, strideH: s.stride, strideW: s.stride, pads: [s.pad, s.pad, s.pad, s.pad] as [number, number, number, number] };
  const taps = s.k * s.k;
  const wq = Int8Array.from({ length: s.cOut * taps * (s.kind === 'qs8_dw' ? 1 : s.c) }, (_, i) => ((i * 37) % 255) - 127);
  const scale = new Float32Array(s.cOut).fill(0.001);
  const bias = new Int32Array(s.cOut).fill(100);
  if (s.kind === 'f32_conv') {
    const L = prepareF32Conv(mem, build, { geom, outChannels: s.cOut, weights: Float32Array.from(wq, (v) => v / 127), bias: new Float32Array(s.cOut), fmin: 0, fmax: 6 });
    const x = mem.put(new Float32Array(s.h * s.w * s.c).map((_, i) => Math.sin(i)));
    const y = mem.alloc(L.outputFloats * 4);
    return () => runF32Conv(mem, L, x, y);
  }
  const x = mem.put(Int8Array.from({ length: s.h * s.w * s.c }, (_, i) => ((i * 13) % 256) - 128));
  if (s.kind === 'qs8_dw') {
    const L = prepareQs8Dwconv(mem, build, { geom, weights: wq, bias, scale, zpIn: -3, zpOut: 2, qmin: -128, qmax: 127 });
    const y = mem.alloc(L.outputBytes);
    return () => runQs8Dwconv(mem, L, x, y);
  }
  const L = prepareQs8Conv(mem, build, { geom, cOut: s.cOut, weights: wq, bias, scale, zpIn: -3, zpOut: 2, qmin: -128, qmax: 127, kernel });
  const y = mem.alloc(L.outputBytes);
  return () => runQs8Conv(mem, L, x, y);
}

const { values: opt } = parseArgs({
  options: {
    builds: { type: 'string' }, only: { type: 'string' }, stat: { type: 'string', default: 'p50' }, time: { type: 'string', default: '400' },
    eltwise: { type: 'boolean', default: false },
  },
});
const stat = opt.stat as 'p50' | 'min';
if (stat !== 'p50' && stat !== 'min') throw new Error('--stat is p50 or min');
const only = opt.only ? new RegExp(opt.only) : null;
const builds = BUILDS.filter((b) => supportedBuilds().includes(b) && (!opt.builds || opt.builds.split(',').includes(b)));
const eltOnly = opt.eltwise;
const elt = new Map<string, Partial<Record<Build, number>>>();
const gmacs = new Map<string, Partial<Record<Build, number>>>();
/** Data movement: GB/s per case and kernel export, in the highest build that has the kernel. */
const gbs = new Map<string, Map<string, number>>();
const peak: Partial<Record<Build, ReturnType<typeof peaks>>> = {};
for (const build of builds) {
  const mod = await loadKernels({ build });
  // One allocator per instance: every layer's buffers live side by side.
  const mem = new LinearMemory(mod);
  if (!only) for (const [key, ns] of await benchEltwise(mem, build)) elt.set(key, { ...elt.get(key), [build]: ns });
  if (eltOnly) continue;
  peak[build] = peaks(mem);
  const bench = new Bench({ time: Number(opt.time), warmupTime: 100, iterations: 30 });
  for (const s of SHAPES) {
    if (only && !only.test(s.name)) continue;
    const fn = layer(mem, build, s);
    if (fn) bench.add(s.name, fn);
  }
  // Each move case with every kernel of its op this build adds (the scalar twins run in the scalar build).
  for (const c of MOVE_CASES) {
    if (only && !only.test(c.name)) continue;
    for (const k of kernelsOf(c.op, build).filter((k) => buildOf(k) === build || build === 'scalar')) bench.add(`move|${c.name}|${k}`, c.prepare(mem, build, k));
  }
  await bench.run();
  for (const t of bench.tasks) {
    if (t.name.startsWith('move|')) {
      const [, name, k] = t.name.split('|');
      const lat = (t.result as unknown as { latency?: { p50: number; min: number } }).latency;
      if (lat !== undefined) gbs.set(name, (gbs.get(name) ?? new Map()).set(k, moveBytes(MOVE_CASES.find((c) => c.name === name)!) / (lat[stat] * 1e6)));
      continue;
    }
    const r = t.result as unknown as { latency?: { p50: number; min: number } };
    if (!r.latency) continue;
    const s = SHAPES.find((x) => x.name === t.name)!;
    const row = gmacs.get(s.name) ?? {};
    row[build] = macs(s) / (r.latency[stat] * 1e6);
    gmacs.set(s.name, row);
  }
}

const fmt = (v?: number) => (v === undefined ? '—' : v.toFixed(2));
const dotPeak = peak.simd?.dot_i16x8;
console.log(`\n${machine()}\n`);
if (!only) {
  console.log(`| element-wise (ns per output element) | kernel | ${builds.join(' | ')} |`);
  console.log(`|---|---|${builds.map(() => '---:').join('|')}|`);
  for (const c of ELT_CASES) {
    for (const [key, row] of elt) {
      if (key.startsWith(`${c.name}|`)) console.log(`| ${c.name} | ${key.slice(c.name.length + 1)} | ${builds.map((b) => (row[b] === undefined ? '—' : row[b]!.toFixed(3))).join(' | ')} |`);
    }
  }
}
if (eltOnly) process.exit(0);
console.log(`\nmeasured peak: i32x4.dot_i16x8_s loop ${fmt(dotPeak)} GMAC/s (simd), ${fmt(peak.relaxed?.dot_i16x8)} (relaxed build); relaxed i8×i7 dot loop ${fmt(peak.relaxed?.relaxed_dot_i8x16)} GMAC/s\n`);
console.log(`GMAC/s at the ${stat === 'min' ? 'fastest call' : 'median'}\n`);
console.log(`| layer | MACs | ${builds.join(' GMAC/s | ')} GMAC/s | simd % of dot peak |`);
console.log(`|---|---:|${builds.map(() => '---:').join('|')}|---:|`);
for (const s of SHAPES) {
  if (only && !only.test(s.name)) continue;
  const row = gmacs.get(s.name) ?? {};
  const pct = row.simd !== undefined && dotPeak ? `${((100 * row.simd) / dotPeak).toFixed(0)}%` : '—';
  console.log(`| ${s.name} | ${macs(s)} | ${builds.map((b) => fmt(row[b])).join(' | ')} | ${s.kind === 'f32_conv' ? 'n/a (f32)' : pct} |`);
}

console.log('\n| data movement | bytes | kernel: GB/s |');
console.log('|---|---:|---|');
for (const c of MOVE_CASES) {
  if (only && !only.test(c.name)) continue;
  const row = [...(gbs.get(c.name) ?? new Map<string, number>())].map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
  console.log(`| ${c.name} | ${moveBytes(c)} | ${row} |`);
}

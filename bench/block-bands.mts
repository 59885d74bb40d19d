// Would MobileNetV2's inverted-residual blocks run faster band by band (issue 21 item 1)? Each
// block (1x1 expand + ReLU6 -> 3x3 depthwise + ReLU6 -> 1x1 project) is run two ways on the same
// kernels, same packed weights: whole (each layer a pass over the whole tensor, as the executor
// runs it now) and in bands of B output rows, the expanded rows a band needs kept in a small
// scratch (a ring: the 1 or 2 rows two bands share are moved to the top of the scratch instead of
// being expanded again), the depthwise conv on that band (its own params: the band's rows and
// padding), the project GEMM writing the band's output rows. The banded output must equal the
// whole output byte for byte (checked first). Rounds alternate the two ways; fastest and median
// µs per block (block by block). This measures the idea before it is built into the executor; it is not that build.
//   node --experimental-wasm-relaxed-simd --import tsx bench/block-bands.mts [--rounds 40] [--build relaxed] [--bands 4,8,16]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadKernels } from '../src/runtime/wasm.js';
import { LinearMemory } from '../src/runtime/memory.js';
import type { Build } from '../src/runtime/features.js';
import { prepareQs8Conv, runQs8Conv, type Qs8ConvLayer } from '../src/runtime/ops/qs8-conv.js';
import { prepareQs8Dwconv, runQs8Dwconv, type Qs8DwconvLayer } from '../src/runtime/ops/qs8-dwconv.js';
import { machine } from './machine.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '40' }, build: { type: 'string', default: 'relaxed' }, bands: { type: 'string', default: '4,8,16' } } });
const build = values.build as Build;
const mem = new LinearMemory(await loadKernels({ build }), 1 << 30);
mem.ensure(256 << 20);
let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const i8 = (n: number, lo = -127, hi = 127) => Int8Array.from({ length: n }, () => lo + Math.floor(rand() * (hi - lo + 1)));
const scales = (n: number, k: number) => Float32Array.from({ length: n }, () => Math.fround((0.5 + rand()) / (60 * Math.sqrt(k))));

// MobileNetV2-1.0-224's inverted-residual shapes (expansion 6): input H, C_in, stride, C_out.
const BLOCKS = [
  { h: 112, cin: 16, s: 2, cout: 24 },
  { h: 56, cin: 24, s: 1, cout: 24 },
  { h: 56, cin: 24, s: 2, cout: 32 },
  { h: 28, cin: 32, s: 1, cout: 32 },
  { h: 28, cin: 32, s: 2, cout: 64 },
  { h: 14, cin: 64, s: 1, cout: 64 },
  { h: 14, cin: 96, s: 1, cout: 96 },
  { h: 7, cin: 160, s: 1, cout: 160 },
];

interface Block { name: string; run: () => void; banded: Map<number, () => void>; y: number; yb: number; ybBytes: number; whole: () => void }

function block(b: (typeof BLOCKS)[number], bandRows: number[]): Block {
  const ce = b.cin * 6, H = b.h, W = b.h, oh = Math.floor((H + 2 - 3) / b.s) + 1, ow = oh;
  const q = { zpIn: -3, zpOut: -128, qmin: -128, qmax: 100 }; // ReLU6-like clamps
  const eSpec = (h: number) => ({ geom: { n: 1, h, w: W, c: b.cin, kh: 1, kw: 1 }, cOut: ce, weights: eW, bias: null, scale: eS, ...q });
  const eW = i8(ce * b.cin), eS = scales(ce, b.cin);
  const E = prepareQs8Conv(mem, build, eSpec(H));
  const dwW = i8(9 * ce), dwS = scales(ce, 9);
  const dwSpec = (h: number, pt: number, pb: number) => ({ geom: { n: 1, h, w: W, c: ce, kh: 3, kw: 3, strideH: b.s, strideW: b.s, pads: [pt, 1, pb, 1] as [number, number, number, number] }, weights: dwW, bias: null, scale: dwS, zpIn: -128, zpOut: -128, qmin: -128, qmax: 100 });
  const D = prepareQs8Dwconv(mem, build, dwSpec(H, 1, 1));
  const pW = i8(b.cout * ce), pS = scales(b.cout, ce);
  const pSpec = (h: number) => ({ geom: { n: 1, h, w: ow, c: ce, kh: 1, kw: 1 }, cOut: b.cout, weights: pW, bias: null, scale: pS, zpIn: -128, zpOut: 5 });
  const P = prepareQs8Conv(mem, build, pSpec(oh));
  // The 1x1 layers of a band's rows, by row count (the runtime's kernel choice for that shape).
  const cache = new Map<string, Qs8ConvLayer>();
  const layer = (k: string, make: () => Qs8ConvLayer) => cache.get(k) ?? (cache.set(k, make()), cache.get(k)!);
  const x = mem.put(i8(H * W * b.cin, -128, 127));
  const e = mem.alloc(H * W * ce), d = mem.alloc(oh * ow * ce), y = mem.alloc(oh * ow * b.cout), yb = mem.alloc(oh * ow * b.cout);
  const whole = () => { runQs8Conv(mem, E, x, e); runQs8Dwconv(mem, D, e, d); runQs8Conv(mem, P, d, y); };
  const banded = new Map<number, () => void>();
  for (const B of bandRows) {
    if (B >= oh) continue;
    // Per band: expanded rows [a, e1) in the ring, the depthwise layer of that band's geometry.
    const plan: { o0: number; o1: number; a: number; e1: number; keep: number; L: Qs8DwconvLayer; Eb: Qs8ConvLayer; Pb: Qs8ConvLayer }[] = [];
    const layers = new Map<string, Qs8DwconvLayer>();
    let prevEnd = 0;
    for (let o0 = 0; o0 < oh; o0 += B) {
      const o1 = Math.min(oh, o0 + B);
      const top = o0 * b.s - 1, bottom = (o1 - 1) * b.s + 1; // the padded rows its windows read
      const a = Math.max(0, top), e1 = Math.min(H, bottom + 1);
      const key = `${e1 - a},${a - top},${bottom + 1 - e1}`;
      if (!layers.has(key)) layers.set(key, prepareQs8Dwconv(mem, build, dwSpec(e1 - a, a - top, bottom + 1 - e1)));
      const L = layers.get(key)!;
      if (L.geom.oh !== o1 - o0) throw new Error(`band ${o0}..${o1}: ${L.geom.oh} rows`);
      const keep = o0 === 0 ? 0 : Math.max(0, prevEnd - a);
      const Eb = layer(`e${e1 - a - keep}`, () => prepareQs8Conv(mem, build, { ...eSpec(e1 - a - keep), allocScratch: false }));
      const Pb = layer(`p${o1 - o0}`, () => prepareQs8Conv(mem, build, { ...pSpec(o1 - o0), allocScratch: false }));
      plan.push({ o0, o1, a, e1, keep, L, Eb, Pb });
      prevEnd = e1;
    }
    const rowE = W * ce;
    const ring = mem.alloc((2 * B + 2) * rowE), dband = mem.alloc(B * ow * ce);
    const scratch = mem.alloc(Math.max(...[...layers.values()].map((l) => l.scratchBytes)));
    const cscratch = mem.alloc(Math.max(16, ...plan.flatMap((p) => [p.Eb.scratchBytes, p.Pb.scratchBytes])));
    const u8 = () => new Uint8Array(mem.buffer);
    banded.set(B, () => {
      let have = 0; // expanded rows of the previous band at the ring's top..
      let prev = 0;
      for (const p of plan) {
        if (p.keep) u8().copyWithin(ring, ring + (prev - p.keep) * rowE, ring + prev * rowE);
        have = p.keep;
        runQs8Conv(mem, p.Eb, x + (p.a + have) * W * b.cin, ring + have * rowE, cscratch);
        runQs8Dwconv(mem, p.L, ring, dband, scratch);
        runQs8Conv(mem, p.Pb, dband, yb + p.o0 * ow * b.cout, cscratch);
        prev = p.e1 - p.a;
      }
    });
  }
  return { name: `${H}×${W}×${b.cin} →${ce} /${b.s} →${b.cout}`, run: whole, banded, y, yb, ybBytes: oh * ow * b.cout, whole };
}

const bandRows = values.bands!.split(',').map(Number);
const blocks = BLOCKS.map((b) => block(b, bandRows));
for (const k of blocks) {
  k.whole();
  const want = mem.i8(k.y, k.ybBytes).slice();
  for (const [B, f] of k.banded) {
    mem.i8(k.yb, k.ybBytes).fill(0x55);
    f();
    const got = mem.i8(k.yb, k.ybBytes);
    const bad = got.findIndex((v, i) => v !== want[i]);
    if (bad >= 0) throw new Error(`${k.name} bands of ${B}: byte ${bad} is ${got[bad]}, whole gives ${want[bad]}`);
  }
}
const rounds = Number(values.rounds);
const t = blocks.map((k) => ({ whole: [] as number[], bands: new Map([...k.banded.keys()].map((B) => [B, [] as number[]])) }));
const time = (f: () => void, calls = 3) => { const t0 = performance.now(); for (let c = 0; c < calls; c++) f(); return ((performance.now() - t0) / calls) * 1000; };
for (let i = 0; i < 5; i++) for (const k of blocks) { k.whole(); for (const f of k.banded.values()) f(); }
const load0 = os.loadavg()[0];
// Block by block (each block's rounds back to back, whole and banded alternating), so that one
// block's buffers do not evict another's between the two ways.
blocks.forEach((k, i) => {
  for (let r = 0; r < rounds; r++) {
    t[i].whole.push(time(k.whole));
    for (const [B, f] of k.banded) t[i].bands.get(B)!.push(time(f));
  }
});
const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const min = (v: number[]) => Math.min(...v);
console.log(`# inverted-residual blocks whole vs in bands of B output rows (${build}), µs per block: fastest / median of ${rounds} rounds × 3 calls`);
console.log(`${machine()}; load average ${load0.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after\n`);
console.log(`| block | whole | ${bandRows.map((B) => `B = ${B} | ÷ whole`).join(' | ')} |`);
console.log(`|---|---:|${bandRows.map(() => '---:|---:').join('|')}|`);
let sw = 0;
const sb = new Map(bandRows.map((B) => [B, 0]));
blocks.forEach((k, i) => {
  const w = min(t[i].whole);
  sw += w;
  const cells = bandRows.map((B) => {
    const v = t[i].bands.get(B);
    sb.set(B, sb.get(B)! + (v ? min(v) : w));
    return v ? `${min(v).toFixed(1)} / ${med(v).toFixed(1)} | ${(min(v) / w).toFixed(2)}` : '— | —';
  });
  console.log(`| ${k.name} | ${w.toFixed(1)} / ${med(t[i].whole).toFixed(1)} | ${cells.join(' | ')} |`);
});
console.log(`| sum (fastest) | ${sw.toFixed(0)} | ${bandRows.map((B) => `${sb.get(B)!.toFixed(0)} | ${(sb.get(B)! / sw).toFixed(2)}`).join(' | ')} |`);

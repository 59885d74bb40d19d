// The activation arena: the planner with in-place aliases (random plans against an independent
// overlap check and a brute-force live-set bound), checkPlacement's refusals, the quantize
// kernel run in place, and the plans of real models (the MLPerf Tiny files, the shipped
// models): no two buffers alive at one step share a byte, and the plan reaches the live-set bound.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { MLPERF_MODELS, mlperfBytes } from '../helpers/mlperf.js';
import { checkPlacement, liveBound, planArena, type BufferRequest } from '../../src/runtime/planner.js';
import { ALIGN, READ_PAST, alignUp } from '../../src/runtime/memory.js';
import { compile, type ArenaBuffer } from '../../src/runtime/executor.js';
import { prepareQuantize, runConvert } from '../../src/runtime/ops/eltwise.js';
import { importTflite } from '../../src/convert/index.js';
import { readBranchy } from '../../src/format/index.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { fromGraph } from '../../src/runtime/model.js';
import type { Node, TensorInfo } from '../../src/ir/types.js';
import { programOf } from '../helpers/program.js';

const span = (r: BufferRequest) => alignUp(r.size, ALIGN);
const rootOf = (reqs: readonly BufferRequest[], i: number) => reqs[i].alias ?? i;

/** Random requests; about a third alias an earlier request that has no alias (an in-place step's output on its input). */
function randomRequests(rng: Rng): BufferRequest[] {
  const n = rng.int(1, 40);
  const reqs: BufferRequest[] = [];
  for (let i = 0; i < n; i++) {
    const first = rng.int(0, 25);
    const r: BufferRequest = { size: rng.int(0, 6000), first, last: first + rng.int(0, 8) };
    const roots = reqs.map((_, j) => j).filter((j) => reqs[j].alias === undefined);
    if (roots.length && rng.next() < 0.35) r.alias = rng.pick(roots);
    reqs.push(r);
  }
  return reqs;
}

/** The largest sum over alias groups of the group's widest member alive, at any step (brute force). */
function bruteBound(reqs: readonly BufferRequest[]): number {
  let best = 0;
  const last = Math.max(...reqs.map((r) => r.last));
  for (let s = 0; s <= last; s++) {
    const widest = new Map<number, number>();
    reqs.forEach((r, i) => {
      if (r.first <= s && s <= r.last) widest.set(rootOf(reqs, i), Math.max(widest.get(rootOf(reqs, i)) ?? 0, span(r)));
    });
    best = Math.max(best, [...widest.values()].reduce((a, b) => a + b, 0));
  }
  return best;
}

/** Throws unless buffers of different alias groups alive at one step are disjoint and aliases start at their root. */
function expectNoOverlap(bufs: readonly (BufferRequest & { offset: number })[]): void {
  bufs.forEach((a, i) => {
    expect(a.offset % ALIGN).toBe(0);
    if (a.alias !== undefined) expect(a.offset, `buffer ${i} starts where its alias root does`).toBe(bufs[a.alias].offset);
    for (let j = i + 1; j < bufs.length; j++) {
      const b = bufs[j];
      if (rootOf(bufs, i) === rootOf(bufs, j) || !(a.first <= b.last && b.first <= a.last)) continue;
      const disjoint = a.offset + span(a) <= b.offset || b.offset + span(b) <= a.offset;
      if (!disjoint) throw new Error(`buffers ${i} ${JSON.stringify(a)} and ${j} ${JSON.stringify(b)} share bytes while both are alive`);
    }
  });
}

describe('arena planner with in-place aliases', () => {
  it('random plans: groups never overlap live buffers, aliases start at their root, size >= the live-set bound (= brute force)', () => {
    const rng = new Rng(0xa1e4a);
    for (let t = 0; t < 300; t++) {
      const reqs = randomRequests(rng);
      const { offsets, size } = planArena(reqs);
      const placed = reqs.map((r, i) => ({ ...r, offset: offsets[i] }));
      expectNoOverlap(placed);
      for (const p of placed) expect(p.offset + span(p)).toBeLessThanOrEqual(size);
      const bound = liveBound(reqs);
      expect(bound.bytes).toBe(bruteBound(reqs));
      expect(size).toBeGreaterThanOrEqual(bound.bytes);
      // The host's own check agrees.
      // The allocator keeps READ_PAST bytes after the arena (memory.ts): a load past its last buffer reads them.
      checkPlacement(placed.map((p, i) => ({ name: `b${i}`, ptr: 1024 + p.offset, size: p.size, first: p.first, last: p.last, alias: p.alias })), 1024, 1024 + size + READ_PAST);
    }
  });

  it('an in-place step shares its input bytes: a chain that quantizes in place needs the input alone, not input + output', () => {
    // f32 input (4000 B) read only by a quantize step 0 writing 1000 B that step 1 reads.
    const chain: BufferRequest[] = [{ size: 4000, first: 0, last: 0 }, { size: 1000, first: 0, last: 1 }, { size: 1000, first: 1, last: 1 }];
    const apart = planArena(chain).size;
    const inPlace = planArena([chain[0], { ...chain[1], alias: 0 }, chain[2]]);
    expect(inPlace.offsets[1]).toBe(inPlace.offsets[0]);
    expect(inPlace.size).toBe(span(chain[0]));
    expect(apart).toBe(span(chain[0]) + span(chain[1]));
  });

  it('refuses an alias of an alias, of itself or out of range; checkPlacement refuses overlaps across groups and a moved alias', () => {
    expect(() => planArena([{ size: 4, first: 0, last: 0 }, { size: 4, first: 0, last: 1, alias: 0 }, { size: 4, first: 1, last: 1, alias: 1 }])).toThrow(RangeError);
    expect(() => planArena([{ size: 4, first: 0, last: 0, alias: 0 }])).toThrow(RangeError);
    expect(() => planArena([{ size: 4, first: 0, last: 0, alias: 3 }])).toThrow(RangeError);
    const a = { name: 'a', ptr: 64, size: 100, first: 0, last: 1 };
    expect(() => checkPlacement([a, { name: 'b', ptr: 128, size: 10, first: 1, last: 2 }], 0, 4096)).toThrow(/share bytes/);
    checkPlacement([a, { name: 'b', ptr: 64, size: 10, first: 1, last: 2, alias: 0 }], 0, 4096);
    expect(() => checkPlacement([a, { name: 'b', ptr: 80, size: 10, first: 1, last: 2, alias: 0 }], 0, 4096)).toThrow(/does not start where/);
  });
});

describe('quantize in place', () => {
  it('f32 -> int8 with the output on the input gives the out-of-place bytes (every build, tails of every length)', async () => {
    const rng = new Rng(0x91ace);
    for (const build of TEST_BUILDS) {
      for (const n of [1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 64, 100, 1027]) {
        const mem = await memoryFor(build);
        const layer = prepareQuantize(mem, build, { n, output: { scale: 0.05 + rng.next(), zeroPoint: rng.int(-128, 127) } });
        const x = Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 400);
        const src = mem.put(x), apart = mem.alloc(n);
        runConvert(mem, layer, src, apart);
        const want = mem.i8(apart, n).slice();
        const same = mem.put(x);
        runConvert(mem, layer, same, same);
        expect(Array.from(mem.i8(same, n)), `${build} n=${n}`).toEqual(Array.from(want));
      }
    }
  });
});

/** Independent check of a compiled program's buffers: per step, alias groups disjoint. */
function checkProgram(buffers: readonly ArenaBuffer[], arena: number): void {
  expectNoOverlap(buffers);
  for (const b of buffers) expect(b.offset + span(b)).toBeLessThanOrEqual(arena);
  for (const b of buffers) if (b.alias !== undefined) expect(buffers[b.alias].kind).toBe('tensor');
}

async function program(graph: Graph, weights: Weights) {
  const mem = await memoryFor('simd');
  return compile(mem, graph, weights, { build: 'simd' });
}

describe('arena of real models', () => {
  it('the MLPerf Tiny int8 files: no live overlap, the plan at the live-set bound, staged input, banded first convs, at most TFLite-Micro\'s arena', async () => {
    const arena: Record<string, number> = {};
    for (const m of MLPERF_MODELS) {
      const { graph, weights } = importTflite(mlperfBytes(`${m}_int8.tflite`));
      const p = await program(graph, weights);
      checkProgram(p.buffers, p.arenaBytes);
      expect(p.arenaBytes, m).toBe(liveBound(p.buffers).bytes);
      // The f32 input is read only by its quantize step: staged (input.ts), its slot is the staging
      // buffer (whole pixels, 16 KiB at most), alive before step 0 only; on none of these four does
      // it raise the peak, so none is quantized in JS.
      const input = p.buffers.find((b) => b.name === graph.inputs[0])!;
      const shape = graph.tensors.find((t) => t.name === graph.inputs[0])!.shape;
      const values = shape.slice(1).reduce((a, b) => a * b, 1), c = shape.length === 4 ? shape[3] : 1;
      expect(input.size, m).toBe(4 * Math.min(values, Math.floor(4096 / c) * c));
      expect(input.last, m).toBe(0);
      arena[m] = p.arenaBytes;
      // No step's scratch is the whole image's pair image any more (VWW's first conv had 230 KB).
      const scratch = Math.max(0, ...p.buffers.filter((b) => b.kind === 'scratch').map((b) => b.size));
      expect(scratch, m).toBeLessThan(24 << 10);
    }
    // TFLite-Micro's greedy plan of the same files (bench/arena.mts): ResNet-8 49,152, VWW 64,512,
    // DS-CNN 16,000. AD's f32 output (2,560 B) is not in TFLM's int8-output plan (768 B).
    expect(arena.ic_resnet8).toBeLessThanOrEqual(49152);
    expect(arena.vww_mobilenet).toBeLessThanOrEqual(64512);
    expect(arena.kws_dscnn).toBeLessThanOrEqual(16000);
    // AD with int8 outputs (as TFLM returns them): its 640-value input's staging buffer (2,560 B)
    // would be the peak, so the writer quantizes it in JS; 768 B, as TFLM.
    const ad = importTflite(mlperfBytes('ad_autoencoder_int8.tflite'), { outputs: 'int8' });
    const p = await program(ad.graph, ad.weights);
    expect(p.inputQuantize.get(ad.graph.inputs[0])!.staged).toEqual({ chunk: 0 });
    expect(p.arenaBytes).toBe(768);
  });

  it('every shipped model: no two buffers alive at one step share a byte, the plan within 10% of the live-set bound', async () => {
    const dir = new URL('../../models/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.branchy'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const { graph, weights } = readBranchy(new Uint8Array(readFileSync(new URL(f, dir))));
      const p = await program(graph, weights);
      checkProgram(p.buffers, p.arenaBytes);
      expect(p.arenaBytes, f).toBeLessThanOrEqual(Math.ceil(liveBound(p.buffers).bytes * 1.1));
    }
  }, 60_000);
});

describe('in place over the sample, and re-run parts', () => {
  /**
   * x f32 [1,6,6,4] -> quantize (staged by the input's writer) -> 1x1 conv 4->4 (the direct
   * kernel in every build, over the int8 input: it dies there) -> 6x6 conv 4->10 -> dequantize: f32 logits.
   */
  function overSample(rng: Rng): { graph: Graph; weights: Weights } {
    const q = () => ({ kind: 'tensor' as const, scale: Math.fround(0.02 + 0.02 * rng.next()), zeroPoint: rng.int(-10, 10) });
    const wq = (c: number) => ({ kind: 'channel' as const, axis: 0, scales: Array.from({ length: c }, () => Math.fround(0.004 + 0.004 * rng.next())) });
    const tensors: TensorInfo[] = [
      { name: 'x', shape: [1, 6, 6, 4], dtype: 'f32' },
      { name: 'xq', shape: [1, 6, 6, 4], dtype: 'i8', quant: q() },
      { name: 'w0', shape: [4, 1, 1, 4], dtype: 'i8', constant: true, quant: wq(4) },
      { name: 't0', shape: [1, 6, 6, 4], dtype: 'i8', quant: q() },
      { name: 'w1', shape: [10, 6, 6, 4], dtype: 'i8', constant: true, quant: wq(10) },
      { name: 't1', shape: [1, 1, 1, 10], dtype: 'i8', quant: q() },
      { name: 'y', shape: [1, 1, 1, 10], dtype: 'f32' },
    ];
    const conv = (name: string, x: string, w: string, y: string, k: number) =>
      ({ name, op: 'conv2d', inputs: [x, w], outputs: [y], attrs: { kernel: [k, k], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], groups: 1 } }) as Node;
    const nodes: Node[] = [
      { name: 'quantize_x', op: 'quantize', inputs: ['x'], outputs: ['xq'], attrs: {} } as Node,
      conv('conv0', 'xq', 'w0', 't0', 1),
      conv('conv1', 't0', 'w1', 't1', 6),
      { name: 'dequantize_y', op: 'dequantize', inputs: ['t1'], outputs: ['y'], attrs: {} } as Node,
    ];
    const weights: Weights = new Map([['w0', rng.i8(16, -127, 127)], ['w1', rng.i8(10 * 36 * 4, -127, 127)]]);
    return { graph: { tensors, nodes, inputs: ['x'], outputs: ['y'] }, weights };
  }

  it('a time budget measures the parts on the sample, then answers as the full run does (the overwritten int8 input is put back)', async () => {
    const rng = new Rng(0x5eed);
    const { graph, weights } = overSample(rng);
    for (const build of TEST_BUILDS) {
      const model = await fromGraph(graph, weights, { build });
      const program = programOf(model);
      // The 1x1 conv writes over the int8 input (every build: the direct kernel reads it whole first).
      expect(program.tensors.get('t0')!.ptr, build).toBe(program.tensors.get('xq')!.ptr);
      expect(program.overwritten.length, build).toBe(1);
      for (let t = 0; t < 3; t++) {
        const x = Float32Array.from({ length: 144 }, () => (rng.next() - 0.5) * 2);
        const fresh = await fromGraph(graph, weights, { build }); // measures on its first budget run
        const budget = fresh.run(x, { policy: { kind: 'budget', ms: 1e9 }, layout: 'NHWC' });
        const full = model.run(x, { policy: { kind: 'full' }, layout: 'NHWC' });
        expect(budget.exit, build).toBe(full.exit);
        expect(Array.from(budget.probs), build).toEqual(Array.from(full.probs));
      }
    }
  });
});

/**
 * A random int8 graph on one image shape: the f32 input quantized (staged), then 1×1 and 3×3
 * convs (the direct kernel, in bands on the larger images) and adds, each reading tensors picked
 * at random among those made so far (random lifetimes and fan-out), some of them also graph
 * outputs, dequantized at the end.
 */
function randomGraph(rng: Rng): { graph: Graph; weights: Weights } {
  const [h, w, c] = [rng.int(3, 40), rng.int(3, 30), rng.pick([1, 3, 4, 8, 16])];
  const S = [1, h, w, c];
  const tensors: TensorInfo[] = [{ name: 'x', shape: S, dtype: 'f32' }];
  const nodes: Node[] = [];
  const weights: Weights = new Map();
  const q = () => ({ kind: 'tensor' as const, scale: Math.fround(0.01 + 0.05 * rng.next()), zeroPoint: rng.int(-20, 20) });
  const t = (name: string) => (tensors.push({ name, shape: S, dtype: 'i8', quant: q() }), name);
  const made = [t('xq')];
  nodes.push({ name: 'quantize_x', op: 'quantize', inputs: ['x'], outputs: ['xq'], attrs: {} } as Node);
  const n = rng.int(2, 14);
  for (let i = 0; i < n; i++) {
    const y = t(`t${i}`);
    const pick = () => made[rng.int(Math.max(0, made.length - 4), made.length - 1)];
    if (rng.next() < 0.35) {
      nodes.push({ name: `add_${i}`, op: 'add', inputs: [pick(), pick()], outputs: [y], attrs: {} } as Node);
    } else {
      const k = rng.pick([1, 3]);
      const wName = `w${i}`;
      tensors.push({ name: wName, shape: [c, k, k, c], dtype: 'i8', constant: true, quant: { kind: 'channel', axis: 0, scales: Array.from({ length: c }, () => Math.fround(0.004 + 0.004 * rng.next())) } });
      weights.set(wName, rng.i8(c * k * k * c, -127, 127));
      const p = (k - 1) / 2;
      nodes.push({ name: `conv_${i}`, op: 'conv2d', inputs: [pick(), wName], outputs: [y], attrs: { kernel: [k, k], strides: [1, 1], dilations: [1, 1], pads: [p, p, p, p], groups: 1 } } as Node);
    }
    made.push(y);
  }
  const outs = [made[made.length - 1], ...made.slice(1, -1).filter(() => rng.next() < 0.15)];
  const outputs = outs.map((o, i) => {
    tensors.push({ name: `y${i}`, shape: S, dtype: 'f32' });
    nodes.push({ name: `dequantize_${i}`, op: 'dequantize', inputs: [o], outputs: [`y${i}`], attrs: {} } as Node);
    return `y${i}`;
  });
  return { graph: { tensors, nodes, inputs: ['x'], outputs }, weights };
}

describe('arena of random graphs', () => {
  it('no two buffers alive at one step share a byte, and the outputs equal those of a program that keeps every tensor apart', async () => {
    const rng = new Rng(0x6a4f);
    let aliased = 0, banded = 0;
    for (let g = 0; g < 25; g++) {
      const { graph, weights } = randomGraph(rng);
      const p = await program(graph, weights);
      checkProgram(p.buffers, p.arenaBytes);
      expect(p.arenaBytes).toBeGreaterThanOrEqual(liveBound(p.buffers).bytes);
      if (p.buffers.some((b) => b.alias !== undefined)) aliased++;
      if (p.buffers.some((b) => b.kind === 'scratch' && b.size < 8 << 10) && graph.tensors[0].shape[1] * graph.tensors[0].shape[2] * graph.tensors[0].shape[3] * 4 > 12 << 10) banded++;
      const planned = await fromGraph(graph, weights, { build: 'simd' });
      const apart = await fromGraph(graph, weights, { build: 'simd', keepIntermediates: true });
      const size = graph.tensors[0].shape.reduce((a, b) => a * b, 1);
      for (let s = 0; s < 2; s++) {
        const x = Float32Array.from({ length: size }, () => (rng.next() - 0.5) * 3);
        const a = planned.run(x, { layout: 'NHWC' }), b = apart.run(x, { layout: 'NHWC' });
        for (const o of graph.outputs) expect(Array.from(a[o].data), `graph ${g} output ${o}`).toEqual(Array.from(b[o].data));
      }
    }
    // In place: 1x1 convs (the direct kernel) over inputs that die there; 20 of these 25 graphs.
    expect(aliased).toBeGreaterThanOrEqual(15);
    expect(banded).toBeGreaterThan(0);
  }, 60_000);
});

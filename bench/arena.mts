// Peak arena: what branchy plans for one sample beside the least any plan can have and what
// TFLite-Micro and LiteRT.js take, on the MLPerf Tiny int8 files and MobileNetV2-224 (issues 18
// item 4, 21 item 2).
//   node --experimental-wasm-relaxed-simd --import tsx bench/arena.mts [--build simd] [--no-litert] [--steps MODEL]
// Per model:
// - branchy: the arena compile() plans (activations and the steps' scratch, every buffer aligned
//   to 16 bytes), the same plan of the activations alone, the largest scratch of one step, and
//   the lower bound: the largest sum of the aligned buffers alive at one step (liveBound; raw
//   bytes in brackets) and which step that is.
// - TFLM greedy: TFLite-Micro's GreedyMemoryPlanner rule (largest first, first fit among the
//   buffers alive at the same time, 16-byte aligned, no padding) on the .tflite file's own
//   non-constant tensors and operator order: the planned (non-persistent) part of TFLM's arena,
//   its kernels' scratch and persistent part (tensor structs, per-channel multipliers) not
//   counted. TFLM ref arena: the kTensorArenaSize the MLPerf Tiny reference submission for
//   TFLM allocates (mlcommons/tiny, benchmark/reference_submissions/*/submitter_implemented.cpp).
// - LiteRT.js: how far the top of its wasm heap moved from before loading the int8 file to after
//   the first run (load, XNNPACK packing and planning, one inference; the file's copy in the heap
//   included: that is in the `file` column), in a child process per model. The top is where
//   LiteRT.js's malloc places a block larger than any free one (a 64 MiB probe, freed at once).
//   Also: the arena of the file imported with { outputs: 'int8' } (int8 outputs, as TFLM's int8
//   files return them; the float input is staged either way: src/runtime/input.ts), and
//   the bound without the f32 graph inputs and outputs (a caller handing int8, as TFLM's
//   int8 files take), and what patch-based execution of the first steps in 4×4 patches (MCUNetV2)
//   would leave, estimated from the live sets with halos (patchEstimate; not in the runtime).
// --steps MODEL prints that model's live bytes per step (which buffers make the peak).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { exportTflite, importTflite, readTflite } from '../src/convert/index.js';
import { readBranchy } from '../src/format/index.js';
import type { Graph, Weights } from '../src/ir/types.js';
import { compile, type ArenaBuffer, type Program } from '../src/runtime/executor.js';
import type { Build } from '../src/runtime/features.js';
import { LinearMemory } from '../src/runtime/memory.js';
import { liveBound, planArena } from '../src/runtime/planner.js';
import { loadKernels } from '../src/runtime/wasm.js';
import { machine } from './machine.js';

const { values } = parseArgs({
  options: {
    build: { type: 'string', default: 'simd' },
    'no-litert': { type: 'boolean', default: false },
    steps: { type: 'string' },
    'litert-one': { type: 'string' },
  },
});

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MLPERF = new URL('../../shared/models/mlperf-tiny/', import.meta.url);
const MNV2 = `${ROOT}bench/out/mobilenet_v2_224.int8.branchy`;
const MNV2_TFLITE = `${ROOT}bench/out/mnv2/mobilenet_v2_224.int8.tflite`;
const KiB = (b: number) => (b / 1024).toFixed(1);

/** A child process: LiteRT.js's heap top before loading `file` (a .tflite) and after its first run. */
if (values['litert-one']) {
  const { loadLitert, openLitertRaw } = await import('./peers/litert.mjs');
  const { lt } = await loadLitert();
  const wasm = (lt.getGlobalLiteRt() as unknown as { liteRtWasm: { _malloc(n: number): number; _free(p: number): void } }).liteRtWasm;
  const top = () => {
    const p = wasm._malloc(64 << 20);
    wasm._free(p);
    return p;
  };
  const bytes = new Uint8Array(readFileSync(values['litert-one']));
  const before = top();
  const m = await openLitertRaw(bytes);
  const xs = m.inputs.map((t) => new Int8Array(t.shape.reduce((a, b) => a * b, 1)).fill(3));
  await m.run(xs);
  console.log(JSON.stringify({ grown: top() - before, file: bytes.byteLength }));
  process.exit(0);
}

interface Entry {
  name: string;
  /** The int8 .tflite (as it is, or exported from the .branchy). */
  tflite: Uint8Array;
  graph: Graph;
  weights: Weights;
  /** MLPerf Tiny reference submission's kTensorArenaSize, bytes. */
  tflmRef?: number;
  /** The file imported with { outputs: 'int8' } (its int8 outputs as the file has them, as TFLM returns them). */
  int8Out?: { graph: Graph; weights: Weights };
}

const entries: Entry[] = [];
for (const [name, file, ref] of [
  ['ResNet-8 (IC)', 'ic_resnet8_int8.tflite', 100],
  ['MobileNetV1-0.25 (VWW)', 'vww_mobilenet_int8.tflite', 200],
  ['DS-CNN (KWS)', 'kws_dscnn_int8.tflite', 200],
  ['FC autoencoder (AD)', 'ad_autoencoder_int8.tflite', 10],
] as const) {
  const tflite = new Uint8Array(readFileSync(new URL(file, MLPERF)));
  entries.push({ name, tflite, ...importTflite(tflite), tflmRef: ref * 1024, int8Out: importTflite(tflite, { outputs: 'int8' }) });
}
if (existsSync(MNV2)) {
  const { graph, weights } = readBranchy(new Uint8Array(readFileSync(MNV2)));
  entries.push({ name: 'MobileNetV2-1.0-224', tflite: exportTflite(graph, weights, { io: 'int8' }), graph, weights });
} else if (existsSync(MNV2_TFLITE)) {
  // The same graph exported with int8 inputs and outputs (bench/mobilenetv2-litert.mts makes it), imported back.
  const tflite = new Uint8Array(readFileSync(MNV2_TFLITE));
  entries.push({ name: 'MobileNetV2-1.0-224 (.tflite)', tflite, ...importTflite(tflite), int8Out: importTflite(tflite, { outputs: 'int8' }) });
} else console.warn(`${MNV2} is missing (bench/RESULTS.md says how to make it): MobileNetV2-224 left out`);

/** TFLite-Micro's greedy plan of a .tflite's first subgraph: non-constant tensors, alive from the op that writes them to the last op that reads them. */
function tflmGreedy(bytes: Uint8Array): { size: number; bound: number } {
  const sg = readTflite(bytes).subgraphs[0];
  const ops = sg.operators;
  const life = new Map<number, { first: number; last: number }>();
  for (const t of sg.inputs) life.set(t, { first: 0, last: 0 });
  ops.forEach((op, i) => {
    for (const t of op.inputs) {
      const l = life.get(t);
      if (l) l.last = i;
    }
    for (const t of op.outputs) life.set(t, { first: i, last: i });
  });
  for (const t of sg.outputs) life.get(t)!.last = ops.length - 1;
  const elemBytes: Record<string, number> = { INT8: 1, UINT8: 1, INT16: 2, INT32: 4, FLOAT32: 4 };
  const requests = [...life].map(([t, l]) => {
    const info = sg.tensors[t];
    const n = info.shape.reduce((a: number, b: number) => a * b, 1) * (elemBytes[String(info.type)] ?? 4);
    return { size: n, first: l.first, last: l.last };
  });
  const plan = planArena(requests);
  return { size: plan.size, bound: liveBound(requests, 'raw').bytes };
}

const kernels = await loadKernels({ build: values.build as Build });
interface BranchyPlan {
  size: number;
  /** Packed weights and params: with the arena, what the model holds in wasm memory. */
  weights: number;
  activations: number;
  scratch: number;
  bound: { bytes: number; step: number };
  raw: number;
  /** The bound without the f32 graph inputs and outputs (what an int8-I/O caller would not need). */
  int8Edges: number;
  /** Estimated peak with patch-based execution of the first steps (MCUNetV2), int8 edges, and the step it ends at. */
  patch: { bytes: number; upTo: number };
  buffers: readonly ArenaBuffer[];
  steps: string[];
}

/** Bytes alive at each step (alias groups as their widest member), padded as planned. */
function livePerStep(buffers: readonly ArenaBuffer[], steps: number): number[] {
  const live: number[] = [];
  for (let s = 0; s < steps; s++) {
    const widest = new Map<number, number>();
    buffers.forEach((b, i) => {
      if (b.first <= s && s <= b.last) widest.set(b.alias ?? i, Math.max(widest.get(b.alias ?? i) ?? 0, Math.ceil(b.size / 16) * 16));
    });
    live.push([...widest.values()].reduce((a, x) => a + x, 0));
  }
  return live;
}

/**
 * Patch-based inference (MCUNetV2) of steps 0..k in P×P spatial patches: the stage's output is
 * assembled whole while each patch runs through the stage with only its tile of every tensor
 * alive (the stage's inputs and outputs stay whole: every patch reads the one and writes its
 * part of the other; the input's quantize runs whole before the stage). A tile's height: the stage output's H/P rows, grown backwards through each step by
 * its stride and kernel ((t - 1) * stride + KH: the halo), the largest over the paths of a
 * residual graph; a buffer alive in the stage counts (tile / H)² of its bytes (square tiles;
 * a step's scratch scales with its input's tile). Peak: max(live bytes after step k, stage
 * output + the largest per-patch live set), for the best k among stages of images at least
 * 1/4 of the input's height and 4P rows. An estimate from the live sets; not in the runtime.
 */
function patchEstimate(graph: Graph, p: Program, buffers: readonly ArenaBuffer[] = p.buffers, P = 4): { bytes: number; upTo: number } {
  const steps = p.steps.length;
  const live = livePerStep(buffers, steps);
  const shape = new Map(graph.tensors.map((t) => [t.name, t.shape]));
  const H = (name: string) => (shape.get(name)?.length === 4 ? shape.get(name)![1] : 0);
  const inH = H(graph.inputs[0]);
  const spatial = (k: number) => p.steps[k].node.outputs.every((o) => H(o) * 4 >= inH && H(o) >= 4 * P);
  const pad = (b: ArenaBuffer) => Math.ceil(b.size / 16) * 16;
  let best = { bytes: Math.max(...live), upTo: -1 };
  // The input's quantize runs whole before the stage (its int8 output is then a stage input).
  const start = p.steps[0].node.op === 'quantize' && graph.inputs.includes(p.steps[0].node.inputs[0]) ? 1 : 0;
  for (let k = start; k < steps - 1 && spatial(k); k++) {
    // Tile rows of every tensor of the stage, from the stage output back.
    const tile = new Map<string, number>();
    for (const o of p.steps[k].node.outputs) tile.set(o, Math.ceil(H(o) / P));
    for (let s = k; s >= 0; s--) {
      const node = p.steps[s].node, out = node.outputs[0], t = tile.get(out);
      if (t === undefined) continue;
      const kh = (node.attrs as { kernel?: number[] }).kernel?.[0] ?? 1;
      for (const x of node.inputs) {
        if (!H(x)) continue;
        const stride = Math.max(1, Math.round(H(x) / H(out)));
        tile.set(x, Math.max(tile.get(x) ?? 0, Math.min(H(x), (t - 1) * stride + kh)));
      }
    }
    const share = (name: string) => Math.min(1, ((tile.get(name) ?? H(name)) / (H(name) || 1)) ** 2);
    // Whole for the whole stage: the stage's inputs (written before it: every patch reads them) and its outputs.
    const whole = buffers.filter((b) => b.kind === 'tensor' && b.last >= start && b.first <= k && (b.first < start || (b.first === k && b.last > k)));
    let patch = 0;
    for (let s = start; s <= k; s++) {
      let sum = 0;
      buffers.forEach((b) => {
        if (!(b.first <= s && s <= b.last) || whole.includes(b) || b.first < start) return;
        const name = b.kind === 'tensor' ? b.name : p.steps[s].node.inputs[0];
        sum += pad(b) * (H(name) ? share(name) : 1);
      });
      patch = Math.max(patch, sum);
    }
    const bytes = Math.ceil(Math.max(whole.reduce((a, b) => a + pad(b), 0) + patch, ...live.slice(0, start), ...live.slice(k + 1)));
    if (bytes < best.bytes) best = { bytes, upTo: k };
  }
  return best;
}

function branchyPlan(e: Entry): BranchyPlan {
  const mem = new LinearMemory(kernels);
  const p = compile(mem, e.graph, e.weights, { build: kernels.build });
  const tensors = p.buffers.filter((b) => b.kind === 'tensor');
  const scratch = Math.max(0, ...p.buffers.filter((b) => b.kind === 'scratch').map((b) => b.size));
  const f32Edges = new Set([...e.graph.inputs, ...e.graph.outputs].filter((n) => e.graph.tensors.find((t) => t.name === n)?.dtype === 'f32'));
  const inner = p.buffers.map((b) => (f32Edges.has(b.name) ? { ...b, size: 0 } : b));
  return {
    size: p.arenaBytes,
    weights: p.weightBytes,
    activations: planArena(tensors).size,
    scratch,
    bound: liveBound(p.buffers),
    raw: liveBound(p.buffers, 'raw').bytes,
    int8Edges: liveBound(inner).bytes,
    patch: patchEstimate(e.graph, p, inner),
    buffers: p.buffers,
    steps: p.steps.map((s) => `${s.node.op} ${s.node.name}`),
  };
}

function litertHeap(e: Entry): { grown: number; file: number } | null {
  const tmp = `${os.tmpdir()}/branchy-arena-${process.pid}.tflite`;
  writeFileSync(tmp, e.tflite);
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--litert-one', tmp], { encoding: 'utf8' });
  rmSync(tmp, { force: true });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    console.warn(`LiteRT.js on ${e.name} failed: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    return null;
  }
}

console.log(`# bench/arena.mts, build ${kernels.build}, ${new Date().toISOString()}`);
console.log(`machine: ${machine()}\n`);
/** The arena compile() plans for a graph (this build). */
const arenaOf = (g: { graph: Graph; weights: Weights }) => compile(new LinearMemory(kernels), g.graph, g.weights, { build: kernels.build }).arenaBytes;

console.log('| model | branchy arena | arena, int8 outputs | activations alone | largest step scratch | lower bound (raw) | at step | bound, int8 edges | 4×4 patches, int8 edges (est.) | TFLM greedy (its bound) | TFLM ref arena | LiteRT.js heap growth (file) | branchy weights + arena |');
console.log('|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|');
for (const e of entries) {
  const b = branchyPlan(e);
  const t = tflmGreedy(e.tflite);
  const l = values['no-litert'] ? null : litertHeap(e);
  console.log(
    `| ${e.name} | ${b.size} | ${e.int8Out ? arenaOf(e.int8Out) : '–'} | ${b.activations} | ${b.scratch} | ${b.bound.bytes} (${b.raw}) | ${b.bound.step} ${b.steps[b.bound.step] ?? 'outputs'} | ${b.int8Edges} | ` +
      `${b.patch.upTo < 0 ? '–' : `${b.patch.bytes} (to step ${b.patch.upTo})`} | ${t.size} (${t.bound}) | ` +
      `${e.tflmRef ? `${KiB(e.tflmRef)} KiB` : '–'} | ${l ? `${l.grown} (${l.file})` : '–'} | ${b.weights + b.size} |`,
  );
  if (values.steps && e.name.toLowerCase().includes(values.steps.toLowerCase())) {
    for (let s = 0; s < b.steps.length; s++) {
      const alive = b.buffers.filter((x) => x.first <= s && s <= x.last);
      console.log(`  ${s} ${b.steps[s]}: ${alive.reduce((a, x) => a + x.size, 0)} = ${alive.map((x) => `${x.name} ${x.size}`).join(' + ')}`);
    }
  }
}

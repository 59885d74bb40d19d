// Compiles an IR graph into a list of steps over one arena, then runs them sample by
// sample. At compile time every node's op (src/ir/ops) prepares its step — packs weights,
// writes params — and every activation gets a planned offset; at run time a step is one call.
import { BranchyLimitError, BranchyUnsupportedError } from '../errors.js';
import type { Graph, Node, NodeOf, TensorData, TensorInfo, Weights } from '../ir/types.js';
import { topoSort } from '../ir/graph.js';
import { nodeMacs } from '../ir/macs.js';
import { asClamp } from '../ir/numerics.js';
import { opDef } from '../ir/ops/index.js';
import type { AbsorbContext, Buf, InputQuantize, OpNode, StepContext } from '../ir/ops/def.js';
import { activationPass, tableReader } from '../ir/ops/activation.js';
import { residualOrder } from '../ir/passes/conv-add.js';
import type { Build } from './features.js';
import { LinearMemory } from './memory.js';
import { checkPlacement, planArena, type BufferRequest } from './planner.js';
import { sampleBytes } from './ops/b1-layer.js';
import { JS_QUANTIZE_MAX, stagingValues } from './input.js';

export type { InputQuantize } from '../ir/ops/def.js';

/** One planned buffer of the arena: an activation tensor or a step's scratch. */
export interface Slot extends Buf {
  name: string;
  /** Bytes (a staged input's: its staging buffer's). */
  bytes: number;
  first: number;
  last: number;
  /** The slot this one starts at (an in-place step's output on its input); it has no alias itself. */
  alias?: Slot;
}

/** A compiled step: one node, its kernel call bound to planned pointers (filled after planning). */
export interface Step {
  node: Node;
  /** Multiply-accumulates per sample (0 for data movement). */
  macs: number;
  run: () => void;
}

export interface TensorSlot {
  info: TensorInfo;
  /** Elements per sample. */
  elements: number;
  ptr: number;
}

export interface Program {
  readonly mem: LinearMemory;
  readonly steps: readonly Step[];
  /** Graph inputs read by nothing but a quantize node, by input name. */
  readonly inputQuantize: ReadonlyMap<string, InputQuantize>;
  /** Every computed tensor (inputs included) by name, with its planned pointer. */
  readonly tensors: ReadonlyMap<string, TensorSlot>;
  /** Bytes of the activation arena (one sample). */
  readonly arenaBytes: number;
  /** Bytes of packed weights and params. */
  readonly weightBytes: number;
  /** Every buffer of the arena as planned: activations and steps' scratch (bench/arena.mts). */
  readonly buffers: readonly ArenaBuffer[];
  /** Graph inputs (or their quantized copies) an in-place step writes over: what must be put back before the steps run again on the same sample. */
  readonly overwritten: readonly { ptr: number; bytes: number }[];
}

/** One planned buffer: its bytes, the steps it is alive at, its offset in the arena. */
export interface ArenaBuffer extends BufferRequest {
  name: string;
  kind: 'tensor' | 'scratch';
  offset: number;
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

export interface CompileOptions {
  build: Build;
  /** Keep every tensor alive to the end (no arena reuse), so all of them can be read after a run: calibration. */
  keepAll?: boolean;
  /**
   * Execution order by node name (a topological order; e.g. an early-exit plan's). Default: the
   * graph's (with fuseResidualAdd, each conv that takes its residual add moved to just before that
   * add where the add's other operand comes later: src/ir/passes/conv-add.ts).
   */
  order?: readonly string[];
  /**
   * Let a node take its reader into its own kernel (a conv its max pool, a node its int8
   * activation table; default true). false: every node its own step; the same outputs, bit for
   * bit (what tests and benchmarks compare the fused program with).
   */
  fuse?: boolean;
  /**
   * Also let an im2col int8 conv take the residual add it feeds into its epilogue (default false:
   * on Zen 3 the fused layer measured 0.5-9% slower than the conv and then the add, whose f32
   * arithmetic, not its memory traffic, is its cost; bench/RESULTS.md). The same outputs.
   */
  fuseResidualAdd?: boolean;
  /**
   * Let 3x3 stride-1 int8 and binary-weight convs run on the Winograd kernel where the build picks
   * it (default true: 2.25x fewer multiplies, the same outputs bit for bit; int8 weights then take
   * 3.6x their bytes in memory, as i16 transforms). false: the direct and im2col kernels.
   */
  winograd?: boolean;
  /**
   * Tests: keep GUARD_BYTES free after every buffer, fill them with a sentinel before each step
   * and throw after it if one changed: the check that no kernel stores past its buffers, which
   * the plan relies on (buffers alive at one step may touch: planner.ts).
   */
  guard?: boolean;
}

/** The sentinel bytes after every buffer of a guarded program (CompileOptions.guard). */
export const GUARD_BYTES = 16;
const SENTINEL = 0xa5;

/** Compile a validated graph for one sample per run (batch 1 geometry; the host loops over a batch). */
export function compile(mem: LinearMemory, graph: Graph, weights: Weights, opts: CompileOptions): Program {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const infos = new Map(graph.tensors.map((t) => [t.name, t]));
  const info = (name: string): TensorInfo => infos.get(name)!;
  const readersOf = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    for (const i of new Set(n.inputs)) {
      const l = readersOf.get(i);
      if (l) l.push(n);
      else readersOf.set(i, [n]);
    }
  }
  // Fusion (absorbs, below) is off with keepAll, which promises every tensor.
  const fuse = opts.fuse !== false && !opts.keepAll;
  const absorbCtx = (computedBefore: AbsorbContext['computedBefore']): AbsorbContext => ({
    graph, build: opts.build, info, readersOf: (t) => readersOf.get(t) ?? [], computedBefore, residualAdd: fuse && opts.fuseResidualAdd === true,
    winograd: opts.winograd !== false,
  });
  const convAdd = (ctx: AbsorbContext) => (conv: Node) => {
    const r = conv.op === 'conv2d' ? opDef(conv.op)!.absorbs?.(conv as OpNode<unknown>, ctx) : null;
    return r?.op === 'add' ? (r as NodeOf<'add'>) : null;
  };
  const order = opts.order ? opts.order.map((n) => byName.get(n)!)
    : fuse && opts.fuseResidualAdd ? residualOrder(topoSort(graph), convAdd(absorbCtx(() => true))) : topoSort(graph);
  const slots = new Map<string, Slot>();
  const scratch: Slot[] = [];
  const inputQuantize = new Map<string, InputQuantize>();
  checkMemoryNeed(mem, graph, weights, order, opts.keepAll ?? false);
  const weightStart = mem.used;

  const define = (name: string, step: number): Slot => {
    const t = info(name);
    if (t.dtype !== 'f32' && t.dtype !== 'i8' && t.dtype !== 'b1') {
      throw new BranchyUnsupportedError(`tensor '${name}' is ${t.dtype}; this runtime computes f32 and i8 tensors, and b1 between binary layers (a quantized model's activations are i8)`);
    }
    const s: Slot = { name, bytes: sampleBytes(t), first: step, last: step, ptr: -1 };
    slots.set(name, s);
    return s;
  };
  const use = (name: string, step: number): Slot => {
    const s = slots.get(name);
    if (!s) throw new BranchyUnsupportedError(`tensor '${name}' is read before it is computed`);
    s.last = Math.max(s.last, step);
    return s;
  };
  for (const name of graph.inputs) define(name, 0);

  // A node may take its reader into its own kernel (an int8 conv and the 2x2/2 max pool or the
  // residual add after it), or into its step (an int8 activation's table, run in place on what
  // the node writes): the reader's step then does nothing and the node's own output gets no slot;
  // the node reads the reader's other inputs too (a residual).
  const absorbed = new Map<string, Node>();
  const absorbedBy = new Set<string>();
  if (fuse) {
    const stepOf = new Map<string, number>();
    order.forEach((n, i) => n.outputs.forEach((t) => stepOf.set(t, i)));
    const at = new Map(order.map((n, i) => [n, i]));
    const actx = absorbCtx((t, node) => graph.inputs.includes(t) || (stepOf.get(t) ?? Infinity) < at.get(node)!);
    for (const node of order) {
      const r = opDef(node.op)!.absorbs?.(node as OpNode<unknown>, actx) ?? tableReader(node, actx);
      if (r) (absorbed.set(node.name, r), absorbedBy.add(r.name));
    }
  }

  // In-place steps (OpDef.inPlace) as planned: the output may alias the first input if that dies here.
  const inPlace: { x: Slot; y: Slot; step: number }[] = [];
  const steps = order.map((node, i): Step => {
    const def = opDef(node.op)!;
    const took = absorbed.get(node.name);
    const computed = (n: Node, skip = '') => n.inputs.filter((t) => t !== '' && t !== skip && !weights.has(t));
    const x = absorbedBy.has(node.name) ? [] : [...computed(node), ...(took ? computed(took, node.outputs[0]) : [])].map((n) => use(n, i));
    const y = took ? [define(took.outputs[0], i)] : absorbedBy.has(node.name) ? node.outputs.map((n) => use(n, i)) : node.outputs.map((n) => define(n, i));
    // An activation that is not a clamp runs as an extra f32 pass on the op's output.
    const post = node.act && !asClamp(node.act) && node.op !== 'activation' ? node.act : null;
    // That pass reads and writes f32: an int8 input or a non-f32 output (a binary conv writing int8) is refused.
    const [xd, yd] = [info(node.inputs[0]).dtype, info(node.outputs[0]).dtype];
    if (post && (xd === 'i8' || yd !== 'f32')) {
      throw new BranchyUnsupportedError(`node '${node.name}' (${node.op}, ${xd} -> ${yd}): fused ${post.kind} is computed in f32 and is not supported on int8 or binary tensors; keep this layer in float`);
    }
    const mayAlias = !opts.keepAll && !took && !absorbedBy.has(node.name) && !post && x.length > 0 && y.length === 1;
    if (def.inPlace && mayAlias) inPlace.push({ x: x[0], y: y[0], step: i });
    const table = took?.op === 'activation' ? took : undefined;
    const ctx: StepContext = {
      mem, build: opts.build, winograd: opts.winograd !== false, graph, weights, info, x, y, absorbed: table ? undefined : took,
      clamp: asClamp(node.act) ?? { kind: 'none' },
      constant: <T extends TensorData>(n: Node, k: number, kind: new (len: number) => T) => constantOf(weights, n, k, kind),
      scratch: (bytes) => {
        const s: Slot = { name: `scratch of step ${i}`, bytes, first: i, last: i, ptr: -1 };
        scratch.push(s);
        return s;
      },
      readers: (t) => (readersOf.get(t) ?? []).length,
      quantizesInput: (input, q) => inputQuantize.set(input, q),
      allowInPlace: () => {
        if (mayAlias && !def.inPlace) inPlace.push({ x: x[0], y: y[0], step: i });
      },
    };
    // A node another took into its kernel has nothing left to do.
    let run = absorbedBy.has(node.name) ? () => {} : def.create(ctx, node as OpNode<unknown>);
    if (table) {
      const inner = run, lut = opDef('activation')!.create({ ...ctx, x: [] }, table as OpNode<unknown>);
      run = () => (inner(), lut());
    }
    if (post) {
      const inner = run, Y = y[0], pass = activationPass(mem, opts.build, post, numel(info(node.outputs[0]).shape.slice(1)));
      run = () => (inner(), pass(Y.ptr, Y.ptr));
    }
    return { node, macs: nodeMacs(graph, node, infos), run };
  });

  for (const name of graph.outputs) {
    if (info(name).dtype === 'b1') throw new BranchyUnsupportedError(`graph output '${name}' is binary (b1); end the graph with a layer whose output is int8 or f32`);
    slots.get(name)!.last = order.length; // graph outputs stay alive past the last step
  }
  if (opts.keepAll) for (const s of slots.values()) s.last = order.length;
  // A float input read only by its quantize step, which took nothing into it: the input's writer
  // quantizes each sample itself (input.ts), chunk by chunk through a staging buffer that takes the
  // input's slot (stagingValues), and the int8 tensor lives from the start.
  const staged = new Map<Slot, InputQuantize>();
  if (!opts.keepAll) {
    for (const [input, q] of inputQuantize) {
      // (No slot for its output: the quantize took an int8 activation's table and writes the table's output.)
      const x = slots.get(input)!, y = slots.get(q.output);
      if (!y) continue;
      q.staged = { chunk: stagingValues(info(input)) };
      q.prequantized = true;
      x.bytes = 4 * q.staged.chunk;
      x.last = 0;
      y.first = 0;
      staged.set(x, q);
    }
  }
  for (const { x, y, step } of inPlace) {
    if (x.last === step && y.bytes <= x.bytes && !staged.has(x)) y.alias = x.alias ?? x;
  }
  const weightBytes = mem.used - weightStart;

  // One arena for every activation and scratch buffer, placed by lifetime.
  const all = [...slots.values(), ...scratch];
  const index = new Map(all.map((s, i) => [s, i]));
  const spare = opts.guard ? GUARD_BYTES : 0;
  const planAll = () => planArena(all.map((s): BufferRequest => ({ size: s.bytes, first: s.first, last: s.last, alias: s.alias && index.get(s.alias) })), spare);
  let plan = planAll();
  // A small staged input is quantized in JS instead (no staging buffer; ~2 ns a value against
  // ~0.5 for the kernels) where its staging buffer would raise the arena's peak.
  const small = [...staged].filter(([x, q]) => q.staged!.chunk > 0 && x.bytes / 4 <= JS_QUANTIZE_MAX);
  if (small.length) {
    for (const [x] of small) x.bytes = 0;
    const js = planAll();
    if (js.size < plan.size) {
      plan = js;
      for (const [, q] of small) q.staged = { chunk: 0 };
    } else {
      for (const [x, q] of small) x.bytes = 4 * q.staged!.chunk;
    }
  }
  const arena = mem.alloc(plan.size);
  all.forEach((s, i) => (s.ptr = arena + plan.offsets[i]));
  checkPlacement(all.map((s) => ({ name: s.name, ptr: s.ptr, size: s.bytes, first: s.first, last: s.last, alias: s.alias && index.get(s.alias) })), arena, mem.buffer.byteLength, spare);
  if (opts.guard) guardSteps(mem, steps, all);

  const tensors = new Map<string, TensorSlot>();
  for (const [name, s] of slots) {
    const t = info(name);
    tensors.set(name, { info: t, elements: numel(t.shape.slice(1)), ptr: s.ptr });
  }
  const buffers = all.map((s, i): ArenaBuffer => ({
    name: s.name, kind: i < slots.size ? 'tensor' : 'scratch', size: s.bytes, first: s.first, last: s.last, alias: s.alias && index.get(s.alias), offset: plan.offsets[i],
  }));
  // What the sample is in the arena: the graph inputs and their quantized copies (written by the input's writer).
  const sample = [...graph.inputs.map((n) => slots.get(n)!), ...[...inputQuantize.values()].map((q) => slots.get(q.output)).filter((x) => x !== undefined)];
  const overwritten = sample.filter((x) => all.some((s) => s.alias === x)).map((x) => ({ ptr: x.ptr, bytes: x.bytes }));
  return { mem, steps, inputQuantize, tensors, arenaBytes: plan.size, weightBytes, buffers, overwritten };
}

/**
 * Wraps each step of a guarded program (CompileOptions.guard): the GUARD_BYTES after every
 * buffer alive at the step (of an alias group, after its widest member: a smaller member's
 * are the widest's own bytes) hold a sentinel before it runs and must still hold it after.
 */
export function guardSteps(mem: LinearMemory, steps: Step[], all: readonly Slot[]): void {
  steps.forEach((step, i) => {
    const widest = new Map<Slot, Slot>();
    for (const s of all) {
      if (s.first > i || s.last < i || s.bytes === 0) continue;
      const root = s.alias ?? s, w = widest.get(root);
      if (!w || s.bytes > w.bytes) widest.set(root, s);
    }
    const guards = [...widest.values()];
    const inner = step.run;
    step.run = () => {
      for (const s of guards) mem.u8(s.ptr + s.bytes, GUARD_BYTES).fill(SENTINEL);
      inner();
      for (const s of guards) {
        const g = mem.u8(s.ptr + s.bytes, GUARD_BYTES), k = g.findIndex((b) => b !== SENTINEL);
        if (k >= 0) throw new Error(`internal: step ${i} (${step.node.op} '${step.node.name}') wrote past '${s.name}' (${s.bytes} bytes), at byte ${s.bytes + k}`);
      }
    };
  });
}

/** A node's constant input k as a `kind` array, null when absent; a typed error when it is computed or of another type. */
function constantOf<T extends TensorData>(weights: Weights, node: Node, k: number, kind: new (n: number) => T): T | null {
  const name = node.inputs[k];
  if (name === undefined || name === '') return null;
  const d = weights.get(name);
  if (!d) throw new BranchyUnsupportedError(`node '${node.name}' (${node.op}): input '${name}' must be a constant`);
  if (!(d instanceof kind)) {
    throw new BranchyUnsupportedError(`node '${node.name}' (${node.op}): constant '${name}' is a ${d.constructor.name}, expected ${kind.name}`);
  }
  return d as T;
}

/**
 * Refuses a model whose memory need exceeds the cap before anything is allocated: the
 * activation arena planned from the tensors' lifetimes (a lower bound of the final one,
 * which adds kernels' scratch) plus the constants' bytes (a lower bound of the packed weights);
 * then grows the memory to that need in one step.
 */
function checkMemoryNeed(mem: LinearMemory, graph: Graph, weights: Weights, order: readonly Node[], keepAll: boolean): void {
  const step = new Map<string, { first: number; last: number }>();
  for (const name of graph.inputs) step.set(name, { first: 0, last: 0 });
  order.forEach((node, i) => {
    for (const n of node.inputs) {
      const s = step.get(n);
      if (s) s.last = i;
    }
    for (const n of node.outputs) step.set(n, { first: i, last: i });
  });
  for (const name of graph.outputs) {
    const s = step.get(name);
    if (s) s.last = order.length;
  }
  const infos = new Map(graph.tensors.map((t) => [t.name, t]));
  const requests: BufferRequest[] = [];
  let largest = { name: '', bytes: 0 };
  for (const [name, s] of step) {
    const t = infos.get(name)!;
    // A float input read only by a quantize is staged (compile, input.ts): its slot is smaller.
    const readers = keepAll || !graph.inputs.includes(name) ? [] : order.filter((n) => n.inputs.includes(name));
    const bytes = readers.length === 1 && readers[0].op === 'quantize' && !graph.outputs.includes(name) ? 0 : sampleBytes(t);
    if (!Number.isSafeInteger(sampleBytes(t))) {
      throw new BranchyLimitError(`tensor '${name}' [${t.shape.join(', ')}] is too large to address (${sampleBytes(t)} bytes per sample); the model cannot run`);
    }
    if (bytes > largest.bytes) largest = { name, bytes };
    requests.push({ size: bytes, first: s.first, last: keepAll ? order.length : s.last });
  }
  const arena = planArena(requests).size;
  let constants = 0;
  for (const d of weights.values()) constants += d.byteLength;
  const need = mem.mod.heapBase + mem.used + arena + constants;
  if (need > mem.capBytes) {
    throw new BranchyLimitError(
      `the model needs at least ${need} bytes of wasm memory (activations ${arena}, the largest '${largest.name}' ${largest.bytes}; ` +
        `weights ${constants}), above the memory cap of ${mem.capBytes}; raise memoryCap if the model is trusted`,
    );
  }
  // Grow once to about what compile will allocate (packing pads the weights a little: the
  // allocations may still grow it a few pages): each grow costs a call into the engine and
  // detaches every view of the old buffer.
  mem.ensure(Math.min(mem.capBytes, need + (need >> 4)));
}

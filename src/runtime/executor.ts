// Compiles an IR graph into a list of steps over one arena, then runs them sample by
// sample. At compile time every layer's weights are packed (through the kernel table)
// and every activation gets a planned offset; at run time a step is one kernel call.
import { BranchyLimitError, BranchyUnsupportedError } from '../errors.js';
import type { Activation, Graph, Node, TensorData, TensorInfo, Weights, Window } from '../ir/types.js';
import { topoSort } from '../ir/graph.js';
import { nodeMacs } from '../ir/macs.js';
import type { Build } from './features.js';
import { LinearMemory } from './memory.js';
import { checkPlacement, planArena, type BufferRequest } from './planner.js';
import { f32Range, int8Range, type Activation as ClampActivation } from './ops/activation.js';
import { canFuseMaxPool2x2, prepareQs8Conv, runQs8Conv } from './ops/qs8-conv.js';
import { prepareQs8Gemm, runQs8Gemm } from './ops/qs8-gemm.js';
import { prepareQs8Dwconv, runQs8Dwconv } from './ops/qs8-dwconv.js';
import { prepareF32Conv, prepareF32Dwconv, prepareF32Gemm, runF32Conv, runF32Dwconv, runF32Gemm } from './ops/f32-conv.js';
import { preparePool2d, prepareGlobalAvgPool, runPool2d, runGlobalAvgPool, type QuantParams } from './ops/pool.js';
import {
  prepareAdd, runAdd, prepareConcat, runConcat, prepareMulChannel, runMulChannel,
  prepareQuantize, prepareDequantize, prepareRequantize, runConvert,
} from './ops/eltwise.js';
import { prepareExitHead, runExitHead } from './ops/head.js';
import { prepareQs8Sparse, runQs8Sparse, sparseGemmShape } from './ops/qs8-sparse.js';
import { isBinaryNode, prepareBinaryNode, sampleBytes } from './ops/b1-layer.js';

/** One planned buffer of the arena: an activation tensor or a layer's scratch. */
interface Slot {
  name: string;
  bytes: number;
  first: number;
  last: number;
  ptr: number;
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

/**
 * A graph input whose only reader is a quantize node (an int8 model's first step). The host
 * may write the sample's int8 values into `output` itself (src/runtime/input.ts); while
 * `prequantized` is true the quantize step leaves them as they are.
 */
export interface InputQuantize {
  /** The quantize node's int8 output tensor. */
  readonly output: string;
  /** Quantize what lies in the f32 input slot into `output` (the step's kernel, unconditionally). */
  readonly quantize: () => void;
  prequantized: boolean;
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
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const elemBytes = (t: TensorInfo): number => (t.dtype === 'f32' || t.dtype === 'i32' ? 4 : 1);

function tensorQuant(t: TensorInfo, node: Node): QuantParams {
  if (t.quant?.kind !== 'tensor') {
    throw new BranchyUnsupportedError(`node '${node.name}' (${node.op}): int8 tensor '${t.name}' needs a per-tensor scale and zero point`);
  }
  return { scale: t.quant.scale, zeroPoint: t.quant.zeroPoint };
}

/** A fused activation the kernels can do as a clamp, or null when it needs an extra pass. */
function asClamp(act: Activation | undefined): ClampActivation | null {
  if (!act || act.kind === 'none') return { kind: 'none' };
  if (act.kind === 'relu' || act.kind === 'relu6') return { kind: act.kind };
  if (act.kind === 'clip') {
    const big = 3e38;
    return { kind: 'clip', min: act.min !== undefined && act.min > -big ? act.min : undefined, max: act.max !== undefined && act.max < big ? act.max : undefined };
  }
  return null;
}

/** Element-wise f32 activations the kernels cannot fuse as a clamp (applied in place). */
function applyActivation(x: Float32Array, act: Activation): void {
  const a = act.alpha ?? 0, b = act.beta ?? 0;
  switch (act.kind) {
    case 'leakyrelu':
      for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] *= a;
      return;
    case 'sigmoid':
      for (let i = 0; i < x.length; i++) x[i] = 1 / (1 + Math.exp(-x[i]));
      return;
    case 'hardsigmoid':
      for (let i = 0; i < x.length; i++) x[i] = Math.max(0, Math.min(1, a * x[i] + b));
      return;
    case 'hardswish':
      for (let i = 0; i < x.length; i++) x[i] = x[i] * Math.max(0, Math.min(1, x[i] / 6 + 0.5));
      return;
    default: {
      const c = asClamp(act)!;
      const { fmin, fmax } = f32Range(c);
      for (let i = 0; i < x.length; i++) x[i] = Math.min(fmax, Math.max(fmin, x[i]));
    }
  }
}

export interface CompileOptions {
  build: Build;
  /** Keep every tensor alive to the end (no arena reuse), so all of them can be read after a run: calibration. */
  keepAll?: boolean;
  /** Execution order by node name (a topological order; e.g. an early-exit plan's). Default: the graph's. */
  order?: readonly string[];
}

/** Compile a validated graph for one sample per run (batch 1 geometry; the host loops over a batch). */
export function compile(mem: LinearMemory, graph: Graph, weights: Weights, opts: CompileOptions): Program {
  const { build } = opts;
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const order = opts.order ? opts.order.map((n) => byName.get(n)!) : topoSort(graph);
  const infos = new Map(graph.tensors.map((t) => [t.name, t]));
  const slots = new Map<string, Slot>();
  const scratch: Slot[] = [];
  const steps: Step[] = [];
  const inputQuantize = new Map<string, InputQuantize>();
  const readers = (name: string): number => graph.nodes.filter((n) => n.inputs.includes(name)).length;
  const lastStep = order.length; // graph outputs stay alive past the last step
  checkMemoryNeed(mem, graph, weights, order, opts.keepAll ?? false);
  const weightStart = mem.used;

  const info = (name: string): TensorInfo => infos.get(name)!;
  const constant = <T extends TensorData>(name: string | undefined, node: Node, kind: new (n: number) => T): T | null => {
    if (name === undefined || name === '') return null;
    const d = weights.get(name);
    if (!d) throw new BranchyUnsupportedError(`node '${node.name}' (${node.op}): input '${name}' must be a constant`);
    if (!(d instanceof kind)) {
      throw new BranchyUnsupportedError(`node '${node.name}' (${node.op}): constant '${name}' is a ${d.constructor.name}, expected ${kind.name}`);
    }
    return d as T;
  };
  const slot = (name: string): Slot => slots.get(name)!;
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
  const temp = (bytes: number, step: number): Slot => {
    const s: Slot = { name: `scratch of step ${step}`, bytes, first: step, last: step, ptr: -1 };
    scratch.push(s);
    return s;
  };

  for (const name of graph.inputs) define(name, 0);

  // Conv + 2×2/2 max pool (fusablePool): the conv's kernel writes the pool's output, the pool's
  // step does nothing, and the conv's own output is never materialised (no slot). Not with
  // keepAll, which promises every tensor.
  const fusedPool = new Map<string, Node>();
  const pooledBy = new Set<string>();
  if (!opts.keepAll) {
    for (const node of order) {
      const pool = fusablePool(graph, node, info, build);
      if (pool) (fusedPool.set(node.name, pool), pooledBy.add(pool.name));
    }
  }

  order.forEach((node, i) => {
    const pool = fusedPool.get(node.name);
    const ins = pooledBy.has(node.name) ? [] : node.inputs.filter((n) => n !== '' && !weights.has(n)).map((n) => use(n, i));
    const outs = pool ? [define(pool.outputs[0], i)] : pooledBy.has(node.name) ? node.outputs.map((n) => use(n, i)) : node.outputs.map((n) => define(n, i));
    const x = info(node.inputs[0]);
    const y = info(node.outputs[0]);
    const int8 = x.dtype === 'i8';
    const [X, Y] = [ins[0], outs[0]];
    const where = `node '${node.name}' (${node.op}, ${x.dtype})`;
    const macs = nodeMacs(graph, node);
    let run: () => void;
    // Activations the op cannot fuse as a clamp run as an extra f32 pass on its output.
    const clamp = asClamp(node.act);
    const post = node.act && !clamp && node.op !== 'activation' ? node.act : null;
    if (post && int8) throw new BranchyUnsupportedError(`${where}: fused ${post.kind} on int8 is not supported; keep this layer in float`);
    const fr = f32Range(clamp ?? { kind: 'none' });
    const qr = (q: QuantParams) => int8Range(clamp ?? { kind: 'none' }, q.scale, q.zeroPoint);
    const hw = (t: TensorInfo) => ({ h: t.shape[1], w: t.shape[2], c: t.shape[3] });

    // Block-sparse int8 gemm / 1x1 conv (attrs.sparse, docs/ir.md): the sparse kernel.
    const sparse = int8 && !isBinaryNode(node, info) ? sparseGemmShape(node, x, y) : null;
    if (isBinaryNode(node, info)) {
      // Binary layers (docs/ir.md, "Binary layers"): bitpack, XNOR conv / gemm, binary weights x int8.
      const layer = prepareBinaryNode(mem, build, node, info, weights, clamp);
      const S = layer.scratchBytes ? temp(layer.scratchBytes, i) : null;
      run = () => layer.run(X.ptr, Y.ptr, S ? S.ptr : 0);
    } else if (sparse) {
      const q = int8Params(node, x, y, info(node.inputs[1]), constant(node.inputs[2], node, Int32Array));
      const layer = prepareQs8Sparse(mem, build, {
        n: sparse.n, k: sparse.k, weights: constant(node.inputs[1], node, Int8Array)!, bias: q.bias, scale: q.scale,
        zpIn: q.in.zeroPoint, zpOut: q.out.zeroPoint, ...qr(q.out),
      });
      run = () => runQs8Sparse(mem, layer, sparse.m, X.ptr, sparse.k, Y.ptr, sparse.n);
    } else switch (node.op) {
      case 'conv2d':
      case 'dwconv2d': {
        const geom = windowGeometry(node.attrs, x);
        const cOut = y.shape[3];
        if (node.op === 'dwconv2d' && node.attrs.multiplier !== 1) {
          throw new BranchyUnsupportedError(`${where}: depthwise channel multiplier ${node.attrs.multiplier} is not supported yet; use multiplier 1`);
        }
        if (int8) {
          const q = int8Params(node, x, y, info(node.inputs[1]), constant(node.inputs[2], node, Int32Array));
          const w8 = constant(node.inputs[1], node, Int8Array)!;
          const { qmin, qmax } = qr(q.out);
          if (node.op === 'conv2d') {
            const layer = prepareQs8Conv(mem, build, {
              geom, cOut, weights: w8, bias: q.bias, scale: q.scale, zpIn: q.in.zeroPoint, zpOut: q.out.zeroPoint, qmin, qmax, allocScratch: false,
              fuseMaxPool2x2: pool !== undefined,
            });
            const S = layer.scratchBytes ? temp(layer.scratchBytes, i) : null;
            run = () => runQs8Conv(mem, layer, X.ptr, Y.ptr, S ? S.ptr : 0);
          } else {
            const layer = prepareQs8Dwconv(mem, build, { geom, weights: w8, bias: q.bias, scale: q.scale, zpIn: q.in.zeroPoint, zpOut: q.out.zeroPoint, qmin, qmax });
            run = () => runQs8Dwconv(mem, layer, X.ptr, Y.ptr);
          }
        } else {
          const wf = constant(node.inputs[1], node, Float32Array)!;
          const bf = constant(node.inputs[2], node, Float32Array);
          if (node.op === 'conv2d') {
            const layer = prepareF32Conv(mem, build, { geom, outChannels: cOut, weights: wf, bias: bf, ...fr });
            run = () => runF32Conv(mem, layer, X.ptr, Y.ptr);
          } else {
            const layer = prepareF32Dwconv(mem, build, { geom, weights: wf, bias: bf, ...fr });
            run = () => runF32Dwconv(mem, layer, X.ptr, Y.ptr);
          }
        }
        break;
      }
      case 'gemm': {
        const k = x.shape[x.shape.length - 1];
        const m = numel(x.shape.slice(1, -1));
        const n = y.shape[y.shape.length - 1];
        if (int8) {
          const q = int8Params(node, x, y, info(node.inputs[1]), constant(node.inputs[2], node, Int32Array));
          const { qmin, qmax } = qr(q.out);
          const layer = prepareQs8Gemm(mem, build, { n, k, weights: constant(node.inputs[1], node, Int8Array)!, bias: q.bias, scale: q.scale, zpIn: q.in.zeroPoint, zpOut: q.out.zeroPoint, qmin, qmax });
          run = () => runQs8Gemm(mem, layer, m, X.ptr, k, Y.ptr, n);
        } else {
          const layer = prepareF32Gemm(mem, build, { n, k, weights: constant(node.inputs[1], node, Float32Array)!, bias: constant(node.inputs[2], node, Float32Array), ...fr });
          run = () => runF32Gemm(mem, layer, X.ptr, Y.ptr, m);
        }
        break;
      }
      case 'maxpool':
      case 'avgpool': {
        if (pooledBy.has(node.name)) {
          run = () => {}; // done by the conv before it
          break;
        }
        const a = node.attrs;
        const { h, w, c } = hw(x);
        const qIn = int8 ? tensorQuant(x, node) : undefined;
        const layer = preparePool2d(mem, build, {
          op: node.op === 'maxpool' ? 'max' : 'avg', dtype: int8 ? 'qs8' : 'f32', n: 1, h, w, c,
          kh: a.kernel[0], kw: a.kernel[1], strideH: a.strides[0], strideW: a.strides[1],
          dilationH: a.dilations[0], dilationW: a.dilations[1], pads: a.pads, ceilMode: a.ceilMode,
          countIncludePad: node.op === 'avgpool' ? node.attrs.countIncludePad : undefined,
          input: qIn, output: int8 ? (node.op === 'maxpool' ? qIn : tensorQuant(y, node)) : undefined,
        });
        run = () => runPool2d(mem, layer, X.ptr, Y.ptr);
        break;
      }
      case 'globalavgpool': {
        const { h, w, c } = hw(x);
        const layer = prepareGlobalAvgPool(mem, build, {
          dtype: int8 ? 'qs8' : 'f32', n: 1, h, w, c,
          input: int8 ? tensorQuant(x, node) : undefined, output: int8 ? tensorQuant(y, node) : undefined,
        });
        run = () => runGlobalAvgPool(mem, layer, X.ptr, Y.ptr);
        break;
      }
      case 'add':
      case 'mul': {
        const n = numel(y.shape.slice(1));
        const bConst = weights.get(node.inputs[1]);
        const dtype = int8 ? 'qs8' : 'f32';
        if (node.op === 'add' && !bConst) {
          const b = info(node.inputs[1]);
          const layer = prepareAdd(mem, build, int8
            ? { dtype, n, a: tensorQuant(x, node), b: tensorQuant(b, node), y: tensorQuant(y, node), ...qr(tensorQuant(y, node)) }
            : { dtype, n, ...fr });
          const B = ins[1];
          run = () => runAdd(mem, layer, X.ptr, B.ptr, Y.ptr);
        } else {
          if (!(bConst instanceof Float32Array)) {
            throw new BranchyUnsupportedError(`${where}: the second input must be an f32 constant (per channel or scalar)`);
          }
          const channels = x.shape[x.shape.length - 1];
          const rows = n / channels;
          const expand = (v: Float32Array) => (v.length === 1 ? new Float32Array(channels).fill(v[0]) : v);
          const scale = node.op === 'mul' ? expand(bConst) : new Float32Array(channels).fill(1);
          const bias = node.op === 'add' ? expand(bConst) : null;
          const layer = prepareMulChannel(mem, build, int8
            ? { dtype, rows, channels, scale, bias, input: tensorQuant(x, node), output: tensorQuant(y, node), ...qr(tensorQuant(y, node)) }
            : { dtype, rows, channels, scale, bias, ...fr });
          run = () => runMulChannel(mem, layer, X.ptr, Y.ptr);
        }
        break;
      }
      case 'concat': {
        const pixels = numel(y.shape.slice(1, -1));
        const layer = prepareConcat(mem, build, { dtype: int8 ? 'qs8' : 'f32', pixels, channels: node.inputs.map((n) => info(n).shape.at(-1)!) });
        run = () => runConcat(mem, layer, ins.map((s) => s.ptr), Y.ptr);
        break;
      }
      case 'reshape':
        if (y.shape[0] !== x.shape[0]) {
          throw new BranchyUnsupportedError(`${where}: a reshape that changes the batch axis (${x.shape[0]} -> ${y.shape[0]}) is not supported; the first axis is the batch`);
        }
        run = () => mem.u8(Y.ptr, Y.bytes).set(mem.u8(X.ptr, X.bytes));
        break;
      case 'flatten': {
        if (node.attrs.order === 'nhwc' || x.shape.length !== 4 || x.dtype === 'b1') {
          run = () => mem.u8(Y.ptr, Y.bytes).set(mem.u8(X.ptr, X.bytes));
        } else {
          // ONNX's C,H,W order from our H,W,C.
          const { h, w, c } = hw(x);
          const el = elemBytes(x);
          run = () => {
            const src = mem.u8(X.ptr, X.bytes), dst = mem.u8(Y.ptr, Y.bytes);
            for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) for (let b = 0; b < el; b++) dst[(ch * h * w + p) * el + b] = src[(p * c + ch) * el + b];
          };
        }
        break;
      }
      case 'softmax': {
        if (int8) throw new BranchyUnsupportedError(`${where}: softmax runs in f32; dequantize its input`);
        const classes = x.shape.at(-1)!;
        const rows = numel(x.shape.slice(1, -1));
        const layer = prepareExitHead(mem, build, { dtype: 'f32', rows, classes });
        const S = temp(layer.outputBytes + layer.argmaxBytes, i);
        run = () => {
          runExitHead(mem, layer, X.ptr, S.ptr, S.ptr + layer.outputBytes);
          const out = mem.f32(S.ptr, rows * (classes + 2)), dst = mem.f32(Y.ptr, rows * classes);
          for (let r = 0; r < rows; r++) dst.set(out.subarray(r * (classes + 2), r * (classes + 2) + classes), r * classes);
        };
        break;
      }
      case 'activation': {
        if (int8) throw new BranchyUnsupportedError(`${where}: standalone activations run in f32; dequantize first`);
        const n = numel(y.shape.slice(1));
        run = () => {
          const dst = mem.f32(Y.ptr, n);
          dst.set(mem.f32(X.ptr, n));
          applyActivation(dst, node.act!);
        };
        break;
      }
      case 'quantize':
      case 'dequantize':
      case 'requantize': {
        const n = numel(y.shape.slice(1));
        const layer =
          node.op === 'quantize' ? prepareQuantize(mem, build, { n, output: tensorQuant(y, node) })
            : node.op === 'dequantize' ? prepareDequantize(mem, build, { n, input: tensorQuant(x, node) })
              : prepareRequantize(mem, build, { n, input: tensorQuant(x, node), output: tensorQuant(y, node) });
        const convert = () => runConvert(mem, layer, X.ptr, Y.ptr);
        const input = node.inputs[0];
        if (node.op === 'quantize' && !post && graph.inputs.includes(input) && !graph.outputs.includes(input) && readers(input) === 1) {
          const q: InputQuantize = { output: node.outputs[0], quantize: convert, prequantized: false };
          inputQuantize.set(input, q);
          run = () => {
            if (!q.prequantized) convert();
          };
        } else {
          run = convert;
        }
        break;
      }
      default:
        throw new BranchyUnsupportedError(`node '${(node as Node).name}': op '${(node as Node).op}' has no kernel`);
    }
    if (post) {
      const n = numel(y.shape.slice(1));
      const inner = run;
      run = () => {
        inner();
        applyActivation(mem.f32(Y.ptr, n), post);
      };
    }
    steps.push({ node, macs, run });
  });

  for (const name of graph.outputs) {
    if (info(name).dtype === 'b1') throw new BranchyUnsupportedError(`graph output '${name}' is binary (b1); end the graph with a layer whose output is int8 or f32`);
    slot(name).last = lastStep;
  }
  if (opts.keepAll) for (const s of slots.values()) s.last = lastStep;
  const weightBytes = mem.used - weightStart;

  // One arena for every activation and scratch buffer, placed by lifetime.
  const all = [...slots.values(), ...scratch];
  const plan = planArena(all.map((s): BufferRequest => ({ size: s.bytes, first: s.first, last: s.last })));
  const arena = mem.alloc(plan.size);
  all.forEach((s, i) => (s.ptr = arena + plan.offsets[i]));
  checkPlacement(all.map((s) => ({ name: s.name, ptr: s.ptr, size: s.bytes, first: s.first, last: s.last })), arena, mem.buffer.byteLength);

  const tensors = new Map<string, TensorSlot>();
  for (const [name, s] of slots) {
    const t = info(name);
    tensors.set(name, { info: t, elements: numel(t.shape.slice(1)), ptr: s.ptr });
  }
  return { mem, steps, inputQuantize, tensors, arenaBytes: plan.size, weightBytes };
}

/**
 * The max pool an int8 conv can do in its own kernel (canFuseMaxPool2x2), or null: its only
 * reader, 2×2, stride 2, no padding or dilation, no activation, output half the conv's size
 * rounded down, and the conv's output is not a graph output.
 */
function fusablePool(graph: Graph, node: Node, info: (name: string) => TensorInfo, build: Build): Node | null {
  if (node.op !== 'conv2d') return null;
  const x = info(node.inputs[0]);
  const y = info(node.outputs[0]);
  if (x.dtype !== 'i8' || y.dtype !== 'i8' || isBinaryNode(node, info) || sparseGemmShape(node, x, y)) return null;
  if (node.act && node.act.kind !== 'none' && !asClamp(node.act)) return null;
  const out = node.outputs[0];
  if (graph.outputs.includes(out)) return null;
  const readers = graph.nodes.filter((n) => n.inputs.includes(out));
  if (readers.length !== 1 || readers[0].op !== 'maxpool') return null;
  const p = readers[0];
  const a = p.attrs;
  const z = info(p.outputs[0]);
  if (a.kernel.join() !== '2,2' || a.strides.join() !== '2,2' || a.pads.some((v) => v !== 0) || a.dilations.join() !== '1,1') return null;
  if ((p.act && p.act.kind !== 'none') || z.dtype !== 'i8' || z.shape[1] !== y.shape[1] >> 1 || z.shape[2] !== y.shape[2] >> 1) return null;
  return canFuseMaxPool2x2(windowGeometry(node.attrs, x), y.shape[3], build) ? p : null;
}

/** One sample's conv geometry from a window op's attributes and its NHWC input. */
function windowGeometry(a: Window, x: TensorInfo) {
  return {
    n: 1, h: x.shape[1], w: x.shape[2], c: x.shape[3], kh: a.kernel[0], kw: a.kernel[1], strideH: a.strides[0], strideW: a.strides[1],
    dilationH: a.dilations[0], dilationW: a.dilations[1], pads: a.pads,
  };
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
    const bytes = sampleBytes(t);
    if (!Number.isSafeInteger(bytes)) {
      throw new BranchyLimitError(`tensor '${name}' [${t.shape.join(', ')}] is too large to address (${bytes} bytes per sample); the model cannot run`);
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

/** The quantization of an int8 conv/gemm: input, output, per-channel weight scales -> requant multipliers. */
function int8Params(node: Node, x: TensorInfo, y: TensorInfo, w: TensorInfo, bias: Int32Array | null) {
  const qin = tensorQuant(x, node), qout = tensorQuant(y, node);
  if (y.dtype !== 'i8') throw new BranchyUnsupportedError(`node '${node.name}' (${node.op}): int8 input needs an int8 output, got ${y.dtype}`);
  const wq = w.quant;
  if (!wq) throw new BranchyUnsupportedError(`node '${node.name}' (${node.op}): int8 weights '${w.name}' carry no scales`);
  const n = node.op === 'dwconv2d' ? w.shape.at(-1)! : w.shape[0];
  const sw = wq.kind === 'channel' ? wq.scales : new Array<number>(n).fill(wq.scale);
  if (sw.length !== n) throw new BranchyUnsupportedError(`node '${node.name}': ${sw.length} weight scales for ${n} output channels`);
  const scale = new Float32Array(n);
  for (let c = 0; c < n; c++) scale[c] = Math.fround((qin.scale * sw[c]) / qout.scale);
  return { in: qin, out: qout, scale, bias };
}

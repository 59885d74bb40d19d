// Post-training int8 quantization of a float IR graph (docs/ir.md, "int8";
// docs/compression.md). The caller's `observe` runs a graph over calibration images and
// reports every activation tensor; from those values each tensor gets an asymmetric
// per-tensor int8 range (min-max, percentiles, or mean ± k·σ; always including 0), weights
// get symmetric per-channel scales (or are first shared among K clusters), biases become
// int32 with scale s_in * s_w[c]. With `sequential`, each tensor is calibrated on a graph
// whose earlier layers are already int8. Ops without an int8 form, and the layers the user
// keeps in float, stay f32 between a dequantize and a quantize. Returns the int8 graph and a
// per-layer report: the range chosen, the quantization MSE, the error against the float
// graph, and the time spent.
import { BranchyUnsupportedError } from '../errors.js';
import { consumers, topoSort, validateGraph } from '../ir/graph.js';
import type { Graph, Node, Quant, TensorInfo, Weights } from '../ir/types.js';
import { RunRecord, type Observe, type RunnableGraph, type Visit } from './calib-error.js';
import { TensorStats, type RangeMethod } from './quant-stats.js';
import { quantizeWeights, type WeightQuant } from './quant-weights.js';
import { isClampAct, roundHalfEven } from '../ir/numerics.js';
import { opDef } from '../ir/ops/index.js';
import type { OpNode } from '../ir/ops/def.js';
import { splitActivations } from '../ir/passes/split-activation.js';
import { correctable, MeanMap, weightErrorShift } from './bias-correct.js';

// ---- shared int8 arithmetic (also used by the ONNX QDQ import) ------------------------------

export { roundHalfEven, isClampAct };

/**
 * Asymmetric int8 quantization of the range [lo, hi] widened to include 0:
 * scale = (hi - lo) / 255 (as f32), zero point = round(-128 - lo / scale), so that 0 is exact.
 */
export function rangeQuant(lo: number, hi: number): Quant & { kind: 'tensor' } {
  lo = Math.min(lo, 0);
  hi = Math.max(hi, 0);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new BranchyUnsupportedError(`calibration range [${lo}, ${hi}] is not finite`);
  if (hi - lo < 1e-30) return { kind: 'tensor', scale: 1, zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / 255);
  const zeroPoint = Math.min(127, Math.max(-128, roundHalfEven(-128 - lo / scale)));
  return { kind: 'tensor', scale, zeroPoint };
}

/** QuantizeLinear then DequantizeLinear of one value (f32 arithmetic, as the kernels). */
export function fakeQuant(x: number, q: { scale: number; zeroPoint: number }): number {
  const v = Math.min(127, Math.max(-128, roundHalfEven(Math.fround(Math.fround(x) / q.scale)) + q.zeroPoint));
  return Math.fround((v - q.zeroPoint) * q.scale);
}

/**
 * Symmetric per-channel int8 weights in [-127, 127]. With `known` scales (from the model's
 * DequantizeLinear) the values are recovered exactly when w = fround(q * s) for every weight
 * (`exact`); otherwise scale[c] = max|w_c| / 127.
 */
export function symmetricPerChannel(
  w: Float32Array, channels: number, chanOf: (i: number) => number, known?: number[],
): { q: Int8Array; scales: number[]; exact: boolean; clamped: number } {
  const q = new Int8Array(w.length);
  let clamped = 0;
  if (known && (known.length === 1 || known.length === channels)) {
    const s = Array.from({ length: channels }, (_, c) => known[known.length === 1 ? 0 : c]);
    let ok = s.every((v) => v > 0 && Number.isFinite(v));
    for (let i = 0; ok && i < w.length; i++) {
      const c = chanOf(i);
      const r = roundHalfEven(w[i] / s[c]);
      if (r < -128 || r > 127 || Math.fround(r * s[c]) !== w[i]) ok = false;
      else if (r === -128) {
        q[i] = -127;
        clamped++;
      } else q[i] = r;
    }
    if (ok) return { q, scales: s, exact: true, clamped };
    clamped = 0;
  }
  const max = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) max[chanOf(i)] = Math.max(max[chanOf(i)], Math.abs(w[i]));
  const scales = Array.from(max, (m) => (m > 0 ? Math.fround(m / 127) : 1));
  for (let i = 0; i < w.length; i++) {
    const s = scales[chanOf(i)];
    q[i] = Math.min(127, Math.max(-127, roundHalfEven(Math.fround(w[i] / s))));
  }
  return { q, scales, exact: false, clamped };
}

/** int32 bias with scale s_in * s_w[c]. Throws when a value does not fit. */
export function biasToInt32(b: Float32Array, sIn: number, sW: number[], where: string): Int32Array {
  const out = new Int32Array(b.length);
  for (let c = 0; c < b.length; c++) {
    const v = roundHalfEven(b[c] / (sIn * sW[c]));
    if (!(Math.abs(v) <= 2 ** 31 - 1)) {
      throw new BranchyUnsupportedError(`${where}: bias ${b[c]} / (${sIn} * ${sW[c]}) does not fit int32; keep this layer in float (keepFloat)`);
    }
    out[c] = v;
  }
  return out;
}

// ---- the pass -------------------------------------------------------------------------------

export type { Observe, Visit, RunnableGraph } from './calib-error.js';

/** Range rule for activations (and weights): see docs/compression.md. kmeans: minmax activations, shared weights. */
export type QuantMethod = 'minmax' | 'percentile' | 'sigma' | 'kmeans';
export const QUANT_METHODS: readonly QuantMethod[] = ['minmax', 'percentile', 'sigma', 'kmeans'];

export interface QuantizeOptions {
  method: QuantMethod;
  /** Percentile of the upper bound (the lower one is 100 - p); default 99.99. */
  percentile?: number;
  /** kmeans: clusters per layer (weight sharing); default 16. */
  clusters?: number;
  /**
   * Calibrate layer by layer: each tensor's range comes from a run of the graph in which
   * every layer before it is already int8 (observe must run the graph it is given).
   */
  sequential?: boolean;
  /** Names of nodes that stay f32. */
  keepFloat?: string[];
  /**
   * Runs the graph it is given over the calibration set and reports every tensor. Called with
   * the float graph for the statistics, with partly quantized graphs (sequential), and with
   * the int8 graph for the output error; a callback that always runs the float model still
   * works for the non-sequential methods (the output error is then left out).
   */
  observe: Observe;
  /** Measure each tensor of the int8 graph against the float one (one more pass); default true. */
  outputError?: boolean;
  /**
   * Bias correction (src/convert/bias-correct.ts): each int8 layer's bias absorbs the mean
   * output shift its weight rounding causes on the calibration inputs. No extra pass; off by
   * default (it changes the int8 biases).
   */
  biasCorrect?: boolean;
}

export interface LayerReport {
  /** The quantized activation tensor (its name in the float graph). */
  tensor: string;
  /** The node that writes it ('' for a graph input). */
  node: string;
  op: string;
  /** Observed [min, max] and the range chosen (0 included). */
  observed: [number, number];
  range: [number, number];
  scale: number;
  zeroPoint: number;
  /** Mean squared error of quantize->dequantize of this tensor over the calibration set. */
  mse: number;
  /** Mean squared value of the tensor (to read mse against). */
  meanSquare: number;
  /** sigma: the σ multiplier k and the kurtosis it came from. */
  k?: number;
  kurtosis?: number;
  /** This tensor in the int8 graph against the float graph (errors of every layer before it included). */
  outputMse?: number;
  /** Weights of this node: their quantization MSE (also in `weight`). */
  weightMse?: number;
  weight?: Omit<WeightQuant, 'q' | 'scales'> & { scaleRange: [number, number] };
}

export interface QuantizeResult {
  graph: Graph;
  weights: Weights;
  /** One entry per quantized activation tensor, in graph order. */
  report: LayerReport[];
  /** Nodes left in f32 and why. */
  float: { node: string; op: string; why: string }[];
  /** Bytes of constants before and after. */
  bytesBefore: number;
  bytesAfter: number;
  /** Calls of observe, and milliseconds: all, choosing weights, in observe. */
  passes: number;
  ms: { total: number; weights: number; observe: number };
}

type TQuant = Quant & { kind: 'tensor' };

/** The range of a tensor read only by signs, relative to its largest magnitude (see signOnly). */
const SIGN_RANGE = 2 ** -20;

/** Ops whose int8 output has a quantization of its own (the registry's `requantize` and `shared` flows). */
const ownQuant = (op: string): boolean => opDef(op)!.int8 === 'requantize' || opDef(op)!.int8 === 'shared';
/** Ops whose int8 output keeps its input's quantization (`passthrough`). */
const follows = (op: string): boolean => opDef(op)!.int8 === 'passthrough';

function weightBytes(w: Weights): number {
  let b = 0;
  for (const v of w.values()) b += v.byteLength;
  return b;
}

/** Quantizes a float graph to int8 (see the file comment). The input graph is not modified. */
export async function quantizeGraph(graph: Graph, weights: Weights, opts: QuantizeOptions): Promise<QuantizeResult> {
  const t0 = performance.now();
  const method = opts.method;
  if (!QUANT_METHODS.includes(method)) throw new BranchyUnsupportedError(`quantize: unknown method '${String(method)}' (${QUANT_METHODS.join(', ')})`);
  const pct = opts.percentile ?? 99.99;
  if (!(pct > 50 && pct <= 100)) throw new BranchyUnsupportedError(`quantize: percentile must be in (50, 100], got ${pct}`);
  const clusters = opts.clusters ?? 16;
  if (!Number.isInteger(clusters) || clusters < 2 || clusters > 255) throw new BranchyUnsupportedError(`quantize: kmeans clusters must be an integer in 2..255, got ${clusters}`);
  const actMethod: RangeMethod = method === 'kmeans' ? 'minmax' : method;
  const g: Graph = JSON.parse(JSON.stringify(graph)) as Graph;
  // An int8 layer clamps its own output; any other fused activation becomes a standalone one,
  // an int8 table with its own input range (docs/ir.md, "int8"). Not on kept or binary layers.
  const kept = new Set(opts.keepFloat ?? []), b1 = new Set(g.tensors.filter((t) => t.dtype === 'b1').map((t) => t.name));
  splitActivations(g, (n) => kept.has(n.name) || n.inputs.some((i) => b1.has(i)) || n.outputs.some((o) => b1.has(o)));
  const order = validateGraph(g, { weights });
  const info = new Map(g.tensors.map((t) => [t.name, t]));
  for (const t of g.tensors) {
    if (t.dtype === 'b1') continue; // binary layers: their weights and bits stay as they are
    if (t.dtype !== 'f32' || t.quant) throw new BranchyUnsupportedError(`quantize: tensor '${t.name}' is ${t.dtype}${t.quant ? ' and quantized' : ''}; quantizeGraph takes a float graph`);
  }
  const keep = new Set(opts.keepFloat ?? []);
  for (const k of keep) {
    if (!g.nodes.some((n) => n.name === k)) throw new BranchyUnsupportedError(`quantize: keepFloat names node '${k}', which the graph does not have (nodes: ${g.nodes.map((n) => n.name).join(', ')})`);
  }
  const isConst = (t: string) => info.get(t)!.constant === true;
  const isBits = (t: string) => info.get(t)!.dtype === 'b1';
  // Binary layers (b1 weights; docs/ir.md): an int8 output, and an int8 input unless they read bits.
  const binaryW = (n: Node) => (n.op === 'conv2d' || n.op === 'gemm') && isBits(n.inputs[1]);
  if (opts.sequential && g.tensors.some((t) => t.dtype === 'b1')) {
    throw new BranchyUnsupportedError('quantize --sequential does not calibrate graphs with binary layers yet; quantize without --sequential');
  }

  // 1. Which nodes run in int8, as the op registry says (`int8When`): layers with weights
  //    always (unless kept, refused, or their activation has no int8 form); others when one
  //    input (`any-input`) or their data input (`first-input`) is int8.
  const int8 = new Set<Node>();
  const isI8 = new Set<string>();
  const float: QuantizeResult['float'] = [];
  // Data movement on a graph input read only by layers with weights (the transpose before a 1-D
  // conv): the input is quantized first and the bytes move as int8.
  const readersOf = consumers(g);
  const movesInputToLayers = (n: Node): boolean => {
    const rd = readersOf.get(n.outputs[0]) ?? [];
    return opDef(n.op)!.int8 === 'passthrough' && g.inputs.includes(n.inputs[0]) && !g.outputs.includes(n.outputs[0]) &&
      rd.length > 0 && rd.every((r) => opDef(r.op)!.int8When === 'weights' && !keep.has(r.name));
  };
  for (const n of order) {
    const def = opDef(n.op)!;
    const ins = n.inputs.filter((i) => !isConst(i));
    let why: string | undefined;
    let yes = false;
    if (keep.has(n.name)) why = 'keepFloat';
    else if (def.binary === 'pack' || def.binary === 'move' ? isBits(n.outputs[0]) : binaryW(n) && isBits(n.outputs[0])) {
      why = 'binary values (a bitpack reads int8 when its input is)';
    } else if (!def.int8When) why = `${n.op} has no int8 form`;
    else {
      why = def.int8Refusal?.(n as OpNode<unknown>, isConst, (t) => info.get(t)!) ?? (def.fusesActivation && n.op !== 'activation' && !isClampAct(n.act) ? `fused ${n.act!.kind} has no int8 form` : undefined);
      if (!why && def.int8When === 'weights') {
        if (!isConst(n.inputs[1]) || (n.inputs[2] && !isConst(n.inputs[2]))) why = 'weights are computed';
        else yes = true;
      } else if (!why) yes = def.int8When === 'any-input' ? ins.some((i) => isI8.has(i)) : isI8.has(n.inputs[0]) || movesInputToLayers(n);
    }
    if (yes) {
      int8.add(n);
      isI8.add(n.outputs[0]);
    } else float.push({ node: n.name, op: n.op, why: why ?? 'its input is f32' });
  }

  // Tensors whose range we need: int8 outputs with their own quantization, f32 tensors that an
  // int8 node reads (they get a quantize).
  const needed = new Set<string>();
  for (const n of int8) {
    if (ownQuant(n.op)) needed.add(n.outputs[0]);
    for (const i of n.inputs) if (!isConst(i) && !isI8.has(i) && !isBits(i)) needed.add(i);
  }
  // A tensor read only by an int8 concat (and written by an op with its own quantization) takes
  // the concat's quantization, so no requantize is needed.
  const cons = consumers(g);
  const producer = new Map(order.map((n) => [n.outputs[0], n]));
  const rangeOf = new Map<string, string>();
  for (const n of int8) {
    if (opDef(n.op)!.int8 !== 'shared') continue;
    for (const i of n.inputs) {
      const p = producer.get(i);
      if (p && int8.has(p) && ownQuant(p.op) && (cons.get(i) ?? []).length === 1 && !g.outputs.includes(i)) rangeOf.set(i, n.outputs[0]);
    }
  }

  // 2. Weights: per-channel symmetric int8 by the method (they do not depend on calibration).
  const wq = new Map<Node, WeightQuant>();
  for (const n of int8) {
    if (opDef(n.op)!.int8When !== 'weights' || binaryW(n)) continue;
    const wt = info.get(n.inputs[1])!;
    const wf = weights.get(wt.name) as Float32Array;
    const O = n.op === 'dwconv2d' ? wt.shape[2] : wt.shape[0];
    const per = wf.length / O;
    const chanOf = n.op === 'dwconv2d' ? (i: number) => i % O : (i: number) => Math.floor(i / per);
    wq.set(n, quantizeWeights(method, wf, O, chanOf, clusters));
  }

  // 3. Calibration. quantOf holds every decided activation quantization.
  const stats = new Map<string, TensorStats>();
  for (const t of needed) stats.set(t, new TensorStats());
  const chosen = new Map<string, [number, number]>();
  const quantOf = new Map<string, TQuant>();
  let passes = 0, observeMs = 0;
  const floatNames = new Set(g.tensors.map((t) => t.name));
  const run = async (model: RunnableGraph, visit: Visit, mustRun: boolean): Promise<void> => {
    passes++;
    const t1 = performance.now();
    let foreign = false;
    await opts.observe((name, v) => {
      if (!floatNames.has(name)) foreign = true;
      visit(name, v);
    }, model);
    observeMs += performance.now() - t1;
    if (mustRun && !foreign && model.graph.tensors.some((t) => !floatNames.has(t.name) && !t.constant)) {
      throw new BranchyUnsupportedError('quantize --sequential: observe must run the graph it is given (it reported only the float graph\'s tensors)');
    }
  };
  // The float run the int8 graph is compared with at the end: recorded by the first pass.
  const record = opts.outputError === false ? null : new RunRecord(needed);
  let recording = record;
  // biasCorrect: the float mean of every int8 layer's input, from the first (float) pass.
  const means = new Map<string, MeanMap>();
  if (opts.biasCorrect) {
    for (const n of wq.keys()) if (correctable(n.op)) means.set(n.inputs[0], new MeanMap(info.get(n.inputs[0])!.shape.slice(1).reduce((a, b) => a * b, 1)));
  }
  let measuring = means.size > 0;
  const gather = async (model: RunnableGraph, set: Set<string>, mustRun: boolean) => {
    const rec = recording, mm = measuring;
    recording = null;
    measuring = false;
    await run(model, (name, v) => {
      rec?.visit(name, v);
      if (mm) means.get(name)?.add(v);
      if (set.has(name)) stats.get(name)!.add(v, actMethod);
    }, mustRun);
    for (const name of set) {
      if (stats.get(name)!.moments.n === 0) throw new BranchyUnsupportedError(`quantize: observe never reported tensor '${name}'; it must report every activation tensor`);
    }
    if (actMethod === 'percentile') await run(model, (name, v) => set.has(name) && stats.get(name)!.addHist(v), mustRun);
  };
  // A tensor read only by signs (bitpack, through max pools / reshapes) needs its sign, not its
  // values: a tiny symmetric range saturates everything else (saturation keeps the sign), so
  // only |x| < SIGN_RANGE * max|x| can round to the zero point and read as +1.
  const signOnly = (t: string): boolean => {
    const rd = cons.get(t) ?? [];
    return !g.outputs.includes(t) && rd.length > 0 && rd.every((r) => r.op === 'bitpack' || (follows(r.op) && signOnly(r.outputs[0])));
  };
  const decide = (set: Iterable<string>) => {
    for (const t of set) if (!rangeOf.has(t)) chosen.set(t, stats.get(t)!.choose(actMethod, pct));
    for (const t of set) {
      const [lo, hi] = chosen.get(rangeOf.get(t) ?? t)!;
      const m = SIGN_RANGE * Math.max(Math.abs(lo), Math.abs(hi));
      if (signOnly(t) && m > 0 && !rangeOf.has(t)) chosen.set(t, [-m, m]);
      quantOf.set(t, rangeQuant(...chosen.get(rangeOf.get(t) ?? t)!));
    }
  };
  const addError = (name: string, v: Float32Array) => {
    const s = stats.get(name)!, q = quantOf.get(name)!;
    for (let i = 0; i < v.length; i++) {
      const d = v[i] - fakeQuant(v[i], q);
      s.err += d * d;
      s.sq += v[i] * v[i];
    }
    s.count += v.length;
  };
  const errorPass = (model: RunnableGraph, set: Set<string>, mustRun: boolean) =>
    run(model, (name, v) => set.has(name) && addError(name, v), mustRun);

  /** The int8 nodes whose quantizations are all decided (in order); sets passthrough outputs' quant. */
  const ready = (): Set<Node> => {
    const P = new Set<Node>(), out = new Set<string>();
    for (const n of order) {
      if (!int8.has(n)) continue;
      const ins = n.inputs.filter((i) => !isConst(i));
      const ok = follows(n.op)
        ? out.has(ins[0]) || (!isI8.has(ins[0]) && quantOf.has(ins[0]))
        : quantOf.has(n.outputs[0]) && ins.every((i) => out.has(i) || isBits(i) || (!isI8.has(i) && quantOf.has(i)));
      if (!ok) continue;
      P.add(n);
      out.add(n.outputs[0]);
      if (follows(n.op)) quantOf.set(n.outputs[0], quantOf.get(ins[0])!);
    }
    return P;
  };

  const floatModel: RunnableGraph = { graph: g, weights };
  if (!opts.sequential) {
    await gather(floatModel, needed, false);
    decide(needed);
    // The float run is already recorded when it fit the record's budget: no need to run it again.
    if (record?.complete) for (const t of needed) for (const v of record.values(t)) addError(t, v);
    else await errorPass(floatModel, needed, false);
  } else {
    // Layer by layer: decide the tensors whose producer reads only settled values (int8 where
    // the final graph has int8, with a decided quantization where it quantizes).
    for (;;) {
      const P = ready();
      const i8now = new Set([...P].map((n) => n.outputs[0]));
      const settled = (i: string) => (!isI8.has(i) || i8now.has(i)) && (!needed.has(i) || quantOf.has(i));
      const inputsSettled = (t: string, linkedTo?: string): boolean =>
        (producer.get(t)?.inputs ?? []).every((i) => isConst(i) || settled(i) || (linkedTo === undefined && rangeOf.get(i) === t && inputsSettled(i, t)));
      const front = [...needed].filter((t) => !quantOf.has(t) && !rangeOf.has(t) && inputsSettled(t));
      if (front.length === 0) {
        const left = [...needed].filter((t) => !quantOf.has(t));
        if (left.length === 0) break;
        throw new BranchyUnsupportedError(`quantize --sequential: cannot order the calibration of ${left.join(', ')}`);
      }
      const set = new Set(front);
      for (const [i, c] of rangeOf) if (set.has(c)) set.add(i);
      const model = buildGraph(P);
      await gather(model, set, P.size > 0);
      decide(set);
      await errorPass(model, set, P.size > 0);
    }
  }
  const all = ready();
  if (all.size !== int8.size) throw new Error(`quantize: ${int8.size - all.size} int8 nodes left without a quantization`);

  // 4. The int8 graph.
  /** A layer's float bias; with biasCorrect, less the mean output shift of its rounded weights. */
  const corrected = new Map<Node, Float32Array>();
  function biasOf(n: Node, r: WeightQuant): Float32Array | undefined {
    const b = n.inputs[2] ? (weights.get(n.inputs[2]) as Float32Array) : undefined;
    const mean = means.get(n.inputs[0]);
    if (!mean || !correctable(n.op)) return b;
    let c = corrected.get(n);
    if (!c) {
      const wf = weights.get(n.inputs[1]) as Float32Array;
      const O = r.scales.length, per = wf.length / O;
      const chanOf = n.op === 'dwconv2d' ? (i: number) => i % O : (i: number) => Math.floor(i / per);
      const eps = new Float64Array(wf.length);
      for (let i = 0; i < wf.length; i++) eps[i] = r.q[i] * r.scales[chanOf(i)] - wf[i];
      const shift = weightErrorShift(n, eps, mean.mean(), info.get(n.inputs[0])!, info.get(n.outputs[0])!);
      c = Float32Array.from(shift, (d, o) => (b ? b[o] : 0) - d);
      corrected.set(n, c);
    }
    return c;
  }
  function buildGraph(P: Set<Node>): RunnableGraph {
    const isI8P = new Set([...P].map((n) => n.outputs[0]));
    const out: Graph = { tensors: [], nodes: [], inputs: g.inputs.slice(), outputs: g.outputs.slice() };
    if (g.normalize) out.normalize = g.normalize;
    const w2: Weights = new Map();
    const names = new Set(g.tensors.map((t) => t.name));
    const nodeNames = new Set(g.nodes.map((n) => n.name));
    const uniq = (set: Set<string>, base: string): string => {
      let s = base, k = 1;
      while (set.has(s)) s = `${base}_${k++}`;
      set.add(s);
      return s;
    };
    const tensors = new Map<string, TensorInfo>();
    const addT = (t: TensorInfo): string => {
      tensors.set(t.name, t);
      return t.name;
    };
    // The name each int8 tensor has in the new graph (graph outputs keep theirs for the f32 copy).
    const i8Name = new Map<string, string>();
    for (const t of isI8P) i8Name.set(t, g.outputs.includes(t) ? uniq(names, `${t}_q`) : t);
    for (const t of g.tensors) {
      if (t.constant) continue;
      if (isI8P.has(t.name)) addT({ ...t, name: i8Name.get(t.name)!, dtype: 'i8', quant: quantOf.get(t.name)! });
      if (!isI8P.has(t.name) || g.outputs.includes(t.name)) addT({ ...t });
    }
    const f32Cache = new Map<string, string>();
    const i8Cache = new Map<string, string>();
    const f32Of = (t: string): string => {
      if (!isI8P.has(t)) return t;
      if (g.outputs.includes(t)) return t; // written by the output's dequantize
      let n = f32Cache.get(t);
      if (!n) {
        n = addT({ ...info.get(t)!, name: uniq(names, `${t}_f32`) });
        out.nodes.push({ name: uniq(nodeNames, `${t}_dequantize`), op: 'dequantize', inputs: [t], outputs: [n], attrs: {} });
        f32Cache.set(t, n);
      }
      return n;
    };
    const i8Of = (t: string, want?: Quant): string => {
      let name = isI8P.has(t) ? i8Name.get(t)! : i8Cache.get(t);
      if (!name) {
        name = addT({ ...info.get(t)!, sourceLayout: undefined, name: uniq(names, `${t}_q`), dtype: 'i8', quant: quantOf.get(t)! });
        delete tensors.get(name)!.sourceLayout;
        out.nodes.push({ name: uniq(nodeNames, `${t}_quantize`), op: 'quantize', inputs: [t], outputs: [name], attrs: {} });
        i8Cache.set(t, name);
      }
      const have = tensors.get(name)!.quant!;
      if (want && want.kind === 'tensor' && have.kind === 'tensor' && (have.scale !== want.scale || have.zeroPoint !== want.zeroPoint)) {
        const key = `${name}@${want.scale}/${want.zeroPoint}`;
        let r = i8Cache.get(key);
        if (!r) {
          r = addT({ ...tensors.get(name)!, name: uniq(names, `${name}_rq`), quant: { ...want } });
          out.nodes.push({ name: uniq(nodeNames, `${name}_requantize`), op: 'requantize', inputs: [name], outputs: [r], attrs: {} });
          i8Cache.set(key, r);
        }
        return r;
      }
      return name;
    };

    for (const n of order) {
      if (!P.has(n)) {
        // A sign of an int8 tensor reads it as it is (bit where q < zero point).
        const readI8 = (i: string) => n.op === 'bitpack' && isI8P.has(i);
        const copy = { ...n, inputs: n.inputs.map((i) => (isConst(i) ? i : readI8(i) ? i8Name.get(i)! : f32Of(i))), outputs: n.outputs.slice() } as Node;
        for (const i of n.inputs) if (isConst(i)) {
          addT({ ...info.get(i)! });
          w2.set(i, weights.get(i)!);
        }
        out.nodes.push(copy);
        continue;
      }
      const y = n.outputs[0];
      const qy = quantOf.get(y)!;
      let inputs: string[];
      const r = wq.get(n);
      if (binaryW(n)) {
        // Binary weights and their f32 bias stay; the input is bits or becomes int8.
        inputs = n.inputs.map((i, k) => (k === 0 ? (isBits(i) ? i : i8Of(i)) : i));
        for (const i of n.inputs.slice(1)) {
          addT({ ...info.get(i)! });
          w2.set(i, weights.get(i)!);
        }
      } else if (r) {
        const x = i8Of(n.inputs[0]);
        const sIn = (tensors.get(x)!.quant as { scale: number }).scale;
        const wt = info.get(n.inputs[1])!;
        const wName = addT({ name: uniq(names, `${wt.name}_i8`), shape: wt.shape.slice(), dtype: 'i8', constant: true, quant: { kind: 'channel', axis: n.op === 'dwconv2d' ? 2 : 0, scales: r.scales } });
        w2.set(wName, r.q);
        inputs = [x, wName];
        const bias = biasOf(n, r);
        if (bias) {
          const bt = n.inputs[2] ? info.get(n.inputs[2])! : { name: `${n.name}_bias`, shape: [r.scales.length] };
          const bName = addT({ name: uniq(names, `${bt.name}_i32`), shape: bt.shape.slice(), dtype: 'i32', constant: true, quant: { kind: 'channel', axis: 0, scales: r.scales.map((s) => sIn * s) } });
          w2.set(bName, biasToInt32(bias, sIn, r.scales, `node '${n.name}' bias '${bt.name}'`));
          inputs.push(bName);
        }
      } else if (opDef(n.op)!.int8 === 'shared') inputs = n.inputs.map((i) => i8Of(i, qy));
      else {
        // Constant operands (a PRelu's slopes) stay f32.
        inputs = n.inputs.map((i) => (isConst(i) ? i : i8Of(i)));
        for (const i of n.inputs) if (isConst(i)) {
          addT({ ...info.get(i)! });
          w2.set(i, weights.get(i)!);
        }
      }
      out.nodes.push({ ...n, inputs, outputs: [i8Name.get(y)!] } as Node);
    }
    for (const o of g.outputs) {
      if (isI8P.has(o)) out.nodes.push({ name: uniq(nodeNames, `${o}_dequantize`), op: 'dequantize', inputs: [i8Name.get(o)!], outputs: [o], attrs: {} });
    }
    const used = new Set([...out.inputs, ...out.outputs, ...out.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
    out.tensors = [...tensors.values()].filter((t) => used.has(t.name));
    out.nodes = topoSort(out);
    validateGraph(out, { weights: w2 });
    return { graph: out, weights: w2 };
  }
  const result = buildGraph(all);

  // 5. Each tensor of the int8 graph against the float graph (the error of every layer up to it).
  const firstQ = result.graph.nodes.find((n) => n.op === 'quantize')?.outputs[0];
  const outErr = !record ? null : await (async () => {
    const t1 = performance.now();
    const r = await record.compare(opts.observe, result, firstQ);
    passes++;
    observeMs += performance.now() - t1;
    return r;
  })();

  // Report: every tensor that got a quantization of its own (int8 outputs and quantized inputs).
  const layers: LayerReport[] = [];
  for (const t of needed) {
    const s = stats.get(t)!;
    const q = quantOf.get(t)!;
    const p = producer.get(t);
    const src = stats.get(rangeOf.get(t) ?? t)!;
    const [lo, hi] = chosen.get(rangeOf.get(t) ?? t)!;
    const w = p ? wq.get(p) : undefined;
    const e = outErr?.get(t);
    layers.push({
      tensor: t, node: p?.name ?? '', op: p?.op ?? 'input', observed: [s.min, s.max],
      range: [Math.min(lo, 0), Math.max(hi, 0)], scale: q.scale, zeroPoint: q.zeroPoint,
      mse: s.count ? s.err / s.count : 0, meanSquare: s.count ? s.sq / s.count : 0,
      ...(src.k !== undefined ? { k: src.k, kurtosis: src.kurtosis } : {}),
      ...(e ? { outputMse: e.mse } : {}),
      ...(w ? {
        weightMse: w.mse,
        weight: {
          mse: w.mse, ms: w.ms, scaleRange: [Math.min(...w.scales), Math.max(...w.scales)] as [number, number],
          ...(w.k !== undefined ? { k: w.k, kurtosis: w.kurtosis } : {}),
          ...(w.clusters !== undefined ? { clusters: w.clusters, iterations: w.iterations } : {}),
        },
      } : {}),
    });
  }
  const order2 = new Map(order.map((n, i) => [n.outputs[0], i]));
  layers.sort((a, b) => (order2.get(a.tensor) ?? -1) - (order2.get(b.tensor) ?? -1));
  const weightMs = [...wq.values()].reduce((a, w) => a + w.ms, 0);
  return {
    graph: result.graph, weights: result.weights, report: layers, float, bytesBefore: weightBytes(weights), bytesAfter: weightBytes(result.weights),
    passes, ms: { total: performance.now() - t0, weights: weightMs, observe: observeMs },
  };
}

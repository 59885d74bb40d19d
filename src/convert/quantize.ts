// Post-training int8 quantization of a float IR graph (docs/ir.md, "int8"). The caller's
// `observe` runs the float model over calibration images and reports every activation
// tensor; from those values each tensor gets an asymmetric per-tensor int8 range (min-max
// or percentiles, always including 0), weights get symmetric per-channel scales, biases
// become int32 with scale s_in * s_w[c]. Ops without an int8 form, and the layers the user
// keeps in float, stay f32 between a dequantize and a quantize. Returns the int8 graph and
// a per-layer report: the range chosen and the quantization MSE on the calibration set.
import { BranchyUnsupportedError } from '../errors.js';
import { consumers, topoSort, validateGraph } from '../ir/graph.js';
import type { Activation, Graph, Node, Quant, TensorInfo, Weights } from '../ir/types.js';

// ---- shared int8 arithmetic (also used by the ONNX QDQ import) ------------------------------

/** Round to nearest, ties to even (ONNX QuantizeLinear). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Activations an int8 kernel applies as a clamp in the quantized domain. */
export function isClampAct(a: Activation | undefined): boolean {
  return !a || a.kind === 'none' || a.kind === 'relu' || a.kind === 'relu6' || a.kind === 'clip';
}

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

export type Observe = (visit: (tensor: string, values: Float32Array) => void) => Promise<void>;

export type QuantMethod = 'minmax' | 'percentile';

export interface QuantizeOptions {
  method: QuantMethod;
  /** Percentile of the upper bound (the lower one is 100 - p); default 99.99. */
  percentile?: number;
  /** Names of nodes that stay f32. */
  keepFloat?: string[];
  /** Runs the float model over the calibration set and reports every activation tensor. */
  observe: Observe;
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
  /** Weights of this node: per-channel scales' range and the weights' quantization MSE. */
  weightMse?: number;
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
}

interface Stats {
  min: number;
  max: number;
  hist?: Float64Array;
  sq: number;
  err: number;
  count: number;
}

const BINS = 4096;
const OWN_QUANT = new Set(['conv2d', 'dwconv2d', 'gemm', 'avgpool', 'globalavgpool', 'add', 'concat']);
const FOLLOW = new Set(['maxpool', 'reshape', 'flatten']);

function weightBytes(w: Weights): number {
  let b = 0;
  for (const v of w.values()) b += v.byteLength;
  return b;
}

/** Quantizes a float graph to int8 (see the file comment). The input graph is not modified. */
export async function quantizeGraph(graph: Graph, weights: Weights, opts: QuantizeOptions): Promise<QuantizeResult> {
  const method = opts.method;
  if (method !== 'minmax' && method !== 'percentile') throw new BranchyUnsupportedError(`quantize: unknown method '${String(method)}' (minmax or percentile)`);
  const pct = opts.percentile ?? 99.99;
  if (!(pct > 50 && pct <= 100)) throw new BranchyUnsupportedError(`quantize: percentile must be in (50, 100], got ${pct}`);
  const g: Graph = JSON.parse(JSON.stringify(graph)) as Graph;
  const order = validateGraph(g, { weights });
  const info = new Map(g.tensors.map((t) => [t.name, t]));
  for (const t of g.tensors) {
    if (t.dtype !== 'f32' || t.quant) throw new BranchyUnsupportedError(`quantize: tensor '${t.name}' is ${t.dtype}${t.quant ? ' and quantized' : ''}; quantizeGraph takes a float graph`);
  }
  const keep = new Set(opts.keepFloat ?? []);
  for (const k of keep) {
    if (!g.nodes.some((n) => n.name === k)) throw new BranchyUnsupportedError(`quantize: keepFloat names node '${k}', which the graph does not have (nodes: ${g.nodes.map((n) => n.name).join(', ')})`);
  }

  // 1. Which nodes run in int8: the compute ops always (unless kept or their activation has no
  //    int8 form); pools, add and concat when an input is int8; reshape/flatten/maxpool follow.
  const int8 = new Set<Node>();
  const isI8 = new Set<string>();
  const float: QuantizeResult['float'] = [];
  for (const n of order) {
    const ins = n.inputs.filter((i) => !info.get(i)!.constant);
    const anyI8 = ins.some((i) => isI8.has(i));
    let why: string | undefined;
    let yes = false;
    if (keep.has(n.name)) why = 'keepFloat';
    else if (n.op === 'conv2d' || n.op === 'dwconv2d' || n.op === 'gemm') {
      if (!isClampAct(n.act)) why = `fused ${n.act!.kind} has no int8 form`;
      else if (!info.get(n.inputs[1])!.constant || (n.inputs[2] && !info.get(n.inputs[2])!.constant)) why = 'weights are computed';
      else yes = true;
    } else if (n.op === 'add') {
      if (info.get(n.inputs[1])!.constant) why = 'add of a constant has no int8 form';
      else if (!isClampAct(n.act)) why = `fused ${n.act!.kind} has no int8 form`;
      else yes = anyI8;
    } else if (n.op === 'concat' || n.op === 'avgpool' || n.op === 'globalavgpool' || FOLLOW.has(n.op)) {
      yes = n.op === 'concat' ? anyI8 : isI8.has(n.inputs[0]);
    } else why = `${n.op} has no int8 form`;
    if (yes) {
      int8.add(n);
      isI8.add(n.outputs[0]);
    } else float.push({ node: n.name, op: n.op, why: why ?? 'its input is f32' });
  }

  // Tensors whose range we need: int8 outputs with their own quantization, f32 tensors that an
  // int8 node reads (they get a quantize).
  const needed = new Set<string>();
  for (const n of int8) {
    if (OWN_QUANT.has(n.op)) needed.add(n.outputs[0]);
    for (const i of n.inputs) if (!info.get(i)!.constant && !isI8.has(i)) needed.add(i);
  }
  // A tensor read only by an int8 concat (and written by an op with its own quantization) takes
  // the concat's quantization, so no requantize is needed.
  const cons = consumers(g);
  const rangeOf = new Map<string, string>();
  for (const n of int8) {
    if (n.op !== 'concat') continue;
    for (const i of n.inputs) {
      const p = order.find((m) => m.outputs[0] === i);
      if (p && int8.has(p) && OWN_QUANT.has(p.op) && (cons.get(i) ?? []).length === 1 && !g.outputs.includes(i)) rangeOf.set(i, n.outputs[0]);
    }
  }

  // 2. Calibration: min/max, then (percentile) histograms, then the error of the chosen quantization.
  const stats = new Map<string, Stats>();
  for (const t of needed) stats.set(t, { min: Infinity, max: -Infinity, sq: 0, err: 0, count: 0 });
  await opts.observe((name, v) => {
    const s = stats.get(name);
    if (!s) return;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x < s.min) s.min = x;
      if (x > s.max) s.max = x;
    }
  });
  for (const [name, s] of stats) {
    if (s.min > s.max) throw new BranchyUnsupportedError(`quantize: observe never reported tensor '${name}'; it must report every activation tensor`);
  }
  const chosen = new Map<string, [number, number]>();
  if (method === 'percentile') {
    for (const s of stats.values()) s.hist = new Float64Array(BINS);
    await opts.observe((name, v) => {
      const s = stats.get(name);
      if (!s || s.max === s.min) return;
      const k = BINS / (s.max - s.min);
      for (let i = 0; i < v.length; i++) s.hist![Math.min(BINS - 1, Math.max(0, Math.floor((v[i] - s.min) * k)))]++;
    });
    for (const [name, s] of stats) {
      if (s.max === s.min) {
        chosen.set(name, [s.min, s.max]);
        continue;
      }
      const total = s.hist!.reduce((a, b) => a + b, 0);
      const w = (s.max - s.min) / BINS;
      const cut = (total * (100 - pct)) / 100;
      let acc = 0, lo = 0, hi = BINS - 1;
      while (lo < BINS - 1 && acc + s.hist![lo] <= cut) acc += s.hist![lo++];
      acc = 0;
      while (hi > 0 && acc + s.hist![hi] <= cut) acc += s.hist![hi--];
      chosen.set(name, [lo === 0 ? s.min : s.min + lo * w, hi === BINS - 1 ? s.max : s.min + (hi + 1) * w]);
    }
  } else for (const [name, s] of stats) chosen.set(name, [s.min, s.max]);

  const quantOf = new Map<string, Quant & { kind: 'tensor' }>();
  const rq = (t: string): Quant & { kind: 'tensor' } => {
    const src = rangeOf.get(t) ?? t;
    const [lo, hi] = chosen.get(src) ?? chosen.get(t)!;
    return rangeQuant(lo, hi);
  };
  for (const t of needed) quantOf.set(t, rq(t));
  for (const n of order) {
    if (!int8.has(n)) continue;
    if (FOLLOW.has(n.op)) quantOf.set(n.outputs[0], quantOf.get(n.inputs[0])!);
    else quantOf.set(n.outputs[0], rq(n.outputs[0]));
  }

  await opts.observe((name, v) => {
    const s = stats.get(name);
    const q = quantOf.get(name);
    if (!s || !q) return;
    for (let i = 0; i < v.length; i++) {
      const d = v[i] - fakeQuant(v[i], q);
      s.err += d * d;
      s.sq += v[i] * v[i];
    }
    s.count += v.length;
  });

  // 3. The int8 graph.
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
  for (const t of isI8) i8Name.set(t, g.outputs.includes(t) ? uniq(names, `${t}_q`) : t);
  for (const t of g.tensors) {
    if (t.constant) continue;
    if (isI8.has(t.name)) addT({ ...t, name: i8Name.get(t.name)!, dtype: 'i8', quant: quantOf.get(t.name)! });
    if (!isI8.has(t.name) || g.outputs.includes(t.name)) addT({ ...t });
  }
  const f32Cache = new Map<string, string>();
  const i8Cache = new Map<string, string>();
  const f32Of = (t: string): string => {
    if (!isI8.has(t)) return t;
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
    let name = isI8.has(t) ? i8Name.get(t)! : i8Cache.get(t);
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

  const layers: LayerReport[] = [];
  const weightMse = new Map<string, number>();
  for (const n of order) {
    if (!int8.has(n)) {
      const copy = { ...n, inputs: n.inputs.map((i) => (info.get(i)!.constant ? i : f32Of(i))), outputs: n.outputs.slice() } as Node;
      for (const i of n.inputs) if (info.get(i)!.constant) {
        addT({ ...info.get(i)! });
        w2.set(i, weights.get(i)!);
      }
      out.nodes.push(copy);
      continue;
    }
    const y = n.outputs[0];
    const qy = quantOf.get(y)!;
    let inputs: string[];
    if (n.op === 'conv2d' || n.op === 'dwconv2d' || n.op === 'gemm') {
      const x = i8Of(n.inputs[0]);
      const sIn = (tensors.get(x)!.quant as { scale: number }).scale;
      const wt = info.get(n.inputs[1])!;
      const wf = weights.get(wt.name) as Float32Array;
      const O = n.op === 'dwconv2d' ? wt.shape[2] : wt.shape[0];
      const chanOf = n.op === 'dwconv2d' ? (i: number) => i % O : (i: number) => Math.floor(i / (wf.length / O));
      const r = symmetricPerChannel(wf, O, chanOf);
      let e = 0;
      for (let i = 0; i < wf.length; i++) e += (wf[i] - r.q[i] * r.scales[chanOf(i)]) ** 2;
      weightMse.set(n.name, e / wf.length);
      const wName = addT({ name: uniq(names, `${wt.name}_i8`), shape: wt.shape.slice(), dtype: 'i8', constant: true, quant: { kind: 'channel', axis: n.op === 'dwconv2d' ? 2 : 0, scales: r.scales } });
      w2.set(wName, r.q);
      inputs = [x, wName];
      if (n.inputs[2]) {
        const bt = info.get(n.inputs[2])!;
        const bName = addT({ name: uniq(names, `${bt.name}_i32`), shape: bt.shape.slice(), dtype: 'i32', constant: true, quant: { kind: 'channel', axis: 0, scales: r.scales.map((s) => sIn * s) } });
        w2.set(bName, biasToInt32(weights.get(bt.name) as Float32Array, sIn, r.scales, `node '${n.name}' bias '${bt.name}'`));
        inputs.push(bName);
      }
    } else if (n.op === 'concat') inputs = n.inputs.map((i) => i8Of(i, qy));
    else inputs = n.inputs.map((i) => i8Of(i));
    out.nodes.push({ ...n, inputs, outputs: [i8Name.get(y)!] } as Node);
  }
  for (const o of g.outputs) {
    if (isI8.has(o)) out.nodes.push({ name: uniq(nodeNames, `${o}_dequantize`), op: 'dequantize', inputs: [i8Name.get(o)!], outputs: [o], attrs: {} });
  }

  // Report: every tensor that got a quantization of its own (int8 outputs and quantized inputs).
  const producer = new Map(order.map((n) => [n.outputs[0], n]));
  for (const t of needed) {
    const s = stats.get(t)!;
    const q = quantOf.get(t)!;
    const p = producer.get(t);
    const [lo, hi] = chosen.get(rangeOf.get(t) ?? t)!;
    layers.push({
      tensor: t, node: p?.name ?? '', op: p?.op ?? 'input', observed: [s.min, s.max],
      range: [Math.min(lo, 0), Math.max(hi, 0)], scale: q.scale, zeroPoint: q.zeroPoint,
      mse: s.count ? s.err / s.count : 0, meanSquare: s.count ? s.sq / s.count : 0,
      ...(p && weightMse.has(p.name) ? { weightMse: weightMse.get(p.name) } : {}),
    });
  }
  const order2 = new Map(order.map((n, i) => [n.outputs[0], i]));
  layers.sort((a, b) => (order2.get(a.tensor) ?? -1) - (order2.get(b.tensor) ?? -1));

  const used = new Set([...out.inputs, ...out.outputs, ...out.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  out.tensors = [...tensors.values()].filter((t) => used.has(t.name));
  out.nodes = topoSort(out);
  validateGraph(out, { weights: w2 });
  return {
    graph: out, weights: w2, report: layers, float, bytesBefore: weightBytes(weights), bytesAfter: weightBytes(w2),
  };
}

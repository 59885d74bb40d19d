// Writes trained heads and predictors into the backbone graph: the multi-exit graph that
// src/ir/exits.ts reads (outputs exit0 … exitN, predict0 …). The model's output becomes the last
// exit; each head reads its point's tensor where it lies. Where the point is int8 (an int8
// backbone), the head is int8 too, quantized as `branchy convert --quant int8` does (weights
// symmetric per output channel, int32 biases, each activation's range min-max over the
// training features); a dequantize gives the f32 logits. Elsewhere the head is f32.
import type { Graph, Node, Quant, TensorInfo, Weights } from '../../ir/types.js';
import { findExits } from '../../ir/exits.js';
import { topoSort, validateGraph } from '../../ir/graph.js';
import { biasToInt32, rangeQuant, symmetricPerChannel } from '../quantize.js';
import type { HeadWeights } from './heads.js';

/** Observed [min, max] of a head's activations over training features (headRanges). */
export interface HeadRanges {
  /** The G×G pooled features (what the probe cached), the hidden layer (conv), its pooled grid, the logits. */
  features: [number, number];
  hidden?: [number, number];
  pooled?: [number, number];
  logits: [number, number];
}

export interface SplicedExit {
  /** The tensor the head reads. */
  point: string;
  head: HeadWeights;
  ranges: HeadRanges;
  /** A predictor: a gap head with one output ("this exit will be right"), and its ranges. */
  predictor?: { head: HeadWeights; ranges: HeadRanges };
}

type TQuant = Quant & { kind: 'tensor' };

class Builder {
  readonly tensors: TensorInfo[];
  readonly nodes: Node[];
  readonly weights: Weights;
  private readonly names: Set<string>;

  constructor(graph: Graph, weights: Weights) {
    this.tensors = graph.tensors.map((t) => ({ ...t }));
    this.nodes = graph.nodes.slice();
    this.weights = new Map(weights);
    this.names = new Set([...graph.tensors.map((t) => t.name), ...graph.nodes.map((n) => n.name)]);
  }

  unique(base: string): string {
    let s = base, k = 1;
    while (this.names.has(s)) s = `${base}_${k++}`;
    this.names.add(s);
    return s;
  }

  info(name: string): TensorInfo {
    return this.tensors.find((t) => t.name === name)!;
  }

  constant(base: string, shape: number[], data: Float32Array | Int8Array | Int32Array, dtype: 'f32' | 'i8' | 'i32', quant?: Quant): string {
    const name = this.unique(base);
    this.tensors.push({ name, shape, dtype, constant: true, ...(quant ? { quant } : {}) });
    this.weights.set(name, data);
    return name;
  }

  /** Adds a node writing a new tensor (i8 with `quant`, else f32); returns the tensor's name. */
  node(base: string, op: Node['op'], inputs: string[], shape: number[], attrs: object, quant?: TQuant, act?: Node['act'], output?: string): string {
    const name = output ?? this.unique(`${base}_out`);
    if (output) this.names.add(output);
    this.tensors.push({ name, shape, dtype: quant ? 'i8' : 'f32', ...(quant ? { quant } : {}) });
    this.nodes.push({ name: this.unique(base), op, inputs, outputs: [name], attrs, ...(act ? { act } : {}) } as Node);
    return name;
  }
}

const window = (kh: number, kw = kh) => ({ kernel: [kh, kw], strides: [kh, kw], dilations: [1, 1], pads: [0, 0, 0, 0] });

/**
 * A linear layer (gemm over [1, D], or a 1x1 conv over NHWC) with weights [O][D], bias [O]:
 * int8 when x is, else f32. Returns the output tensor.
 */
function dense(b: Builder, base: string, op: 'gemm' | 'conv2d', x: string, w: Float32Array, bias: Float32Array, outShape: number[], range: [number, number], relu: boolean): string {
  const xi = b.info(x);
  const O = bias.length, D = w.length / O;
  const wShape = op === 'gemm' ? [O, D] : [O, 1, 1, D];
  const attrs = op === 'gemm' ? {} : window(1);
  const act = relu ? { kind: 'relu' as const } : undefined;
  if (xi.dtype !== 'i8') {
    const wn = b.constant(`${base}_w`, wShape, w, 'f32');
    const bn = b.constant(`${base}_b`, [O], bias, 'f32');
    return b.node(base, op, [x, wn, bn], outShape, attrs, undefined, act);
  }
  const sIn = (xi.quant as TQuant).scale;
  const q = symmetricPerChannel(w, O, (i) => Math.floor(i / D));
  const wn = b.constant(`${base}_w_i8`, wShape, q.q, 'i8', { kind: 'channel', axis: 0, scales: q.scales });
  const bn = b.constant(`${base}_b_i32`, [O], biasToInt32(bias, sIn, q.scales, `attached head ${base}`), 'i32', { kind: 'channel', axis: 0, scales: q.scales.map((s) => sIn * s) });
  return b.node(base, op, [x, wn, bn], outShape, attrs, rangeQuant(...range), act);
}

/** Average pool to a g×g grid (int8 with its own range when x is int8). */
function pool(b: Builder, base: string, x: string, g: number, range: [number, number]): string {
  const [n, h, w, c] = b.info(x).shape;
  const quant = b.info(x).dtype === 'i8' ? rangeQuant(...range) : undefined;
  return b.node(base, 'avgpool', [x], [n, g, g, c], { ...window(h / g, w / g), ceilMode: false, countIncludePad: false }, quant);
}

/** A head's nodes from the point's tensor to its logits, named `name` (f32). */
function headNodes(b: Builder, prefix: string, point: string, hw: HeadWeights, r: HeadRanges, name: string): void {
  let x = point;
  const xi = b.info(point);
  const int8 = xi.dtype === 'i8';
  const follow = () => b.info(x).quant as TQuant | undefined;
  const flat = (d: number) => (x = b.node(`${prefix}/flatten`, 'reshape', [x], [1, d], { shape: [1, d] }, follow()));
  const K = hw.classes;
  const logits = (): string => (int8 ? b.unique(`${name}_q`) : name);
  if (hw.kind === 'gap') {
    if (xi.shape.length === 4) {
      x = b.node(`${prefix}/gap`, 'globalavgpool', [x], [1, 1, 1, xi.shape[3]], {}, int8 ? rangeQuant(...r.features) : undefined);
      flat(xi.shape[3]);
    }
    x = dense(b, `${prefix}/fc`, 'gemm', x, hw.tensors[0], hw.tensors[1], [1, K], r.logits, false);
  } else {
    const R = hw.hidden!, P = hw.pool!, G = hw.shape.grid;
    if (xi.shape.length === 4) {
      if (G < xi.shape[1] || G < xi.shape[2]) x = pool(b, `${prefix}/pool`, x, G, r.features);
      x = dense(b, `${prefix}/conv`, 'conv2d', x, hw.tensors[0], hw.tensors[1], [1, G, G, R], r.hidden!, true);
      if (P < G) x = pool(b, `${prefix}/pool2`, x, P, r.pooled!);
      flat(P * P * R);
    } else {
      x = dense(b, `${prefix}/hidden`, 'gemm', x, hw.tensors[0], hw.tensors[1], [1, R], r.hidden!, true);
    }
    x = dense(b, `${prefix}/fc`, 'gemm', x, hw.tensors[2], hw.tensors[3], [1, K], r.logits, false);
  }
  // The gemm wrote a fresh tensor: rename it to the output name (and dequantize when int8).
  const last = b.nodes[b.nodes.length - 1];
  const t = b.info(x);
  t.name = logits();
  last.outputs = [t.name];
  if (int8) b.node(`${prefix}/dequantize`, 'dequantize', [t.name], [1, K], {}, undefined, undefined, name);
}

/**
 * The backbone (one output: the logits) with `exits` (in execution order) attached: outputs
 * exit0 … exitN (N = exits.length; exitN the model's own output) and predict i for the exits
 * with a predictor. Validated, with its exit plan.
 */
export function spliceExits(graph: Graph, weights: Weights, exits: SplicedExit[]): { graph: Graph; weights: Weights } {
  const N = exits.length;
  const last = `exit${N}`;
  const out = graph.outputs[0];
  // The backbone's output becomes the last exit; its tensors that have an output's name move aside.
  const taken = new Set(graph.tensors.map((t) => t.name));
  const aside = (t: string): string => {
    let s = `${t}_backbone`;
    while (taken.has(s)) s += '_';
    taken.add(s);
    return s;
  };
  const moves = new Map<string, string>([[out, last]]);
  for (const t of graph.tensors) if (t.name !== out && !t.constant && /^(exit|predict)\d+$/.test(t.name)) moves.set(t.name, aside(t.name));
  const mv = (t: string) => moves.get(t) ?? t;
  const renamed: Graph = {
    ...graph,
    tensors: graph.tensors.map((t) => ({ ...t, name: mv(t.name) })),
    nodes: graph.nodes.map((n) => ({ ...n, inputs: n.inputs.map(mv), outputs: n.outputs.map(mv) }) as Node),
    outputs: [last],
  };
  delete renamed.exits;
  const b = new Builder(renamed, weights);
  exits.forEach((e, i) => {
    headNodes(b, `attach/exit${i}`, mv(e.point), e.head, e.ranges, `exit${i}`);
    if (e.predictor) headNodes(b, `attach/predict${i}`, mv(e.point), e.predictor.head, e.predictor.ranges, `predict${i}`);
  });
  const g: Graph = {
    ...renamed,
    tensors: b.tensors,
    nodes: b.nodes,
    outputs: [...exits.map((_, i) => `exit${i}`), last, ...exits.flatMap((e, i) => (e.predictor ? [`predict${i}`] : []))],
  };
  g.nodes = topoSort(g);
  validateGraph(g, { weights: b.weights });
  g.exits = findExits(g);
  return { graph: g, weights: b.weights };
}

// Cross-layer range equalization for int8 (docs/compression.md, "Equalization"). An int8
// activation has one scale per tensor, so a channel whose values stay far below the tensor's
// largest channel is quantized with a few levels only (after a BatchNorm folded into the next
// layer, such a channel can be amplified back to full size). For two layers L1 → act → L2 where
// act is a clamp (none, ReLU, ReLU6, Clip) and L1's output is read by L2 alone, scaling L1's
// output channel c by s_c > 0 and L2's input channel c by 1/s_c leaves the float network as it
// is (a ReLU commutes with a positive scale; Nagel et al. 2019, "Data-Free Quantization Through
// Weight Equalization and Bias Correction", section 4.1). DFQ picks s_c to equalize the two
// layers' per-tensor weight ranges; branchy's weights are already per channel, so here s_c
// stretches each channel's calibration range to the tensor's range [lo, hi] (what minmax then
// picks anyway), capped at `maxScale`: every channel gets all 256 levels. A clamp bound (ReLU6's
// 6) stays where it is in the scaled units: since s_c·max_c ≤ hi ≤ 6, it clips channel c at
// 6 / s_c ≥ max_c, beyond anything calibration saw, as the int8 range does anyway. L2 then reads
// channel c with weights 1/s_c smaller: for a depthwise L2 (one channel per scale) that costs
// nothing; for a conv or gemm L2 its per-output-channel weight scale is shared by input channels,
// so the exponent `alpha` (s_c^alpha) trades the two errors.
import type { Graph, Node, Weights, Window } from '../ir/types.js';
import { asClamp } from '../ir/numerics.js';
import { consumers } from '../ir/graph.js';
import type { Observe } from './calib-error.js';

export interface EqualizeOptions {
  /** Largest channel scale (default 256: 8 more bits for a channel 256× below the tensor's range). */
  maxScale?: number;
  /** Exponent of the scale when L2 is a conv or gemm (default 0.5; depthwise L2 always 1). */
  alpha?: number;
  /** Headroom: channel c's calibration range is stretched to the tensor's range / margin (default 1). */
  margin?: number;
  /** Layers to leave alone (kept in float). */
  skip?: (n: Node) => boolean;
}

export interface EqualizedPair {
  first: string;
  second: string;
  tensor: string;
  /** Smallest and largest s_c applied. */
  scaleRange: [number, number];
}

const LAYERS = new Set(['conv2d', 'dwconv2d', 'gemm']);

/** The L1 → L2 pairs of a float graph that equalization can rescale. */
export function equalizablePairs(g: Graph, weights: Weights, skip: (n: Node) => boolean = () => false): [Node, Node][] {
  const readers = consumers(g);
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const isF32Const = (t: string) => weights.get(t) instanceof Float32Array && uses.get(t) === 1;
  const layer = (n: Node) => LAYERS.has(n.op) && !skip(n) && isF32Const(n.inputs[1]) && (!n.inputs[2] || isF32Const(n.inputs[2])) &&
    !(n.attrs as { sparse?: unknown }).sparse;
  const pairs: [Node, Node][] = [];
  for (const a of g.nodes) {
    if (!layer(a) || g.outputs.includes(a.outputs[0])) continue;
    const clamp = asClamp(a.act);
    if (!clamp || (clamp.kind === 'clip' && !(clamp.min !== undefined && clamp.min <= 0))) continue;
    const rd = readers.get(a.outputs[0]) ?? [];
    if (rd.length !== 1 || !layer(rd[0]) || rd[0].inputs[0] !== a.outputs[0]) continue;
    pairs.push([a, rd[0]]);
  }
  return pairs;
}

/** Per-channel min / max of tensors (channels on the last axis). */
class ChannelRange {
  readonly min: Float64Array;
  readonly max: Float64Array;
  constructor(readonly channels: number) {
    this.min = new Float64Array(channels).fill(Infinity);
    this.max = new Float64Array(channels).fill(-Infinity);
  }
  add(v: Float32Array): void {
    const C = this.channels;
    for (let i = 0; i < v.length; i++) {
      const c = i % C;
      if (v[i] < this.min[c]) this.min[c] = v[i];
      if (v[i] > this.max[c]) this.max[c] = v[i];
    }
  }
}

/** Output channels of a layer and a function from weight index to output channel. */
function outChannels(n: Node, shape: number[], len: number): [number, (i: number) => number] {
  if (n.op === 'dwconv2d') return [shape[2], (i) => i % shape[2]];
  const per = len / shape[0];
  return [shape[0], (i) => Math.floor(i / per)];
}

/** Input channel of each weight of L2 (the channel of its input tensor it multiplies). */
function inChannelOf(n: Node, shape: number[]): (i: number) => number {
  if (n.op === 'gemm') return (i) => i % shape[1];
  if (n.op === 'dwconv2d') {
    const O = shape[2], mult = (n.attrs as { multiplier?: number }).multiplier ?? 1;
    return (i) => Math.floor((i % O) / mult);
  }
  const [O, KH, KW, I] = shape;
  const perGroup = O / ((n.attrs as Window & { groups?: number }).groups ?? 1);
  return (i) => Math.floor(Math.floor(i / (KH * KW * I)) / perGroup) * I + (i % I);
}

/**
 * Rescales every equalizable pair of a float graph from one calibration run of it (see the file
 * comment). Returns new weights (the graph's nodes and tensors are unchanged) and the pairs.
 */
export async function equalizeGraph(
  g: Graph, weights: Weights, observe: Observe, opts: EqualizeOptions = {},
): Promise<{ weights: Weights; pairs: EqualizedPair[] }> {
  const maxScale = opts.maxScale ?? 256, alpha = opts.alpha ?? 0.5, margin = opts.margin ?? 1;
  const pairs = equalizablePairs(g, weights, opts.skip);
  const info = new Map(g.tensors.map((t) => [t.name, t]));
  const ranges = new Map(pairs.map(([a]) => [a.outputs[0], new ChannelRange(info.get(a.outputs[0])!.shape.at(-1)!)]));
  // A copy of the graph object: an observe that caches one compiled model per graph (the CLI's)
  // must not run the equalized weights later with this pass's model.
  if (pairs.length) await observe((name, v) => ranges.get(name)?.add(v), { graph: { ...g }, weights });
  const out: Weights = new Map(weights);
  const scaled = (name: string) => {
    const w = out.get(name) as Float32Array;
    if (w === weights.get(name)) out.set(name, Float32Array.from(w));
    return out.get(name) as Float32Array;
  };
  const report: EqualizedPair[] = [];
  for (const [a, b] of pairs) {
    const r = ranges.get(a.outputs[0])!;
    const lo = Math.min(0, ...r.min), hi = Math.max(0, ...r.max);
    const exp = b.op === 'dwconv2d' ? 1 : alpha;
    const s = new Float64Array(r.channels);
    for (let c = 0; c < r.channels; c++) {
      let k = maxScale;
      if (r.max[c] > 0) k = Math.min(k, hi / (margin * r.max[c]));
      if (r.min[c] < 0) k = Math.min(k, lo / (margin * r.min[c]));
      s[c] = Math.max(1, k) ** exp;
    }
    const wa = info.get(a.inputs[1])!, wb = info.get(b.inputs[1])!;
    const w1 = scaled(a.inputs[1]);
    const [, chan] = outChannels(a, wa.shape, w1.length);
    for (let i = 0; i < w1.length; i++) w1[i] = Math.fround(w1[i] * s[chan(i)]);
    if (a.inputs[2]) {
      const b1 = scaled(a.inputs[2]);
      for (let c = 0; c < b1.length; c++) b1[c] = Math.fround(b1[c] * s[c]);
    }
    const w2 = scaled(b.inputs[1]), inCh = inChannelOf(b, wb.shape);
    for (let i = 0; i < w2.length; i++) w2[i] = Math.fround(w2[i] / s[inCh(i)]);
    report.push({ first: a.name, second: b.name, tensor: a.outputs[0], scaleRange: [Math.min(...s), Math.max(...s)] });
  }
  return { weights: out, pairs: report };
}

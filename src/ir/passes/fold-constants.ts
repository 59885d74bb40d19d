// IR constant folding (graph -> graph, in place): a node whose inputs are all constants is
// evaluated here and its output becomes a constant: reshape and flatten move bytes, dequantize
// / quantize / requantize convert them with the runtime's arithmetic (docs/ir.md, "int8"),
// e.g. the dequantize of int8 weights that a quantized TFLite model stores. Nodes of other
// ops, nodes writing a graph output (outputs are computed) and binary (b1) values are left
// alone. ONNX shape arithmetic on constants (Shape, Gather, Cast, Concat... in
// `x.view(x.size(0), -1)` exports) never reaches the IR: the ONNX importer folds it before
// translation (src/convert/onnx/ops/constant.ts).
import type { Graph, Node, Quant, TensorData, TensorInfo, Weights } from '../types.js';
import { allocate } from '../graph.js';
import { roundHalfEven } from '../numerics.js';
import { dropUnreferenced } from './edit.js';

const f = Math.fround;
const RANGE: Record<string, [number, number]> = { i8: [-128, 127], u8: [0, 255], i32: [-(2 ** 31), 2 ** 31 - 1] };

/** The scale of element i of a tensor of `shape` under `q`, and its zero point. */
function quantAt(q: Quant, shape: readonly number[]): (i: number) => [number, number] {
  if (q.kind === 'tensor') return () => [q.scale, q.zeroPoint];
  const inner = shape.slice(q.axis + 1).reduce((a, b) => a * b, 1);
  return (i) => [q.scales[Math.floor(i / inner) % shape[q.axis]], 0];
}

type Eval = (node: Node, x: TensorInfo, y: TensorInfo, v: TensorData) => TensorData | null;

const EVAL: Record<string, Eval> = {
  reshape: (_n, _x, _y, v) => v.slice(),
  flatten(node, x, _y, v) {
    if ((node.attrs as { order: string }).order === 'nhwc' || x.shape.length !== 4) return v.slice();
    const [, h, w, c] = x.shape;
    const out = v.slice();
    for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) out[ch * h * w + p] = v[p * c + ch];
    return out;
  },
  dequantize(_n, x, y, v) {
    if (!x.quant) return null;
    const at = quantAt(x.quant, x.shape);
    const out = allocate(y.dtype, v.length);
    for (let i = 0; i < v.length; i++) {
      const [s, z] = at(i);
      out[i] = f((v[i] - z) * f(s));
    }
    return out;
  },
  quantize(_n, _x, y, v) {
    if (y.quant?.kind !== 'tensor' || !RANGE[y.dtype]) return null;
    const { scale, zeroPoint } = y.quant;
    const [lo, hi] = RANGE[y.dtype];
    const out = allocate(y.dtype, v.length);
    for (let i = 0; i < v.length; i++) out[i] = Math.min(hi, Math.max(lo, roundHalfEven(f(f(v[i]) / f(scale))) + zeroPoint));
    return out;
  },
  requantize(_n, x, y, v) {
    if (x.quant?.kind !== 'tensor' || y.quant?.kind !== 'tensor' || !RANGE[y.dtype]) return null;
    const m = f(x.quant.scale / y.quant.scale);
    const [zi, zo] = [x.quant.zeroPoint, y.quant.zeroPoint];
    const [lo, hi] = RANGE[y.dtype];
    const out = allocate(y.dtype, v.length);
    for (let i = 0; i < v.length; i++) out[i] = Math.min(hi, Math.max(lo, roundHalfEven(f(f(v[i] - zi) * m)) + zo));
    return out;
  },
};

/** Folds every node it can evaluate (see the file comment); returns how many it folded. */
export function foldConstants(graph: Graph, weights: Weights): number {
  const info = new Map(graph.tensors.map((t) => [t.name, t]));
  const outputs = new Set(graph.outputs);
  const gone = new Set<Node>();
  const orphans: string[] = [];
  for (const n of graph.nodes) {
    const ev = EVAL[n.op];
    const ins = n.inputs.map((i) => info.get(i));
    const y = info.get(n.outputs[0]);
    if (!ev || !y || outputs.has(y.name) || y.dtype === 'b1' || n.act) continue;
    if (!ins.every((t) => t?.constant && t.dtype !== 'b1' && weights.has(t.name))) continue;
    const v = ev(n, ins[0]!, y, weights.get(ins[0]!.name)!);
    if (!v) continue;
    y.constant = true;
    weights.set(y.name, v);
    gone.add(n);
    orphans.push(...n.inputs);
  }
  graph.nodes = graph.nodes.filter((n) => !gone.has(n));
  dropUnreferenced(graph, weights, orphans);
  return gone.size;
}

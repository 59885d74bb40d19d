// BatchNormalization and per-channel scale / shift folding (graph -> graph, in place):
//
//   conv2d | dwconv2d | gemm  ->  mul(s)  ->  add(t)        ==>   the layer with
//   W'[o] = W[o] * s[o],  b'[o] = b[o] * s[o] + t[o]              (b = 0 when it had no bias)
//
// A `mul` or `add` whose second input is an f32 constant of shape [C] or [1] folds into the
// layer that writes its first input when that layer has no fused activation, the tensor
// between them has no other reader and is not a graph output, and the layer's weights and
// bias are f32 constants only it reads. Each fold rounds the bias to f32, as two layers
// would. A `mul` named in `joint` (an importer's BatchNormalization: its scale, whose only
// reader is its shift) folds with that `add` in one step, b' = fround(b * s + t): the affine
// map the BN means, one rounding. Nodes in `keep` stay. The importers emit BN as mul then add
// and leave the folding to this pass (src/convert/onnx/ops/normalization.ts).
import type { Graph, Node, Weights } from '../types.js';
import { Links, dropUnreferenced, freshName } from './edit.js';

export interface FoldAffineOptions {
  /** `mul` nodes that fold together with the `add` reading them (one rounding of the bias). */
  joint?: ReadonlySet<Node>;
  /** mul / add nodes to leave in place (their input has a reader outside the graph). */
  keep?: ReadonlySet<Node>;
}

const INTO = new Set(['conv2d', 'dwconv2d', 'gemm']);

/** Folds what it can (see the file comment); returns how many mul / add nodes it removed. */
export function foldAffine(graph: Graph, weights: Weights, opts: FoldAffineOptions = {}): number {
  const links = new Links(graph);
  const info = new Map(graph.tensors.map((t) => [t.name, t]));
  const gone = new Set<Node>();
  const orphans: string[] = [];

  /** The f32 constant operand of a mul / add, expanded to `o` channels, or null. */
  const operand = (n: Node, o: number): Float32Array | null => {
    if ((n.op !== 'mul' && n.op !== 'add') || n.act) return null;
    const t = info.get(n.inputs[1]);
    const v = weights.get(n.inputs[1]);
    if (!t?.constant || t.dtype !== 'f32' || !(v instanceof Float32Array) || (v.length !== 1 && v.length !== o)) return null;
    return v.length === 1 ? new Float32Array(o).fill(v[0]) : v;
  };
  /** f32 constants the layer alone reads (a bias this pass made has no count yet). */
  const own = (name: string): boolean => info.get(name)?.constant === true && weights.get(name) instanceof Float32Array && links.readersOf(name) <= 1;

  for (const n of graph.nodes) {
    if (gone.has(n) || (n.op !== 'mul' && n.op !== 'add') || opts.keep?.has(n)) continue;
    const x = n.inputs[0];
    const p = links.producer.get(x);
    if (!p || !INTO.has(p.op) || (p.act && p.act.kind !== 'none') || !links.sole(x)) continue;
    if (!own(p.inputs[1]) || (p.inputs[2] !== undefined && !own(p.inputs[2]))) continue;
    const wt = info.get(p.inputs[1])!;
    const O = p.op === 'dwconv2d' ? wt.shape[2] : wt.shape[0];
    const v = operand(n, O);
    if (!v) continue;
    const s = n.op === 'mul' ? v : undefined;
    let t = n.op === 'add' ? v : undefined;
    let last = n;
    if (n.op === 'mul' && opts.joint?.has(n) && links.sole(n.outputs[0])) {
      const [a] = graph.nodes.filter((m) => m.inputs[0] === n.outputs[0]);
      const shift = a ? operand(a, O) : null;
      if (a && a.op === 'add' && shift && !opts.keep?.has(a)) {
        t = shift;
        last = a;
      }
    }
    scale(p, s, t, O, wt.name);
    links.takeOutput(p, last.outputs[0]);
    orphans.push(x, n.inputs[1], ...(last !== n ? [n.outputs[0], last.inputs[1]] : []));
    gone.add(n).add(last);
  }

  /** Scales output channel o of layer p by s[o] and adds t[o] to its bias (made when absent). */
  function scale(p: Node, s: Float32Array | undefined, t: Float32Array | undefined, O: number, wName: string): void {
    if (s) {
      const w = Float32Array.from(weights.get(wName) as Float32Array);
      const inner = w.length / O;
      for (let i = 0; i < w.length; i++) w[i] *= s[p.op === 'dwconv2d' ? i % O : Math.floor(i / inner)];
      weights.set(wName, w);
    }
    let bias: Float32Array;
    if (p.inputs.length > 2) bias = Float32Array.from(weights.get(p.inputs[2]) as Float32Array);
    else {
      bias = new Float32Array(O);
      const name = freshName(graph, `${p.name}.bias`);
      const bt = { name, shape: [O], dtype: 'f32' as const, constant: true };
      graph.tensors.push(bt);
      info.set(name, bt);
      p.inputs.push(name);
    }
    for (let o = 0; o < O; o++) bias[o] = bias[o] * (s ? s[o] : 1) + (t ? t[o] : 0);
    weights.set(p.inputs[2], bias);
  }

  graph.nodes = graph.nodes.filter((n) => !gone.has(n));
  dropUnreferenced(graph, weights, orphans);
  return gone.size;
}

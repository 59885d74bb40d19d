// Cancelling transposes (graph -> graph, in place). The importer runs a 1-D conv or pool over
// [N, C, W] as the 2-D op over the image [N, 1, W, C], with a transpose into that layout before
// it and one back after it (src/convert/onnx/ops/axes.ts windowed1d); between two such ops the
// pair moves the bytes there and back. This pass
//   1. moves an element-wise activation before the transpose that feeds it (an activation
//      commutes with any move): conv -> transpose -> relu becomes conv -> relu -> transpose,
//      and the relu can then fuse into the conv;
//   2. removes a transpose whose input is another transpose's output, read by nothing else,
//      when the two together put every element back where it was (checked on the index map).
// Nodes in `keep`, and tensors that are graph outputs, stay.
import type { Graph, Node } from '../types.js';
import type { TransposeAttrs } from '../ops/transpose.js';
import { Links, dropUnreferenced } from './edit.js';

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Where each element of x lands after the transpose: y[i] = x[src[i]]. */
function sources(shape: readonly number[], a: TransposeAttrs): Int32Array {
  const v = a.view ?? shape, out = a.perm.map((p) => v[p]);
  const st = v.map((_, i) => numel(v.slice(i + 1)));
  const src = new Int32Array(numel(v));
  for (let i = 0; i < src.length; i++) {
    let rest = i, s = 0;
    for (let j = out.length - 1; j >= 0; j--) {
      s += (rest % out[j]) * st[a.perm[j]];
      rest = Math.floor(rest / out[j]);
    }
    src[i] = s;
  }
  return src;
}

/** Elements above which the index check is not worth its time (the pass leaves the pair). */
const MAX_CHECK = 1 << 22;

export function cancelMoves(graph: Graph, opts: { keep?: ReadonlySet<Node> } = {}): number {
  const shapes = new Map(graph.tensors.map((t) => [t.name, t]));
  let removed = 0;
  // 1. Activations before the transposes that feed them.
  const links1 = new Links(graph);
  for (const a of graph.nodes) {
    const links = links1;
    const t = links.producer.get(a.inputs[0]);
    if (a.op !== 'activation' || opts.keep?.has(a) || !t || t.op !== 'transpose' || opts.keep?.has(t) || !links.sole(a.inputs[0])) continue;
    const [x, y, z] = [t.inputs[0], t.outputs[0], a.outputs[0]];
    const ty = shapes.get(y)!, tx = shapes.get(x)!, tz = shapes.get(z)!;
    // y now holds act(x): x's shape, the activation output's dtype and quantization.
    Object.assign(ty, { shape: tx.shape.slice(), dtype: tz.dtype, quant: tz.quant });
    if (!tz.quant) delete ty.quant;
    a.inputs = [x];
    a.outputs = [y];
    t.inputs = [y];
    t.outputs = [z];
    links.producer.set(y, a);
    links.producer.set(z, t);
    const [ia, it] = [graph.nodes.indexOf(a), graph.nodes.indexOf(t)];
    graph.nodes[it] = a;
    graph.nodes[ia] = t;
  }
  // 2. Transpose pairs that cancel.
  const gone = new Set<Node>(), orphans: string[] = [];
  const links = new Links(graph);
  for (const t2 of graph.nodes) {
    const t1 = links.producer.get(t2.inputs[0]);
    if (t2.op !== 'transpose' || !t1 || t1.op !== 'transpose' || gone.has(t1) || opts.keep?.has(t1) || opts.keep?.has(t2) || !links.sole(t1.outputs[0])) continue;
    const x = shapes.get(t1.inputs[0])!, z = shapes.get(t2.outputs[0])!;
    if (x.shape.join() !== z.shape.join() || numel(x.shape) > MAX_CHECK) continue;
    const s1 = sources(x.shape, t1.attrs as TransposeAttrs), s2 = sources(shapes.get(t1.outputs[0])!.shape, t2.attrs as TransposeAttrs);
    if (!s2.every((s, i) => s1[s] === i)) continue;
    // z is x: its readers read x (a graph output keeps its name: the pair stays then).
    if (graph.outputs.includes(t2.outputs[0])) continue;
    for (const n of graph.nodes) n.inputs = n.inputs.map((i) => (i === t2.outputs[0] ? t1.inputs[0] : i));
    gone.add(t1).add(t2);
    orphans.push(t1.outputs[0], t2.outputs[0]);
    removed += 2;
  }
  graph.nodes = graph.nodes.filter((n) => !gone.has(n));
  dropUnreferenced(graph, undefined, orphans);
  return removed;
}

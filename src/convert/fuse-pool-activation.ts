// conv → MaxPool → clamp  ==>  conv+clamp → MaxPool.
// A max pool commutes with any non-decreasing function (clamp(max S) = max clamp(S) for a
// non-empty window, and ONNX max pools ignore padding), so a ReLU / ReLU6 / Clip after a
// max pool (BranchyNet's and Caffe LeNet's "conv, pool, ReLU" order) can move before it
// and fuse into the convolution: no standalone activation pass, and in int8 no
// dequantize/quantize around one.
import type { Graph, Node } from '../ir/types.js';

const CLAMPS = new Set(['relu', 'relu6', 'clip']);
const FUSE_INTO = new Set(['conv2d', 'dwconv2d', 'gemm', 'add']);

/** Rewrites the graph in place; returns how many activations moved. */
export function fusePoolActivation(graph: Graph): number {
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const o of graph.outputs) readers.set(o, (readers.get(o) ?? 0) + 1);
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const drop = new Set<Node>();
  for (const act of graph.nodes) {
    if (act.op !== 'activation' || !act.act || !CLAMPS.has(act.act.kind)) continue;
    const pool = producer.get(act.inputs[0]);
    if (!pool || pool.op !== 'maxpool' || readers.get(pool.outputs[0]) !== 1) continue;
    const conv = producer.get(pool.inputs[0]);
    if (!conv || !FUSE_INTO.has(conv.op) || (conv.act && conv.act.kind !== 'none') || readers.get(conv.outputs[0]) !== 1) continue;
    conv.act = act.act;
    // The pool now writes what the activation wrote; its old output name disappears.
    const gone = pool.outputs[0];
    pool.outputs[0] = act.outputs[0];
    graph.tensors = graph.tensors.filter((t) => t.name !== gone);
    drop.add(act);
  }
  graph.nodes = graph.nodes.filter((n) => !drop.has(n));
  return drop.size;
}

// Pool / activation reordering (graph -> graph, in place):
//   conv → maxpool → clamp  ==>  conv+clamp → maxpool.
// A max pool commutes with any non-decreasing function (clamp(max S) = max clamp(S) for a
// non-empty window, and ONNX max pools ignore padding), so a ReLU / ReLU6 / Clip after a
// max pool (BranchyNet's and Caffe LeNet's "conv, pool, ReLU" order) can move before it
// and fuse into the layer before the pool (an op that may carry an activation, with none
// yet): no standalone activation pass, and in int8 no dequantize/quantize around one.
import type { Graph, Node } from '../types.js';
import { asClamp } from '../numerics.js';
import { FUSES_ACTIVATION } from '../ops/index.js';

/** Rewrites the graph in place; returns how many activations moved. */
export function fusePoolActivation(graph: Graph): number {
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const o of graph.outputs) readers.set(o, (readers.get(o) ?? 0) + 1);
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const drop = new Set<Node>();
  for (const act of graph.nodes) {
    if (act.op !== 'activation' || !act.act || act.act.kind === 'none' || !asClamp(act.act)) continue;
    const pool = producer.get(act.inputs[0]);
    if (!pool || pool.op !== 'maxpool' || readers.get(pool.outputs[0]) !== 1) continue;
    const conv = producer.get(pool.inputs[0]);
    if (!conv || conv.op === 'activation' || !FUSES_ACTIVATION.has(conv.op) || (conv.act && conv.act.kind !== 'none') || readers.get(conv.outputs[0]) !== 1) continue;
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

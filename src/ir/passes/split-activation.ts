// Activation splitting (graph -> graph, in place), the inverse of fuse-activation for the
// activations that are not clamps: a node with a fused sigmoid, hardswish, leakyrelu, ... writes
// a new tensor `<output>_pre` and a standalone `activation` node applies the activation from it
// to the node's output. The int8 converter runs it first: an int8 layer clamps its own output,
// but any other activation is an int8 table between two quantizations (docs/ir.md, "int8"),
// so the tensor before it needs a range of its own. The runtime puts the two back into one step.
import type { Graph, Node } from '../types.js';
import { isClampAct } from '../numerics.js';
import { freshName } from './edit.js';

/** Splits every fused non-clamp activation off its node, except on nodes `keep` names; returns how many. */
export function splitActivations(graph: Graph, keep: (node: Node) => boolean = () => false): number {
  const names = new Set(graph.nodes.map((n) => n.name));
  const out: Node[] = [];
  let split = 0;
  for (const n of graph.nodes) {
    out.push(n);
    if (n.op === 'activation' || !n.act || isClampAct(n.act) || keep(n)) continue;
    const y = graph.tensors.find((t) => t.name === n.outputs[0])!;
    const pre = freshName(graph, `${y.name}_pre`);
    graph.tensors.push({ name: pre, shape: y.shape.slice(), dtype: y.dtype });
    let name = `${n.name}_${n.act.kind}`;
    for (let k = 1; names.has(name); k++) name = `${n.name}_${n.act.kind}_${k}`;
    names.add(name);
    out.push({ name, op: 'activation', inputs: [pre], outputs: [y.name], attrs: {}, act: n.act });
    n.outputs = [pre];
    delete n.act;
    split++;
  }
  graph.nodes = out;
  return split;
}

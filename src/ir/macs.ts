// Multiply-accumulates per sample of a node: the cost model of `inspect`, the executor and the exit scheduler.
import type { Graph, Node, TensorInfo } from './types.js';
import { macsOf, workOf } from './shapes.js';

/** MACs of one sample through a node (0 for data movement). `infos`: the graph's tensors by name, if the caller has them. */
export function nodeMacs(graph: Graph, node: Node, infos?: ReadonlyMap<string, TensorInfo>): number {
  const m = infos ?? new Map(graph.tensors.map((t) => [t.name, t]));
  return macsOf(node, node.inputs.map((i) => m.get(i)!), node.outputs.map((o) => m.get(o)!));
}

/** Element operations of one sample through a node (src/ir/shapes.ts workOf): what workCap bounds. */
export function nodeWork(graph: Graph, node: Node, infos?: ReadonlyMap<string, TensorInfo>): number {
  const m = infos ?? new Map(graph.tensors.map((t) => [t.name, t]));
  return workOf(node, node.inputs.map((i) => m.get(i)!), node.outputs.map((o) => m.get(o)!));
}

// Multiply-accumulates per sample of a node: the cost model of `inspect`, the executor and the exit scheduler.
import type { Graph, Node } from './types.js';

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** MACs of one sample through a node (0 for data movement). */
export function nodeMacs(graph: Graph, node: Node): number {
  const t = (n: string) => graph.tensors.find((x) => x.name === n)!;
  const out = numel(t(node.outputs[0]).shape.slice(1));
  switch (node.op) {
    case 'conv2d':
      return out * node.attrs.kernel[0] * node.attrs.kernel[1] * t(node.inputs[0]).shape[3];
    case 'dwconv2d':
      return out * node.attrs.kernel[0] * node.attrs.kernel[1];
    case 'gemm':
      return out * t(node.inputs[0]).shape.at(-1)!;
    default:
      return 0;
  }
}


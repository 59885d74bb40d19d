// Conv + 2x2 / 2 max pool: the structural half of the fusion. An int8 conv2d (int8 or binary
// weights) can write the max pool of its output instead of the output itself (the direct
// small-C_in kernel and its binary-weight twin), so the
// conv's output never exists. Whether the kernel of a given build can is the runtime's
// decision (canFuseMaxPool2x2, asked by conv2d's `absorbs` in src/ir/ops/conv2d.ts at plan
// time), so this pass annotates nothing in the graph or the file: it says which pairs qualify
// by their structure alone.
import type { Graph, Node, NodeOf, TensorInfo } from '../types.js';
import { isClampAct } from '../numerics.js';
import { sparseShape } from '../ops/sparse.js';
import type { AbsorbContext } from '../ops/def.js';

export type PoolPairContext = Pick<AbsorbContext, 'graph' | 'info' | 'readersOf'>;

/**
 * The max pool that could run inside int8 conv `node`, by structure, or null: the conv is i8
 * in and out (int8 or binary weights), one group, not sparse, its activation a clamp; its output is not a graph
 * output and its only reader is a 2x2, stride 2 max pool without padding, dilation or
 * activation whose i8 output is half the conv's size rounded down.
 */
export function poolAfterConv(node: Node, ctx: PoolPairContext): NodeOf<'maxpool'> | null {
  if (node.op !== 'conv2d') return null;
  const x = ctx.info(node.inputs[0]);
  const y = ctx.info(node.outputs[0]);
  if ((node.attrs.groups ?? 1) > 1 || x.dtype !== 'i8' || y.dtype !== 'i8' || sparseShape(node, x, y)) return null;
  if (!isClampAct(node.act)) return null;
  const out = node.outputs[0];
  if (ctx.graph.outputs.includes(out)) return null;
  const readers = ctx.readersOf(out);
  if (readers.length !== 1 || readers[0].op !== 'maxpool') return null;
  const p = readers[0];
  const a = p.attrs;
  const z: TensorInfo = ctx.info(p.outputs[0]);
  if (a.kernel.join() !== '2,2' || a.strides.join() !== '2,2' || a.pads.some((v) => v !== 0) || a.dilations.join() !== '1,1') return null;
  if ((p.act && p.act.kind !== 'none') || z.dtype !== 'i8' || z.shape[1] !== y.shape[1] >> 1 || z.shape[2] !== y.shape[2] >> 1) return null;
  return p;
}

/** Every conv -> max pool pair of the graph that qualifies by structure (poolAfterConv). */
export function convPoolPairs(graph: Graph): Map<Node, NodeOf<'maxpool'>> {
  const info = new Map(graph.tensors.map((t) => [t.name, t]));
  const readers = new Map<string, Node[]>();
  for (const n of graph.nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  const ctx: PoolPairContext = { graph, info: (name) => info.get(name)!, readersOf: (name) => readers.get(name) ?? [] };
  const pairs = new Map<Node, NodeOf<'maxpool'>>();
  for (const n of graph.nodes) {
    const p = poolAfterConv(n, ctx);
    if (p) pairs.set(n, p);
  }
  return pairs;
}

// Conv + residual add: the structural half of the fusion. An int8 conv2d whose only reader is an
// int8 add of its output and another tensor of the same shape (a ResNet block's skip, a
// MobileNetV2 block's residual) can write the add's output from its own epilogue (the im2col
// kernels, assembly/qs8/residual.ts), so the conv's output never exists and the add's pass over
// memory goes. Whether the kernel of a given build can is the runtime's decision (conv2d's
// `absorbs`, src/ir/ops/conv2d.ts, at plan time), so this pass annotates nothing in the graph or
// the file; it says which pairs qualify by their structure alone, and gives the execution order
// in which each such conv runs after the other operand of its add is computed.
import type { Node, NodeOf } from '../types.js';
import { isClampAct } from '../numerics.js';
import { sparseShape } from '../ops/sparse.js';
import type { AbsorbContext } from '../ops/def.js';

export type AddPairContext = Pick<AbsorbContext, 'graph' | 'info' | 'readersOf'>;

/**
 * The add that could run in int8 conv `node`'s epilogue, by structure, or null: the conv is i8 in
 * and out with int8 weights, one group, not sparse, its activation a clamp; its output is not a
 * graph output and its only reader is an add (activation a clamp or none) of it and another
 * computed i8 tensor of the same shape, into an i8 output of that shape.
 */
export function addAfterConv(node: Node, ctx: AddPairContext): NodeOf<'add'> | null {
  if (node.op !== 'conv2d') return null;
  const x = ctx.info(node.inputs[0]), w = ctx.info(node.inputs[1]), y = ctx.info(node.outputs[0]);
  if ((node.attrs.groups ?? 1) > 1 || x.dtype !== 'i8' || w.dtype !== 'i8' || y.dtype !== 'i8' || sparseShape(node, x, y)) return null;
  if (!isClampAct(node.act)) return null;
  const out = node.outputs[0];
  if (ctx.graph.outputs.includes(out)) return null;
  const readers = ctx.readersOf(out);
  if (readers.length !== 1 || readers[0].op !== 'add') return null;
  const add = readers[0];
  if (add.act && !isClampAct(add.act)) return null;
  const others = add.inputs.filter((t) => t !== out);
  if (add.inputs.length !== 2 || others.length !== 1) return null; // add(v, v) reads v twice
  const r = ctx.info(others[0]), z = ctx.info(add.outputs[0]);
  const same = (s: readonly number[]) => s.length === y.shape.length && s.every((d, i) => d === y.shape[i]);
  if (r.constant || r.dtype !== 'i8' || z.dtype !== 'i8' || !same(r.shape) || !same(z.shape)) return null;
  return add;
}

/** The operand of `add` other than the conv's output: the residual. */
export const residualOf = (conv: Node, add: Node): string => add.inputs.find((t) => t !== conv.outputs[0])!;

/**
 * `order` (a topological order) with each conv that `fuses` (a conv and the add addAfterConv
 * gives for it) moved to just before its add where the add's residual is computed after the conv
 * (a ResNet block's 1x1 shortcut after its second 3x3 conv): still topological, as the conv's
 * inputs come before its old place and its output's only reader is the add.
 */
export function residualOrder(order: readonly Node[], fuses: (conv: Node) => NodeOf<'add'> | null): Node[] {
  const out = [...order];
  for (const conv of order) {
    const add = fuses(conv);
    if (!add) continue;
    const producer = new Map<string, number>();
    out.forEach((n, i) => n.outputs.forEach((t) => producer.set(t, i)));
    const at = out.indexOf(conv), rAt = producer.get(residualOf(conv, add)) ?? -1;
    if (rAt < at) continue;
    out.splice(at, 1);
    out.splice(out.indexOf(add), 0, conv);
  }
  return out;
}

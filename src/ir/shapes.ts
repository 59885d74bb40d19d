// The graph checks of one node, from the op registry (src/ir/ops): attribute types and
// ranges, arity, shape inference, dtype rules. They run on graphs from the importer and on
// graphs read from untrusted files, so every check throws BranchyFormatError naming the node.
import type { Activation, Node, TensorInfo } from './types.js';
import { opDef } from './ops/index.js';
import { fail, show, type OpDef, type OpNode } from './ops/def.js';
import { checkBinary } from './ops/binary.js';
import { activationDef } from './activations.js';

export { windowOut } from './window.js';

function defOf(node: Node): OpDef<unknown> {
  return opDef(node.op as string) ?? fail(node, `unknown op ${show(node.op)}`);
}

function checkActivation(node: Node, def: OpDef<unknown>, act: unknown): void {
  if (act === undefined) {
    if (node.op === 'activation') fail(node, 'a standalone activation needs `act`');
    return;
  }
  if (!def.fusesActivation) fail(node, 'this op cannot carry a fused activation');
  if (typeof act !== 'object' || act === null) fail(node, '`act` must be an object');
  const a = act as Record<string, unknown>;
  const kind = typeof a.kind === 'string' ? activationDef(a.kind) : undefined;
  if (!kind) fail(node, `unknown activation kind ${show(a.kind)}`);
  for (const k of ['min', 'max', 'alpha', 'beta']) {
    if (a[k] !== undefined && !(typeof a[k] === 'number' && Number.isFinite(a[k]))) fail(node, `act.${k} must be a finite number`);
  }
  if (kind.params.some((k) => typeof a[k] !== 'number')) fail(node, `${a.kind as string} needs act.${kind.params.join(' and act.')}`);
  if (a.kind === 'clip' && !((a.min as number) <= (a.max as number))) fail(node, `clip range [${a.min}, ${a.max}] is empty`);
}

/** Checks a node's op, attribute types and ranges, and fused activation. */
export function checkNode(node: Node): void {
  const def = defOf(node);
  if (typeof node.attrs !== 'object' || node.attrs === null || Array.isArray(node.attrs)) fail(node, '`attrs` must be an object');
  def.check(node as OpNode<unknown>);
  checkActivation(node, def, node.act as unknown as Activation | undefined);
}

/** Output shapes of `node` from its input tensors. Throws BranchyFormatError on a mismatch. */
export function inferNode(node: Node, ins: (TensorInfo | undefined)[]): number[][] {
  const def = defOf(node);
  const [min, max] = def.inputs;
  if (node.inputs.length < min || node.inputs.length > max) fail(node, `takes ${min}..${max} inputs, has ${node.inputs.length}`);
  if (node.outputs.length !== 1) fail(node, `has ${node.outputs.length} outputs, expected 1`);
  const present = ins.map((t, i) => t ?? fail(node, `input ${i} is missing`));
  return def.infer(node as OpNode<unknown>, present);
}

/**
 * The dtype rules of docs/ir.md for computed tensors (each op's `dtypes`; by default computed
 * tensors keep the first input's dtype); binary layers (b1 weights or b1 activations) follow
 * checkBinary.
 */
export function checkDTypes(node: Node, ins: TensorInfo[], outs: TensorInfo[]): void {
  const def = defOf(node);
  if (checkBinary(node as OpNode<unknown>, def.binary, ins, outs)) return;
  def.dtypes?.(node as OpNode<unknown>, ins, outs);
}

/**
 * Element operations of one sample through a node: its MACs, every element of its computed
 * inputs and outputs, and its op's extra work (a pool's taps). What `workCap` bounds.
 */
export function workOf(node: Node, ins: TensorInfo[], outs: TensorInfo[]): number {
  const def = defOf(node);
  const n = node as OpNode<unknown>;
  const elements = (t: TensorInfo) => t.shape.slice(1).reduce((a, b) => a * b, 1);
  return (def.macs?.(n, ins, outs) ?? 0) + (def.work?.(n, ins, outs) ?? 0) +
    ins.filter((t) => !t.constant).reduce((a, t) => a + elements(t), 0) + outs.reduce((a, t) => a + elements(t), 0);
}

/** Multiply-accumulates of one sample through a node, from its tensors (0 for data movement). */
export function macsOf(node: Node, ins: TensorInfo[], outs: TensorInfo[]): number {
  return defOf(node).macs?.(node as OpNode<unknown>, ins, outs) ?? 0;
}

// The b1 rules of docs/ir.md ("Binary layers"), shared by the ops that read or write binary
// values: conv2d / gemm with binary weights, bitpack (the sign), reshape / flatten (moves).
import type { Node, TensorInfo } from '../types.js';
import { fail, fmt, want, type OpNode } from './def.js';

/** The role an op plays with binary values; absent: it never reads or writes b1. */
export type BinaryRole = 'weights' | 'pack' | 'move';

/** Whether the node runs on the binary kernels: a bitpack, or a conv2d / gemm with b1 weights. */
export function isBinaryNode(node: Node, info: (name: string) => TensorInfo): boolean {
  if (node.op === 'bitpack') return true;
  return (node.op === 'conv2d' || node.op === 'gemm') && info(node.inputs[1])?.dtype === 'b1';
}

/** Checks the b1 rules; true when the node touches binary values (and was checked), false otherwise. */
export function checkBinary(node: OpNode<unknown>, role: BinaryRole | undefined, ins: TensorInfo[], outs: TensorInfo[]): boolean {
  const x = ins[0], y = outs[0], w = ins[1];
  const computed = [...ins.filter((t) => !t.constant), ...outs];
  const binW = (node.op === 'conv2d' || node.op === 'dwconv2d' || node.op === 'gemm') && w?.dtype === 'b1';
  if (!binW && !computed.some((t) => t.dtype === 'b1') && role !== 'pack') return false;
  if (!role) {
    const b = computed.find((t) => t.dtype === 'b1');
    fail(node, `binary tensor '${b?.name ?? w.name}': binary values are read only by conv2d / gemm with binary weights, reshape and flatten; ` +
      'move the sign (bitpack) after this op, or keep it in int8 / f32');
  }
  if (role === 'pack') {
    want(node, x, ['f32', 'i8'], 'input');
    want(node, y, ['b1'], 'output');
    return true;
  }
  if (role === 'move') {
    want(node, x, ['b1'], 'input');
    want(node, y, ['b1'], 'output');
    // b1 rows are packed along the last axis, padded to 32: the bytes stay put only when the
    // last axis keeps its size, or both last axes are multiples of 32.
    const a = x.shape.at(-1)!, b = y.shape.at(-1)!;
    const spatial = x.shape.length === 4 ? x.shape[1] * x.shape[2] : 1;
    const sameBytes = a === b || (a % 32 === 0 && b % 32 === 0);
    const nchw = node.op === 'flatten' && (node.attrs as { order?: string }).order === 'nchw';
    if (!sameBytes || (nchw && spatial !== 1)) {
      fail(node, `binary tensor ${fmt(x.shape)} cannot become ${fmt(y.shape)} without repacking its bits; ` +
        'give the binary layer before it a multiple of 32 channels, or flatten in int8 / f32');
    }
    return true;
  }
  if (!binW) fail(node, `binary input '${x.name}' needs binary (b1) weights, '${w.name}' is ${w.dtype}`);
  want(node, x, ['b1', 'i8', 'f32'], 'input');
  want(node, ins[2], ['f32'], 'bias');
  want(node, y, x.dtype === 'b1' ? ['b1', 'i8', 'f32'] : [x.dtype], 'output');
  const q = w.quant;
  if (q?.kind !== 'channel' || q.axis !== 0) {
    fail(node, `binary weights '${w.name}' need per-output-channel scales (quant {kind: 'channel', axis: 0}, the XNOR-Net alpha)`);
  }
  if (y.dtype === 'b1' && node.act && node.act.kind !== 'none') fail(node, `a binary output cannot carry a fused ${node.act.kind}`);
  return true;
}

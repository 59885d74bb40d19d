// dtype rules shared by the weighted ops (conv2d, dwconv2d, gemm): an f32 layer reads and writes
// f32 with f32 weights and bias; an int8 layer i8 with i8 weights and an i32 bias.
import type { TensorInfo } from '../types.js';
import { want, type OpNode } from './def.js';

export function denseDTypes(node: OpNode<unknown>, ins: TensorInfo[], outs: TensorInfo[]): void {
  const x = ins[0], y = outs[0];
  if (x.dtype === 'f32') {
    want(node, y, ['f32'], 'output');
    want(node, ins[1], ['f32'], 'weights');
    want(node, ins[2], ['f32'], 'bias');
  } else if (x.dtype === 'i8') {
    want(node, y, ['i8'], 'output');
    want(node, ins[1], ['i8'], 'weights');
    want(node, ins[2], ['i32'], 'bias');
  }
}

/** Computed inputs and the output keep the first input's dtype (data movement, pools, add). */
export function sameDTypes(node: OpNode<unknown>, ins: TensorInfo[], outs: TensorInfo[]): void {
  const x = ins[0];
  for (const t of [...ins.filter((t) => !t.constant), outs[0]]) want(node, t, [x.dtype], 'tensor');
}

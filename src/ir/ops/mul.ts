// mul: [a, b] -> a * b with b a constant of shape [C] (last axis) or [1].
import { want, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';
import { checkChannelOperand, createChannel } from './channel.js';

export const mul: OpDef<Record<string, never>> = {
  inputs: [2, 2],
  int8: 'requantize',
  check() {},
  infer(node, [a, b]) {
    checkChannelOperand(node, a, b, false);
    return [a.shape.slice()];
  },
  dtypes(node, ins, outs) {
    if (ins[1].constant) want(node, ins[1], ['f32'], 'constant operand');
    sameDTypes(node, ins, outs);
  },
  create: (ctx, node) => createChannel(ctx, node, 'mul'),
};

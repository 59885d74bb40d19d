// add: [a, b] -> a + b; b has a's shape, or is a constant of shape [C] (last axis) or [1].
// int8: each input at its own scale, the output at its own (an add of a constant is a
// per-channel multiply-add).
import { prepareAdd, runAdd } from '../../runtime/ops/eltwise.js';
import { f32Range, int8Range } from '../../runtime/ops/activation.js';
import { numel, want, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';
import { checkChannelOperand, createChannel } from './channel.js';
import { tensorQuant } from './quant-params.js';

export const add: OpDef<Record<string, never>> = {
  inputs: [2, 2],
  fusesActivation: true,
  int8: 'requantize',
  int8When: 'any-input',
  int8Refusal: (node, isConst) => (isConst(node.inputs[1]) ? 'add of a constant has no int8 form' : undefined),
  check() {},
  infer(node, [a, b]) {
    checkChannelOperand(node, a, b, true);
    return [a.shape.slice()];
  },
  dtypes(node, ins, outs) {
    if (ins[1].constant) want(node, ins[1], ['f32'], 'constant operand');
    sameDTypes(node, ins, outs);
  },
  create(ctx, node) {
    if (ctx.weights.has(node.inputs[1])) return createChannel(ctx, node, 'add');
    const x = ctx.info(node.inputs[0]), b = ctx.info(node.inputs[1]), y = ctx.info(node.outputs[0]);
    const n = numel(y.shape.slice(1));
    const layer = x.dtype === 'i8'
      ? prepareAdd(ctx.mem, ctx.build, {
        dtype: 'qs8', n, a: tensorQuant(x, node), b: tensorQuant(b, node), y: tensorQuant(y, node),
        ...int8Range(ctx.clamp, tensorQuant(y, node).scale, tensorQuant(y, node).zeroPoint),
      })
      : prepareAdd(ctx.mem, ctx.build, { dtype: 'f32', n, ...f32Range(ctx.clamp) });
    const [X, B, Y] = [ctx.x[0], ctx.x[1], ctx.y[0]];
    return () => runAdd(ctx.mem, layer, X.ptr, B.ptr, Y.ptr);
  },
};

// reshape: [x] -> x with `shape`: the same bytes in the same order (a copy). The batch axis
// (first) stays. int8 values pass through; b1 rows only where their packing does not move.
import { BranchyUnsupportedError } from '../../errors.js';
import { fail, fmt, isInt, numel, where, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';

export interface ReshapeAttrs {
  shape: number[];
}

export const reshape: OpDef<ReshapeAttrs> = {
  inputs: [1, 1],
  int8: 'passthrough',
  int8When: 'first-input',
  binary: 'move',
  check(node) {
    const s = node.attrs.shape as unknown;
    if (!Array.isArray(s) || !s.every((d) => isInt(d, 1))) fail(node, 'attrs.shape must be positive integers');
  },
  infer(node, [x]) {
    if (numel(x.shape) !== numel(node.attrs.shape)) fail(node, `cannot reshape ${fmt(x.shape)} to ${fmt(node.attrs.shape)}`);
    return [node.attrs.shape.slice()];
  },
  dtypes: sameDTypes,
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    if (y.shape[0] !== x.shape[0]) {
      throw new BranchyUnsupportedError(`${where(node)}: a reshape that changes the batch axis (${x.shape[0]} -> ${y.shape[0]}) is not supported; the first axis is the batch`);
    }
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    return () => ctx.mem.u8(Y.ptr, Y.bytes).set(ctx.mem.u8(X.ptr, X.bytes));
  },
};

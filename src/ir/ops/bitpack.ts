// bitpack: [x f32 | i8] -> b1 of the same shape: the sign, bit 1 (-1) where x < 0 (i8: q <
// zero point), else +1 (docs/b1.md).
import type { Node } from '../types.js';
import { prepareBinaryNode } from '../../runtime/ops/b1-layer.js';
import type { OpDef } from './def.js';

export const bitpack: OpDef<Record<string, never>> = {
  inputs: [1, 1],
  int8: 'float',
  binary: 'pack',
  check() {},
  infer: (_node, [x]) => [x.shape.slice()],
  create(ctx, node) {
    const layer = prepareBinaryNode(ctx.mem, ctx.build, node as Node, ctx.info, ctx.weights, ctx.clamp);
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    return () => layer.run(X.ptr, Y.ptr, 0);
  },
};

// softmax: [x] -> softmax over the last axis, in f32 (the exit-head kernel computes it).
import { BranchyUnsupportedError } from '../../errors.js';
import { prepareExitHead, runExitHead } from '../../runtime/ops/head.js';
import { numel, want, where, type OpDef } from './def.js';

export const softmax: OpDef<Record<string, never>> = {
  inputs: [1, 1],
  int8: 'float',
  check() {},
  infer: (_node, [x]) => [x.shape.slice()],
  dtypes(node, [x], [y]) {
    want(node, x, ['f32'], 'input');
    want(node, y, ['f32'], 'output');
  },
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]);
    if (x.dtype === 'i8') throw new BranchyUnsupportedError(`${where(node)}: softmax runs in f32; dequantize its input`);
    const classes = x.shape.at(-1)!;
    const rows = numel(x.shape.slice(1, -1));
    const layer = prepareExitHead(ctx.mem, ctx.build, { dtype: 'f32', rows, classes });
    const S = ctx.scratch(layer.outputBytes + layer.argmaxBytes);
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    const mem = ctx.mem;
    return () => {
      runExitHead(mem, layer, X.ptr, S.ptr, S.ptr + layer.outputBytes);
      const out = mem.f32(S.ptr, rows * (classes + 2)), dst = mem.f32(Y.ptr, rows * classes);
      for (let r = 0; r < rows; r++) dst.set(out.subarray(r * (classes + 2), r * (classes + 2) + classes), r * classes);
    };
  },
};

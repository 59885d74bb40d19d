// softmax: [x] -> softmax along `axis` (absent: the last), ONNX Softmax (opset >= 13), in f32:
// the tensor seen as [outer, n, inner] (assembly/move/softmax.ts; over the last axis it gives the
// exit head's bits). int8 models dequantize before it (its output is a probability, read in f32).
import { BranchyUnsupportedError } from '../../errors.js';
import { prepareSoftmax, runMove } from '../../runtime/ops/reduce.js';
import { numel, want, where, type OpDef } from './def.js';
import { axisOf, perSample } from './move.js';

export interface SoftmaxAttrs {
  axis?: number;
}

export const softmax: OpDef<SoftmaxAttrs> = {
  inputs: [1, 1],
  int8: 'float',
  check() {},
  infer: (node, [x]) => {
    axisOf(node, node.attrs.axis, x.shape.length);
    return [x.shape.slice()];
  },
  dtypes(node, [x], [y]) {
    want(node, x, ['f32'], 'input');
    want(node, y, ['f32'], 'output');
  },
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]);
    if (x.dtype === 'i8') throw new BranchyUnsupportedError(`${where(node)}: softmax runs in f32; dequantize its input`);
    const axis = axisOf(node, node.attrs.axis, x.shape.length);
    perSample(node, x, x, axis !== 0);
    const layer = prepareSoftmax(ctx.mem, ctx.build, {
      outer: numel(x.shape.slice(1, Math.max(1, axis))), n: x.shape[axis], inner: numel(x.shape.slice(axis + 1)),
    });
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    return () => runMove(ctx.mem, layer, X.ptr, Y.ptr);
  },
};

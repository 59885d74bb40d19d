// flatten: [x NHWC] -> [N, H*W*C]. order 'nhwc': bytes unchanged (the importer permuted the
// consumer's weights to match); 'nchw': the values are reordered to ONNX's C,H,W order.
import { prepareCopy, runCopy, transposeLoops } from '../../runtime/ops/copy.js';
import { fail, numel, where, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';

export interface FlattenAttrs {
  order: 'nhwc' | 'nchw';
}

export const flatten: OpDef<FlattenAttrs> = {
  inputs: [1, 1],
  int8: 'passthrough',
  int8When: 'first-input',
  binary: 'move',
  check(node) {
    if (node.attrs.order !== 'nhwc' && node.attrs.order !== 'nchw') fail(node, "attrs.order must be 'nhwc' or 'nchw'");
  },
  infer(node, [x]) {
    if (x.shape.length < 2) fail(node, `input must have rank >= 2, has [${x.shape.join(', ')}]`);
    return [[x.shape[0], numel(x.shape.slice(1))]];
  },
  dtypes: sameDTypes,
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]);
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    const mem = ctx.mem;
    if (node.attrs.order === 'nhwc' || x.shape.length !== 4 || x.dtype === 'b1') {
      return () => mem.u8(Y.ptr, Y.bytes).set(mem.u8(X.ptr, X.bytes));
    }
    // ONNX's C,H,W order from our H,W,C: one transposing copy.
    const layer = prepareCopy(mem, ctx.build, transposeLoops([x.shape[1] * x.shape[2], x.shape[3]], [1, 0]), x.dtype === 'f32' ? 4 : 1, where(node));
    return () => runCopy(mem, layer, X.ptr, Y.ptr);
  },
};

// Softmax <-> softmax over the class (last IR, channel ONNX) axis.
import type { OnnxFamily } from './family.js';

export const softmaxFamily: OnnxFamily = {
  import: {
    Softmax(ctx, n, a, out) {
      const x = ctx.valueIn(n, 0);
      const r = x.shape.length;
      let axis = a.int('axis', ctx.opset < 13 ? 1 : -1);
      if (axis < 0) axis += r;
      const last = x.layout === 'nchw' ? 1 : r - 1;
      // Before opset 13 the axes from `axis` on are coerced into one: the same as ours only
      // when nothing follows the class axis (NCHW: the image is 1x1).
      const coerced = ctx.opset < 13 && x.layout === 'nchw' && x.shape[2] * x.shape[3] !== 1;
      const ok = x.layout !== 'hwc-flat' && axis === last && !coerced;
      if (!ok) ctx.unsupported(n, `softmax over axis ${axis} of [${x.shape.join(', ')}]`, 'branchy computes softmax over the class (last) axis only');
      ctx.emit('softmax', n.name ?? '', [x.ir], out, {});
      ctx.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout });
    },
    LogSoftmax: { advice: 'export Softmax (or the raw logits) instead of LogSoftmax' },
  },
  export: {
    softmax(ex, node, where, y, name) {
      const r = ex.t(node.inputs[0]).shape.length;
      ex.b.node('Softmax', [ex.float(node.inputs[0], where)], [y], { axis: r === 4 ? 1 : r - 1 }, name);
      return y;
    },
  },
};

// Softmax <-> softmax along any axis. From opset 13 ONNX's Softmax runs along one axis; before,
// it coerces the input to 2-D [prod(d < axis), prod(d >= axis)] and runs along the second: the
// same when that axis is the last one (or every axis after it has size 1), else branchy reshapes
// around a softmax along the flattened axis.
import type { NodeOf } from '../../../ir/types.js';
import { numel } from '../context.js';
import { inOnnxOrder, irAxis, irShapeOf, onnxAxis } from './axes.js';
import { reshapeTo } from './shape.js';
import type { OnnxFamily } from './family.js';

export const softmaxFamily: OnnxFamily = {
  import: {
    Softmax(ctx, n, a, out) {
      let x = ctx.valueIn(n, 0);
      const r = x.shape.length;
      const axis = onnxAxis(ctx, n, a.int('axis', ctx.opset < 13 ? 1 : -1), r);
      if (x.layout === 'hwc-flat') ctx.unsupported(n, 'softmax of a flattened image read in H,W,C order', 'apply it after the Gemm');
      if (ctx.opset < 13 && numel(x.shape.slice(axis + 1)) > 1) {
        // Coerced to 2-D: softmax over all the axes from `axis` on, then back to the input's shape.
        x = inOnnxOrder(ctx, n, x);
        const flat = ctx.fresh(`${out}_2d`), soft = ctx.fresh(`${out}_softmax`);
        const outer = numel(x.shape.slice(0, axis)), inner = numel(x.shape.slice(axis));
        ctx.emit('reshape', `${n.name || out}_2d`, [x.ir], flat, { shape: [outer, inner] });
        ctx.emit('softmax', n.name ?? '', [flat], soft, {});
        return reshapeTo(ctx, n, x.shape, out, { ir: soft, shape: [outer, inner], layout: 'plain', sole: true });
      }
      const ia = irAxis(x, axis);
      ctx.emit('softmax', n.name ?? '', [x.ir], out, ia === irShapeOf(x.shape, x.layout).length - 1 ? {} : { axis: ia });
      ctx.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout });
    },
    LogSoftmax: { advice: 'export Softmax (or the raw logits) instead of LogSoftmax' },
  },
  export: {
    softmax(ex, node, where, y, name) {
      const t = ex.t(node.inputs[0]), r = t.shape.length;
      const ia = (node as NodeOf<'softmax'>).attrs.axis ?? r - 1;
      ex.b.node('Softmax', [ex.float(node.inputs[0], where)], [y], { axis: r === 4 ? [0, 2, 3, 1][ia] : ia }, name);
      return y;
    },
  },
};

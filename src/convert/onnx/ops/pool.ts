// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool <-> maxpool, avgpool, globalavgpool.
import { BranchyUnsupportedError } from '../../../errors.js';
import type { NodeOf } from '../../../ir/types.js';
import type { onnx } from 'onnx-proto';
import { where, type ImportContext, type Value } from '../context.js';
import { Attrs } from '../proto.js';
import { windowed1d } from './axes.js';
import type { ImportFn, OnnxFamily } from './family.js';
import { onnxWindow, windowAttrs } from './window.js';
import { defineImage } from './conv.js';

/** A pool over an [N, C, W] sequence runs as the 2-D pool over [N, C, 1, W] (axes.ts windowed1d). */
const onSequences = (f: (ctx: ImportContext, n: onnx.INodeProto, a: Attrs, x: Value, out: string) => void): ImportFn => (ctx, n, a, out) => {
  if (ctx.valueIn(n, 0).shape.length === 3) return windowed1d(ctx, n, out, (m, x, o) => f(ctx, m, new Attrs(m, where(m)), x, o));
  f(ctx, n, a, ctx.image(n, 0), out);
};

const pool = onSequences((ctx, n, a, x, out) => {
  const [, , H, W] = x.shape;
  if (n.opType === 'MaxPool' && n.output?.[1] && ctx.isRead(n.output[1])) ctx.unsupported(n, 'its Indices output is used', 'use only the pooled values');
  const win = onnxWindow(ctx, n, a, [H, W], undefined);
  if (n.opType === 'AveragePool' && ctx.opset < 19 && a.has('dilations')) {
    ctx.unsupported(n, 'attribute dilations', 'AveragePool has dilations only from opset 19');
  }
  const ceilMode = ctx.opset >= 10 ? a.int('ceil_mode', 0) === 1 : false;
  if (n.opType === 'MaxPool') ctx.emit('maxpool', n.name ?? '', [x.ir], out, { ...win, ceilMode });
  else ctx.emit('avgpool', n.name ?? '', [x.ir], out, { ...win, ceilMode, countIncludePad: a.int('count_include_pad', 0) === 1 });
  defineImage(ctx, out);
});

export const poolFamily: OnnxFamily = {
  import: {
    MaxPool: pool,
    AveragePool: pool,
    GlobalAveragePool: onSequences((ctx, n, _a, x, out) => {
      ctx.emit('globalavgpool', n.name ?? '', [x.ir], out, {});
      defineImage(ctx, out);
    }),
    GlobalMaxPool: onSequences((ctx, n, _a, x, out) => {
      const [, , H, W] = x.shape;
      ctx.emit('maxpool', n.name ?? '', [x.ir], out, { kernel: [H, W], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], ceilMode: false });
      defineImage(ctx, out);
    }),
  },
  export: {
    maxpool(ex, node, where, y, name) {
      const a = (node as NodeOf<'maxpool'>).attrs;
      ex.b.node('MaxPool', [ex.float(node.inputs[0], where)], [y], { ...windowAttrs(a), ceil_mode: a.ceilMode ? 1 : 0 }, name);
      return y;
    },
    avgpool(ex, node, where, y, name) {
      const a = (node as NodeOf<'avgpool'>).attrs;
      if (a.dilations[0] !== 1 || a.dilations[1] !== 1) {
        throw new BranchyUnsupportedError(`${where}: a dilated average pool has no opset-13 ONNX form`);
      }
      const { dilations: _d, ...win } = windowAttrs(a);
      ex.b.node('AveragePool', [ex.float(node.inputs[0], where)], [y], { ...win, ceil_mode: a.ceilMode ? 1 : 0, count_include_pad: a.countIncludePad ? 1 : 0 }, name);
      return y;
    },
    globalavgpool(ex, node, where, y, name) {
      ex.b.node('GlobalAveragePool', [ex.float(node.inputs[0], where)], [y], {}, name);
      return y;
    },
  },
};

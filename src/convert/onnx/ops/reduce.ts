// ReduceSum, ReduceMean, ReduceMax <-> reduce. Axes from the attribute (ReduceSum before opset
// 13, the others before 18) or the constant input; keepdims (default 1); noop_with_empty_axes.
// The reduced axes are the value's IR axes (an image's H and W are IR axes 1 and 2); without
// keepdims the IR keeps the other axes in its order, which is ONNX's unless an image keeps its
// channels and one spatial axis (then it reduces with keepdims and reshapes, reshapeTo).
import type { NodeOf } from '../../../ir/types.js';
import type { ReduceKind } from '../../../ir/ops/reduce.js';
import { inOnnxOrder, irAxis, onnxAxis } from './axes.js';
import { reshapeTo } from './shape.js';
import type { ImportFn, OnnxFamily } from './family.js';

const KIND: Record<string, ReduceKind> = { ReduceSum: 'sum', ReduceMean: 'mean', ReduceMax: 'max' };
const ONNX_OP: Record<ReduceKind, string> = { sum: 'ReduceSum', mean: 'ReduceMean', max: 'ReduceMax' };

const reduce: ImportFn = (ctx, n, a, out) => {
  let x = ctx.valueIn(n, 0);
  const r = x.shape.length, kind = KIND[n.opType!];
  const fromInput = ctx.opset >= (kind === 'sum' ? 13 : 18);
  const given = fromInput ? (ctx.optConst(n, 1, 'axes')?.data as number[] | undefined) : a.ints('axes', undefined);
  const keep = a.int('keepdims', 1) === 1;
  if (!given || given.length === 0) {
    if (fromInput && a.int('noop_with_empty_axes', 0) === 1) return ctx.same(out, x);
  }
  const axes = [...new Set(Array.from(given?.length ? given : x.shape.keys(), (v) => onnxAxis(ctx, n, v, r)))].sort((p, q) => p - q);
  const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  if (shape.length === 0) ctx.unsupported(n, `reducing every axis of [${x.shape.join(', ')}] to a scalar`, 'keep the dimensions (keepdims=1) or one axis');
  if (x.layout === 'hwc-flat') x = inOnnxOrder(ctx, n, x);
  const irAxes = axes.map((i) => irAxis(x, i)).sort((p, q) => p - q);
  const kept = [...x.shape.keys()].filter((i) => !axes.includes(i)).map((i) => irAxis(x, i));
  const inOrder = kept.every((v, i) => i === 0 || v > kept[i - 1]);
  if (keep || inOrder) {
    ctx.emit('reduce', n.name ?? '', [x.ir], out, { kind, axes: irAxes, keepdims: keep });
    return ctx.define(out, { ir: out, shape, layout: keep ? x.layout : 'plain' });
  }
  const mid = ctx.fresh(`${out}_keepdims`);
  ctx.emit('reduce', n.name ?? '', [x.ir], mid, { kind, axes: irAxes, keepdims: true });
  reshapeTo(ctx, n, shape, out, { ir: mid, shape: x.shape.map((d, i) => (axes.includes(i) ? 1 : d)), layout: x.layout, sole: true });
};

export const reduceFamily: OnnxFamily = {
  import: { ReduceSum: reduce, ReduceMean: reduce, ReduceMax: reduce },
  export: {
    /** Written at opset 13 (ReduceSum's axes an input, the others' an attribute); a rank-4 input reduced without keepdims is NHWC first, as the IR's axes are. */
    reduce(ex, node, where, y, name) {
      const a = (node as NodeOf<'reduce'>).attrs, r = ex.t(node.inputs[0]).shape.length;
      let x = ex.float(node.inputs[0], where), axes = a.axes;
      if (r === 4 && a.keepdims) axes = a.axes.map((i) => [0, 2, 3, 1][i]).sort((p, q) => p - q);
      else if (r === 4) {
        const v = ex.b.fresh(`${node.inputs[0]}_nhwc`);
        ex.b.node('Transpose', [x], [v], { perm: [0, 2, 3, 1] });
        x = v;
      }
      const op = ONNX_OP[a.kind], keepdims = a.keepdims ? 1 : 0;
      if (a.kind === 'sum') ex.b.node(op, [x, ex.b.scalarish('axes', 'i64', [axes.length], axes)], [y], { keepdims }, name);
      else ex.b.node(op, [x], [y], { axes, keepdims }, name);
      return y;
    },
  },
};

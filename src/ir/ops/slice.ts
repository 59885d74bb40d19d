// slice: [x] -> y[i] = x[starts + i * steps] along every axis, ONNX Slice with its starts and
// ends already resolved by the importer (negative indices counted, clamped): per axis, a step
// > 0 reads starts < ends <= d, a step < 0 reads d > starts > ends >= -1. ONNX Split is one
// slice per output. One strided copy (negative steps are negative strides). int8 values pass
// through.
import { prepareCopy, runCopy, sliceLoops } from '../../runtime/ops/copy.js';
import { fail, fmt, isInt, where, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';
import { elOf, intList, perSample, sampleOf } from './move.js';

export interface SliceAttrs {
  starts: number[];
  ends: number[];
  steps: number[];
}

/** The output size of one axis, or a reason the slice is malformed there. */
function count(d: number, s: number, e: number, step: number): number | string {
  if (step > 0) return s >= 0 && s < e && e <= d ? Math.ceil((e - s) / step) : `step ${step} needs 0 <= start < end <= ${d}`;
  return s < d && e < s && e >= -1 ? Math.ceil((s - e) / -step) : `step ${step} needs ${d} > start > end >= -1`;
}

export const slice: OpDef<SliceAttrs> = {
  inputs: [1, 1],
  int8: 'passthrough',
  int8When: 'first-input',
  check(node) {
    const a = node.attrs;
    const n = intList(node, a.starts, 'starts').length;
    if (intList(node, a.ends, 'ends').length !== n || intList(node, a.steps, 'steps').length !== n) fail(node, 'attrs.starts, ends and steps must have one entry per axis');
    if (a.steps.some((s) => !isInt(s, -(2 ** 31)) || s === 0)) fail(node, 'attrs.steps must be non-zero');
  },
  infer(node, [x]) {
    const a = node.attrs;
    if (a.starts.length !== x.shape.length) fail(node, `${a.starts.length} starts for input ${fmt(x.shape)}`);
    return [x.shape.map((d, i) => {
      const c = count(d, a.starts[i], a.ends[i], a.steps[i]);
      if (typeof c === 'string') fail(node, `axis ${i} of ${fmt(x.shape)}: start ${a.starts[i]}, end ${a.ends[i]}: ${c} (empty slices are not supported)`);
      return c;
    })];
  },
  dtypes: sameDTypes,
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    const a = node.attrs;
    const keeps = a.starts[0] === 0 && a.steps[0] === 1 && y.shape[0] === x.shape[0];
    perSample(node, x, y, keeps);
    const { loops, xOff } = keeps ? sliceLoops(sampleOf(x.shape), a.starts, a.steps, sampleOf(y.shape)) : sliceLoops(x.shape, a.starts, a.steps, y.shape);
    const el = elOf(x);
    const layer = prepareCopy(ctx.mem, ctx.build, loops, el, where(node));
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    return () => runCopy(ctx.mem, layer, X.ptr + xOff * el, Y.ptr);
  },
};

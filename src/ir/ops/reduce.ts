// reduce: [x] -> ReduceSum / ReduceMean / ReduceMax over `axes`, keeping them as size 1
// (`keepdims`) or dropping them. Runs as [outer, n, inner] along n (src/runtime/ops/reduce.ts):
// adjacent axes directly (over H, W of NHWC: inner = C; over C: inner = 1), any other set after
// a transpose that brings the reduced axes last. int8: its own output quantization, the average
// pools' rule (acc = sum of x - zp_in, or max - zp_in; requantized with s_in / (s_out * k), k the
// count for a mean, else 1).
import { prepareCopy, runCopy, transposeLoops } from '../../runtime/ops/copy.js';
import { prepareReduce, runMove, type ReduceKind } from '../../runtime/ops/reduce.js';

export type { ReduceKind };
import { checkBool, fail, fmt, numel, where, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';
import { elOf, intList, perSample, sampleOf } from './move.js';
import { tensorQuant } from './quant-params.js';

export interface ReduceAttrs {
  kind: ReduceKind;
  /** The reduced axes, ascending. */
  axes: number[];
  keepdims: boolean;
}

const KINDS: readonly ReduceKind[] = ['sum', 'mean', 'max'];

export const reduce: OpDef<ReduceAttrs> = {
  inputs: [1, 1],
  int8: 'requantize',
  int8When: 'first-input',
  check(node) {
    const a = node.attrs;
    if (!KINDS.includes(a.kind)) fail(node, `attrs.kind must be one of ${KINDS.join(', ')}`);
    const axes = intList(node, a.axes, 'axes', 0);
    if (axes.length === 0 || axes.some((v, i) => i > 0 && v <= axes[i - 1])) fail(node, `attrs.axes ${fmt(axes)} must be ascending, without repeats, and not empty`);
    checkBool(node, a as unknown as Record<string, unknown>, 'keepdims');
  },
  infer(node, [x]) {
    const a = node.attrs;
    if (a.axes.at(-1)! >= x.shape.length) fail(node, `axes ${fmt(a.axes)} outside input ${fmt(x.shape)}`);
    const out = a.keepdims ? x.shape.map((d, i) => (a.axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !a.axes.includes(i));
    if (out.length === 0) fail(node, `reduces every axis of ${fmt(x.shape)} without keepdims: the output would have no axis (keep one, or keepdims)`);
    return [out];
  },
  dtypes: sameDTypes,
  work: (node, [x]) => numel(x.shape.slice(1)),
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    const a = node.attrs;
    perSample(node, x, y, !a.axes.includes(0));
    const shape = a.axes.includes(0) ? x.shape : sampleOf(x.shape);
    // Without size-1 axes, are the reduced ones adjacent?
    const live = shape.map((d, i) => i).filter((i) => shape[i] > 1);
    const red = live.filter((i) => a.axes.includes(i));
    const adjacent = red.length === 0 || live.indexOf(red.at(-1)!) - live.indexOf(red[0]) === red.length - 1;
    const n = numel(a.axes.map((i) => shape[i]));
    const int8 = x.dtype === 'i8';
    let pre: (() => void) | null = null;
    let outer: number, inner: number, src = ctx.x[0];
    if (adjacent) {
      const first = red.length ? red[0] : a.axes[0];
      outer = numel(shape.filter((_, i) => i < first && !a.axes.includes(i)));
      inner = numel(shape.filter((_, i) => i > first && !a.axes.includes(i)));
    } else {
      // Bring the reduced axes last: kept axes in order, then the reduced ones.
      const perm = [...shape.keys()].filter((i) => !a.axes.includes(i)).concat(a.axes);
      const t = prepareCopy(ctx.mem, ctx.build, transposeLoops(shape, perm), elOf(x), where(node));
      const S = ctx.scratch(numel(shape) * elOf(x)), X = ctx.x[0];
      pre = () => runCopy(ctx.mem, t, X.ptr, S.ptr);
      src = S;
      outer = numel(shape) / n;
      inner = 1;
    }
    const layer = prepareReduce(ctx.mem, ctx.build, {
      dtype: int8 ? 'qs8' : 'f32', kind: a.kind, outer, n, inner,
      input: int8 ? tensorQuant(x, node) : undefined, output: int8 ? tensorQuant(y, node) : undefined,
    });
    const Y = ctx.y[0];
    return () => {
      pre?.();
      runMove(ctx.mem, layer, src.ptr, Y.ptr);
    };
  },
};

// transpose: [x] -> y, y = reshape(permute(reshape(x, view), perm), shape). ONNX Transpose
// (view and shape absent), and the moves built on one: channel shuffle (the importer's
// Reshape -> Transpose -> Reshape, one op: view [N,H,W,g,C/g], perm [0,1,2,4,3]), DepthToSpace
// (DCR view [N,H,W,b,b,C'], perm [0,1,3,2,4,5]; CRD view [N,H,W,C',b,b], perm [0,1,4,2,5,3]),
// SpaceToDepth (view [N,H,b,W,b,C], perm [0,1,3,2,4,5]), NHWC <-> NCHW orders. One strided copy
// (xx_copy_nd, at most six loops after merging). int8 values pass through.
import { prepareCopy, runCopy, transposeLoops } from '../../runtime/ops/copy.js';
import { fail, fmt, numel, where, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';
import { elOf, intList, perSample } from './move.js';

export interface TransposeAttrs {
  /** y's axis j is the view's axis perm[j]. */
  perm: number[];
  /** x seen as this shape (row-major, same elements) before the permutation; absent: x's shape. */
  view?: number[];
  /** The permuted view seen as this shape; absent: the permuted view. */
  shape?: number[];
}

const viewOf = (a: TransposeAttrs, x: readonly number[]): number[] => a.view ?? x.slice();

export const transpose: OpDef<TransposeAttrs> = {
  inputs: [1, 1],
  int8: 'passthrough',
  int8When: 'first-input',
  check(node) {
    const a = node.attrs;
    const perm = intList(node, a.perm, 'perm', 0);
    if (perm.some((p, i) => perm.indexOf(p) !== i || p >= perm.length)) fail(node, `attrs.perm ${fmt(perm)} is not a permutation`);
    if (a.view !== undefined) intList(node, a.view, 'view', 1);
    if (a.shape !== undefined) intList(node, a.shape, 'shape', 1);
  },
  infer(node, [x]) {
    const a = node.attrs, v = viewOf(a, x.shape);
    if (numel(v) !== numel(x.shape)) fail(node, `view ${fmt(v)} does not hold input ${fmt(x.shape)}`);
    if (a.perm.length !== v.length) fail(node, `perm ${fmt(a.perm)} does not permute the ${v.length} axes of ${fmt(v)}`);
    const out = a.perm.map((p) => v[p]);
    if (a.shape && numel(a.shape) !== numel(out)) fail(node, `shape ${fmt(a.shape)} does not hold the permuted ${fmt(out)}`);
    return [a.shape ? a.shape.slice() : out];
  },
  dtypes: sameDTypes,
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    const v = viewOf(node.attrs, x.shape);
    const keeps = v[0] === x.shape[0] && node.attrs.perm[0] === 0 && y.shape[0] === x.shape[0];
    perSample(node, x, y, keeps);
    const layer = prepareCopy(ctx.mem, ctx.build, transposeLoops(keeps ? [1, ...v.slice(1)] : v, node.attrs.perm), elOf(x), where(node));
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    return () => runCopy(ctx.mem, layer, X.ptr, Y.ptr);
  },
};

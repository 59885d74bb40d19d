// resize: [x NHWC] -> [N, size[0], size[1], C], ONNX Resize / Upsample over H and W: `mode`
// nearest (with `nearest`, ONNX's nearest_mode) or linear (bilinear), ONNX's
// coordinate_transformation_mode `coord`, and the `scales` of H and W those formulas use (ONNX's
// scales, or size / input size when the model gives sizes). The host maps coordinates once into
// tables (src/runtime/ops/resize.ts). int8: its own output quantization; nearest copies values
// (then requantizes them when the output's quantization differs), linear interpolates in f32 and
// requantizes (assembly/move/resize.ts has the exact arithmetic).
import { prepareResize, runResize } from '../../runtime/ops/resize.js';
import { fail, intTuple, rank, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';
import { tensorQuant } from './quant-params.js';

/** ONNX Resize's coordinate_transformation_mode values branchy runs (not tf_crop_and_resize). */
export const COORD_MODES = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nearest'] as const;
export type CoordMode = (typeof COORD_MODES)[number];
/** ONNX Resize's nearest_mode values. */
export const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;
export type NearestMode = (typeof NEAREST_MODES)[number];

export interface ResizeAttrs {
  mode: 'nearest' | 'linear';
  coord: CoordMode;
  /** nearest only (default round_prefer_floor). */
  nearest?: NearestMode;
  scales: [number, number];
  size: [number, number];
}

export const resize: OpDef<ResizeAttrs> = {
  inputs: [1, 1],
  int8: 'requantize',
  int8When: 'first-input',
  check(node) {
    const a = node.attrs;
    if (a.mode !== 'nearest' && a.mode !== 'linear') fail(node, "attrs.mode must be 'nearest' or 'linear'");
    if (!COORD_MODES.includes(a.coord)) fail(node, `attrs.coord must be one of ${COORD_MODES.join(', ')}`);
    if (a.nearest !== undefined && !NEAREST_MODES.includes(a.nearest)) fail(node, `attrs.nearest must be one of ${NEAREST_MODES.join(', ')}`);
    const s = a.scales as unknown;
    if (!Array.isArray(s) || s.length !== 2 || !s.every((v) => typeof v === 'number' && v > 0 && Number.isFinite(v))) fail(node, 'attrs.scales must be two positive numbers');
    intTuple(node, a as unknown as Record<string, unknown>, 'size', 2, 1, 2 ** 24);
  },
  infer(node, [x]) {
    rank(node, x, 4, 'input');
    return [[x.shape[0], node.attrs.size[0], node.attrs.size[1], x.shape[3]]];
  },
  dtypes: sameDTypes,
  work: (node, _ins, [y]) => y.shape[1] * y.shape[2] * y.shape[3] * (node.attrs.mode === 'linear' ? 4 : 1),
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    const a = node.attrs, int8 = x.dtype === 'i8';
    const layer = prepareResize(ctx.mem, ctx.build, {
      dtype: int8 ? 'qs8' : 'f32', mode: a.mode, coord: a.coord, nearest: a.nearest,
      h: x.shape[1], w: x.shape[2], c: x.shape[3], oh: y.shape[1], ow: y.shape[2], scales: a.scales,
      input: int8 ? tensorQuant(x, node) : undefined, output: int8 ? tensorQuant(y, node) : undefined,
    });
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    return () => runResize(ctx.mem, layer, X.ptr, Y.ptr);
  },
};

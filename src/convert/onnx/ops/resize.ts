// Resize (opset 10-21) and Upsample (7-9) <-> resize, over H and W of an image. Scales or
// sizes (a constant input, or Upsample's attribute before opset 9), opset 18's axes and
// keep_aspect_ratio_policy; mode nearest / linear (bilinear); coordinate_transformation_mode and
// nearest_mode as the spec says. Before opset 11 there were neither: ONNX Runtime reads them as
// asymmetric, and nearest as floor when enlarging, ceil when shrinking (its 'simple' mode).
import type { NodeOf } from '../../../ir/types.js';
import { COORD_MODES, NEAREST_MODES, type CoordMode, type NearestMode } from '../../../ir/ops/resize.js';
import { asImage, onnxAxis } from './axes.js';
import type { ImportFn, OnnxFamily } from './family.js';

const resize: ImportFn = (ctx, n, a, out) => {
  const x0 = ctx.valueIn(n, 0), r = x0.shape.length;
  const upsample = n.opType === 'Upsample', old = upsample || ctx.opset < 11;
  let mode = a.string('mode', 'nearest') as string;
  if (mode === 'bilinear') mode = 'linear';
  if (mode !== 'nearest' && mode !== 'linear') ctx.unsupported(n, `mode '${mode}'`, 'branchy resizes with nearest or (bi)linear interpolation; export with mode nearest or bilinear');
  const floats = (i: number): number[] | undefined => {
    const c = ctx.inputName(n, i) ? ctx.constIn(n, i, i === 3 ? 'sizes' : 'scales') : undefined;
    return c && c.dims.reduce((p, d) => p * d, 1) > 0 ? Array.from(c.data as ArrayLike<number>) : undefined;
  };
  let scales = upsample && ctx.opset < 9 ? a.floats('scales', undefined) : floats(old ? 1 : 2);
  let sizes = old ? undefined : floats(3);
  if (!scales === !sizes) ctx.unsupported(n, 'both or neither of scales and sizes', 'give one of them');
  // opset 18: scales / sizes of the listed axes only.
  const axes = ctx.opset >= 18 ? a.ints('axes', undefined)?.map((v) => onnxAxis(ctx, n, v, r)) : undefined;
  const full = (v: number[], other: (i: number) => number): number[] => {
    if (!axes) return v;
    const f = x0.shape.map((_, i) => other(i));
    axes.forEach((ax, k) => (f[ax] = v[k]));
    return f;
  };
  if (scales) scales = full(scales, () => 1);
  if (sizes) {
    sizes = full(sizes, (i) => x0.shape[i]);
    const policy = ctx.opset >= 18 ? a.string('keep_aspect_ratio_policy', 'stretch') : 'stretch';
    if (policy !== 'stretch') {
      const on = axes ?? [...x0.shape.keys()];
      const ratios = on.map((i) => sizes![i] / x0.shape[i]);
      const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      for (const i of on) sizes[i] = Math.round(s * x0.shape[i]);
    }
    scales = sizes.map((d, i) => d / x0.shape[i]);
  }
  scales = scales!.map(Math.fround);
  if (scales.length !== r) ctx.unsupported(n, `${scales.length} scales for a rank-${r} input`, 'the model is malformed');
  const out4 = sizes ?? x0.shape.map((d, i) => Math.floor(d * scales![i]));
  if (r !== 4 || scales[0] !== 1 || scales[1] !== 1 || out4[0] !== x0.shape[0] || out4[1] !== x0.shape[1]) {
    ctx.unsupported(n, `resizing [${x0.shape.join(', ')}] by [${scales.join(', ')}]`, 'branchy resizes the H and W axes of NCHW images');
  }
  if (out4[2] < 1 || out4[3] < 1) ctx.unsupported(n, `an output of [${out4.join(', ')}]`, 'the model is malformed');
  // tf_half_pixel_for_nn: opset 11's draft name of tf_half_pixel_for_nearest.
  const named = old ? 'asymmetric' : a.string('coordinate_transformation_mode', 'half_pixel');
  const coord = (named === 'tf_half_pixel_for_nn' ? 'tf_half_pixel_for_nearest' : named) as CoordMode;
  if (!COORD_MODES.includes(coord)) ctx.unsupported(n, `coordinate_transformation_mode '${coord}'`, `branchy maps coordinates by ${COORD_MODES.join(', ')}`);
  let nearest = a.string('nearest_mode', 'round_prefer_floor') as NearestMode;
  if (old) {
    const down = scales.slice(2).map((s) => s < 1);
    if (mode === 'nearest' && down[0] !== down[1] && scales[2] !== 1 && scales[3] !== 1) {
      ctx.unsupported(n, `scales [${scales.join(', ')}] enlarge one axis and shrink the other`, 're-export with opset 11 or later (Resize with nearest_mode)');
    }
    nearest = down.some((d, i) => d && scales![i + 2] !== 1) ? 'ceil' : 'floor';
  }
  if (!NEAREST_MODES.includes(nearest)) ctx.unsupported(n, `nearest_mode '${nearest}'`, `branchy rounds by ${NEAREST_MODES.join(', ')}`);
  if (ctx.opset >= 18 && a.int('antialias', 0) === 1 && mode === 'linear' && scales.some((s) => s < 1)) {
    ctx.unsupported(n, 'antialias=1 when shrinking', 'export without antialiasing');
  }
  const x = asImage(ctx, n, x0);
  ctx.emit('resize', n.name ?? '', [x.ir], out, {
    mode: mode as 'nearest' | 'linear', coord, ...(mode === 'nearest' ? { nearest } : {}), scales: [scales[2], scales[3]], size: [out4[2], out4[3]],
  });
  ctx.define(out, { ir: out, shape: out4, layout: 'nchw' });
};

export const resizeFamily: OnnxFamily = {
  import: {
    Resize: resize,
    Upsample: resize,
  },
  export: {
    /** Opset 13 Resize with the scales when they give the size (floor(in * scale)), else the sizes. */
    resize(ex, node, where, y, name) {
      const a = (node as NodeOf<'resize'>).attrs, [N, H, W, C] = ex.t(node.inputs[0]).shape;
      const bySize = Math.floor(H * a.scales[0]) !== a.size[0] || Math.floor(W * a.scales[1]) !== a.size[1];
      const x = ex.float(node.inputs[0], where), roi = ex.b.scalarish('roi', 'f32', [0], []);
      const ins = bySize
        ? [x, roi, ex.b.scalarish('scales', 'f32', [0], []), ex.b.scalarish('sizes', 'i64', [4], [N, C, a.size[0], a.size[1]])]
        : [x, roi, ex.b.scalarish('scales', 'f32', [4], [1, 1, a.scales[0], a.scales[1]])];
      ex.b.node('Resize', ins, [y], { mode: a.mode, coordinate_transformation_mode: a.coord, ...(a.mode === 'nearest' ? { nearest_mode: a.nearest ?? 'round_prefer_floor' } : {}) }, name);
      return y;
    },
  },
};

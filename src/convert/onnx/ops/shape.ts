// Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat, Identity, Dropout <-> reshape,
// flatten, concat. Most ONNX shape ops move no bytes in NHWC: they become aliases of their
// input (a new ONNX shape and layout for the same IR tensor, see Value.layout); a flatten of
// an NCHW image read only by Gemm / MatMul keeps H,W,C order and those layers' weights are
// permuted instead ('hwc-flat').
import type { onnx } from 'onnx-proto';
import type { NodeOf } from '../../../ir/types.js';
import { Attrs } from '../proto.js';
import { axesOf, foldConcat, foldReshape } from './constant.js';
import { nhwc, numel, type ImportContext, type Value } from '../context.js';
import { QONNX_DOMAINS, QONNX_OPS } from '../binary.js';
import { nchw } from '../../onnx-export/layout.js';
import type { ImportFn, OnnxFamily } from './family.js';

/** Whether an ONNX value is read only by Gemm (transA=0) or MatMul as the left operand. */
function onlyFeedsGemm(ctx: ImportContext, name: string): boolean {
  if (ctx.graphOutputs.some((o) => ctx.resolve(o) === name)) return false;
  const rd = ctx.readers.get(name) ?? [];
  return rd.length > 0 && rd.every((m) =>
    (m.opType === 'Gemm' && new Attrs(m, '').int('transA', 0) === 0 && ctx.resolve(m.input![0]) === name && willBeConst(ctx, ctx.resolve(m.input![1] ?? ''))) ||
    (m.opType === 'MatMul' && ctx.resolve(m.input![0]) === name && willBeConst(ctx, ctx.resolve(m.input![1] ?? ''))));
}

/** A constant, or the output of a QONNX quantizer of a constant that a later node computes (weights). */
function willBeConst(ctx: ImportContext, name: string): boolean {
  if (ctx.consts.has(name)) return true;
  const p = ctx.onnxNodes.find((m) => m.output?.[0] === name);
  return !!p && !!p.domain && QONNX_DOMAINS.has(p.domain) && QONNX_OPS.has(p.opType ?? '') && willBeConst(ctx, ctx.resolve(p.input?.[0] ?? ''));
}

/** x reshaped to an ONNX shape: an alias, an IR reshape, or a flatten (see Value.layout). */
export function reshapeTo(ctx: ImportContext, n: onnx.INodeProto, target: number[], out: string): void {
  const x = ctx.valueIn(n, 0);
  if (numel(target) !== numel(x.shape)) ctx.unsupported(n, `cannot reshape [${x.shape.join(', ')}] to [${target.join(', ')}]`, 'the model is malformed');
  if (target.join() === x.shape.join()) return ctx.same(out, x);
  const trivial = x.layout === 'plain' || (x.layout === 'nchw' && (x.shape[1] === 1 || x.shape[2] * x.shape[3] === 1));
  if (trivial) {
    const r4 = target.length === 4 && (target[1] === 1 || target[2] * target[3] === 1);
    const layout = r4 ? 'nchw' : 'plain';
    const irs = r4 ? nhwc(target) : target.slice();
    if (irs.join() === ctx.irShape(x).join()) return ctx.same(out, x, { ir: x.ir, shape: target, layout });
    ctx.emit('reshape', n.name ?? '', [x.ir], out, { shape: irs.slice() });
    return ctx.define(out, { ir: out, shape: target, layout });
  }
  if (x.layout === 'nchw' && target.length === 2 && target[0] === x.shape[0]) {
    const [, C, H, W] = x.shape;
    if (onlyFeedsGemm(ctx, out)) {
      ctx.emit('flatten', n.name ?? '', [x.ir], out, { order: 'nhwc' });
      return ctx.define(out, { ir: out, shape: target, layout: 'hwc-flat', chw: [C, H, W] });
    }
    ctx.emit('flatten', n.name ?? '', [x.ir], out, { order: 'nchw' });
    return ctx.define(out, { ir: out, shape: target, layout: 'plain' });
  }
  ctx.unsupported(n, `reshaping [${x.shape.join(', ')}] to [${target.join(', ')}] mixes channels and space`,
    'branchy absorbs only flattening reshapes of NCHW tensors (e.g. x.flatten(1)); channel shuffles are not supported');
}

const reshape: ImportFn = (ctx, n, a, out) => {
  const x = ctx.valueIn(n, 0);
  const s = ctx.constIn(n, 1, 'the target shape').data as number[];
  const allowzero = a.int('allowzero', 0);
  const t = Array.from(s, (d, i) => (d === 0 && !allowzero ? x.shape[i] : d));
  const neg = t.indexOf(-1);
  if (neg >= 0) {
    const known = t.reduce((p, d, i) => (i === neg ? p : p * d), 1);
    t[neg] = known === 0 ? 0 : numel(x.shape) / known;
  }
  reshapeTo(ctx, n, t, out);
};

const squeeze: ImportFn = (ctx, n, a, out) => {
  const x = ctx.valueIn(n, 0);
  const axes = axesOf(ctx, n, a);
  let target: number[];
  if (n.opType === 'Squeeze') {
    const r = x.shape.length;
    const ax = (axes ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((v) => (v < 0 ? v + r : v));
    target = x.shape.filter((_, i) => !ax.includes(i));
  } else {
    if (!axes) return ctx.unsupported(n, 'no axes', 'the model is malformed');
    const r = x.shape.length + axes.length;
    const ax = axes.map((v) => (v < 0 ? v + r : v));
    target = [];
    let k = 0;
    for (let i = 0; i < r; i++) target.push(ax.includes(i) ? 1 : x.shape[k++]);
  }
  reshapeTo(ctx, n, target, out);
};

const transpose: ImportFn = (ctx, n, a, out) => {
  const x = ctx.valueIn(n, 0);
  const r = x.shape.length;
  const perm = a.ints('perm', Array.from({ length: r }, (_, i) => r - 1 - i))!;
  const shape = perm.map((p) => x.shape[p]);
  const alias = (layout: Value['layout']): void => ctx.same(out, x, { ir: x.ir, shape, layout });
  if (perm.every((p, i) => p === i)) return alias(x.layout);
  if (x.layout === 'nchw' && perm.join() === '0,2,3,1') return alias('plain');
  if (x.layout === 'plain' && r === 4 && perm.join() === '0,3,1,2') return alias('nchw');
  // Moving only size-1 axes keeps the bytes in place.
  const moved = perm.filter((p) => x.shape[p] !== 1);
  if (x.layout === 'plain' && moved.every((p, i) => i === 0 || p > moved[i - 1])) return reshapeTo(ctx, n, shape, out);
  ctx.unsupported(n, `attribute perm=[${perm.join(', ')}] on [${x.shape.join(', ')}]`,
    x.layout === 'nchw' && perm.join() === '0,3,1,2'
      ? 'the model input looks NHWC (ops read it before its Transpose): import with inputLayout: \'NHWC\' (branchy CLI: --layout NHWC)'
      : 'branchy absorbs NCHW<->NHWC transposes only; remove other transposes before export');
};

const concat: ImportFn = (ctx, n, a, out) => {
  const xs = (n.input ?? []).map((_, i) => ctx.valueIn(n, i));
  const r = xs[0].shape.length;
  let axis = a.int('axis', ctx.opset < 4 ? 1 : NaN);
  if (Number.isNaN(axis)) ctx.unsupported(n, 'attribute axis is missing', 'the model is malformed');
  if (axis < 0) axis += r;
  const layout = xs[0].layout;
  const ok = xs.every((x) => x.layout === layout && x.shape.length === r) && layout !== 'hwc-flat' &&
    (layout === 'nchw' ? axis === 1 : axis === r - 1);
  if (!ok) ctx.unsupported(n, `concatenation along axis ${axis} of [${xs.map((x) => x.shape.join('x')).join('], [')}]`, 'branchy concatenates along the channel axis only');
  const shape = xs[0].shape.slice();
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
  ctx.emit('concat', n.name ?? '', xs.map((x) => x.ir), out, {});
  ctx.define(out, { ir: out, shape, layout });
};

const flatten: ImportFn = (ctx, n, a, out) => {
  const x = ctx.valueIn(n, 0);
  const r = x.shape.length;
  let axis = a.int('axis', 1);
  if (axis < 0) axis += r;
  if (axis !== 1) {
    if (x.layout === 'plain' && axis === r) return reshapeTo(ctx, n, [numel(x.shape), 1], out);
    ctx.unsupported(n, `attribute axis=${axis}`, 'branchy flattens with axis=1 (keep the batch axis): use torch.flatten(x, 1)');
  }
  reshapeTo(ctx, n, [x.shape[0], numel(x.shape.slice(1))], out);
};

const UPSAMPLING = 'branchy runs classifiers; remove the upsampling from the model';

export const shapeFamily: OnnxFamily = {
  import: {
    Concat: { import: concat, fold: foldConcat },
    Flatten: { import: flatten, fold: foldReshape },
    Reshape: { min: 2, import: reshape, fold: foldReshape },
    Transpose: transpose,
    Squeeze: { import: squeeze, fold: foldReshape },
    Unsqueeze: { import: squeeze, fold: foldReshape },
    Identity: { alias: true },
    Dropout: { alias: true },
    Resize: { advice: UPSAMPLING },
    Upsample: { advice: UPSAMPLING },
  },
  export: {
    concat(ex, node, where, y, name) {
      const r = ex.t(node.inputs[0]).shape.length;
      ex.b.node('Concat', node.inputs.map((i) => ex.float(i, where)), [y], { axis: r === 4 ? 1 : r - 1 }, name);
      return y;
    },
    /**
     * flatten 'nhwc' keeps NHWC bytes and its Gemm readers' weights follow them. Where every
     * reader is a Gemm, the export writes ONNX's Flatten and puts those weights back in C,H,W
     * order (the source model's own graph); otherwise it transposes to NHWC before flattening.
     */
    flatten(ex, node, where, y, name) {
      const xT = ex.t(node.inputs[0]);
      const x = ex.float(node.inputs[0], where);
      const out = node.outputs[0];
      if (xT.shape.length !== 4) {
        ex.b.node('Flatten', [x], [y], { axis: 1 }, name);
        return y;
      }
      const [, h, w, c] = xT.shape;
      const rd = ex.readers.get(out) ?? [];
      const gemmsOnly = rd.length > 0 && !ex.graph.outputs.includes(out) &&
        rd.every((r) => r.op === 'gemm' && r.inputs[0] === out && r.inputs[1] !== out && (ex.readers.get(r.inputs[1]) ?? []).length === 1);
      if ((node as NodeOf<'flatten'>).attrs.order === 'nchw' || h * w === 1) {
        ex.b.node('Flatten', [x], [y], { axis: 1 }, name);
      } else if (gemmsOnly) {
        ex.hwcFlat.set(out, [h, w, c]);
        ex.b.node('Flatten', [x], [y], { axis: 1 }, name);
      } else {
        const t = ex.b.fresh(`${out}_nhwc`);
        ex.b.node('Transpose', [x], [t], { perm: [0, 2, 3, 1] });
        ex.b.node('Flatten', [t], [y], { axis: 1 }, name);
      }
      return y;
    },
    /** reshape keeps the NHWC byte order: transpose around ONNX's Reshape where rank 4 needs it. */
    reshape(ex, node, where, y, name) {
      const xT = ex.t(node.inputs[0]);
      const shape = (node as NodeOf<'reshape'>).attrs.shape;
      let x = ex.float(node.inputs[0], where);
      const spatial = (s: number[]): boolean => s.length === 4 && s[1] * s[2] > 1;
      if (spatial(xT.shape)) {
        const t = ex.b.fresh(`${node.outputs[0]}_nhwc`);
        ex.b.node('Transpose', [x], [t], { perm: [0, 2, 3, 1] });
        x = t;
      }
      // Axis 0 (the batch) as 0, "copy the input's": the model runs any batch size.
      const onnxShape = (spatial(shape) || shape.length !== 4 ? shape : nchw(shape)).map((d, i) => (i === 0 ? 0 : d));
      const s = ex.b.scalarish('shape', 'i64', [onnxShape.length], onnxShape);
      if (spatial(shape)) {
        const t = ex.b.fresh(`${node.outputs[0]}_nhwc`);
        ex.b.node('Reshape', [x, s], [t], {}, name);
        ex.b.node('Transpose', [t], [y], { perm: [0, 3, 1, 2] });
      } else {
        // Without a spatial extent, NHWC and NCHW orders are the same bytes.
        ex.b.node('Reshape', [x, s], [y], {}, name);
      }
      return y;
    },
  },
};

// Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat, Identity, Dropout <-> reshape,
// flatten, concat. Most ONNX shape ops move no bytes in NHWC: they become aliases of their
// input (a new ONNX shape and layout for the same IR tensor, see Value.layout); a flatten of
// an NCHW image read only by Gemm / MatMul keeps H,W,C order and those layers' weights are
// permuted instead ('hwc-flat').
import type { onnx } from 'onnx-proto';
import type { NodeOf } from '../../../ir/types.js';
import { Attrs } from '../proto.js';
import { axesOf, constantFamily, foldConcat, foldReshape } from './constant.js';
import { nhwc, numel, where as whereOf, type ImportContext, type Value } from '../context.js';
import { IR_TO_NCHW, NCHW_TO_IR, asImage, inOnnxOrder, irAxis, irShapeOf, nchwToNhwc, onnxAxis } from './axes.js';
import { foldTranspose } from './move.js';
import { QONNX_DOMAINS, QONNX_OPS } from '../binary.js';
import { nchw } from '../../onnx-export/layout.js';
import type { ImportFn, OnnxFamily, OnnxOp } from './family.js';

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

/** x (default: the node's first input) reshaped to an ONNX shape: an alias, an IR reshape or transpose, or a flatten (see Value.layout). */
export function reshapeTo(ctx: ImportContext, n: onnx.INodeProto, target: number[], out: string, x: Value = ctx.valueIn(n, 0)): void {
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
  if (x.layout === 'nchw' && channelShuffle(ctx, n, x, target, out)) return;
  // Channels and space mixed: the values in ONNX's order, reshaped; an image target back to NHWC.
  if (x.layout === 'hwc-flat') ctx.unsupported(n, `reshaping a flattened image [${x.shape.join(', ')}] read in H,W,C order`, 'reshape before the Flatten');
  if (target.length !== 4) {
    ctx.emit('transpose', n.name ?? '', [x.ir], out, { perm: NCHW_TO_IR.slice(), shape: target.slice() });
    return ctx.define(out, { ir: out, shape: target, layout: 'plain' });
  }
  const plain = inOnnxOrder(ctx, n, x);
  ctx.emit('transpose', n.name ?? '', [plain.ir], out, { view: target.slice(), perm: IR_TO_NCHW.slice() });
  ctx.define(out, { ir: out, shape: target, layout: 'nchw' });
}

/** The target of a Reshape node (0 copies the input's size, -1 the rest). */
function reshapeTarget(ctx: ImportContext, n: onnx.INodeProto, a: Attrs, x: readonly number[]): number[] {
  const s = ctx.constIn(n, 1, 'the target shape').data as number[];
  const allowzero = a.int('allowzero', 0);
  const t = Array.from(s, (d, i) => (d === 0 && !allowzero ? x[i] : d));
  const neg = t.indexOf(-1);
  if (neg >= 0) {
    const known = t.reduce((p, d, i) => (i === neg ? p : p * d), 1);
    t[neg] = known === 0 ? 0 : numel(x) / known;
  }
  return t;
}

/** Whether a value is a constant, translating the Constant node that makes it now if it comes later in the graph. */
function constantNow(ctx: ImportContext, name: string): boolean {
  if (ctx.consts.has(name)) return true;
  const p = ctx.onnxNodes.find((m) => m.opType === 'Constant' && m.output?.[0] === name && !m.domain);
  if (!p) return false;
  (constantFamily.import.Constant as OnnxOp).import!(ctx, p, new Attrs(p, whereOf(p)), name);
  ctx.consumed.add(p);
  return true;
}

/**
 * ShuffleNet's channel shuffle, Reshape [N, g, C/g, H, W] -> Transpose (0, 2, 1, 3, 4) ->
 * Reshape [N, C, H, W] of an NCHW image, the first two read only by the next: one IR transpose
 * of the NHWC bytes (view [N, H, W, g, C/g], perm [0, 1, 2, 4, 3]) writes the last Reshape's
 * output, and the Transpose and the Reshape are done (ctx.consumed).
 */
function channelShuffle(ctx: ImportContext, n: onnx.INodeProto, x: Value, target: number[], out: string): boolean {
  const [N, C, H, W] = x.shape;
  if (target.length !== 5 || target[0] !== N || target[1] * target[2] !== C || target[3] !== H || target[4] !== W) return false;
  const only = (v: string): onnx.INodeProto | undefined => {
    const rd = ctx.readers.get(v) ?? [];
    return rd.length === 1 && !ctx.graphOutputs.some((o) => ctx.resolve(o) === v) ? rd[0] : undefined;
  };
  const t = only(out);
  if (!t || t.opType !== 'Transpose' || new Attrs(t, '').ints('perm', undefined)?.join() !== '0,2,1,3,4') return false;
  const r = only(ctx.resolve(t.output?.[0] ?? ''));
  if (!r || r.opType !== 'Reshape' || !constantNow(ctx, ctx.inputName(r, 1))) return false;
  const shuffled = [N, target[2], target[1], H, W];
  if (reshapeTarget(ctx, r, new Attrs(r, ''), shuffled).join() !== x.shape.join()) return false;
  const y = r.output![0];
  const g = target[1];
  ctx.emit('transpose', n.name ?? '', [x.ir], y, { view: [N, H, W, g, C / g], perm: [0, 1, 2, 4, 3], shape: [N, H, W, C] });
  ctx.define(y, { ir: y, shape: x.shape.slice(), layout: 'nchw' });
  ctx.consumed.add(t).add(r);
  return true;
}

const reshape: ImportFn = (ctx, n, a, out) => {
  reshapeTo(ctx, n, reshapeTarget(ctx, n, a, ctx.valueIn(n, 0).shape), out);
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
  if (x.layout === 'hwc-flat') ctx.unsupported(n, `transposing a flattened image [${x.shape.join(', ')}] read in H,W,C order`, 'transpose before the Flatten');
  // Any other permutation: one IR transpose; a rank-4 result is an image (NHWC).
  const image = r === 4;
  const irPerm = (image ? IR_TO_NCHW : perm.map((_, j) => j)).map((j) => irAxis(x, perm[j]));
  ctx.emit('transpose', n.name ?? '', [x.ir], out, { perm: irPerm });
  ctx.define(out, { ir: out, shape, layout: image ? 'nchw' : 'plain' });
};

const concat: ImportFn = (ctx, n, a, out) => {
  // Constant inputs (not all: that is folded) are f32 IR constants in the computed inputs' layout.
  const computed = (n.input ?? []).map((_, i) => i).filter((i) => !ctx.isConst(n, i)).map((i) => ctx.valueIn(n, i));
  const image = computed[0].shape.length === 4 && computed.some((v) => v.layout === 'nchw');
  let xs = (n.input ?? []).map((_, i): Value => {
    if (!ctx.isConst(n, i)) return ctx.valueIn(n, i);
    const c = ctx.constIn(n, i, `input ${i}`);
    const data = Float32Array.from(c.data as ArrayLike<number>);
    const ir = ctx.addTensor(ctx.inputName(n, i), image ? nhwc(c.dims) : c.dims.slice(), image ? nchwToNhwc(data, c.dims) : data);
    return { ir, shape: c.dims.slice(), layout: image ? 'nchw' : 'plain', sole: false };
  });
  const r = xs[0].shape.length;
  const given = a.int('axis', ctx.opset < 4 ? 1 : NaN);
  if (Number.isNaN(given)) ctx.unsupported(n, 'attribute axis is missing', 'the model is malformed');
  const axis = onnxAxis(ctx, n, given, r);
  if (!xs.every((x) => x.shape.length === r && x.shape.every((d, i) => i === axis || d === xs[0].shape[i]))) {
    ctx.unsupported(n, `concatenation along axis ${axis} of [${xs.map((x) => x.shape.join('x')).join('], [')}]`, 'the model is malformed');
  }
  // One layout for all: images stay images when every input is rank 4, else ONNX's order.
  xs = xs.map((x) => (image ? asImage(ctx, n, x) : inOnnxOrder(ctx, n, x)));
  const shape = xs[0].shape.slice();
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
  const ia = irAxis(xs[0], axis), ir = irShapeOf(xs[0].shape, xs[0].layout);
  ctx.emit('concat', n.name ?? '', xs.map((x) => x.ir), out, ia === ir.length - 1 ? {} : { axis: ia });
  ctx.define(out, { ir: out, shape, layout: xs[0].layout });
};

const flatten: ImportFn = (ctx, n, a, out) => {
  const x = ctx.valueIn(n, 0);
  const axis = onnxAxis(ctx, n, a.int('axis', 1), x.shape.length + 1);
  reshapeTo(ctx, n, [numel(x.shape.slice(0, axis)), numel(x.shape.slice(axis))], out);
};


export const shapeFamily: OnnxFamily = {
  import: {
    Concat: { import: concat, fold: foldConcat },
    Flatten: { import: flatten, fold: foldReshape },
    Reshape: { min: 2, import: reshape, fold: foldReshape },
    Transpose: { import: transpose, fold: foldTranspose },
    Squeeze: { import: squeeze, fold: foldReshape },
    Unsqueeze: { import: squeeze, fold: foldReshape },
    Identity: { alias: true },
    Dropout: { alias: true },
  },
  export: {
    concat(ex, node, where, y, name) {
      const r = ex.t(node.inputs[0]).shape.length, axis = (node as NodeOf<'concat'>).attrs.axis ?? r - 1;
      ex.b.node('Concat', node.inputs.map((i) => ex.float(i, where)), [y], { axis: r === 4 ? IR_TO_NCHW[axis] : axis }, name);
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

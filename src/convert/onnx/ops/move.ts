// Slice, Split, Pad, DepthToSpace, SpaceToDepth <-> slice, pad, transpose: the ONNX attributes
// (opset 1-21: attributes before 10 / 11 / 13, constant inputs after) resolved into the IR op's
// per-axis form, in the value's IR axes (an image's ONNX axis 1 is IR axis 3). A Slice or Pad of
// constants (shape arithmetic) is computed here. Transpose's export (any perm, views) is here too.
import type { onnx } from 'onnx-proto';
import type { NodeOf } from '../../../ir/types.js';
import type { Attrs, Const } from '../proto.js';
import { numel, type ImportContext, type Value } from '../context.js';
import { asImage, inOnnxOrder, irAxis, irShapeOf, onnxAxis } from './axes.js';
import type { ImportFn, OnnxFamily } from './family.js';
import type { Exporter } from '../../onnx-export/export.js';

/** Integer values of an optional constant input, or undefined. */
const ints = (ctx: ImportContext, n: onnx.INodeProto, i: number, what: string): number[] | undefined => {
  const c = ctx.optConst(n, i, what);
  return c ? Array.from(c.data as ArrayLike<number>) : undefined;
};

/** Per ONNX axis: start, step and count of a Slice (the spec's clamping), over `shape`. */
function sliceAxes(ctx: ImportContext, n: onnx.INodeProto, a: Attrs, shape: readonly number[]): { start: number[]; step: number[]; count: number[] } {
  const r = shape.length;
  const starts = ctx.opset < 10 ? a.ints('starts', [])! : ints(ctx, n, 1, 'starts')!;
  const ends = ctx.opset < 10 ? a.ints('ends', [])! : ints(ctx, n, 2, 'ends')!;
  const axes = (ctx.opset < 10 ? a.ints('axes', undefined) : ints(ctx, n, 3, 'axes')) ?? starts.map((_, i) => i);
  const steps = (ctx.opset < 10 ? undefined : ints(ctx, n, 4, 'steps')) ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) ctx.unsupported(n, 'starts, ends, axes and steps of different lengths', 'the model is malformed');
  const start = shape.map(() => 0), step = shape.map(() => 1), count = shape.slice();
  axes.forEach((ax, k) => {
    const i = onnxAxis(ctx, n, ax, r, 'axis'), d = shape[i], st = steps[k];
    if (st === 0) ctx.unsupported(n, 'a step of 0', 'the model is malformed');
    let s = starts[k] < 0 ? starts[k] + d : starts[k], e = ends[k] < 0 ? ends[k] + d : ends[k];
    if (st > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    start[i] = s;
    step[i] = st;
    count[i] = Math.max(0, Math.ceil((e - s) / st));
  });
  if (count.some((c) => c === 0)) ctx.unsupported(n, `an empty slice of [${shape.join(', ')}]`, 'branchy runs tensors of at least one element; remove the empty branch');
  return { start, step, count };
}

/** Emits the IR slice of ONNX value x taking start + i*step along each ONNX axis (count each); an alias when it takes all. */
function emitSlice(ctx: ImportContext, n: onnx.INodeProto, x: Value, start: number[], step: number[], count: number[], out: string, name = n.name ?? ''): void {
  if (count.every((c, i) => c === x.shape[i] && step[i] === 1)) return ctx.same(out, x, { ...x, shape: count.slice() });
  const v = x.layout === 'hwc-flat' ? inOnnxOrder(ctx, n, x) : x;
  const r = irShapeOf(v.shape, v.layout).length;
  const s = new Array<number>(r).fill(0), e = irShapeOf(v.shape, v.layout), st = new Array<number>(r).fill(1);
  for (let a = 0; a < count.length; a++) {
    const i = irAxis(v, a);
    s[i] = start[a];
    st[i] = step[a];
    e[i] = start[a] + (count[a] - 1) * step[a] + Math.sign(step[a]);
  }
  ctx.emit('slice', name, [v.ir], out, { starts: s, ends: e, steps: st });
  ctx.define(out, { ir: out, shape: count.slice(), layout: v.layout });
}

const slice: ImportFn = (ctx, n, a, out) => {
  const x = ctx.valueIn(n, 0);
  const { start, step, count } = sliceAxes(ctx, n, a, x.shape);
  emitSlice(ctx, n, x, start, step, count, out);
};

/** Slice of a constant (shape arithmetic: PyTorch's pads reversed with a step of -1). */
const foldSlice: ImportFn = (ctx, n, a, out) => {
  const c = ctx.constIn(n, 0, 'the data');
  const { start, step, count } = sliceAxes(ctx, n, a, c.dims);
  ctx.consts.set(out, gatherConst(c, count, (idx) => idx.map((v, i) => start[i] + v * step[i])));
};

/** A constant of shape `dims` whose element at multi-index idx is c's at from(idx). */
function gatherConst(c: Const, dims: number[], from: (idx: number[]) => number[]): Const {
  const st = c.dims.map((_, i) => numel(c.dims.slice(i + 1)));
  const vals: number[] = [];
  for (let k = 0; k < numel(dims); k++) {
    const idx = dims.map((_, i) => Math.floor(k / numel(dims.slice(i + 1))) % dims[i]);
    vals.push((c.data as ArrayLike<number>)[from(idx).reduce((s, v, i) => s + v * st[i], 0)]);
  }
  return { dims, float: c.float, data: c.float ? Float32Array.from(vals) : vals };
}

/** Transpose of a constant. */
export const foldTranspose: ImportFn = (ctx, n, a, out) => {
  const c = ctx.constIn(n, 0, 'the data');
  const r = c.dims.length;
  const perm = a.ints('perm', Array.from({ length: r }, (_, i) => r - 1 - i))!;
  if (perm.length !== r || perm.some((p, i) => perm.indexOf(p) !== i || p < 0 || p >= r)) ctx.unsupported(n, `perm [${perm.join(', ')}]`, 'the model is malformed');
  ctx.consts.set(out, gatherConst(c, perm.map((p) => c.dims[p]), (idx) => {
    const src = new Array<number>(r);
    perm.forEach((p, j) => (src[p] = idx[j]));
    return src;
  }));
};

const split: ImportFn = (ctx, n, a) => {
  const x = ctx.valueIn(n, 0);
  const axis = onnxAxis(ctx, n, a.int('axis', 0), x.shape.length);
  const d = x.shape[axis], outs = n.output ?? [];
  let sizes = ctx.opset < 13 ? a.ints('split', undefined) : ints(ctx, n, 1, 'split');
  if (!sizes) {
    const k = ctx.opset >= 18 && a.has('num_outputs') ? a.int('num_outputs', outs.length) : outs.length;
    const each = ctx.opset >= 18 ? Math.ceil(d / k) : d / k;
    if (!Number.isInteger(each)) ctx.unsupported(n, `an axis of ${d} into ${k} equal parts`, 'the model is malformed');
    sizes = Array.from({ length: k }, (_, i) => Math.min(each, d - i * each));
  }
  if (sizes.length !== outs.length || sizes.reduce((s, v) => s + v, 0) !== d || sizes.some((v) => v < 1)) {
    ctx.unsupported(n, `split [${sizes.join(', ')}] of an axis of ${d} into ${outs.length} outputs`, 'branchy splits into non-empty parts that cover the axis');
  }
  let at = 0;
  sizes.forEach((size, k) => {
    const start = x.shape.map((_, i) => (i === axis ? at : 0)), count = x.shape.map((v, i) => (i === axis ? size : v));
    if (outs[k]) emitSlice(ctx, n, x, start, x.shape.map(() => 1), count, outs[k], `${n.name || outs[k]}_${k}`);
    at += size;
  });
};

const PAD_MODES = ['constant', 'reflect', 'edge'] as const;

const pad: ImportFn = (ctx, n, a, out) => {
  let x = ctx.valueIn(n, 0);
  const r = x.shape.length;
  const mode = a.string('mode', 'constant');
  if (!(PAD_MODES as readonly string[]).includes(mode)) ctx.unsupported(n, `mode '${mode}'`, `branchy pads in modes ${PAD_MODES.join(', ')}`);
  let pads: number[], value: number;
  if (ctx.opset < 11) {
    pads = a.ints(ctx.opset < 2 ? 'paddings' : 'pads', [])!;
    value = a.float('value', 0);
  } else {
    const p = ints(ctx, n, 1, 'pads')!;
    const c = ctx.optConst(n, 2, 'the constant value');
    value = c ? Number((c.data as ArrayLike<number>)[0] ?? 0) : 0;
    const axes = ctx.opset >= 18 ? ints(ctx, n, 3, 'axes') : undefined;
    if (axes) {
      pads = new Array<number>(2 * r).fill(0);
      axes.forEach((ax, k) => {
        const i = onnxAxis(ctx, n, ax, r);
        pads[i] = p[k];
        pads[i + r] = p[k + axes.length];
      });
    } else pads = p;
  }
  if (pads.length !== 2 * r) ctx.unsupported(n, `${pads.length} pads for a rank-${r} input`, 'the model is malformed');
  if (pads.every((p) => p === 0)) return ctx.same(out, x);
  const shape = x.shape.map((d, i) => d + pads[i] + pads[i + r]);
  for (let i = 0; i < r; i++) {
    const core = x.shape[i] - Math.max(0, -pads[i]) - Math.max(0, -pads[i + r]);
    if (core < 1 || (mode === 'reflect' && Math.max(pads[i], pads[i + r]) >= core)) {
      ctx.unsupported(n, `pads [${pads.join(', ')}] on [${x.shape.join(', ')}] (axis ${i})`, mode === 'reflect' ? 'reflect pads must be smaller than the axis' : 'the padded axis must keep at least one element');
    }
  }
  if (x.layout === 'hwc-flat') x = inOnnxOrder(ctx, n, x);
  const irR = irShapeOf(x.shape, x.layout).length;
  const irPads = new Array<number>(2 * irR).fill(0);
  for (let i = 0; i < r; i++) {
    irPads[irAxis(x, i)] = pads[i];
    irPads[irAxis(x, i) + irR] = pads[i + r];
  }
  // A quantized tensor's pad value is a stored integer (uint8 ones 128 above branchy's int8): as a real value.
  const t = ctx.tensorByName.get(x.ir)!;
  if (t.dtype === 'i8' && t.quant?.kind === 'tensor') value = (value - (ctx.q.qtype.get(x.ir) === 'u8' ? 128 : 0) - t.quant.zeroPoint) * t.quant.scale;
  ctx.emit('pad', n.name ?? '', [x.ir], out, { pads: irPads, mode: mode as (typeof PAD_MODES)[number], value: Math.fround(value) });
  ctx.define(out, { ir: out, shape, layout: x.layout });
};

const depthToSpace: ImportFn = (ctx, n, a, out) => {
  const x = asImage(ctx, n, ctx.valueIn(n, 0));
  const [N, C, H, W] = x.shape, b = a.int('blocksize', 0);
  const mode = ctx.opset >= 11 ? a.string('mode', 'DCR') : 'DCR';
  if (b < 1 || C % (b * b) !== 0 || (mode !== 'DCR' && mode !== 'CRD')) ctx.unsupported(n, `blocksize ${b}, mode '${mode}' on [${x.shape.join(', ')}]`, 'the model is malformed');
  const c = C / (b * b);
  const attrs = mode === 'DCR'
    ? { view: [N, H, W, b, b, c], perm: [0, 1, 3, 2, 4, 5], shape: [N, H * b, W * b, c] }
    : { view: [N, H, W, c, b, b], perm: [0, 1, 4, 2, 5, 3], shape: [N, H * b, W * b, c] };
  ctx.emit('transpose', n.name ?? '', [x.ir], out, attrs);
  ctx.define(out, { ir: out, shape: [N, c, H * b, W * b], layout: 'nchw' });
};

const spaceToDepth: ImportFn = (ctx, n, a, out) => {
  const x = asImage(ctx, n, ctx.valueIn(n, 0));
  const [N, C, H, W] = x.shape, b = a.int('blocksize', 0);
  if (b < 1 || H % b !== 0 || W % b !== 0) ctx.unsupported(n, `blocksize ${b} on [${x.shape.join(', ')}]`, 'the model is malformed');
  ctx.emit('transpose', n.name ?? '', [x.ir], out, { view: [N, H / b, b, W / b, b, C], perm: [0, 1, 3, 2, 4, 5], shape: [N, H / b, W / b, C * b * b] });
  ctx.define(out, { ir: out, shape: [N, C * b * b, H / b, W / b], layout: 'nchw' });
};

// ---- export -----------------------------------------------------------------------------

/** ONNX axis of IR axis i of a tensor of IR rank r (rank-4 tensors are NCHW in ONNX). */
const toOnnx = (i: number, r: number): number => (r === 4 ? [0, 2, 3, 1][i] : i);

/** The ONNX value of an IR tensor in IR (NHWC) order: a Transpose of a rank-4 one. */
function inIrOrder(ex: Exporter, name: string, where: string): string {
  const x = ex.float(name, where);
  if (ex.t(name).shape.length !== 4) return x;
  const v = ex.b.fresh(`${name}_nhwc`);
  ex.b.node('Transpose', [x], [v], { perm: [0, 2, 3, 1] });
  return v;
}

const i64 = (ex: Exporter, base: string, v: number[]): string => ex.b.scalarish(base, 'i64', [v.length], v);

export const moveFamily: OnnxFamily = {
  import: {
    Slice: { import: slice, fold: foldSlice },
    Split: split,
    Pad: pad,
    DepthToSpace: depthToSpace,
    SpaceToDepth: spaceToDepth,
  },
  export: {
    /** In IR order: Reshape to the view, Transpose, Reshape to the shape; rank-4 ends back in NCHW. */
    transpose(ex, node, where, y, name) {
      const a = (node as NodeOf<'transpose'>).attrs, yr = ex.t(node.outputs[0]).shape.length;
      let v = inIrOrder(ex, node.inputs[0], where);
      const step = (op: string, ins: string[], attrs: Record<string, number[]>, last: boolean): void => {
        const o = last ? y : ex.b.fresh(`${node.outputs[0]}_${op.toLowerCase()}`);
        ex.b.node(op, ins, [o], attrs, last ? name : undefined);
        v = o;
      };
      // Reshapes keep the batch symbolic (0: the input's first axis) where the batch stays first.
      const x0 = ex.t(node.inputs[0]).shape[0], view = a.view ?? ex.t(node.inputs[0]).shape;
      const batch = (s: number[], first: number): number[] => s.map((d, i) => (i === 0 && d === first ? 0 : d));
      if (a.view) step('Reshape', [v, i64(ex, 'shape', batch(a.view, x0))], {}, false);
      step('Transpose', [v], { perm: a.perm }, !a.shape && yr !== 4);
      if (a.shape) step('Reshape', [v, i64(ex, 'shape', a.perm[0] === 0 ? batch(a.shape, view[0]) : a.shape)], {}, yr !== 4);
      if (yr === 4) step('Transpose', [v], { perm: [0, 3, 1, 2] }, true);
      return y;
    },
    slice(ex, node, where, y, name) {
      const a = (node as NodeOf<'slice'>).attrs, r = a.starts.length, d = ex.t(node.inputs[0]).shape;
      const axes = a.starts.map((_, i) => i).filter((i) => !(a.starts[i] === 0 && a.ends[i] === d[i] && a.steps[i] === 1));
      // An IR end of -1 (before the first element, a negative step) is ONNX's -d - 1.
      const ins = [ex.float(node.inputs[0], where), i64(ex, 'starts', axes.map((i) => a.starts[i])),
        i64(ex, 'ends', axes.map((i) => (a.ends[i] < 0 ? -d[i] - 1 : a.ends[i]))), i64(ex, 'axes', axes.map((i) => toOnnx(i, r))), i64(ex, 'steps', axes.map((i) => a.steps[i]))];
      ex.b.node('Slice', ins, [y], {}, name);
      return y;
    },
    pad(ex, node, where, y, name) {
      const a = (node as NodeOf<'pad'>).attrs, r = a.pads.length / 2;
      const pads = new Array<number>(2 * r).fill(0);
      for (let i = 0; i < r; i++) {
        pads[toOnnx(i, r)] = a.pads[i];
        pads[toOnnx(i, r) + r] = a.pads[i + r];
      }
      ex.b.node('Pad', [ex.float(node.inputs[0], where), i64(ex, 'pads', pads), ex.b.scalarish('value', 'f32', [], [a.value])], [y], { mode: a.mode }, name);
      return y;
    },
  },
};

// Constant, Shape, Gather, ConstantOfShape, Range, and the folding of shape arithmetic on constants
// (`x.view(x.size(0), -1)` exports Shape -> Gather -> Unsqueeze -> Concat -> Reshape): these
// ONNX values are computed here, at import, and never reach the IR. (IR-level constant
// folding, of IR nodes whose inputs are constants, is src/ir/passes/fold-constants.ts.)
import type { onnx } from 'onnx-proto';
import { MAX_CONST_ELEMENTS, decodeTensor, type Attrs } from '../proto.js';
import { numel, where, type ImportContext } from '../context.js';
import type { ImportFn, OnnxFamily } from './family.js';

/** The axes of Squeeze / Unsqueeze: an input from opset 13, an attribute before. */
export function axesOf(ctx: ImportContext, n: onnx.INodeProto, a: Attrs): number[] | undefined {
  if (ctx.opset >= 13) return n.input?.[1] ? (ctx.constIn(n, 1, 'axes').data as number[]).slice() : undefined;
  return a.ints('axes', undefined);
}

/** Cast of a constant. */
export const foldCast: ImportFn = (ctx, n, a, out) => {
  const c = ctx.constIn(n, 0, 'the input');
  const to = a.int('to', 1);
  const isFloat = to === 1 || to === 10 || to === 11;
  ctx.consts.set(out, { dims: c.dims, float: isFloat, data: isFloat ? Float32Array.from(c.data as ArrayLike<number>) : Array.from(c.data as ArrayLike<number>, Math.trunc) });
};

/** Reshape, Flatten, Squeeze, Unsqueeze of a constant: new dims, the same values. */
export const foldReshape: ImportFn = (ctx, n, a, out) => {
  const op = n.opType;
  const c = ctx.constIn(n, 0, 'the data');
  let dims: number[];
  if (op === 'Reshape') {
    const t = Array.from(ctx.constIn(n, 1, 'the shape').data as number[], (d, i) => (d === 0 ? c.dims[i] : d));
    const neg = t.indexOf(-1);
    if (neg >= 0) t[neg] = numel(c.dims) / t.reduce((p, d, i) => (i === neg ? p : p * d), 1);
    dims = t;
  } else if (op === 'Flatten') {
    const ax = a.int('axis', 1);
    dims = [numel(c.dims.slice(0, ax)), numel(c.dims.slice(ax))];
  } else {
    const axes = axesOf(ctx, n, a) ?? [];
    if (op === 'Squeeze') {
      const ax = axes.map((v) => (v < 0 ? v + c.dims.length : v));
      dims = c.dims.filter((d, i) => (axes.length ? !ax.includes(i) : d !== 1));
    } else {
      const r = c.dims.length + axes.length;
      const ax = axes.map((v) => (v < 0 ? v + r : v));
      dims = [];
      let k = 0;
      for (let i = 0; i < r; i++) dims.push(ax.includes(i) ? 1 : c.dims[k++]);
    }
  }
  ctx.consts.set(out, { ...c, dims });
};

/** Concat of constants along `axis`. */
export const foldConcat: ImportFn = (ctx, n, a, out) => {
  const cs = (n.input ?? []).map((_, i) => ctx.constIn(n, i, `input ${i}`));
  const r = cs[0].dims.length;
  const axis = r === 0 ? 0 : (a.int('axis', 0) + r) % r;
  if (!cs.every((c) => c.dims.length === r && c.dims.every((d, i) => i === axis || d === cs[0].dims[i]))) ctx.unsupported(n, 'constants of different shapes', 'the model is malformed');
  // Outer blocks (axes before `axis`) interleave each input's slab.
  const outer = numel(cs[0].dims.slice(0, axis));
  const vals: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const c of cs) {
      const slab = numel(c.dims.slice(axis));
      for (let j = 0; j < slab; j++) vals.push((c.data as ArrayLike<number>)[o * slab + j]);
    }
  }
  const dims = r === 0 ? [vals.length] : cs[0].dims.map((d, i) => (i === axis ? cs.reduce((s, c) => s + c.dims[axis], 0) : d));
  ctx.consts.set(out, { dims, float: cs[0].float, data: cs[0].float ? Float32Array.from(vals) : vals });
};

/** Add, Sub, Mul, Div of constants (integer division truncates). */
export const foldArith: ImportFn = (ctx, n, _a, out) => {
  const x = ctx.constIn(n, 0, 'A'), y = ctx.constIn(n, 1, 'B');
  const xd = x.data as ArrayLike<number>, yd = y.data as ArrayLike<number>;
  if (xd.length !== yd.length && xd.length !== 1 && yd.length !== 1) ctx.unsupported(n, 'broadcasting between constants', 'fold the constant expression before export');
  const len = Math.max(xd.length, yd.length);
  const f = { Add: (p: number, q: number) => p + q, Sub: (p: number, q: number) => p - q, Mul: (p: number, q: number) => p * q, Div: (p: number, q: number) => (x.float ? p / q : Math.trunc(p / q)) }[n.opType as 'Add'];
  const vals = Array.from({ length: len }, (_, i) => f(xd[xd.length === 1 ? 0 : i], yd[yd.length === 1 ? 0 : i]));
  ctx.consts.set(out, { dims: xd.length >= yd.length ? x.dims : y.dims, float: x.float, data: x.float ? Float32Array.from(vals) : vals });
};

/** Range(start, limit, delta) of constant scalars: ceil((limit - start) / delta) values. */
const foldRange: ImportFn = (ctx, n, _a, out) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => ctx.constIn(n, i, ['start', 'limit', 'delta'][i]));
  const s = Number(start.data[0]), l = Number(limit.data[0]), d = Number(delta.data[0]);
  const len = Math.max(0, Math.ceil((l - s) / d));
  if (!Number.isFinite(len) || len > MAX_CONST_ELEMENTS) ctx.unsupported(n, `Range(${s}, ${l}, ${d})`, 'the model is malformed');
  const vals = Array.from({ length: len }, (_, i) => s + i * d);
  ctx.consts.set(out, { dims: [len], float: start.float, data: start.float ? Float32Array.from(vals) : vals });
};

/** Gather from a constant 1-D vector (a shape). */
const gather: ImportFn = (ctx, n, a, out) => {
  const c = ctx.constIn(n, 0, 'the data');
  const idx = ctx.constIn(n, 1, 'the indices');
  if (c.dims.length !== 1 || a.int('axis', 0) !== 0) ctx.unsupported(n, 'Gather on a computed tensor', 'branchy gathers only from constant 1-D shape vectors');
  const pick = Array.from(idx.data as ArrayLike<number>, (i) => (c.data as ArrayLike<number>)[i < 0 ? i + c.dims[0] : i]);
  ctx.consts.set(out, { dims: idx.dims, float: c.float, data: c.float ? Float32Array.from(pick) : pick });
};

export const constantFamily: OnnxFamily = {
  import: {
    Constant: {
      min: 0,
      import(ctx, n, a, out) {
        const t = a.tensor('value');
        if (t) return void ctx.consts.set(out, decodeTensor(t, where(n)));
        if (a.has('value_float')) return void ctx.consts.set(out, { dims: [], float: true, data: Float32Array.of(a.float('value_float', 0)) });
        if (a.has('value_floats')) {
          const f = a.floats('value_floats', [])!;
          return void ctx.consts.set(out, { dims: [f.length], float: true, data: Float32Array.from(f) });
        }
        if (a.has('value_int')) return void ctx.consts.set(out, { dims: [], float: false, data: [a.int('value_int', 0)] });
        if (a.has('value_ints')) {
          const v = a.ints('value_ints', [])!;
          return void ctx.consts.set(out, { dims: [v.length], float: false, data: v });
        }
        ctx.unsupported(n, `attribute ${a.names().join(', ') || '(none)'}`, 'only tensor, float(s) and int(s) constants are supported');
      },
    },
    /** The shape of a computed value is known at import: a constant. */
    Shape(ctx, n, a, out) {
      const x = ctx.valueIn(n, 0);
      const r = x.shape.length;
      let start = a.int('start', 0), end = a.int('end', r);
      if (start < 0) start += r;
      if (end < 0) end += r;
      const dims = x.shape.slice(Math.max(0, start), Math.min(r, end));
      ctx.consts.set(out, { dims: [dims.length], float: false, data: dims });
    },
    Gather: { min: 2, import: gather, fold: gather },
    Range: { min: 3, fold: foldRange, advice: 'branchy computes Range of constants only (shape arithmetic); export with static shapes' },
    ConstantOfShape(ctx, n, a, out) {
      const shape = Array.from(ctx.constIn(n, 0, 'the shape').data as ArrayLike<number>);
      const t = a.tensor('value');
      const v = t ? decodeTensor(t, where(n)) : { dims: [1], float: true, data: Float32Array.of(0) };
      const len = shape.reduce((p, d) => p * d, 1);
      if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || len > MAX_CONST_ELEMENTS) {
        ctx.unsupported(n, `shape [${shape.join(', ')}]`, `ConstantOfShape makes at most ${MAX_CONST_ELEMENTS} non-negative integer-sized elements; the model is malformed`);
      }
      const val = Number(v.data[0]);
      ctx.consts.set(out, { dims: shape, float: v.float, data: v.float ? new Float32Array(len).fill(val) : new Array<number>(len).fill(val) });
    },
  },
};

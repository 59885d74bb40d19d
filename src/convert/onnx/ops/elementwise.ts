// Add, Sub, Mul, Div <-> add, mul. A constant operand broadcasts per channel ([C], [C,1,1],
// [1,C,1,1]) or as a scalar: x - c becomes add(x, -c) and x / c becomes mul(x, 1/c); the
// fold-affine pass then folds them into a conv / gemm before them. Of two computed tensors,
// branchy adds same-shaped ones, and reads x * HardSigmoid(x; 1/6, 1/2) as a hardswish.
import type { onnx } from 'onnx-proto';
import type { Node } from '../../../ir/types.js';
import type { Const } from '../proto.js';
import type { ImportContext, Value } from '../context.js';
import type { ExportFn, ImportFn, OnnxFamily } from './family.js';
import { activation } from './activation.js';
import { foldArith } from './constant.js';

/** A constant broadcast against value v as a per-channel [C] or scalar [1] vector, or undefined. */
function channelVector(v: Value, c: Const): Float32Array | undefined {
  const data = Float32Array.from(c.data as ArrayLike<number>);
  if (data.length === 1) return data;
  const r = v.shape.length;
  if (c.dims.length > r) return undefined;
  const dims = [...Array<number>(r - c.dims.length).fill(1), ...c.dims];
  const axis = v.layout === 'nchw' ? 1 : r - 1;
  if (v.layout === 'hwc-flat') return undefined;
  if (dims.every((d, i) => (i === axis ? d === v.shape[axis] : d === 1))) return data;
  return undefined;
}

/** y = x * s[c] + t[c] as mul then add (either may be absent; fold-affine folds them where it can); returns the mul, if any. */
export function perChannel(ctx: ImportContext, n: onnx.INodeProto, x: Value, out: string, s: Float32Array | undefined, t: Float32Array | undefined): Node | undefined {
  let cur = x.ir;
  let mul: Node | undefined, add: Node | undefined;
  if (s) {
    const st = ctx.addTensor(`${n.name || out}.scale`, [s.length], s);
    const mid = t ? ctx.fresh(`${out}.scaled`) : out;
    mul = ctx.emit('mul', t ? `${n.name || out}.mul` : (n.name ?? ''), [cur, st], mid, {});
    cur = mid;
  }
  if (t) {
    const tt = ctx.addTensor(`${n.name || out}.shift`, [t.length], t);
    add = ctx.emit('add', n.name ?? '', [cur, tt], out, {});
  }
  if (!x.sole) ctx.keep.add((mul ?? add)!);
  ctx.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout, chw: x.chw });
  return mul;
}

/** x * HardSigmoid(x; 1/6, 1/2), PyTorch's HardSwish before opset 14, becomes one hardswish. */
function hardswish(ctx: ImportContext, n: onnx.INodeProto, out: string): boolean {
  for (const k of [0, 1]) {
    const h = ctx.valueIn(n, k), x = ctx.valueIn(n, 1 - k);
    const p = ctx.producer.get(h.ir);
    if (!h.sole || !p || p.op !== 'activation' || p.inputs[0] !== x.ir) continue;
    const a = p.act!;
    if (a.kind !== 'hardsigmoid' || Math.abs(a.alpha! - 1 / 6) > 1e-6 || Math.abs(a.beta! - 0.5) > 1e-6) continue;
    ctx.nodes.splice(ctx.nodes.indexOf(p), 1);
    ctx.producer.delete(h.ir);
    // x is read by exactly these two nodes: it may fuse into its producer.
    activation(ctx, n, out, { kind: 'hardswish' }, { ...x, sole: ctx.uses.get(ctx.inputName(n, 1 - k)) === 2 });
    return true;
  }
  return false;
}

const binary: ImportFn = (ctx, n, _a, out) => {
  const op = n.opType!;
  const c0 = ctx.isConst(n, 0);
  if (!c0 && !ctx.isConst(n, 1)) {
    if (op === 'Mul' && hardswish(ctx, n, out)) return;
    if (op !== 'Add') ctx.unsupported(n, `${op} of two computed tensors`, 'branchy multiplies by constants only (squeeze-excitation style gating is not supported)');
    const x = ctx.valueIn(n, 0), y = ctx.valueIn(n, 1);
    if (x.layout !== y.layout || x.shape.join() !== y.shape.join() || x.layout === 'hwc-flat') {
      ctx.unsupported(n, `Add of [${x.shape.join(', ')}] and [${y.shape.join(', ')}]`, 'branchy adds tensors of the same shape (no broadcasting between computed tensors)');
    }
    ctx.emit('add', n.name ?? '', [x.ir, y.ir], out, {});
    return ctx.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout });
  }
  const vi = c0 ? 1 : 0;
  if (c0 && (op === 'Sub' || op === 'Div')) ctx.unsupported(n, `a constant ${op === 'Sub' ? 'minus' : 'divided by'} a computed tensor`, 'rewrite the expression before export');
  const x = ctx.valueIn(n, vi);
  const c = ctx.constIn(n, 1 - vi, 'the constant operand');
  const vec = channelVector(x, c);
  if (!vec) {
    return ctx.unsupported(n, `constant of shape [${c.dims.join(', ')}] against [${x.shape.join(', ')}]`,
      'branchy broadcasts constants per channel ([C], [C,1,1], [1,C,1,1]) or as a scalar');
  }
  if (op === 'Sub') for (let i = 0; i < vec.length; i++) vec[i] = -vec[i];
  if (op === 'Div') for (let i = 0; i < vec.length; i++) vec[i] = 1 / vec[i];
  const isMul = op === 'Mul' || op === 'Div';
  perChannel(ctx, n, x, out, isMul ? vec : undefined, isMul ? undefined : vec);
};

/** add / mul: a [C] constant beside a rank-4 tensor becomes [1, C, 1, 1]. */
const write = (onnxOp: string): ExportFn => (ex, node, where, y, name) => {
  const r = ex.t(node.inputs[0]).shape.length;
  ex.b.node(onnxOp, node.inputs.map((i) => ex.float(i, where, r)), [y], {}, name);
  return y;
};

export const elementwiseFamily: OnnxFamily = {
  import: {
    Add: { min: 2, import: binary, fold: foldArith },
    Sub: { min: 2, import: binary, fold: foldArith },
    Mul: { min: 2, import: binary, fold: foldArith },
    Div: { min: 2, import: binary, fold: foldArith },
  },
  export: { add: write('Add'), mul: write('Mul') },
};

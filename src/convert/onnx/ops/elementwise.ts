// Add, Sub, Mul, Div, Max, Min <-> add, sub, mul, div, max, min (numpy broadcasting). A
// constant operand broadcast per channel ([C], [C,1,1], [1,C,1,1]) or as a scalar makes the
// per-channel forms: x - c becomes add(x, -c) and x / c becomes mul(x, 1/c); the fold-affine pass
// then folds them into a conv / gemm before them. Any other pair (two computed tensors, a
// constant of another shape, c - x, c / x) is the op itself, its operands in the IR's layout:
// an NCHW value with a lower-rank or plain one that has no channel-and-space mix (C or H·W is 1)
// takes it reshaped to NHWC; a plain operand of lower rank gets leading 1s; a constant is
// transposed. x * HardSigmoid(x; 1/6, 1/2) is read as a hardswish (x * Sigmoid(x) and the Erf
// GELU are found by a pass, src/ir/passes/activation-patterns.ts).
import type { onnx } from 'onnx-proto';
import type { Node } from '../../../ir/types.js';
import type { Const } from '../proto.js';
import { nhwc, type ImportContext, type Value } from '../context.js';
import type { ExportFn, ImportFn, OnnxFamily } from './family.js';
import { activation } from './activation.js';
import { foldArith } from './constant.js';

/** A constant broadcast against value v as a per-channel [C] or scalar [1] vector, or undefined. */
export function channelVector(v: Value, c: Const): Float32Array | undefined {
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

const IR_OF = { Add: 'add', Sub: 'sub', Mul: 'mul', Div: 'div', Max: 'max', Min: 'min' } as const;

/** Right-aligned numpy broadcast of ONNX shapes, or undefined. */
function broadcast(a: readonly number[], b: readonly number[]): number[] | undefined {
  const r = Math.max(a.length, b.length), out: number[] = [];
  for (let i = 0; i < r; i++) {
    const p = a[a.length - r + i] ?? 1, q = b[b.length - r + i] ?? 1;
    if (p !== q && p !== 1 && q !== 1) return undefined;
    out.push(p === 1 ? q : p);
  }
  return out;
}

/** Input i of n as an IR tensor in the output's layout (rank `r`; `nchw`: stored NHWC). */
function operand(ctx: ImportContext, n: onnx.INodeProto, i: number, r: number, nchw: boolean): string {
  const pad = (d: readonly number[]) => [...Array<number>(r - d.length).fill(1), ...d];
  if (ctx.isConst(n, i)) {
    const c = ctx.constIn(n, i, `input ${i}`);
    const data = Float32Array.from(c.data as ArrayLike<number>);
    if (!nchw) return ctx.addTensor(`${n.name || n.output![0]}.in${i}`, c.dims.length ? c.dims.slice() : [1], data);
    const [N, C, H, W] = pad(c.dims);
    const t = new Float32Array(data.length);
    for (let j = 0; j < data.length; j++) {
      const w = j % W, h = Math.floor(j / W) % H, ch = Math.floor(j / (W * H)) % C, b = Math.floor(j / (W * H * C));
      t[((b * H + h) * W + w) * C + ch] = data[j];
    }
    return ctx.addTensor(`${n.name || n.output![0]}.in${i}`, [N, H, W, C], t);
  }
  const v = ctx.valueIn(n, i);
  if (v.layout === 'hwc-flat') ctx.unsupported(n, `input ${i} is a flattened feature map`, 'apply the op before the Flatten');
  if ((v.layout === 'nchw') === nchw && v.shape.length === r) return v.ir;
  // A lower rank (leading 1s) or a plain value beside NCHW ones: the same bytes under another shape.
  const d = pad(v.shape);
  if (nchw && v.layout !== 'nchw' && d[1] !== 1 && d[2] * d[3] !== 1) {
    ctx.unsupported(n, `input ${i} [${v.shape.join(', ')}] mixes channels and positions beside an NCHW image`, 'give it the image\'s rank (e.g. [N, C, 1, 1] or [N, 1, H, W]) before export');
  }
  const ir = ctx.fresh(`${v.ir}_as${r}d`);
  ctx.emit('reshape', `${n.name || ir}.reshape${i}`, [v.ir], ir, { shape: nchw ? nhwc(d) : d });
  return ir;
}

/** a op b as the IR op itself: operands in one layout, the output NCHW if an input is. */
function general(ctx: ImportContext, n: onnx.INodeProto, out: string, op: (typeof IR_OF)[keyof typeof IR_OF]): void {
  const shapes = [0, 1].map((i) => (ctx.isConst(n, i) ? ctx.constIn(n, i, `input ${i}`).dims : ctx.valueIn(n, i).shape));
  const y = broadcast(shapes[0], shapes[1]);
  if (!y) ctx.unsupported(n, `shapes [${shapes[0].join(', ')}] and [${shapes[1].join(', ')}] do not broadcast`, 'check the model');
  const nchw = [0, 1].some((i) => !ctx.isConst(n, i) && ctx.valueIn(n, i).layout === 'nchw');
  if (nchw && y.length !== 4) ctx.unsupported(n, `an NCHW image beside a rank-${y.length} operand`, 'keep both operands of rank 4 or less');
  ctx.emit(op, n.name ?? '', [operand(ctx, n, 0, y.length, nchw), operand(ctx, n, 1, y.length, nchw)], out, {});
  ctx.define(out, { ir: out, shape: y, layout: nchw ? 'nchw' : 'plain' });
}

const binary: ImportFn = (ctx, n, a, out) => {
  const op = n.opType as keyof typeof IR_OF;
  const c0 = ctx.isConst(n, 0), c1 = ctx.isConst(n, 1);
  // Opset < 7: broadcast=1 with `axis` aligns B at that axis of A; numpy's alignment is the last.
  if (ctx.opset < 7 && a.int('broadcast', 0) === 1 && a.has('axis')) {
    const rank = (i: number) => (ctx.isConst(n, i) ? ctx.constIn(n, i, `input ${i}`).dims : ctx.valueIn(n, i).shape).length;
    const axis = a.int('axis', 0), ra = rank(0), rb = rank(1);
    if ((axis + ra) % ra !== ra - rb) ctx.unsupported(n, `broadcast=1 with axis=${axis} (opset ${ctx.opset}: B's axes start at A's axis ${axis})`, 'give B trailing size-1 axes (numpy broadcasting) and re-export with opset 7 or later');
  }
  if (!c0 && !c1) {
    if (op === 'Mul' && hardswish(ctx, n, out)) return;
    return general(ctx, n, out, IR_OF[op]);
  }
  // A constant per channel or scalar: the per-channel forms (x op c, or c + x, c * x).
  const vi = c0 ? 1 : 0;
  const vec = (op === 'Add' || op === 'Mul' || !c0) && (op !== 'Max' && op !== 'Min') ? channelVector(ctx.valueIn(n, vi), ctx.constIn(n, 1 - vi, 'the constant operand')) : undefined;
  if (!vec) return general(ctx, n, out, IR_OF[op]);
  if (op === 'Sub') for (let i = 0; i < vec.length; i++) vec[i] = -vec[i];
  if (op === 'Div') for (let i = 0; i < vec.length; i++) vec[i] = 1 / vec[i];
  const isMul = op === 'Mul' || op === 'Div';
  perChannel(ctx, n, ctx.valueIn(n, vi), out, isMul ? vec : undefined, isMul ? undefined : vec);
};

/** Max / Min of one input (itself) or of several (pairwise, left to right). */
const variadic: ImportFn = (ctx, n, a, out) => {
  const ins = (n.input ?? []).filter((i) => i !== '');
  if (ins.length === 2) return binary(ctx, n, a, out);
  if (ins.length === 1) return ctx.same(out, ctx.valueIn(n, 0));
  let acc = ins[0];
  for (let k = 1; k < ins.length; k++) {
    const o = k === ins.length - 1 ? out : `${out}.${k}`;
    binary(ctx, { ...n, name: `${n.name || out}.${k}`, input: [acc, ins[k]], output: [o] }, a, o);
    acc = o;
  }
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
    Max: { min: 1, import: variadic },
    Min: { min: 1, import: variadic },
  },
  export: { add: write('Add'), sub: write('Sub'), mul: write('Mul'), div: write('Div'), max: write('Max'), min: write('Min') },
};

// The element-wise binary ops (add, sub, mul, div, max, min): y = a op b with numpy
// broadcasting, one definition here, one line per op in its own file. Computed operands have the
// output's rank and batch (the runtime runs one sample at a time); a constant operand broadcasts
// (right-aligned, batch axis 1 if it has one). int8 when both operands are computed: each at its
// own quantization, the output at its own (docs/ir.md, "int8"; assembly/eltwise/binary.ts gives
// the f32 arithmetic). add and mul by a constant of shape [C] or [1] run as a per-channel
// multiply-add (./channel.ts), as they always have.
import { BranchyUnsupportedError } from '../../errors.js';
import type { Node, TensorInfo } from '../types.js';
import { broadcastShape, prepareBinary, runBinary, type BinaryOp } from '../../runtime/ops/broadcast.js';
import { f32Range, int8Range } from '../../runtime/ops/activation.js';
import { fail, fmt, want, where, type OpDef, type OpNode, type StepContext } from './def.js';
import { createChannel, isChannelConst } from './channel.js';
import { tensorQuant } from './quant-params.js';

/**
 * The output shape of a op b, or a typed error naming the node. The first axis is the batch,
 * which the runtime steps through one sample at a time: a computed operand has the output's rank
 * and batch, a constant one of that rank has batch 1 (one of lower rank broadcasts over it).
 */
export function broadcastOf(node: OpNode<unknown>, a: TensorInfo, b: TensorInfo): number[] {
  const y = broadcastShape(a.shape, b.shape);
  if (!y) fail(node, `operands '${a.name}' ${fmt(a.shape)} and '${b.name}' ${fmt(b.shape)} do not broadcast`);
  for (const t of [a, b]) {
    const batched = t.constant ? t.shape.length === y.length && t.shape[0] !== 1 : t.shape.length !== y.length || t.shape[0] !== y[0];
    if (batched) {
      throw new BranchyUnsupportedError(`${where(node)}: ${t.constant ? 'constant' : 'computed'} operand '${t.name}' ${fmt(t.shape)} against ${fmt(y)}: ` +
        'the first axis is the batch, which branchy runs one sample at a time; a constant must not vary along it and a computed operand must have it in full (give both operands the output\'s rank)');
    }
  }
  return y;
}

/** An operand's shape within one sample: computed tensors and full-rank constants lose the batch axis. */
const perSample = (t: TensorInfo, rank: number): number[] => (t.shape.length === rank ? t.shape.slice(1) : t.shape.slice());

/** The step of y = a op b through the broadcasting kernels (constants put in memory once). */
export function createBinary(ctx: StepContext, node: OpNode<unknown>, op: BinaryOp): () => void {
  const [a, b] = node.inputs.map((n) => ctx.info(n));
  const y = ctx.info(node.outputs[0]);
  const r = y.shape.length;
  const i8 = y.dtype === 'i8';
  const layer = i8
    ? prepareBinary(ctx.mem, ctx.build, {
      dtype: 'qs8', op, a: perSample(a, r), b: perSample(b, r), qa: tensorQuant(a, node), qb: tensorQuant(b, node), qy: tensorQuant(y, node),
      ...int8Range(ctx.clamp, tensorQuant(y, node).scale, tensorQuant(y, node).zeroPoint),
    })
    : prepareBinary(ctx.mem, ctx.build, { dtype: 'f32', op, a: perSample(a, r), b: perSample(b, r), ...f32Range(ctx.clamp) });
  // Each operand: its planned buffer, or the constant's bytes.
  let k = 0;
  const ptrs = [a, b].map((t) => {
    if (!t.constant) return ctx.x[k++];
    const c = ctx.constant(node as unknown as Node, node.inputs.indexOf(t.name), Float32Array)!;
    if (i8) throw new BranchyUnsupportedError(`${where(node)}: an int8 ${op} needs two computed operands (constant '${t.name}' is f32)`);
    return { ptr: ctx.mem.put(c) };
  });
  const Y = ctx.y[0];
  return () => runBinary(ctx.mem, layer, ptrs[0].ptr, ptrs[1].ptr, Y.ptr);
}

/**
 * The op `op`: a op b. With `channel`, a constant b of shape [C] or [1] runs on the per-channel
 * multiply-add kernel (add: shift, mul: scale), the form files have always had.
 */
export function elementwise(op: BinaryOp, channel?: 'add' | 'mul'): OpDef<Record<string, never>> {
  return {
    inputs: [2, 2],
    fusesActivation: true,
    int8: 'requantize',
    int8When: 'any-input',
    // By a constant: int8 on the per-channel multiply-add kernel (BatchNorm after a Concat), the
    // constant in f32; any other constant shape stays f32.
    int8Refusal: (node, isConst, info) => (node.inputs.some(isConst) && !(channel && isChannelConst(info(node.inputs[1]), info(node.inputs[0]).shape))
      ? `${op} of a constant${channel ? ' other than per channel' : ''} has no int8 form` : undefined),
    check() {},
    infer(node, [a, b]) {
      if (channel && isChannelConst(b, a.shape)) return [a.shape.slice()];
      return [broadcastOf(node, a, b)];
    },
    dtypes(node, ins, [y]) {
      const computed = ins.filter((t) => !t.constant);
      for (const t of ins) if (t.constant) want(node, t, ['f32'], 'constant operand');
      for (const t of [...computed, y]) want(node, t, [computed[0]?.dtype ?? 'f32'], 'tensor');
    },
    create(ctx, node) {
      const b = ctx.info(node.inputs[1]);
      if (channel && isChannelConst(b, ctx.info(node.inputs[0]).shape)) return createChannel(ctx, node, channel);
      return createBinary(ctx, node, op);
    },
  };
}

// The per-channel form shared by add and mul with a constant operand: y = x * scale[c] + bias[c]
// on the per-channel multiply-add kernel (scale or bias may be a broadcast scalar).
import { BranchyUnsupportedError } from '../../errors.js';
import type { TensorInfo } from '../types.js';
import { prepareMulChannel, runMulChannel } from '../../runtime/ops/eltwise.js';
import { f32Range, int8Range } from '../../runtime/ops/activation.js';
import { fmt, numel, where, type OpNode, type StepContext } from './def.js';
import { tensorQuant } from './quant-params.js';

/** Whether b may be the constant operand of x's per-channel op: shape [C] (the last axis, not the batch) or [1]. */
export function isChannelConst(b: TensorInfo, out: readonly number[]): boolean {
  return b.constant === true && b.shape.length === 1 && out.length >= 2 && (b.shape[0] === 1 || b.shape[0] === out[out.length - 1]);
}

/** The step of x (op) constant: mul scales, add shifts, each channel. */
export function createChannel(ctx: StepContext, node: OpNode<unknown>, op: 'add' | 'mul'): () => void {
  const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
  const bConst = ctx.weights.get(node.inputs[1]);
  if (!(bConst instanceof Float32Array)) {
    throw new BranchyUnsupportedError(`${where(node)}: the second input must be an f32 constant (per channel or scalar)`);
  }
  const n = numel(y.shape.slice(1));
  const channels = x.shape[x.shape.length - 1];
  if (bConst.length !== 1 && bConst.length !== channels) {
    throw new BranchyUnsupportedError(`${where(node)}: constant '${node.inputs[1]}' ${fmt(ctx.info(node.inputs[1]).shape)} is not per channel or scalar; branchy runs a batch sample by sample and adds or multiplies constants of shape [${channels}] or [1]`);
  }
  const rows = n / channels;
  const expand = (v: Float32Array) => (v.length === 1 ? new Float32Array(channels).fill(v[0]) : v);
  const scale = op === 'mul' ? expand(bConst) : new Float32Array(channels).fill(1);
  const bias = op === 'add' ? expand(bConst) : null;
  const layer = x.dtype === 'i8'
    ? prepareMulChannel(ctx.mem, ctx.build, {
      dtype: 'qs8', rows, channels, scale, bias, input: tensorQuant(x, node), output: tensorQuant(y, node),
      ...int8Range(ctx.clamp, tensorQuant(y, node).scale, tensorQuant(y, node).zeroPoint),
    })
    : prepareMulChannel(ctx.mem, ctx.build, { dtype: 'f32', rows, channels, scale, bias, ...f32Range(ctx.clamp) });
  const [X, Y] = [ctx.x[0], ctx.y[0]];
  return () => runMulChannel(ctx.mem, layer, X.ptr, Y.ptr);
}

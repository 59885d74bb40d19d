// The runtime step shared by maxpool and avgpool (preparePool2d binds the kernels).
import type { Window } from '../types.js';
import { preparePool2d, runPool2d, type AvgRounding } from '../../runtime/ops/pool.js';
import type { OpNode, StepContext } from './def.js';
import { tensorQuant } from './quant-params.js';

export interface PoolAttrs extends Window {
  ceilMode: boolean;
  countIncludePad?: boolean;
  rounding?: AvgRounding;
}

export function createPool(ctx: StepContext, node: OpNode<PoolAttrs>, op: 'max' | 'avg'): () => void {
  const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
  const int8 = x.dtype === 'i8';
  const a = node.attrs;
  const qIn = int8 ? tensorQuant(x, node) : undefined;
  const layer = preparePool2d(ctx.mem, ctx.build, {
    op, dtype: int8 ? 'qs8' : 'f32', n: 1, h: x.shape[1], w: x.shape[2], c: x.shape[3],
    kh: a.kernel[0], kw: a.kernel[1], strideH: a.strides[0], strideW: a.strides[1],
    dilationH: a.dilations[0], dilationW: a.dilations[1], pads: a.pads, ceilMode: a.ceilMode,
    countIncludePad: op === 'avg' ? a.countIncludePad : undefined, rounding: op === 'avg' ? a.rounding : undefined,
    input: qIn, output: int8 ? (op === 'max' ? qIn : tensorQuant(y, node)) : undefined,
  });
  const [X, Y] = [ctx.x[0], ctx.y[0]];
  return () => runPool2d(ctx.mem, layer, X.ptr, Y.ptr);
}

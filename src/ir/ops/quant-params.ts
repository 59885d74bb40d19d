// The quantization a step reads off its tensors: a per-tensor (scale, zero point), and an int8
// conv / gemm's requantization multipliers. Shared by the op files' runtime steps.
import { BranchyUnsupportedError } from '../../errors.js';
import type { Quant, TensorInfo } from '../types.js';
import { requantScale, type RequantScaleMode } from '../numerics.js';
import { where, type OpNode } from './def.js';

/** Whether two quantizations are the same per-tensor (scale, zero point); false when either is absent or per-channel. */
export const sameQuant = (a: Quant | undefined, b: Quant | undefined): boolean =>
  !!a && !!b && a.kind === 'tensor' && b.kind === 'tensor' && a.scale === b.scale && a.zeroPoint === b.zeroPoint;

export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

/** An int8 tensor's per-tensor quantization, or a typed error naming the node. */
export function tensorQuant(t: TensorInfo, node: OpNode<unknown>): QuantParams {
  if (t.quant?.kind !== 'tensor') {
    throw new BranchyUnsupportedError(`${where(node)}: int8 tensor '${t.name}' needs a per-tensor scale and zero point`);
  }
  return { scale: t.quant.scale, zeroPoint: t.quant.zeroPoint };
}

/** An int8 conv / dwconv / gemm: input and output quantization and the per-channel multipliers (computed as `mode` says, the graph's requantScale). */
export function int8Params(node: OpNode<unknown>, x: TensorInfo, y: TensorInfo, w: TensorInfo, channels: number, mode: RequantScaleMode | undefined) {
  const qin = tensorQuant(x, node), qout = tensorQuant(y, node);
  if (y.dtype !== 'i8') throw new BranchyUnsupportedError(`${where(node)}: int8 input needs an int8 output, got ${y.dtype}`);
  const wq = w.quant;
  if (!wq) throw new BranchyUnsupportedError(`${where(node)}: int8 weights '${w.name}' carry no scales`);
  const sw = wq.kind === 'channel' ? wq.scales : new Array<number>(channels).fill(wq.scale);
  if (sw.length !== channels) throw new BranchyUnsupportedError(`${where(node)}: ${sw.length} weight scales for ${channels} output channels`);
  const scale = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scale[c] = requantScale(qin.scale, sw[c], qout.scale, mode);
  return { in: qin, out: qout, scale };
}

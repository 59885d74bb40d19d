// Shared by the data-movement ops (transpose, slice, pad, concat, softmax, reduce, resize):
// axes, element sizes and the batch rule. The runtime runs a batch sample by sample (axis 0 is
// the batch), so an op may move data along axis 0 only when the batch is 1 on both sides: then
// the whole tensor is the sample.
import { BranchyUnsupportedError } from '../../errors.js';
import type { TensorInfo } from '../types.js';
import { fail, fmt, isInt, where, type OpNode } from './def.js';

/** Bytes per element of a tensor the move kernels carry. */
export const elOf = (t: TensorInfo): 1 | 4 => (t.dtype === 'i8' ? 1 : 4);

/** The shape of one sample: the batch axis set to 1. */
export const sampleOf = (s: readonly number[]): number[] => [1, ...s.slice(1)];

/**
 * Throws unless the op keeps samples apart (`keepsBatch`: it neither moves nor mixes axis 0) or
 * the batch is 1 on both sides.
 */
export function perSample(node: OpNode<unknown>, x: TensorInfo, y: TensorInfo, keepsBatch: boolean): void {
  if (keepsBatch || (x.shape[0] === 1 && y.shape[0] === 1)) return;
  throw new BranchyUnsupportedError(`${where(node)}: moves data across the batch axis (axis 0: ${fmt(x.shape)} -> ${fmt(y.shape)}); ` +
    'branchy runs a batch sample by sample, so ops may move axis 0 only when the batch is 1 (export the model with batch 1)');
}

/** An axis attribute (negative counts from the end; absent: the last), checked against the rank. */
export function axisOf(node: OpNode<unknown>, axis: unknown, rank: number, key = 'axis'): number {
  if (axis === undefined) return rank - 1;
  if (!isInt(axis, -rank, rank - 1)) fail(node, `attrs.${key} must be an integer in [${-rank}, ${rank - 1}], got ${String(axis)}`);
  return axis < 0 ? axis + rank : axis;
}

/** An array attribute of integers (each >= min). */
export function intList(node: OpNode<unknown>, v: unknown, key: string, min = -(2 ** 31)): number[] {
  if (!Array.isArray(v) || !v.every((d) => isInt(d, min))) fail(node, `attrs.${key} must be a list of integers >= ${min}`);
  return v as number[];
}

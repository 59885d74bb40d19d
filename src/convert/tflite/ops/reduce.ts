// reduce (kind mean) -> MEAN over the node's axes, keep_dims as the node has it (MobileNet's and
// MnasNet's ReduceMean over height and width). An int8 MEAN requantizes from its input's scale
// and zero point to its output's as branchy's int8 reduce does. The import of MEAN is the shape
// family's (a global average pool). An int8 globalavgpool is written as MEAN too (pool.ts).
import type { Node, NodeOf } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import type { TfliteFamily } from './family.js';

/** MEAN of IR node `node`'s input over `axes` to its output. */
export function exportMean(ex: TfliteExporter, node: Node, axes: number[], keepDims: boolean): void {
  ex.op('MEAN', [ex.tensor(node.inputs[0]), ex.constant(`${node.name}/axes`, Int32Array.from(axes))], [ex.tensor(node.outputs[0])], { type: 'ReducerOptions', keepDims });
}

function exportReduce(ex: TfliteExporter, node: Node): void {
  const a = (node as NodeOf<'reduce'>).attrs;
  if (a.kind !== 'mean') ex.unsupported(node, `a reduce of kind ${a.kind}`, 'branchy exports ReduceMean (MEAN) only');
  exportMean(ex, node, a.axes, a.keepdims);
}

export const reduceFamily: TfliteFamily = { import: {}, export: { reduce: exportReduce } };

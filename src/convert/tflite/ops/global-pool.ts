// globalavgpool -> MEAN over height and width, keep_dims: one operator that averages and
// requantizes to the output's scale in one step, as branchy's int8 global average pool does
// (an AVERAGE_POOL_2D rounds at its input's scale and needs a QUANTIZE after it: two roundings,
// up to a step apart from branchy on a third of the pooled values). The importer reads MEAN
// back as globalavgpool (./shape.ts).
import type { TfliteFamily } from './family.js';
import type { Node } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';

function exportGlobalAvgPool(ex: TfliteExporter, node: Node): void {
  if (node.act) ex.unsupported(node, `a fused ${node.act.kind}`, 'TFLite\'s MEAN has no fused activation; put it after the pool');
  const int8 = ex.info(node.outputs[0]).dtype === 'i8';
  ex.op('MEAN', [ex.tensor(node.inputs[0]), ex.constant(`${node.name}/axes`, Int32Array.of(1, 2))], [ex.tensor(node.outputs[0])],
    { type: 'ReducerOptions', keepDims: true }, int8 ? 2 : 1);
}

export const globalPoolFamily: TfliteFamily = {
  import: {},
  export: { globalavgpool: exportGlobalAvgPool },
};

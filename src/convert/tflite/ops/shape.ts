// RESHAPE <-> reshape (flatten in NHWC order too): the same values in the same order under
// the output tensor's static shape. An int8 reshape keeps its input's quantization.
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';
import type { Node } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';

function reshape(ctx: TfliteImportContext, op: TfliteOpView): void {
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  const [a, b] = [xt.quant, yq.quant];
  if (yq.dtype !== xt.dtype || (a?.kind === 'tensor' && b?.kind === 'tensor' && (a.scale !== b.scale || a.zeroPoint !== b.zeroPoint))) {
    ctx.unsupported(op, `output "${out.name}" has another type or quantization than its input`, 'TFLite requires the same on both sides of RESHAPE; the model is malformed');
  }
  if (out.shape[0] !== xt.shape[0]) ctx.unsupported(op, `changes the batch axis (${xt.shape[0]} -> ${out.shape[0]})`, 'branchy keeps the first axis as the batch');
  ctx.emit(op, 'reshape', [x], { shape: out.shape.slice() }, { ...yq, tflite: out });
}

/** reshape, and flatten in NHWC order: RESHAPE to the output's shape (given as operand and option). */
function exportReshape(ex: TfliteExporter, node: Node): void {
  if (node.op === 'flatten' && node.attrs.order !== 'nhwc') {
    ex.unsupported(node, 'flattens in ONNX\'s C, H, W order', 'TFLite flattens NHWC tensors in H, W, C order; permute the next layer\'s weights (branchy\'s ONNX import does so when it can)');
  }
  const shape = ex.info(node.outputs[0]).shape;
  ex.op('RESHAPE', [ex.tensor(node.inputs[0]), ex.constant(`${node.name}/shape`, Int32Array.from(shape))], [ex.tensor(node.outputs[0])], { type: 'ReshapeOptions', newShape: shape.slice() });
}

export const shapeFamily: TfliteFamily = {
  import: { RESHAPE: reshape },
  export: { reshape: exportReshape, flatten: exportReshape },
};

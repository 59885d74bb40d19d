// RESHAPE <-> reshape (flatten in NHWC order too): the same values in the same order under
// the output tensor's static shape. An int8 reshape keeps its input's quantization.
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';
import type { ConcatenationOptions, ReducerOptions } from '../model.js';
import type { Node, NodeOf } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';

/** RESHAPE and SQUEEZE: the output tensor's static shape. */
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

/** CONCATENATION along any axis (the IR's default: the last), no fused activation; an int8 input at another scale is requantized to the output's first (TFLite does the same inside). */
function concatenation(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as ConcatenationOptions;
  const out = op.outputs[0]!;
  const r = out.shape.length, axis = o.axis < 0 ? o.axis + r : o.axis;
  if (o.activation !== 'NONE') ctx.unsupported(op, `fused ${o.activation}`, 'no TFLite runtime applies an activation fused into CONCATENATION (TFLite-Micro refuses it); remove it');
  const yq = ctx.activationOf(op, out);
  const ins = op.inputs.map((_, i) => {
    const x = ctx.value(op, i);
    const q = ctx.byName.get(x)!.quant;
    if (ctx.byName.get(x)!.dtype !== yq.dtype) ctx.unsupported(op, `input ${i} is ${ctx.byName.get(x)!.dtype}, the output ${yq.dtype}`, 'the model is malformed');
    const b = yq.quant;
    if (q?.kind !== 'tensor' || b?.kind !== 'tensor' || (q.scale === b.scale && q.zeroPoint === b.zeroPoint)) return x;
    return ctx.emit(op, 'requantize', [x], {}, { name: `${ctx.byName.get(x)!.name}/requantized`, ...yq }, undefined, `_requantize${i}`);
  });
  ctx.emit(op, 'concat', ins, axis === r - 1 ? {} : { axis }, { ...yq, tflite: out });
}

/** MEAN over height and width of an NHWC tensor: a global average pool (and a reshape when keep_dims is false). */
function mean(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as ReducerOptions;
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const axes = Array.from(ctx.constant(op, 1, 'axes').data as Int32Array, (a) => (a < 0 ? a + xt.shape.length : a)).sort();
  if (xt.shape.length !== 4 || axes.join() !== '1,2') ctx.unsupported(op, `axes [${axes.join(', ')}] of a [${xt.shape.join(', ')}] tensor`, 'branchy averages over height and width of NHWC tensors (a global average pool)');
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  if (o.keepDims) {
    ctx.emit(op, 'globalavgpool', [x], {}, { ...yq, tflite: out });
    return;
  }
  const y = ctx.emit(op, 'globalavgpool', [x], {}, { ...yq, name: `${out.name}/keepdims` });
  ctx.emit(op, 'reshape', [y], { shape: out.shape.slice() }, { ...yq, tflite: out }, undefined, '_squeeze');
}

export const shapeFamily: TfliteFamily = {
  import: { RESHAPE: reshape, SQUEEZE: reshape, CONCATENATION: concatenation, MEAN: mean },
  export: {
    reshape: exportReshape,
    flatten: exportReshape,
    concat(ex, node) {
      // The node's axis (absent: the last, the NHWC channel axis).
      const r = ex.info(node.outputs[0]).shape.length, a = (node as NodeOf<'concat'>).attrs.axis ?? r - 1;
      ex.op('CONCATENATION', node.inputs.map((i) => ex.tensor(i)), [ex.tensor(node.outputs[0])], { type: 'ConcatenationOptions', axis: a < 0 ? a + r : a, activation: 'NONE' });
    },
  },
};

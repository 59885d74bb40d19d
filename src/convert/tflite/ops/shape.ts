// RESHAPE <-> reshape (flatten in NHWC order too): the same values in the same order under
// the output tensor's static shape. An int8 reshape keeps its input's quantization.
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';

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

export const shapeFamily: TfliteFamily = {
  import: { RESHAPE: reshape },
};

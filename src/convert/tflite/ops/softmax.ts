// SOFTMAX <-> softmax over the last axis (beta 1). branchy computes softmax in f32: an int8
// SOFTMAX becomes dequantize, softmax, quantize (to the file's output scale, 1/256 with zero
// point -128 in TFLite's int8 files), where TFLite uses a fixed-point exponential table.
import type { SoftmaxOptions } from '../model.js';
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';

function softmax(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as SoftmaxOptions;
  if (o.beta !== 1) ctx.unsupported(op, `beta ${o.beta}`, 'branchy computes softmax with beta 1; fold beta into the layer before');
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  if (yq.dtype !== xt.dtype) ctx.unsupported(op, `input is ${xt.dtype} and output "${out.name}" ${yq.dtype}`, 'the model is malformed');
  if (xt.dtype === 'f32') {
    ctx.emit(op, 'softmax', [x], {}, { ...yq, tflite: out });
    return;
  }
  const xf = ctx.emit(op, 'dequantize', [x], {}, { name: `${xt.name}/f32`, dtype: 'f32' }, undefined, '_dequantize');
  const yf = ctx.emit(op, 'softmax', [xf], {}, { name: `${out.name}/f32`, dtype: 'f32' });
  ctx.emit(op, 'quantize', [yf], {}, { ...yq, tflite: out }, undefined, '_quantize');
}

export const softmaxFamily: TfliteFamily = {
  import: { SOFTMAX: softmax },
  export: {
    softmax(ex, node) {
      ex.op('SOFTMAX', [ex.tensor(node.inputs[0])], [ex.tensor(node.outputs[0])], { type: 'SoftmaxOptions', beta: 1 });
    },
  },
};

// QUANTIZE, DEQUANTIZE <-> quantize (f32 -> int8), requantize (int8 -> int8 at another scale),
// dequantize (int8 -> f32), each with the tensors' own scales and zero points.
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';

function quantize(ctx: TfliteImportContext, op: TfliteOpView): void {
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  if (yq.dtype !== 'i8') ctx.unsupported(op, `output "${out.name}" is ${out.type}`, 'branchy quantizes to int8');
  ctx.emit(op, xt.dtype === 'f32' ? 'quantize' : 'requantize', [x], {}, { ...yq, tflite: out });
}

function dequantize(ctx: TfliteImportContext, op: TfliteOpView): void {
  const t = op.inputs[0];
  if (t?.data && !ctx.values.has(t.index)) {
    ctx.unsupported(op, `dequantizes the constant "${t.name}" (${t.type})`, 'branchy reads float32 or int8 weights; convert without float16 weight compression');
  }
  const x = ctx.value(op, 0);
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  if (ctx.byName.get(x)!.dtype !== 'i8' || yq.dtype !== 'f32') ctx.unsupported(op, `converts ${t?.type} to ${out.type}`, 'branchy dequantizes int8 to float32');
  ctx.emit(op, 'dequantize', [x], {}, { ...yq, tflite: out });
}

export const quantFamily: TfliteFamily = {
  import: { QUANTIZE: quantize, DEQUANTIZE: dequantize },
  export: {
    quantize: (ex, node) => ex.op('QUANTIZE', [ex.tensor(node.inputs[0])], [ex.tensor(node.outputs[0])]),
    requantize: (ex, node) => ex.op('QUANTIZE', [ex.tensor(node.inputs[0])], [ex.tensor(node.outputs[0])]),
    dequantize: (ex, node) => ex.op('DEQUANTIZE', [ex.tensor(node.inputs[0])], [ex.tensor(node.outputs[0])]),
  },
};

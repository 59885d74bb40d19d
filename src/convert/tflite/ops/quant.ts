// QUANTIZE, DEQUANTIZE <-> quantize (f32 -> int8), requantize (int8 -> int8 at another scale),
// dequantize (int8 -> f32), each with the tensors' own scales and zero points.
import type { TfliteImportContext } from '../context.js';
import { int8ZeroPoint } from '../int-edges.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';

function quantize(ctx: TfliteImportContext, op: TfliteOpView): void {
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  if (op.inputs[0]?.type === 'UINT8' || out.type === 'UINT8') return uint8Edge(ctx, op, x);
  const yq = ctx.activationOf(op, out);
  if (yq.dtype !== 'i8') ctx.unsupported(op, `output "${out.name}" is ${out.type}`, 'branchy quantizes to int8');
  ctx.emit(op, xt.dtype === 'f32' ? 'quantize' : 'requantize', [x], {}, { ...yq, tflite: out });
}

/**
 * A QUANTIZE beside a uint8 graph edge (int-edges.ts): uint8 input -> int8, or -> a uint8
 * graph output, held in int8 at zero point − 128. The same scale and zero point (the
 * converter's form) is the same IR tensor; else a requantize.
 */
function uint8Edge(ctx: TfliteImportContext, op: TfliteOpView, x: string): void {
  const out = op.outputs[0]!;
  const q = out.quantization;
  const edge = out.type === 'UINT8' ? ctx.view.outputs.some((o) => o.index === out.index) : ctx.view.inputs.some((i) => i.index === op.inputs[0]!.index);
  if (!edge || (out.type !== 'UINT8' && out.type !== 'INT8') || q?.scale.length !== 1) {
    ctx.unsupported(op, `converts ${op.inputs[0]!.type} to ${out.type}`, 'branchy takes uint8 only at a graph input or output, quantized per tensor');
  }
  const quant = { kind: 'tensor' as const, scale: q.scale[0], zeroPoint: int8ZeroPoint(out) };
  const xq = ctx.byName.get(x)!.quant;
  if (xq?.kind !== 'tensor' || xq.scale !== quant.scale || xq.zeroPoint !== quant.zeroPoint) {
    ctx.emit(op, ctx.byName.get(x)!.dtype === 'f32' ? 'quantize' : 'requantize', [x], {}, { dtype: 'i8', quant, tflite: out });
    return;
  }
  // A graph output keeps the file's name where it is free.
  const named = out.type === 'UINT8' && !ctx.byName.has(out.name) ? out.name : x;
  if (named !== x) ctx.rename(x, named);
  ctx.alias(out, named);
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

// AVERAGE_POOL_2D, MAX_POOL_2D <-> avgpool, maxpool. TFLite averages over the positions inside
// the input only (countIncludePad false) and never rounds the output size up (ceilMode false).
// An int8 max pool keeps its input's quantization (TFLite requires the same of the file).
import type { Pool2DOptions } from '../model.js';
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';
import { fusedActivation } from './activation.js';
import { tfliteWindow } from './window.js';

function pool(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as Pool2DOptions;
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  if (yq.dtype !== xt.dtype) ctx.unsupported(op, `input is ${xt.dtype} and output "${out.name}" ${yq.dtype}`, 'the model is malformed');
  const act = fusedActivation(ctx, op, o.activation);
  if (act && xt.dtype === 'i8' && op.op === 'MAX_POOL_2D') ctx.unsupported(op, `fused ${o.activation} on an int8 max pool`, 'put the activation before the pool');
  const win = tfliteWindow(o.padding, xt.shape[1], xt.shape[2], [o.filterHeight, o.filterWidth], [o.strideH, o.strideW], [1, 1]);
  if (op.op === 'MAX_POOL_2D') {
    const [a, b] = [xt.quant, yq.quant];
    if (a?.kind === 'tensor' && b?.kind === 'tensor' && (a.scale !== b.scale || a.zeroPoint !== b.zeroPoint)) {
      ctx.unsupported(op, `int8 output "${out.name}" has another scale or zero point than its input`, 'TFLite requires the same quantization on both sides of MAX_POOL_2D; the model is malformed');
    }
    ctx.emit(op, 'maxpool', [x], { ...win, ceilMode: false }, { ...yq, tflite: out }, act);
  } else {
    ctx.emit(op, 'avgpool', [x], { ...win, ceilMode: false, countIncludePad: false }, { ...yq, tflite: out }, act);
  }
}

export const poolFamily: TfliteFamily = {
  import: { AVERAGE_POOL_2D: pool, MAX_POOL_2D: pool },
};

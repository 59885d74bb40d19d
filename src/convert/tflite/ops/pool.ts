// AVERAGE_POOL_2D, MAX_POOL_2D <-> avgpool, maxpool. TFLite averages over the positions inside
// the input only (countIncludePad false) and never rounds the output size up (ceilMode false);
// its int8 average rounds half away from zero (rounding 'half_away').
// An int8 max pool keeps its input's quantization (TFLite requires the same of the file).
// Export: a max pool with pads that are neither SAME nor VALID (PyTorch's symmetric ones) is
// written as a pad of the lowest value (-128 in int8) before a VALID MAX_POOL_2D.
import type { Pool2DOptions } from '../model.js';
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';
import { exportOutput, fusedActivation } from './activation.js';
import type { Node, NodeOf, Window } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import { exportWindow, tfliteWindow } from './window.js';
import { exportMean } from './reduce.js';
import { sameQuant } from '../../../ir/ops/quant-params.js';

function pool(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as Pool2DOptions;
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  if (yq.dtype !== xt.dtype) ctx.unsupported(op, `input is ${xt.dtype} and output "${out.name}" ${yq.dtype}`, 'the model is malformed');
  // branchy's pools carry no activation: a float one follows as its own node (the passes may move a clamp before a max pool).
  const act = fusedActivation(ctx, op, o.activation);
  if (act && xt.dtype === 'i8') ctx.unsupported(op, `fused ${o.activation} on an int8 pool`, 'put the activation before the pool');
  const win = tfliteWindow(o.padding, xt.shape[1], xt.shape[2], [o.filterHeight, o.filterWidth], [o.strideH, o.strideW], [1, 1]);
  const [a, b] = [xt.quant, yq.quant];
  if (op.op === 'MAX_POOL_2D') {
    if (a?.kind === 'tensor' && b?.kind === 'tensor' && (a.scale !== b.scale || a.zeroPoint !== b.zeroPoint)) {
      ctx.unsupported(op, `int8 output "${out.name}" has another scale or zero point than its input`, 'TFLite requires the same quantization on both sides of MAX_POOL_2D; the model is malformed');
    }
  }
  const pooled = act ? { ...yq, name: `${out.name}/pooled` } : { ...yq, tflite: out };
  // TFLite's int8 average rounds the raw values' mean half away from zero (its output keeps the input's quantization).
  const away = a?.kind === 'tensor' && b?.kind === 'tensor' && a.scale === b.scale && a.zeroPoint === b.zeroPoint;
  const y = op.op === 'MAX_POOL_2D'
    ? ctx.emit(op, 'maxpool', [x], { ...win, ceilMode: false }, pooled)
    : ctx.emit(op, 'avgpool', [x], { ...win, ceilMode: false, countIncludePad: false, ...(away && { rounding: 'half_away' as const }) }, pooled);
  if (act) ctx.emit(op, 'activation', [y], {}, { ...yq, tflite: out }, act, '_activation');
}

/** Whether an int8 node's per-tensor output quantization differs from its input's. */
function rescales(ex: TfliteExporter, node: Node): boolean {
  const [qx, qy] = [ex.info(node.inputs[0]).quant, ex.info(node.outputs[0]).quant];
  return qx?.kind === 'tensor' && qy?.kind === 'tensor' && !sameQuant(qx, qy);
}

/** A pool as TFLite's: undilated, floor mode, an average over the positions inside the input only. */
function exportPool(ex: TfliteExporter, node: Node, op: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D', win: Window, countIncludePad = false): void {
  if (win.dilations[0] !== 1 || win.dilations[1] !== 1) ex.unsupported(node, 'a dilated pool', 'TFLite pools are not dilated');
  if (countIncludePad && win.pads.some((p) => p > 0)) ex.unsupported(node, 'padded positions count in the average (countIncludePad)', 'TFLite averages over the positions inside the input only');
  const { input, padding } = exportWindow(ex, node, win, op === 'MAX_POOL_2D' && 'lowest');
  const y = exportOutput(ex, node);
  // TFLite's int8 pools write at their input's scale and zero point: a QUANTIZE moves the result to the output's.
  const requant = rescales(ex, node);
  if (requant && node.act) ex.unsupported(node, 'an int8 pool that changes the scale and has a fused activation', 'keep the pool\'s scale, or put the activation before it');
  const pooled = requant ? ex.intermediate(node.inputs[0], ex.info(node.outputs[0]).shape, 'pooled') : y.output;
  ex.op(op, [input], [pooled], {
    type: 'Pool2DOptions', padding, strideH: win.strides[0], strideW: win.strides[1], filterHeight: win.kernel[0], filterWidth: win.kernel[1], activation: y.activation,
  });
  if (requant) ex.op('QUANTIZE', [pooled], [y.output]);
  y.finish();
}

export const poolFamily: TfliteFamily = {
  import: { AVERAGE_POOL_2D: pool, MAX_POOL_2D: pool },
  export: {
    maxpool: (ex, node) => exportPool(ex, node, 'MAX_POOL_2D', (node as NodeOf<'maxpool'>).attrs),
    avgpool(ex, node) {
      const a = (node as NodeOf<'avgpool'>).attrs;
      // int8, one window over the whole unpadded input, at another scale (DS-CNN's last pool): MEAN
      // rounds once, as branchy does; AVERAGE_POOL_2D + QUANTIZE would round twice.
      const [x, y] = [ex.info(node.inputs[0]), ex.info(node.outputs[0])];
      const whole = a.kernel[0] === x.shape[1] && a.kernel[1] === x.shape[2] && a.pads.every((p) => p === 0) && a.dilations.every((d) => d === 1);
      if (y.dtype === 'i8' && whole && rescales(ex, node) && !node.act && !a.rounding) return exportMean(ex, node, [1, 2], true);
      exportPool(ex, node, 'AVERAGE_POOL_2D', a, a.countIncludePad);
    },
    globalavgpool(ex, node) {
      // int8: MEAN requantizes the mean once, to the output's scale, as branchy does (AVERAGE_POOL_2D rounds it to the input's first).
      if (ex.info(node.outputs[0]).dtype === 'i8') return exportMean(ex, node, [1, 2], true);
      const [, H, W] = ex.info(node.inputs[0]).shape;
      exportPool(ex, node, 'AVERAGE_POOL_2D', { kernel: [H, W], strides: [H, W], dilations: [1, 1], pads: [0, 0, 0, 0] });
    },
  },
};

// CONV_2D, DEPTHWISE_CONV_2D <-> conv2d, dwconv2d. TFLite's filters are OHWI (conv) and
// [1, KH, KW, C·M] (depthwise: output channel c·M + m reads input channel c), branchy's OHWI
// and [KH, KW, C·M]: the same bytes. Padding SAME / VALID become explicit pads (./window.ts).
import type { Conv2DOptions, DepthwiseConv2DOptions } from '../model.js';
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';
import { exportActivation, fusedActivation } from './activation.js';
import type { NodeOf } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import { layerConstants } from './weights.js';
import { exportPadding, tfliteWindow } from './window.js';

/** The input, its quantization and the output spec of a conv / FC whose input is float or int8. */
export function layerIo(ctx: TfliteImportContext, op: TfliteOpView) {
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  if (yq.dtype !== xt.dtype) ctx.unsupported(op, `input is ${xt.dtype} and output "${out.name}" ${yq.dtype}`, 'branchy imports float and fully int8 layers');
  const q = xt.quant?.kind === 'tensor' && yq.quant?.kind === 'tensor' ? { sIn: xt.quant.scale, sOut: yq.quant.scale } : undefined;
  return { x, xt, out, yq, q };
}

function conv(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as Conv2DOptions;
  const { x, xt, out, yq, q } = layerIo(ctx, op);
  const wt = ctx.constant(op, 1, 'weights');
  const [, KH, KW] = wt.shape;
  if (wt.shape.length !== 4) ctx.unsupported(op, `filter "${wt.name}" has shape [${wt.shape.join(', ')}]`, 'CONV_2D takes an OHWI filter');
  const groups = xt.shape[3] / wt.shape[3];
  const consts = layerConstants(ctx, op, wt.shape, 0, 0, q);
  const win = tfliteWindow(o.padding, xt.shape[1], xt.shape[2], [KH, KW], [o.strideH, o.strideW], [o.dilationH, o.dilationW]);
  ctx.emit(op, 'conv2d', [x, ...consts], { ...win, ...(groups !== 1 && { groups }) }, { ...yq, tflite: out }, fusedActivation(ctx, op, o.activation));
}

function dwconv(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as DepthwiseConv2DOptions;
  const { x, xt, out, yq, q } = layerIo(ctx, op);
  const wt = ctx.constant(op, 1, 'weights');
  if (wt.shape.length !== 4 || wt.shape[0] !== 1) ctx.unsupported(op, `filter "${wt.name}" has shape [${wt.shape.join(', ')}]`, 'DEPTHWISE_CONV_2D takes a [1, KH, KW, C] filter');
  const [, KH, KW, C] = wt.shape;
  // depth_multiplier is informative in TFLite (kernels derive it from the shapes).
  const multiplier = C / xt.shape[3];
  if (!Number.isInteger(multiplier)) ctx.unsupported(op, `${C} filter channels for ${xt.shape[3]} input channels`, 'the model is malformed');
  const consts = layerConstants(ctx, op, [KH, KW, C], 3, 2, q);
  const win = tfliteWindow(o.padding, xt.shape[1], xt.shape[2], [KH, KW], [o.strideH, o.strideW], [o.dilationH, o.dilationW]);
  ctx.emit(op, 'dwconv2d', [x, ...consts], { ...win, multiplier }, { ...yq, tflite: out }, fusedActivation(ctx, op, o.activation));
}

/** The optional bias (input 2) of an IR layer as a TFLite input, -1 when absent. */
export const biasInput = (ex: TfliteExporter, inputs: string[]): number => (inputs[2] ? ex.tensor(inputs[2]) : -1);

function exportConv(ex: TfliteExporter, node: NodeOf<'conv2d'>): void {
  const a = node.attrs;
  if ((a.groups ?? 1) !== 1) ex.unsupported(node, `${a.groups} groups`, 'TFLite-Micro and LiteRT run CONV_2D without groups; split the layer');
  ex.op('CONV_2D', [ex.tensor(node.inputs[0]), ex.tensor(node.inputs[1]), biasInput(ex, node.inputs)], [ex.tensor(node.outputs[0])], {
    type: 'Conv2DOptions', padding: exportPadding(ex, node, a), strideH: a.strides[0], strideW: a.strides[1],
    dilationH: a.dilations[0], dilationW: a.dilations[1], activation: exportActivation(ex, node),
  });
}

function exportDwconv(ex: TfliteExporter, node: NodeOf<'dwconv2d'>): void {
  const a = node.attrs;
  const w = ex.info(node.inputs[1]);
  ex.op('DEPTHWISE_CONV_2D', [ex.tensor(node.inputs[0]), ex.tensor(node.inputs[1], [1, ...w.shape], 3), biasInput(ex, node.inputs)], [ex.tensor(node.outputs[0])], {
    type: 'DepthwiseConv2DOptions', padding: exportPadding(ex, node, a), strideH: a.strides[0], strideW: a.strides[1],
    dilationH: a.dilations[0], dilationW: a.dilations[1], depthMultiplier: a.multiplier, activation: exportActivation(ex, node),
  });
}

export const convFamily: TfliteFamily = {
  import: { CONV_2D: conv, DEPTHWISE_CONV_2D: dwconv },
  export: { conv2d: (ex, n) => exportConv(ex, n as NodeOf<'conv2d'>), dwconv2d: (ex, n) => exportDwconv(ex, n as NodeOf<'dwconv2d'>) },
};

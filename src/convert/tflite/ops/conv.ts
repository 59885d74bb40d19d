// CONV_2D, DEPTHWISE_CONV_2D <-> conv2d, dwconv2d. TFLite's filters are OHWI (conv) and
// [1, KH, KW, C·M] (depthwise: output channel c·M + m reads input channel c), branchy's OHWI
// and [KH, KW, C·M]: the same bytes. Padding SAME / VALID become explicit pads (./window.ts).
import type { Conv2DOptions, DepthwiseConv2DOptions } from '../model.js';
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';
import { exportOutput, fusedActivation } from './activation.js';
import type { Node, NodeOf, Window } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import { layerConstants } from './weights.js';
import { exportWindow, tfliteWindow } from './window.js';

/** The input, its quantization and the output spec of a conv / FC whose input is float or int8 (a conv's input may be a PAD's output: `x` is then the PAD's input). */
export function layerIo(ctx: TfliteImportContext, op: TfliteOpView) {
  const p = op.inputs[0] && ctx.padded.get(op.inputs[0].index);
  const x = p ? p.x : ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  if (yq.dtype !== xt.dtype) ctx.unsupported(op, `input is ${xt.dtype} and output "${out.name}" ${yq.dtype}`, 'branchy imports float and fully int8 layers');
  const q = xt.quant?.kind === 'tensor' && yq.quant?.kind === 'tensor' ? { sIn: xt.quant.scale, sOut: yq.quant.scale } : undefined;
  return { x, xt, out, yq, q, pads: p?.pads };
}

/** A window with a PAD's pads added (zeros composed: real 0, the zero point of an int8 tensor). */
const withPads = (win: Window, pads?: number[]): Window => (pads ? { ...win, pads: win.pads.map((p, i) => p + pads[i]) as Window['pads'] } : win);

/**
 * PAD (zeros: real 0, an int8 tensor's zero point): of height and width, recorded for a
 * convolution reading it to take into its window (any other reader gets a pad node,
 * ctx.padNode); of other axes, a pad node.
 */
function pad(ctx: TfliteImportContext, op: TfliteOpView): void {
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const p = ctx.constant(op, 1, 'paddings');
  const v = Array.from(p.data as Int32Array);
  const r = xt.shape.length;
  if (v.length !== 2 * r || v.some((d) => d < 0) || v[0] || v[1]) {
    ctx.unsupported(op, `paddings [${v.join(', ')}] of a [${xt.shape.join(', ')}] tensor`, 'branchy pads every axis but the batch, by non-negative amounts');
  }
  const yq = ctx.activationOf(op, out);
  const [aq, bq] = [xt.quant, yq.quant];
  if (xt.dtype !== yq.dtype || (aq?.kind === 'tensor' && (bq?.kind !== 'tensor' || aq.scale !== bq.scale || aq.zeroPoint !== bq.zeroPoint))) {
    ctx.unsupported(op, 'output type or quantization differs from the input\'s', 'the model is malformed');
  }
  if (r === 4 && !v[6] && !v[7]) {
    ctx.padded.set(out.index, { pad: op, x, pads: [v[2], v[4], v[3], v[5]] });
    return;
  }
  ctx.emit(op, 'pad', [x], { pads: [...v.filter((_, i) => i % 2 === 0), ...v.filter((_, i) => i % 2 === 1)], mode: 'constant', value: 0 }, { ...yq, tflite: out });
}

/** pad (constant 0) as PAD: [[begin, end] per axis]. */
function exportPad(ex: TfliteExporter, node: NodeOf<'pad'>): void {
  const a = node.attrs;
  const r = a.pads.length / 2;
  if (a.mode !== 'constant' || a.value !== 0 || a.pads.some((p) => p < 0)) {
    ex.unsupported(node, `${a.mode} padding${a.mode === 'constant' ? ` with ${a.value}` : ''}, pads [${a.pads.join(', ')}]`, 'TFLite\'s PAD writes zeros around the tensor (no crop, reflection or other value)');
  }
  const paddings = Int32Array.from({ length: 2 * r }, (_, i) => a.pads[(i >> 1) + (i & 1) * r]);
  ex.op('PAD', [ex.tensor(node.inputs[0]), ex.constant(`${node.name}/paddings`, paddings, [r, 2])], [ex.tensor(node.outputs[0])]);
}

function conv(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as Conv2DOptions;
  const { x, xt, out, yq, q, pads } = layerIo(ctx, op);
  const wt = ctx.constant(op, 1, 'weights');
  const [, KH, KW] = wt.shape;
  if (wt.shape.length !== 4) ctx.unsupported(op, `filter "${wt.name}" has shape [${wt.shape.join(', ')}]`, 'CONV_2D takes an OHWI filter');
  const groups = xt.shape[3] / wt.shape[3];
  const consts = layerConstants(ctx, op, wt.shape, 0, 0, q);
  const win = withPads(tfliteWindow(o.padding, xt.shape[1] + (pads ? pads[0] + pads[2] : 0), xt.shape[2] + (pads ? pads[1] + pads[3] : 0), [KH, KW], [o.strideH, o.strideW], [o.dilationH, o.dilationW]), pads);
  ctx.emit(op, 'conv2d', [x, ...consts], { ...win, ...(groups !== 1 && { groups }) }, { ...yq, tflite: out }, fusedActivation(ctx, op, o.activation));
}

function dwconv(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as DepthwiseConv2DOptions;
  const { x, xt, out, yq, q, pads } = layerIo(ctx, op);
  const wt = ctx.constant(op, 1, 'weights');
  if (wt.shape.length !== 4 || wt.shape[0] !== 1) ctx.unsupported(op, `filter "${wt.name}" has shape [${wt.shape.join(', ')}]`, 'DEPTHWISE_CONV_2D takes a [1, KH, KW, C] filter');
  const [, KH, KW, C] = wt.shape;
  // depth_multiplier is informative in TFLite (kernels derive it from the shapes).
  const multiplier = C / xt.shape[3];
  if (!Number.isInteger(multiplier)) ctx.unsupported(op, `${C} filter channels for ${xt.shape[3]} input channels`, 'the model is malformed');
  const consts = layerConstants(ctx, op, [KH, KW, C], 3, 2, q);
  const win = withPads(tfliteWindow(o.padding, xt.shape[1] + (pads ? pads[0] + pads[2] : 0), xt.shape[2] + (pads ? pads[1] + pads[3] : 0), [KH, KW], [o.strideH, o.strideW], [o.dilationH, o.dilationW]), pads);
  ctx.emit(op, 'dwconv2d', [x, ...consts], { ...win, multiplier }, { ...yq, tflite: out }, fusedActivation(ctx, op, o.activation));
}

/** The optional bias (input 2) of an IR layer as a TFLite input, -1 when absent. */
export const biasInput = (ex: TfliteExporter, inputs: string[]): number => (inputs[2] ? ex.tensor(inputs[2]) : -1);

/**
 * The bias of a conv or depthwise conv with `n` output channels; zeros when the node has none
 * (TFLite's CONV_2D requires one): f32, or int32 at scales s_in · s_w[c] of an int8 layer.
 */
function convBias(ex: TfliteExporter, node: Node, n: number): number {
  if (node.inputs[2]) return ex.tensor(node.inputs[2]);
  const [x, w] = [ex.info(node.inputs[0]), ex.info(node.inputs[1])];
  if (x.dtype !== 'i8') return ex.constant(`${node.name}/bias`, new Float32Array(n));
  const sIn = x.quant?.kind === 'tensor' ? x.quant.scale : 1;
  const sw = w.quant?.kind === 'channel' ? w.quant.scales : new Array<number>(n).fill(w.quant?.kind === 'tensor' ? w.quant.scale : 1);
  return ex.constant(`${node.name}/bias`, new Int32Array(n), [n], { scale: sw.map((s) => sIn * s), zeroPoint: sw.map(() => 0), quantizedDimension: 0 });
}

/** conv2d as CONV_2D; grouped: the filter's C / groups input channels (TFLite's grouped convolution, op version 6, which XNNPACK runs). */
function exportConv(ex: TfliteExporter, node: NodeOf<'conv2d'>): void {
  const a = node.attrs;
  const { input, padding } = exportWindow(ex, node, a, true);
  const y = exportOutput(ex, node);
  ex.op('CONV_2D', [input, ex.tensor(node.inputs[1]), convBias(ex, node, ex.info(node.outputs[0]).shape[3])], [y.output], {
    type: 'Conv2DOptions', padding, strideH: a.strides[0], strideW: a.strides[1], dilationH: a.dilations[0], dilationW: a.dilations[1], activation: y.activation,
  }, (a.groups ?? 1) !== 1 ? 6 : 1);
  y.finish();
}

function exportDwconv(ex: TfliteExporter, node: NodeOf<'dwconv2d'>): void {
  const a = node.attrs;
  const w = ex.info(node.inputs[1]);
  const { input, padding } = exportWindow(ex, node, a, true);
  const y = exportOutput(ex, node);
  ex.op('DEPTHWISE_CONV_2D', [input, ex.tensor(node.inputs[1], [1, ...w.shape], 3), convBias(ex, node, w.shape[2])], [y.output], {
    type: 'DepthwiseConv2DOptions', padding, strideH: a.strides[0], strideW: a.strides[1], dilationH: a.dilations[0], dilationW: a.dilations[1],
    depthMultiplier: a.multiplier, activation: y.activation,
  });
  y.finish();
}

export const convFamily: TfliteFamily = {
  import: { CONV_2D: conv, DEPTHWISE_CONV_2D: dwconv, PAD: pad },
  export: { conv2d: (ex, n) => exportConv(ex, n as NodeOf<'conv2d'>), dwconv2d: (ex, n) => exportDwconv(ex, n as NodeOf<'dwconv2d'>), pad: (ex, n) => exportPad(ex, n as NodeOf<'pad'>) },
};

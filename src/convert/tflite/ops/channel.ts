// y = x · scale[c] + bias[c] over the last axis of an int8 NHWC tensor, as TFLite writes it: a
// 1×1 DEPTHWISE_CONV_2D whose weight per channel is ±127 at scale |scale[c]| / 127 (each scale
// exact) and whose int32 bias is bias[c] at the accumulator's scale, so the result is rounded
// once, to the output's scale, as branchy's per-channel multiply-add rounds it. Used by an int8
// mul or add of a per-channel constant (a BatchNorm after a Concat) and the int8 hardsigmoid.
import type { Node } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import type { Activation } from '../model.js';

/** Writes y = x · scale + bias (per channel, the last axis) from TFLite tensor x to y, with fused `activation`. */
export function exportChannelAffine(ex: TfliteExporter, node: Node, x: number, y: number, scale: Float32Array, bias: Float32Array | null, activation: Activation): void {
  const xt = ex.model.subgraphs[0].tensors[x];
  const C = xt.shape.at(-1)!;
  if (xt.shape.length !== 4) ex.unsupported(node, `an int8 per-channel multiply-add of a rank-${xt.shape.length} tensor`, 'branchy writes it as a 1×1 depthwise convolution of an NHWC (rank-4) tensor');
  const sx = xt.quantization!.scale[0];
  const at = (v: Float32Array, c: number) => v[v.length === 1 ? 0 : c];
  const sw = Float32Array.from({ length: C }, (_, c) => Math.abs(at(scale, c)) / 127 || 1);
  const zeros = new Array<number>(C).fill(0);
  const w = ex.constant(`${node.name}/scale`, Int8Array.from(sw, (_, c) => Math.sign(at(scale, c)) * 127), [1, 1, 1, C], { scale: Array.from(sw), zeroPoint: zeros, quantizedDimension: 3 });
  const steps = Array.from(sw, (s, c) => (bias ? Math.round(at(bias, c) / (sx * s)) : 0));
  const far = steps.findIndex((v) => Math.abs(v) > 2 ** 31 - 1);
  if (far >= 0) ex.unsupported(node, `channel ${far}: the constant ${at(bias!, far)} is ${steps[far]} steps of the accumulator (scale ${at(scale, far)} times the input's), past TFLite's int32 bias`, 'keep the layer in f32');
  const b = ex.constant(`${node.name}/bias`, Int32Array.from(steps), [C], { scale: Array.from(sw, (s) => sx * s), zeroPoint: zeros, quantizedDimension: 0 });
  ex.op('DEPTHWISE_CONV_2D', [x, w, b], [y], {
    type: 'DepthwiseConv2DOptions', padding: 'VALID', strideW: 1, strideH: 1, depthMultiplier: 1, activation, dilationW: 1, dilationH: 1,
  });
}

// The int8 activations that are not clamps, as TFLite operators (branchy runs each as one
// 256-entry table from the activation's definition; TFLite has its own int8 kernels, so these
// agree with branchy's tables within one output step: test/convert/tflite-export-int8-ops.test.ts
// measures it on every int8 value). TFLite's int8 LOGISTIC writes at scale 1/256, zero point -128 only.
//   hardswish   -> HARD_SWISH, at the input's and output's own quantizations
//   sigmoid     -> LOGISTIC (1/256, -128), then QUANTIZE to the output's quantization
//   silu        -> LOGISTIC (1/256, -128), MUL by the input: x · sigmoid(x)
//   hardsigmoid -> DEPTHWISE_CONV_2D 1×1 of weight alpha and bias beta (one rounding, as the
//                  table), then RELU_0_TO_1 where saturating to the output's int8 range is
//                  not already the clamp to [0, 1]
import type { Activation, Node } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import type { TfliteQuantization } from '../model.js';
import { exportChannelAffine } from './channel.js';

/** Writes int8 activation `act` of node `node` from TFLite tensor x to TFLite tensor y. */
type Int8ActivationFn = (ex: TfliteExporter, node: Node, act: Activation, x: number, y: number) => void;

const tensorOf = (ex: TfliteExporter, i: number) => ex.model.subgraphs[0].tensors[i];
const perTensor = (scale: number, zeroPoint: number): TfliteQuantization => ({ scale: [scale], zeroPoint: [zeroPoint], quantizedDimension: 0 });

/** LOGISTIC of x into a new tensor at TFLite's int8 sigmoid quantization (1/256, -128). */
function logistic(ex: TfliteExporter, node: Node, x: number): number {
  const s = ex.intermediate(node.outputs[0], tensorOf(ex, x).shape, 'sigmoid');
  tensorOf(ex, s).quantization = perTensor(1 / 256, -128);
  ex.op('LOGISTIC', [x], [s]);
  return s;
}

function hardsigmoid(ex: TfliteExporter, node: Node, act: Activation, x: number, y: number): void {
  const yt = tensorOf(ex, y);
  const { scale: [s], zeroPoint: [z] } = yt.quantization!;
  // Saturation clamps as well where the int8 range starts at 0 and 1 rounds to 127 or past it.
  const clamp = z > -128 || Math.round(1 / s) + z < 127;
  const affine = clamp ? ex.intermediate(node.outputs[0], yt.shape, 'affine') : y;
  exportChannelAffine(ex, node, x, affine, Float32Array.of(act.alpha!), Float32Array.of(act.beta!), 'NONE');
  if (clamp) ex.op('RELU_0_TO_1', [affine], [y]);
}

/** The int8 activations with a TFLite form, by kind. */
export const INT8_ACTIVATIONS: Partial<Record<Activation['kind'], Int8ActivationFn>> = {
  hardswish: (ex, _node, _act, x, y) => ex.op('HARD_SWISH', [x], [y], { type: 'HardSwishOptions' }),
  sigmoid(ex, node, _act, x, y) {
    const q = tensorOf(ex, y).quantization!;
    if (q.scale[0] === 1 / 256 && q.zeroPoint[0] === -128) ex.op('LOGISTIC', [x], [y]);
    else ex.op('QUANTIZE', [logistic(ex, node, x)], [y]);
  },
  silu: (ex, node, _act, x, y) => ex.op('MUL', [x, logistic(ex, node, x)], [y], { type: 'MulOptions', activation: 'NONE' }),
  hardsigmoid,
};

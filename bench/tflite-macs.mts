// MACs of one inference of a TFLite model: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (the
// rest is small). Shared by the LiteRT.js benchmarks.
import { tfliteGraph, type TfliteModel } from '../src/convert/index.js';

export function tfliteMacs(m: TfliteModel): number {
  let total = 0;
  for (const op of tfliteGraph(m).ops) {
    const out = op.outputs[0]!.shape.reduce((a, d) => a * d, 1);
    const w = op.inputs[1]?.shape ?? [];
    if (op.op === 'CONV_2D') total += out * w[1] * w[2] * w[3];
    else if (op.op === 'DEPTHWISE_CONV_2D') total += out * w[1] * w[2];
    else if (op.op === 'FULLY_CONNECTED') total += out * w[1];
  }
  return total;
}

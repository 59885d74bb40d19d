// The runtime step shared by quantize, dequantize and requantize (the vcvt kernels).
import { prepareDequantize, prepareQuantize, prepareRequantize, runConvert } from '../../runtime/ops/eltwise.js';
import { numel, type OpNode, type StepContext } from './def.js';
import { tensorQuant } from './quant-params.js';

export function createConvert(ctx: StepContext, node: OpNode<unknown>, op: 'quantize' | 'dequantize' | 'requantize'): () => void {
  const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
  const n = numel(y.shape.slice(1));
  const layer =
    op === 'quantize' ? prepareQuantize(ctx.mem, ctx.build, { n, output: tensorQuant(y, node) })
      : op === 'dequantize' ? prepareDequantize(ctx.mem, ctx.build, { n, input: tensorQuant(x, node) })
        : prepareRequantize(ctx.mem, ctx.build, { n, input: tensorQuant(x, node), output: tensorQuant(y, node) });
  const [X, Y] = [ctx.x[0], ctx.y[0]];
  return () => runConvert(ctx.mem, layer, X.ptr, Y.ptr);
}

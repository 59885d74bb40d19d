// globalavgpool: [x NHWC] -> [N, 1, 1, C], the mean over H and W. int8: own output quantization.
import { prepareGlobalAvgPool, runGlobalAvgPool } from '../../runtime/ops/pool.js';
import { rank, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';
import { tensorQuant } from './quant-params.js';

export const globalavgpool: OpDef<Record<string, never>> = {
  inputs: [1, 1],
  int8: 'requantize',
  int8When: 'first-input',
  check() {},
  infer(node, [x]) {
    rank(node, x, 4, 'input');
    return [[x.shape[0], 1, 1, x.shape[3]]];
  },
  dtypes: sameDTypes,
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    const int8 = x.dtype === 'i8';
    const layer = prepareGlobalAvgPool(ctx.mem, ctx.build, {
      dtype: int8 ? 'qs8' : 'f32', n: 1, h: x.shape[1], w: x.shape[2], c: x.shape[3],
      input: int8 ? tensorQuant(x, node) : undefined, output: int8 ? tensorQuant(y, node) : undefined,
    });
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    return () => runGlobalAvgPool(ctx.mem, layer, X.ptr, Y.ptr);
  },
};

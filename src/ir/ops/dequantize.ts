// dequantize: [x i8 / u8 / i32] -> f32 with the input tensor's quant.
import { want, type OpDef } from './def.js';
import { createConvert } from './convert.js';

export const dequantize: OpDef<Record<string, never>> = {
  inputs: [1, 1],
  int8: 'convert',
  check() {},
  infer: (_node, [x]) => [x.shape.slice()],
  dtypes(node, [x], [y]) {
    want(node, x, ['i8', 'u8', 'i32'], 'input');
    want(node, y, ['f32'], 'output');
  },
  create: (ctx, node) => createConvert(ctx, node, 'dequantize'),
};

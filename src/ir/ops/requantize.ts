// requantize: [x i8] -> i8 from the input's quantization to the output's.
import { want, type OpDef } from './def.js';
import { createConvert } from './convert.js';

export const requantize: OpDef<Record<string, never>> = {
  inputs: [1, 1],
  int8: 'convert',
  check() {},
  infer: (_node, [x]) => [x.shape.slice()],
  dtypes(node, [x], [y]) {
    want(node, x, ['i8'], 'input');
    want(node, y, ['i8'], 'output');
  },
  create: (ctx, node) => createConvert(ctx, node, 'requantize'),
};

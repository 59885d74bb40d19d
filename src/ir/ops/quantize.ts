// quantize: [x f32] -> i8 / u8 with the output tensor's quant (round half to even, saturate).
// When it is a graph input's only reader, the input's writer may quantize the sample itself
// (src/runtime/input.ts) and this step then leaves the values as they are.
import { want, type OpDef } from './def.js';
import { createConvert } from './convert.js';

export const quantize: OpDef<Record<string, never>> = {
  inputs: [1, 1],
  int8: 'convert',
  // f32_qs8_vcvt (scalar and SIMD) reads 4 bytes per element and writes 1, front to back.
  inPlace: true,
  check() {},
  infer: (_node, [x]) => [x.shape.slice()],
  dtypes(node, [x], [y]) {
    want(node, x, ['f32'], 'input');
    want(node, y, ['i8', 'u8'], 'output');
  },
  create(ctx, node) {
    const convert = createConvert(ctx, node, 'quantize');
    const input = node.inputs[0];
    const g = ctx.graph;
    if (!g.inputs.includes(input) || g.outputs.includes(input) || ctx.readers(input) !== 1) return convert;
    const q = { output: node.outputs[0], quantize: convert, prequantized: false };
    ctx.quantizesInput(input, q);
    return () => {
      if (!q.prequantized) convert();
    };
  },
};

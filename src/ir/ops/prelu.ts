// prelu: [x, slope] -> x < 0 ? slope[c] * x : x, slope a constant of shape [C] (the last axis)
// or [1] (ONNX PRelu; a Conv's [C, 1, 1] slope becomes [C]). int8: a per-channel requantization
// whose multiplier depends on the sign (src/runtime/ops/nonlinear.ts), the output at its own scale.
import { fail, fmt, numel, want, type OpDef } from './def.js';
import { preparePrelu, runPrelu } from '../../runtime/ops/nonlinear.js';
import { tensorQuant } from './quant-params.js';
import type { Node } from '../types.js';

export const prelu: OpDef<Record<string, never>> = {
  inputs: [2, 2],
  int8: 'requantize',
  int8When: 'first-input',
  check() {},
  infer(node, [x, s]) {
    const c = x.shape[x.shape.length - 1];
    if (x.shape.length < 2) fail(node, `input '${x.name}' ${fmt(x.shape)} needs a channel axis after the batch`);
    if (!s.constant || s.shape.length !== 1 || (s.shape[0] !== 1 && s.shape[0] !== c)) {
      fail(node, `slope '${s.name}' ${fmt(s.shape)} must be a constant of shape [${c}] or [1]`);
    }
    return [x.shape.slice()];
  },
  dtypes(node, [x, s], [y]) {
    want(node, s, ['f32'], 'slope');
    want(node, y, [x.dtype], 'output');
  },
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    const channels = x.shape[x.shape.length - 1];
    const slope = ctx.constant(node as unknown as Node, 1, Float32Array)!;
    const layer = preparePrelu(ctx.mem, ctx.build, {
      dtype: x.dtype === 'i8' ? 'qs8' : 'f32', rows: numel(x.shape.slice(1, -1)), channels, slope,
      ...(x.dtype === 'i8' ? { input: tensorQuant(x, node), output: tensorQuant(y, node) } : {}),
    });
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    return () => runPrelu(ctx.mem, layer, X.ptr, Y.ptr);
  },
};

// concat: [x0, x1, ...] joined along the last (channel) axis. int8: every input and the output
// share one quantization (the kernel copies bytes).
import { prepareConcat, runConcat } from '../../runtime/ops/eltwise.js';
import { fail, fmt, numel, same, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';

export const concat: OpDef<Record<string, never>> = {
  inputs: [1, Infinity],
  int8: 'shared',
  int8When: 'any-input',
  check() {},
  infer(node, ins) {
    const first = ins[0];
    const r = first.shape.length;
    let c = 0;
    for (const t of ins) {
      if (t.shape.length !== r || !same(t.shape.slice(0, r - 1), first.shape.slice(0, r - 1))) {
        fail(node, `input '${t.name}' ${fmt(t.shape)} cannot join ${fmt(first.shape)} along the last axis`);
      }
      c += t.shape[r - 1];
    }
    return [[...first.shape.slice(0, -1), c]];
  },
  dtypes: sameDTypes,
  create(ctx, node) {
    const y = ctx.info(node.outputs[0]);
    const layer = prepareConcat(ctx.mem, ctx.build, {
      dtype: y.dtype === 'i8' ? 'qs8' : 'f32', pixels: numel(y.shape.slice(1, -1)), channels: node.inputs.map((n) => ctx.info(n).shape.at(-1)!),
    });
    const [xs, Y] = [ctx.x, ctx.y[0]];
    return () => runConcat(ctx.mem, layer, xs.map((s) => s.ptr), Y.ptr);
  },
};

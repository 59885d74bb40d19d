// concat: [x0, x1, ...] joined along `axis` (absent: the last, the NHWC channel axis); an input
// may be an f32 constant. One strided copy per input into its slice of the output. int8: every
// input and the output share one quantization (the kernel copies bytes).
import { placeLoops, prepareCopy, runCopy } from '../../runtime/ops/copy.js';
import { BranchyUnsupportedError } from '../../errors.js';
import type { Node } from '../types.js';
import { fail, fmt, same, where, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';
import { axisOf, elOf, perSample, sampleOf } from './move.js';

export interface ConcatAttrs {
  axis?: number;
}

export const concat: OpDef<ConcatAttrs> = {
  inputs: [1, Infinity],
  int8: 'shared',
  int8When: 'any-input',
  int8Refusal: (node, isConst) => (node.inputs.some(isConst) ? 'concat of a constant has no int8 form' : undefined),
  check() {},
  infer(node, ins) {
    const first = ins[0];
    const r = first.shape.length, axis = axisOf(node, node.attrs.axis, r);
    const rest = (s: readonly number[]): number[] => s.filter((_, i) => i !== axis);
    let c = 0;
    for (const t of ins) {
      if (t.shape.length !== r || !same(rest(t.shape), rest(first.shape))) {
        fail(node, `input '${t.name}' ${fmt(t.shape)} cannot join ${fmt(first.shape)} along axis ${axis}`);
      }
      c += t.shape[axis];
    }
    const out = first.shape.slice();
    out[axis] = c;
    return [out];
  },
  dtypes: sameDTypes,
  create(ctx, node) {
    const y = ctx.info(node.outputs[0]);
    const axis = axisOf(node, node.attrs.axis, y.shape.length);
    perSample(node, ctx.info(node.inputs[0]), y, axis !== 0);
    const el = elOf(y);
    const out = axis === 0 ? y.shape : sampleOf(y.shape);
    // Computed inputs come from their planned buffers, constants (f32) from a copy made at load.
    let at = 0, k = 0;
    const parts = node.inputs.map((name, i) => {
      const s = ctx.info(name).shape;
      const { loops, yOff } = placeLoops(axis === 0 ? s : sampleOf(s), out, axis, at);
      at += s[axis];
      const c = ctx.weights.has(name) ? ctx.constant(node as Node, i, Float32Array) : null;
      if (c && y.dtype !== 'f32') throw new BranchyUnsupportedError(`${where(node)}: an int8 concat of a constant ('${name}'); keep it in f32`);
      if (c && s[0] !== 1) throw new BranchyUnsupportedError(`${where(node)}: constant '${name}' ${fmt(s)} differs from sample to sample (axis 0 is the batch, which branchy runs one sample at a time); give it batch 1`);
      const src = c ? ctx.mem.put(c) : -1, buf = c ? null : ctx.x[k++];
      return { layer: prepareCopy(ctx.mem, ctx.build, loops, el, where(node)), yOff: yOff * el, from: () => (buf ? buf.ptr : src) };
    });
    const Y = ctx.y[0];
    return () => parts.forEach((p) => runCopy(ctx.mem, p.layer, p.from(), Y.ptr + p.yOff));
  },
};

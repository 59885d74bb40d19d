// activation: [x] -> the node's `act` applied element-wise, in f32. Also the f32 pass that
// follows an op whose fused activation is not a clamp (applyActivation).
import { BranchyUnsupportedError } from '../../errors.js';
import type { Activation } from '../types.js';
import { asClamp } from '../numerics.js';
import { f32Range } from '../../runtime/ops/activation.js';
import { numel, want, where, type OpDef } from './def.js';

/** Applies an activation in place (the f32 definition of every kind, docs/ir.md). */
export function applyActivation(x: Float32Array, act: Activation): void {
  const a = act.alpha ?? 0, b = act.beta ?? 0;
  switch (act.kind) {
    case 'leakyrelu':
      for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] *= a;
      return;
    case 'sigmoid':
      for (let i = 0; i < x.length; i++) x[i] = 1 / (1 + Math.exp(-x[i]));
      return;
    case 'hardsigmoid':
      for (let i = 0; i < x.length; i++) x[i] = Math.max(0, Math.min(1, a * x[i] + b));
      return;
    case 'hardswish':
      for (let i = 0; i < x.length; i++) x[i] = x[i] * Math.max(0, Math.min(1, x[i] / 6 + 0.5));
      return;
    default: {
      const { fmin, fmax } = f32Range(asClamp(act)!);
      for (let i = 0; i < x.length; i++) x[i] = Math.min(fmax, Math.max(fmin, x[i]));
    }
  }
}

export const activation: OpDef<Record<string, never>> = {
  inputs: [1, 1],
  fusesActivation: true,
  int8: 'float',
  check() {},
  infer: (_node, [x]) => [x.shape.slice()],
  dtypes(node, [x], [y]) {
    want(node, x, ['f32'], 'input');
    want(node, y, ['f32'], 'output');
  },
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    if (x.dtype === 'i8') throw new BranchyUnsupportedError(`${where(node)}: standalone activations run in f32; dequantize first`);
    const n = numel(y.shape.slice(1));
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    return () => {
      const dst = ctx.mem.f32(Y.ptr, n);
      dst.set(ctx.mem.f32(X.ptr, n));
      applyActivation(dst, node.act!);
    };
  },
};

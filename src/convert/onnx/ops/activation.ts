// Relu, Clip, LeakyRelu, HardSigmoid, HardSwish, Sigmoid, Tanh, Elu, Erf, Gelu <-> activation
// (standalone, or fused into the node before it: the fuse-activation pass does that after
// translation, and the exporter writes a fused activation after its node's op); PRelu <-> prelu.
// silu and gelu export as the ops ONNX spells them with (opset 13), which the import reads back.
import type { onnx } from 'onnx-proto';
import { BranchyUnsupportedError } from '../../../errors.js';
import type { Activation } from '../../../ir/types.js';
import { F32_MAX } from '../../../ir/numerics.js';
import { clampAct } from '../../../ir/passes/fuse-activation.js';
import type { ImportContext, Value } from '../context.js';
import type { Exporter } from '../../onnx-export/export.js';
import type { OnnxFamily } from './family.js';
import { channelVector } from './elementwise.js';

/** A standalone activation of input 0 (or of `input`) into `out`; fuse-activation fuses it where it can. */
export function activation(ctx: ImportContext, n: onnx.INodeProto, out: string, act: Activation, input?: Value): void {
  const x = input ?? ctx.valueIn(n, 0);
  if (x.layout === 'hwc-flat') throw new Error('internal: hwc-flat read by an activation');
  const node = ctx.emit('activation', n.name ?? '', [x.ir], out, {}, act);
  if (!x.sole) ctx.keep.add(node);
  ctx.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout });
}

/** Writes activation `act` of float value `v` into value `y`; returns y. */
export function writeActivation(ex: Exporter, v: string, act: Activation, where: string, y: string): string {
  const f = (x: number) => ex.b.scalarish('bound', 'f32', [], [x]);
  switch (act.kind) {
    case 'relu':
      ex.b.node('Relu', [v], [y]);
      break;
    case 'relu6':
      ex.b.node('Clip', [v, f(0), f(6)], [y]);
      break;
    case 'clip':
      ex.b.node('Clip', [v, f(act.min!), f(act.max!)], [y]);
      break;
    case 'leakyrelu':
      ex.b.node('LeakyRelu', [v], [y], { alpha: { float: act.alpha! } });
      break;
    case 'hardsigmoid':
      ex.b.node('HardSigmoid', [v], [y], { alpha: { float: act.alpha! }, beta: { float: act.beta! } });
      break;
    case 'hardswish': {
      // HardSwish is opset 14: x * HardSigmoid(x; 1/6, 1/2), which the importer reads back as one.
      const h = ex.b.fresh(`${v}_hardsigmoid`);
      ex.b.node('HardSigmoid', [v], [h], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
      ex.b.node('Mul', [v, h], [y]);
      break;
    }
    case 'sigmoid':
      ex.b.node('Sigmoid', [v], [y]);
      break;
    case 'silu': {
      const s = ex.b.fresh(`${v}_sigmoid`);
      ex.b.node('Sigmoid', [v], [s]);
      ex.b.node('Mul', [v, s], [y]);
      break;
    }
    case 'tanh':
      ex.b.node('Tanh', [v], [y]);
      break;
    case 'elu':
      ex.b.node('Elu', [v], [y], { alpha: { float: act.alpha! } });
      break;
    case 'erf':
      ex.b.node('Erf', [v], [y]);
      break;
    case 'gelu': {
      // Gelu is opset 20: 0.5 * x * (1 + Erf(x / sqrt(2))), as PyTorch exports it.
      const [d, e, a, m] = ['div', 'erf', 'add', 'mul'].map((k) => ex.b.fresh(`${v}_gelu_${k}`));
      ex.b.node('Div', [v, f(Math.SQRT2)], [d]);
      ex.b.node('Erf', [d], [e]);
      ex.b.node('Add', [e, f(1)], [a]);
      ex.b.node('Mul', [v, a], [m]);
      ex.b.node('Mul', [m, f(0.5)], [y]);
      break;
    }
    default:
      throw new BranchyUnsupportedError(`${where}: activation '${(act as Activation).kind}' has no ONNX form here`);
  }
  return y;
}

export const activationFamily: OnnxFamily = {
  import: {
    Relu: (ctx, n, _a, out) => activation(ctx, n, out, { kind: 'relu' }),
    Clip(ctx, n, a, out) {
      let lo: number, hi: number;
      if (ctx.opset < 11) {
        lo = a.float('min', -F32_MAX);
        hi = a.float('max', F32_MAX);
      } else {
        const mn = ctx.optConst(n, 1, 'min'), mx = ctx.optConst(n, 2, 'max');
        lo = mn ? Number(mn.data[0]) : -F32_MAX;
        hi = mx ? Number(mx.data[0]) : F32_MAX;
      }
      activation(ctx, n, out, clampAct(Math.max(lo, -F32_MAX), Math.min(hi, F32_MAX)));
    },
    LeakyRelu: (ctx, n, a, out) => activation(ctx, n, out, { kind: 'leakyrelu', alpha: a.float('alpha', 0.01) }),
    HardSigmoid: (ctx, n, a, out) => activation(ctx, n, out, { kind: 'hardsigmoid', alpha: a.float('alpha', 0.2), beta: a.float('beta', 0.5) }),
    HardSwish: (ctx, n, _a, out) => activation(ctx, n, out, { kind: 'hardswish' }),
    Sigmoid: (ctx, n, _a, out) => activation(ctx, n, out, { kind: 'sigmoid' }),
    Tanh: (ctx, n, _a, out) => activation(ctx, n, out, { kind: 'tanh' }),
    Elu: (ctx, n, a, out) => activation(ctx, n, out, { kind: 'elu', alpha: a.float('alpha', 1) }),
    Erf: (ctx, n, _a, out) => activation(ctx, n, out, { kind: 'erf' }),
    Gelu(ctx, n, a, out) {
      if (a.string('approximate', 'none') !== 'none') ctx.unsupported(n, `approximate=${a.string('approximate', 'none')}`, 'branchy runs the exact GELU (approximate="none"); export with it');
      activation(ctx, n, out, { kind: 'gelu' });
    },
    PRelu: {
      min: 2,
      import(ctx, n, _a, out) {
        const x = ctx.valueIn(n, 0);
        const c = ctx.constIn(n, 1, 'the slope');
        const slope = channelVector(x, c) ?? ctx.unsupported(n, `slope of shape [${c.dims.join(', ')}]`, 'branchy runs PRelu with a slope per channel ([C], [C,1,1]) or one slope');
        ctx.emit('prelu', n.name ?? '', [x.ir, ctx.addTensor(`${n.name || out}.slope`, [slope.length], slope)], out, {});
        ctx.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout });
      },
    },
  },
  export: {
    // The op is its activation: the exporter applies it to the input.
    activation: (ex, node, where) => ex.float(node.inputs[0], where),
    prelu(ex, node, where, y, name) {
      const r = ex.t(node.inputs[0]).shape.length;
      ex.b.node('PRelu', [ex.float(node.inputs[0], where), ex.float(node.inputs[1], where, r)], [y], {}, name);
      return y;
    },
  },
};

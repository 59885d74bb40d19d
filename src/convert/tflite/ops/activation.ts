// Fused activations (the `fused_activation_function` of CONV_2D, ADD, ...) <-> branchy's `act`,
// and the standalone RELU, RELU6 and RELU_N1_TO_1 operators.
import type { Activation, Node } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import { asClamp } from '../../../ir/numerics.js';
import type { TfliteImportContext } from '../context.js';
import type { LeakyReluOptions, Activation as TfliteActivation } from '../model.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily, TfliteImportFn } from './family.js';

const CLAMPS: Partial<Record<TfliteActivation, Activation>> = {
  RELU: { kind: 'relu' },
  RELU6: { kind: 'relu6' },
  RELU_N1_TO_1: { kind: 'clip', min: -1, max: 1 },
};

/** The IR activation of an operator's fused activation (undefined for NONE); TANH and SIGN_BIT are refused. */
export function fusedActivation(ctx: TfliteImportContext, op: TfliteOpView, fused: TfliteActivation): Activation | undefined {
  if (fused === 'NONE') return undefined;
  const a = CLAMPS[fused];
  if (!a) ctx.unsupported(op, `fused activation ${fused}`, 'branchy fuses RELU, RELU6 and RELU_N1_TO_1; use one of them or a separate operator');
  return { ...a };
}

/** The TFLite fused activation of an IR activation, or null when TFLite has none for it. */
export function tfliteActivation(act: Activation | undefined): TfliteActivation | null {
  const c = asClamp(act);
  if (!c) return null;
  if (c.kind === 'none' || c.kind === 'relu' || c.kind === 'relu6') return c.kind === 'none' ? 'NONE' : c.kind === 'relu' ? 'RELU' : 'RELU6';
  if (c.min === 0 && c.max === undefined) return 'RELU';
  if (c.min === 0 && c.max === 6) return 'RELU6';
  if (c.min === -1 && c.max === 1) return 'RELU_N1_TO_1';
  if (c.min === undefined && c.max === undefined) return 'NONE';
  return null;
}

/** An element-wise activation operator: an f32 activation node; int8 runs it in f32 between a dequantize and a quantize. */
const standalone = (actOf: (ctx: TfliteImportContext, op: TfliteOpView) => Activation): TfliteImportFn => (ctx, op) => {
  const x = ctx.value(op, 0);
  const out = op.outputs[0]!;
  const act = actOf(ctx, op);
  const yq = ctx.activationOf(op, out);
  if (yq.dtype === 'f32') {
    ctx.emit(op, 'activation', [x], {}, { ...yq, tflite: out }, act);
    return;
  }
  const xf = ctx.emit(op, 'dequantize', [x], {}, { name: `${out.name}/in_f32`, dtype: 'f32' }, undefined, '_dequantize');
  const yf = ctx.emit(op, 'activation', [xf], {}, { name: `${out.name}/f32`, dtype: 'f32' }, act);
  ctx.emit(op, 'quantize', [yf], {}, { ...yq, tflite: out }, undefined, '_quantize');
};

export const activationFamily: TfliteFamily = {
  import: {
    RELU: standalone((ctx, op) => fusedActivation(ctx, op, 'RELU')!),
    RELU6: standalone((ctx, op) => fusedActivation(ctx, op, 'RELU6')!),
    RELU_N1_TO_1: standalone((ctx, op) => fusedActivation(ctx, op, 'RELU_N1_TO_1')!),
    LOGISTIC: standalone(() => ({ kind: 'sigmoid' })),
    HARD_SWISH: standalone(() => ({ kind: 'hardswish' })),
    LEAKY_RELU: standalone((_ctx, op) => ({ kind: 'leakyrelu', alpha: (op.options as LeakyReluOptions).alpha })),
  },
  export: { activation: exportStandalone },
};

/** The TFLite operators of the f32 activations that are not clamps. */
const OPERATORS: Partial<Record<Activation['kind'], string>> = { sigmoid: 'LOGISTIC', hardswish: 'HARD_SWISH', leakyrelu: 'LEAKY_RELU' };

/** Writes activation `act` as its own TFLite operator from tensor `x` to tensor `y`. */
function activationOp(ex: TfliteExporter, node: Node, act: Activation | undefined, x: number, y: number): void {
  const clamp = tfliteActivation(act);
  const op = clamp && clamp !== 'NONE' ? clamp : act && OPERATORS[act.kind];
  if (!op || (act?.kind !== 'leakyrelu' && clamp === null && ex.info(node.outputs[0]).dtype !== 'f32')) {
    ex.unsupported(node, `activation ${act?.kind ?? 'none'}${act?.kind === 'clip' ? ` [${act.min}, ${act.max}]` : ''} on ${ex.info(node.outputs[0]).dtype} values`, 'TFLite has RELU, RELU6, RELU_N1_TO_1, LOGISTIC, HARD_SWISH and LEAKY_RELU');
  }
  ex.op(op, [x], [y], act?.kind === 'leakyrelu' ? { type: 'LeakyReluOptions', alpha: act.alpha ?? 0 } : op === 'HARD_SWISH' ? { type: 'HardSwishOptions' } : undefined);
}

/**
 * A node's output and fused activation as TFLite writes them: a clamp fuses (RELU, RELU6,
 * RELU_N1_TO_1); an f32 sigmoid, hardswish or leaky ReLU follows as its own operator, written by
 * `finish` after the node.
 */
export function exportOutput(ex: TfliteExporter, node: Node): { output: number; activation: TfliteActivation; finish: () => void } {
  const fused = tfliteActivation(node.act);
  if (fused !== null) return { output: ex.tensor(node.outputs[0]), activation: fused, finish: () => {} };
  const y = ex.info(node.outputs[0]);
  const before = ex.intermediate(node.outputs[0], y.shape, 'pre_activation');
  return { output: before, activation: 'NONE', finish: () => activationOp(ex, node, node.act, before, ex.tensor(node.outputs[0])) };
}

/** A standalone activation node. */
function exportStandalone(ex: TfliteExporter, node: Node): void {
  activationOp(ex, node, node.act, ex.tensor(node.inputs[0]), ex.tensor(node.outputs[0]));
}

// Fused activations (the `fused_activation_function` of CONV_2D, ADD, ...) <-> branchy's `act`,
// the standalone activation operators (RELU, RELU6, RELU_N1_TO_1, LOGISTIC, TANH, HARD_SWISH,
// LEAKY_RELU) and PRELU.
import type { Activation, Node } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import { asClamp } from '../../../ir/numerics.js';
import type { TfliteImportContext } from '../context.js';
import type { LeakyReluOptions, Activation as TfliteActivation } from '../model.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily, TfliteImportFn } from './family.js';
import { INT8_ACTIVATIONS } from './int8-activation.js';

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

/**
 * An element-wise activation operator: an f32 activation node; int8 runs it in f32 between a
 * dequantize and a quantize, or (`table`) as one int8 activation node, the 256-entry table built
 * from the activation's definition at the two tensors' quantizations (TFLite's and XNNPACK's
 * int8 TANH are such tables too).
 */
const standalone = (actOf: (ctx: TfliteImportContext, op: TfliteOpView) => Activation, table = false): TfliteImportFn => (ctx, op) => {
  const x = ctx.value(op, 0);
  const out = op.outputs[0]!;
  const act = actOf(ctx, op);
  const yq = ctx.activationOf(op, out);
  if (ctx.byName.get(x)!.dtype !== yq.dtype) ctx.unsupported(op, `input is ${ctx.byName.get(x)!.dtype} and output "${out.name}" ${yq.dtype}`, 'the model is malformed');
  if (yq.dtype === 'f32' || table) {
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
    TANH: standalone(() => ({ kind: 'tanh' }), true),
    PRELU: prelu,
  },
  export: { activation: exportStandalone, prelu: exportPrelu },
};

/** The TFLite operators of the f32 activations that are not clamps (int8 tanh: TFLite's table). */
const OPERATORS: Partial<Record<Activation['kind'], string>> = { sigmoid: 'LOGISTIC', hardswish: 'HARD_SWISH', leakyrelu: 'LEAKY_RELU', tanh: 'TANH' };

/**
 * PRELU <-> prelu: x < 0 ? alpha[c] · x : x with alpha constant, one value or one per channel
 * (the last axis; TFLite broadcasts alpha of shape [1, 1, C] or [C]). An int8 alpha is read as
 * its real values (the IR's slope is f32; the int8 step requantizes by the sign's multiplier).
 */
function prelu(ctx: TfliteImportContext, op: TfliteOpView): void {
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  const a = ctx.constant(op, 1, 'alpha');
  const C = xt.shape.at(-1)!;
  const n = a.shape.reduce((p, d) => p * d, 1);
  const q = a.quantization;
  if ((n !== C && n !== 1) || a.shape.slice(0, -1).some((d) => d !== 1) || xt.shape.length < 2) {
    ctx.unsupported(op, `alpha "${a.name}" [${a.shape.join(', ')}] for input [${xt.shape.join(', ')}]`, 'branchy takes one alpha per channel (the last axis) or one for all');
  }
  if (xt.dtype !== yq.dtype) ctx.unsupported(op, `input is ${xt.dtype} and output "${out.name}" ${yq.dtype}`, 'the model is malformed');
  if (a.type !== 'FLOAT32' && (a.type !== 'INT8' || q?.scale.length !== 1)) {
    ctx.unsupported(op, `alpha "${a.name}" is ${a.type}${q && q.scale.length > 1 ? ' per channel' : ''} for ${xt.dtype} values`, 'use a float alpha, or an int8 alpha with one scale');
  }
  const slope = a.type === 'FLOAT32' ? (a.data as Float32Array) : Float32Array.from(a.data as Int8Array, (v) => (v - q!.zeroPoint[0]) * q!.scale[0]);
  const s = ctx.declare(a.name, [n], 'f32', undefined, slope);
  ctx.emit(op, 'prelu', [x, s], {}, { ...yq, tflite: out });
}

/** prelu as PRELU; int8: alpha as int8 at scale max|alpha| / 127 (zero point 0), the nearest TFLite holds. */
function exportPrelu(ex: TfliteExporter, node: Node): void {
  const y = ex.info(node.outputs[0]);
  const s = ex.info(node.inputs[1]);
  let alpha = ex.tensor(node.inputs[1]);
  if (y.dtype === 'i8') {
    const v = ex.weights.get(node.inputs[1]) as Float32Array;
    const scale = Math.max(...Array.from(v, Math.abs)) / 127 || 1;
    alpha = ex.constant(`${s.name}/int8`, Int8Array.from(v, (a) => Math.round(a / scale)), s.shape, { scale: [scale], zeroPoint: [0], quantizedDimension: 0 });
  }
  ex.op('PRELU', [ex.tensor(node.inputs[0]), alpha], [ex.tensor(node.outputs[0])]);
}

/** Writes activation `act` as its own TFLite operator from tensor `x` to tensor `y`. */
function activationOp(ex: TfliteExporter, node: Node, act: Activation | undefined, x: number, y: number): void {
  const clamp = tfliteActivation(act);
  const int8 = clamp === null && act && ex.info(node.outputs[0]).dtype === 'i8' ? INT8_ACTIVATIONS[act.kind] : undefined;
  if (int8) return int8(ex, node, act!, x, y);
  const op = clamp && clamp !== 'NONE' ? clamp : act && OPERATORS[act.kind];
  if (!op || (act?.kind !== 'leakyrelu' && act?.kind !== 'tanh' && clamp === null && ex.info(node.outputs[0]).dtype !== 'f32')) {
    ex.unsupported(node, `activation ${act?.kind ?? 'none'}${act?.kind === 'clip' ? ` [${act.min}, ${act.max}]` : ''} on ${ex.info(node.outputs[0]).dtype} values`, `TFLite has RELU, RELU6, RELU_N1_TO_1, LOGISTIC, TANH, HARD_SWISH and LEAKY_RELU; branchy writes in int8 the clamps, tanh, leakyrelu, ${Object.keys(INT8_ACTIVATIONS).join(', ')}`);
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

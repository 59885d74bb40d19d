// Fused activations (the `fused_activation_function` of CONV_2D, ADD, ...) <-> branchy's `act`,
// and the standalone RELU, RELU6 and RELU_N1_TO_1 operators.
import type { Activation, Node } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import { asClamp } from '../../../ir/numerics.js';
import type { TfliteImportContext } from '../context.js';
import type { Activation as TfliteActivation } from '../model.js';
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

/** RELU, RELU6, RELU_N1_TO_1: an f32 activation node; int8 runs it in f32 between a dequantize and a quantize. */
const standalone = (fused: TfliteActivation): TfliteImportFn => (ctx, op) => {
  const x = ctx.value(op, 0);
  const out = op.outputs[0]!;
  const act = fusedActivation(ctx, op, fused)!;
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
  import: { RELU: standalone('RELU'), RELU6: standalone('RELU6'), RELU_N1_TO_1: standalone('RELU_N1_TO_1') },
  export: { activation: exportStandalone },
};

/** A node's fused activation as TFLite's, or a typed error. */
export function exportActivation(ex: TfliteExporter, node: Node): TfliteActivation {
  const a = tfliteActivation(node.act);
  if (a === null) ex.unsupported(node, `fused activation ${node.act?.kind}${node.act?.kind === 'clip' ? ` [${node.act.min}, ${node.act.max}]` : ''}`, 'TFLite fuses RELU, RELU6 and RELU_N1_TO_1 only');
  return a;
}

/** A standalone activation: RELU, RELU6, RELU_N1_TO_1 on float values. */
function exportStandalone(ex: TfliteExporter, node: Node): void {
  const a = exportActivation(ex, node);
  if (a === 'NONE') ex.unsupported(node, 'an activation node without an activation', 'the graph is malformed');
  ex.op(a, [ex.tensor(node.inputs[0])], [ex.tensor(node.outputs[0])]);
}

// ADD, SUB, MUL <-> add, sub, mul. Two computed tensors: numpy broadcasting (both of the
// output's rank and batch), each int8 input at its own scale and zero point, the output at its
// own. A constant operand: a float (or, in an int8 layer, an int8 constant read as its real
// values) of one value or one per channel (the last axis) runs on the per-channel multiply-add
// (x − c is x + (−c)); any other float constant broadcasts in f32.
import type { AddSubOptions, MulOptions } from '../model.js';
import type { TfliteImportContext } from '../context.js';
import { numel } from '../context.js';
import type { TfliteOpView, TfliteTensorView } from '../view.js';
import type { TfliteFamily } from './family.js';
import type { Node } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import { exportChannelAffine } from './channel.js';
import { exportOutput, fusedActivation } from './activation.js';

const IR = { ADD: 'add', SUB: 'sub', MUL: 'mul' } as const;

/** The real values of a constant operand (FLOAT32, or INT8 / INT32 with one scale and zero point), or null. */
function realValues(c: TfliteTensorView): Float32Array | null {
  if (c.type === 'FLOAT32') return c.data as Float32Array;
  const q = c.quantization;
  if ((c.type !== 'INT8' && c.type !== 'INT32') || q?.scale.length !== 1) return null;
  return Float32Array.from(c.data as Int8Array | Int32Array, (v) => (v - q.zeroPoint[0]) * q.scale[0]);
}

function binary(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as AddSubOptions | MulOptions | undefined;
  const kind = IR[op.op as keyof typeof IR];
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  const act = fusedActivation(ctx, op, o?.activation ?? 'NONE');
  const [a, b] = [op.inputs[0], op.inputs[1]];
  if (!a || !b) ctx.unsupported(op, 'an input is omitted', 'the model is malformed');
  const [ca, cb] = [a.data !== undefined && !ctx.values.has(a.index), b.data !== undefined && !ctx.values.has(b.index)];
  if (ca && cb) ctx.unsupported(op, 'both inputs are constants', 'fold the constant expression in the converter');
  if (ca || cb) {
    const [xi, c] = ca ? [1, a] : [0, b];
    const x = ctx.value(op, xi);
    const C = ctx.byName.get(x)!.shape.at(-1)!;
    const real = realValues(c);
    const perChannel = numel(c.shape) === C || numel(c.shape) === 1;
    if (!real || (yq.dtype === 'i8' && (!perChannel || (ca && op.op === 'SUB')))) {
      ctx.unsupported(op, `${op.op.toLowerCase()}s the constant "${c.name}" [${c.shape.join(', ')}] ${c.type} to ${yq.dtype === 'i8' ? 'an int8' : 'a float'} tensor`,
        'branchy takes a float constant (int8 layers: x + c, x − c, x · c with c of one value or one per channel, the last axis); compute the operand instead');
    }
    if (perChannel && (!ca || op.op !== 'SUB')) {
      // x + c, x − c, x · c (either order for + and ·): the per-channel form, c along the last axis.
      const cn = ctx.declare(c.name, [numel(c.shape)], 'f32', undefined, op.op === 'SUB' ? real.map((v) => -v) : real);
      ctx.emit(op, op.op === 'MUL' ? 'mul' : 'add', [x, cn], {}, { ...yq, tflite: out }, act);
      return;
    }
    // A float constant of another shape (or c − x): the broadcasting f32 op, the constant in its own shape.
    const cn = ctx.declare(c.name, c.shape, 'f32', undefined, real);
    ctx.emit(op, kind, ca ? [cn, x] : [x, cn], {}, { ...yq, tflite: out }, act);
    return;
  }
  const [x, y] = [ctx.value(op, 0), ctx.value(op, 1)];
  const [xs, ys] = [ctx.byName.get(x)!.shape, ctx.byName.get(y)!.shape];
  if (xs.length !== ys.length || xs[0] !== ys[0]) {
    ctx.unsupported(op, `broadcasts [${xs.join(', ')}] with [${ys.join(', ')}]`, 'branchy broadcasts two computed tensors of one rank and one batch size (reshape the smaller one to the output\'s rank)');
  }
  ctx.emit(op, kind, [x, y], {}, { ...yq, tflite: out }, act);
}

/**
 * add, sub, mul as ADD, SUB, MUL: operands as they are (a per-channel constant is TFLite's broadcast
 * of a [C] tensor); int8 add and mul of a per-channel constant: a 1×1 depthwise convolution (channel.ts).
 */
function exportBinary(ex: TfliteExporter, node: Node, op: 'ADD' | 'SUB' | 'MUL'): void {
  const [a, b] = node.inputs.map((i) => ex.info(i));
  const y = exportOutput(ex, node);
  if (ex.info(node.outputs[0]).dtype === 'i8' && (a.constant || b.constant)) {
    // branchy's int8 add and mul take a float constant per channel (or one value) as the second operand.
    if (op === 'SUB' || a.constant || b.shape.length !== 1) ex.unsupported(node, `an int8 ${node.op} of a float constant`, `TFLite's int8 ${op} takes int8 operands; keep the layer in f32`);
    const c = ex.weights.get(node.inputs[1]) as Float32Array;
    exportChannelAffine(ex, node, ex.tensor(node.inputs[0]), y.output, op === 'MUL' ? c : Float32Array.of(1), op === 'ADD' ? c : null, y.activation);
    return y.finish();
  }
  const options = op === 'MUL' ? { type: 'MulOptions' as const, activation: y.activation } : { type: op === 'ADD' ? 'AddOptions' as const : 'SubOptions' as const, activation: y.activation, potScaleInt16: true };
  ex.op(op, node.inputs.map((i) => ex.tensor(i)), [y.output], options);
  y.finish();
}

export const elementwiseFamily: TfliteFamily = {
  import: { ADD: binary, SUB: binary, MUL: binary },
  export: {
    add: (ex, node) => exportBinary(ex, node, 'ADD'),
    sub: (ex, node) => exportBinary(ex, node, 'SUB'),
    mul: (ex, node) => exportBinary(ex, node, 'MUL'),
  },
};

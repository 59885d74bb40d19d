// ADD <-> add: two computed tensors of one shape, each int8 input at its own scale and zero
// point, the output at its own; or a float constant of the last axis's size (a per-channel add).
import type { AddSubOptions } from '../model.js';
import type { TfliteImportContext } from '../context.js';
import { numel } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';
import { exportOutput, fusedActivation } from './activation.js';

/** ADD; SUB and MUL of a float constant (x − c is x + (−c)). */
function add(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as AddSubOptions;
  const sub = op.op === 'SUB', mul = op.op === 'MUL';
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  const act = fusedActivation(ctx, op, o.activation);
  if (mul && act) ctx.unsupported(op, `fused ${o.activation} on MUL`, 'branchy\'s per-channel multiply carries no activation; use a separate RELU');
  const [a, b] = [op.inputs[0], op.inputs[1]];
  if (!a || !b) ctx.unsupported(op, 'an input is omitted', 'the model is malformed');
  const [ca, cb] = [a.data !== undefined && !ctx.values.has(a.index), b.data !== undefined && !ctx.values.has(b.index)];
  if (ca && cb) ctx.unsupported(op, 'both inputs are constants', 'fold the constant expression in the converter');
  if (ca && (sub || mul)) ctx.unsupported(op, `the constant "${a.name}" is the first operand`, 'write x − c or x · c with the constant second');
  if ((sub || mul) && !cb) ctx.unsupported(op, 'both operands are computed', `branchy ${mul ? 'multiplies' : 'subtracts'} a float constant (one value or one per channel) only`);
  if (ca || cb) {
    // x + c with c constant: branchy's add takes c as an f32 vector along the last axis.
    const [xi, c] = ca ? [1, a] : [0, b];
    const x = ctx.value(op, xi);
    const C = ctx.byName.get(x)!.shape.at(-1)!;
    if (c.type !== 'FLOAT32' || yq.dtype !== 'f32' || (numel(c.shape) !== C && numel(c.shape) !== 1)) {
      ctx.unsupported(op, `adds the constant "${c.name}" [${c.shape.join(', ')}] ${c.type}`, 'branchy adds a float constant of one value or one per channel (last axis); add two computed tensors otherwise');
    }
    const data = c.data as Float32Array;
    const cn = ctx.declare(c.name, [numel(c.shape)], 'f32', undefined, sub ? data.map((v) => -v) : data);
    ctx.emit(op, mul ? 'mul' : 'add', [x, cn], {}, { ...yq, tflite: out }, act);
    return;
  }
  const [x, y] = [ctx.value(op, 0), ctx.value(op, 1)];
  const [xs, ys] = [ctx.byName.get(x)!.shape, ctx.byName.get(y)!.shape];
  if (xs.length !== ys.length || xs.some((d, i) => d !== ys[i])) {
    ctx.unsupported(op, `broadcasts [${xs.join(', ')}] with [${ys.join(', ')}]`, 'branchy adds two tensors of one shape (or a per-channel constant)');
  }
  ctx.emit(op, 'add', [x, y], {}, { ...yq, tflite: out }, act);
}

export const elementwiseFamily: TfliteFamily = {
  import: { ADD: add, SUB: add, MUL: add },
  export: {
    mul(ex, node) {
      if (ex.info(node.inputs[0]).dtype !== 'f32') ex.unsupported(node, 'an int8 multiply by a float constant', 'TFLite\'s int8 MUL takes an int8 operand; keep the layer in f32');
      ex.op('MUL', node.inputs.map((i) => ex.tensor(i)), [ex.tensor(node.outputs[0])], { type: 'MulOptions', activation: 'NONE' });
    },
    add(ex, node) {
      const y = exportOutput(ex, node);
      ex.op('ADD', node.inputs.map((i) => ex.tensor(i)), [y.output], { type: 'AddOptions', activation: y.activation, potScaleInt16: true });
      y.finish();
    },
  },
};

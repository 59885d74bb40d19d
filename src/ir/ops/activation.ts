// activation: [x] -> the node's `act` applied element-wise (src/ir/activations.ts defines every
// kind). f32: the f32 activation kernel. int8: a 256-entry table from the input's quantization
// to the output's, built at load from the activation's definition (int8Table), through the table
// lookup kernel. Also the f32 pass that follows an op whose fused activation is not a clamp
// (activationPass), and the in-place table step an int8 producer runs on its own output when
// this node is its only reader (tableReader: the executor fuses them into one step).
import type { Activation, Node } from '../types.js';
import { asClamp } from '../numerics.js';
import { ACTIVATIONS, int8Table } from '../activations.js';
import { f32Range } from '../../runtime/ops/activation.js';
import { prepareF32Act, prepareLut, runUnary } from '../../runtime/ops/nonlinear.js';
import type { LinearMemory } from '../../runtime/memory.js';
import type { Build } from '../../runtime/features.js';
import { numel, want, type AbsorbContext, type OpDef } from './def.js';
import { tensorQuant } from './quant-params.js';

/** The f32 activation of n values from x to y (in place when x = y), as a call to make per sample. */
export function activationPass(mem: LinearMemory, build: Build, act: Activation, n: number): (x: number, y: number) => void {
  const op = ACTIVATIONS[act.kind].kernel;
  const { fmin, fmax } = op === 'clamp' ? f32Range(asClamp(act)!) : { fmin: -Infinity, fmax: Infinity };
  const layer = prepareF32Act(mem, build, { n, op, alpha: act.alpha, beta: act.beta, fmin, fmax });
  return (x, y) => runUnary(mem, layer, x, y);
}

/**
 * The int8 activation that reads `node`'s output, if the two can run as one step: the node's
 * int8 output is read by nothing else and is not a graph output; the table lookup then runs in
 * place on the buffer the node writes.
 */
export function tableReader(node: Node, ctx: AbsorbContext): Node | null {
  const out = node.outputs[0];
  if (node.op === 'activation' || ctx.info(out).dtype !== 'i8' || ctx.graph.outputs.includes(out)) return null;
  const readers = ctx.readersOf(out);
  if (readers.length !== 1 || readers[0].op !== 'activation' || readers[0].inputs[0] !== out) return null;
  return ctx.info(readers[0].outputs[0]).dtype === 'i8' ? readers[0] : null;
}

export const activation: OpDef<Record<string, never>> = {
  inputs: [1, 1],
  fusesActivation: true,
  int8: 'requantize',
  int8When: 'first-input',
  check() {},
  infer: (_node, [x]) => [x.shape.slice()],
  dtypes(node, [x], [y]) {
    want(node, x, ['f32', 'i8'], 'input');
    want(node, y, [x.dtype], 'output');
  },
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    const n = numel(y.shape.slice(1));
    // When the producer took this node into its step, the table runs in place on its output.
    const [X, Y] = ctx.x.length ? [ctx.x[0], ctx.y[0]] : [ctx.y[0], ctx.y[0]];
    if (x.dtype === 'i8') {
      const layer = prepareLut(ctx.mem, ctx.build, { n, table: int8Table(node.act!, tensorQuant(x, node), tensorQuant(y, node)) });
      return () => runUnary(ctx.mem, layer, X.ptr, Y.ptr);
    }
    const run = activationPass(ctx.mem, ctx.build, node.act!, n);
    return () => run(X.ptr, Y.ptr);
  },
};

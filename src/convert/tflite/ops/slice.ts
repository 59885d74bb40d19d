// SLICE <-> slice of step 1: TFLite's begin and size (size −1: to the end of the axis) are the
// IR's starts and ends − starts. int8 values pass through at the input's quantization. Also
// the slices the exporter writes itself (the groups of a grouped transposed convolution).
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';
import type { DType, NodeOf, Quant } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import { sameQuant } from '../../../ir/ops/quant-params.js';

/** The output spec of an operator that moves its input's values (SLICE, TRANSPOSE): the input's type and quantization, which TFLite requires of the output. */
export function movedOutput(ctx: TfliteImportContext, op: TfliteOpView, x: string): { dtype: DType; quant?: Quant } {
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  const [a, b] = [xt.quant, yq.quant];
  if (yq.dtype !== xt.dtype || (a?.kind === 'tensor' && b?.kind === 'tensor' && !sameQuant(a, b))) {
    ctx.unsupported(op, `output "${out.name}" has another type or quantization than its input`, `TFLite requires the same on both sides of ${op.op}; the model is malformed`);
  }
  return yq;
}

function slice(ctx: TfliteImportContext, op: TfliteOpView): void {
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = movedOutput(ctx, op, x);
  const begin = Array.from(ctx.constant(op, 1, 'begin').data as Int32Array);
  const size = Array.from(ctx.constant(op, 2, 'size').data as Int32Array);
  if (begin.length !== xt.shape.length || size.length !== xt.shape.length) {
    ctx.unsupported(op, `begin [${begin.join(', ')}] and size [${size.join(', ')}] for input [${xt.shape.join(', ')}]`, 'the model is malformed');
  }
  const ends = size.map((s, i) => (s === -1 ? xt.shape[i] : begin[i] + s));
  ctx.emit(op, 'slice', [x], { starts: begin, ends, steps: begin.map(() => 1) }, { ...yq, tflite: out });
}

/** SLICE of TFLite tensor `input` from `begin`, `size` values per axis, into `output`. */
export function sliceOp(ex: TfliteExporter, name: string, input: number, begin: number[], size: number[], output: number): void {
  const int8 = ex.model.subgraphs[0].tensors[output].type === 'INT8';
  // op_version: int8 2, five axes 5.
  ex.op('SLICE', [input, ex.constant(`${name}/begin`, Int32Array.from(begin)), ex.constant(`${name}/size`, Int32Array.from(size))], [output], undefined,
    begin.length > 4 ? 5 : int8 ? 2 : 1);
}

function exportSlice(ex: TfliteExporter, node: NodeOf<'slice'>): void {
  const a = node.attrs;
  if (a.steps.some((s) => s !== 1)) ex.unsupported(node, `steps [${a.steps.join(', ')}]`, 'branchy writes slices of step 1 (TFLite\'s SLICE)');
  sliceOp(ex, node.name, ex.tensor(node.inputs[0]), a.starts, a.ends.map((e, i) => e - a.starts[i]), ex.tensor(node.outputs[0]));
}

export const sliceFamily: TfliteFamily = {
  import: { SLICE: slice },
  export: { slice: (ex, n) => exportSlice(ex, n as NodeOf<'slice'>) },
};

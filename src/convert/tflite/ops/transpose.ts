// TRANSPOSE <-> transpose. The IR's transpose is reshape(permute(reshape(x, view), perm), shape)
// (the ONNX importer's layout moves: a 1-D conv's NCW input seen as N, 1, W, C...): written as
// one RESHAPE when the permutation moves only axes of size 1 (the values keep their order), else
// as RESHAPE to the view (when it differs from x), TRANSPOSE, RESHAPE to the shape (when it
// differs from the permuted view). TFLite's TRANSPOSE takes up to 6 axes. int8 values pass
// through at the input's quantization.
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';
import type { NodeOf } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import { movedOutput } from './slice.js';

function transpose(ctx: TfliteImportContext, op: TfliteOpView): void {
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = movedOutput(ctx, op, x);
  const r = xt.shape.length;
  const perm = Array.from(ctx.constant(op, 1, 'perm').data as Int32Array, (p) => (p < 0 ? p + r : p));
  ctx.emit(op, 'transpose', [x], { perm }, { ...yq, tflite: out });
}

/** RESHAPE of TFLite tensor `input` to `output` of shape `shape` (given as operand and option). */
function reshapeOp(ex: TfliteExporter, name: string, input: number, output: number, shape: number[]): void {
  ex.op('RESHAPE', [input, ex.constant(`${name}/shape`, Int32Array.from(shape))], [output], { type: 'ReshapeOptions', newShape: shape.slice() });
}

function exportTranspose(ex: TfliteExporter, node: NodeOf<'transpose'>): void {
  const { perm } = node.attrs;
  const [x, y] = [ex.info(node.inputs[0]), ex.info(node.outputs[0])];
  const view = node.attrs.view ?? x.shape;
  const moved = perm.filter((p) => view[p] !== 1);
  if (moved.every((p, i) => i === 0 || moved[i - 1] < p)) {
    reshapeOp(ex, node.name, ex.tensor(node.inputs[0]), ex.tensor(node.outputs[0]), y.shape);
    return;
  }
  if (view.length > 6) ex.unsupported(node, `permutes ${view.length} axes`, 'TFLite\'s TRANSPOSE permutes at most 6 axes');
  let input = ex.tensor(node.inputs[0]);
  if (view.join() !== x.shape.join()) {
    const v = ex.intermediate(node.inputs[0], view, `${node.name}/view`);
    reshapeOp(ex, `${node.name}/view`, input, v, view);
    input = v;
  }
  const permuted = perm.map((p) => view[p]);
  const direct = permuted.join() === y.shape.join();
  const out = direct ? ex.tensor(node.outputs[0]) : ex.intermediate(node.outputs[0], permuted, 'permuted');
  // op_version: int8 2, five axes 4, six axes 6.
  const version = view.length > 5 ? 6 : view.length > 4 ? 4 : y.dtype === 'i8' ? 2 : 1;
  ex.op('TRANSPOSE', [input, ex.constant(`${node.name}/perm`, Int32Array.from(perm))], [out], undefined, version);
  if (!direct) reshapeOp(ex, node.name, out, ex.tensor(node.outputs[0]), y.shape);
}

export const transposeFamily: TfliteFamily = {
  import: { TRANSPOSE: transpose },
  export: { transpose: (ex, n) => exportTranspose(ex, n as NodeOf<'transpose'>) },
};

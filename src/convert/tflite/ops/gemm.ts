// FULLY_CONNECTED <-> gemm. TFLite flattens the input to [rows, K] (K the filter's second
// dimension) and writes [rows, N], or the input's leading dimensions with N last when
// keep_num_dims is set: reshapes around the gemm where the shapes differ.
import type { FullyConnectedOptions } from '../model.js';
import type { TfliteImportContext } from '../context.js';
import { numel } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';
import { exportOutput, fusedActivation } from './activation.js';
import { biasInput, layerIo } from './conv.js';
import { layerConstants } from './weights.js';

function fullyConnected(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as FullyConnectedOptions;
  if (o.weightsFormat !== 'DEFAULT') ctx.unsupported(op, `weights_format ${o.weightsFormat}`, 'convert with the default weights format');
  const { x, xt, out, yq, q } = layerIo(ctx, op);
  const wt = ctx.constant(op, 1, 'weights');
  if (wt.shape.length !== 2) ctx.unsupported(op, `weights "${wt.name}" have shape [${wt.shape.join(', ')}]`, 'FULLY_CONNECTED takes [N, K] weights');
  const [N, K] = wt.shape;
  const rows = numel(xt.shape) / K;
  if (!Number.isInteger(rows)) ctx.unsupported(op, `input of shape [${xt.shape.join(', ')}] does not split into rows of K = ${K}`, 'the model is malformed');
  if (rows !== xt.shape[0]) ctx.unsupported(op, `input [${xt.shape.join(', ')}] makes ${rows} rows of K = ${K}, not one per sample`, 'branchy\'s first axis is the batch: flatten each sample into one row (keep_num_dims false, input [batch, ...])');
  const consts = layerConstants(ctx, op, [N, K], 0, 0, q);
  const flat = xt.shape.length === 2 && xt.shape[1] === K ? x
    : ctx.emit(op, 'reshape', [x], { shape: [rows, K] }, { name: `${xt.name}/rows`, dtype: xt.dtype, quant: xt.quant }, undefined, '_rows');
  const act = fusedActivation(ctx, op, o.activation);
  const direct = out.shape.length === 2 && out.shape[0] === rows && out.shape[1] === N;
  const y = ctx.emit(op, 'gemm', [flat, ...consts], {}, direct ? { ...yq, tflite: out } : { ...yq, name: `${out.name}/rows` }, act);
  if (!direct) ctx.emit(op, 'reshape', [y], { shape: out.shape.slice() }, { ...yq, tflite: out }, undefined, '_out');
}

export const gemmFamily: TfliteFamily = {
  import: { FULLY_CONNECTED: fullyConnected },
  export: {
    gemm(ex, node) {
      const y = exportOutput(ex, node);
      ex.op('FULLY_CONNECTED', [ex.tensor(node.inputs[0]), ex.tensor(node.inputs[1]), biasInput(ex, node.inputs)], [y.output], {
        type: 'FullyConnectedOptions', activation: y.activation, weightsFormat: 'DEFAULT', keepNumDims: false, asymmetricQuantizeInputs: false,
      });
      y.finish();
    },
  },
};

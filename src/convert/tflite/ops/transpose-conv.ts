// TRANSPOSE_CONV <-> convtranspose2d. TFLite's inputs are [output_shape, weights, input, bias?];
// its filter is [O, KH, KW, I], branchy's too. TFLite derives the leading pad from the output
// size as for a convolution from the output back to the input (SAME: total = (ceil(OH / s) − 1)
// · s + KH − OH, the leading pad its floor half; VALID: 0), scatters input pixel iy to output rows
// iy · s − pad + ky and keeps the rows inside [0, OH): in the IR the trailing pad crops what lies
// past OH and an output padding adds the rows no tap reaches (bias only).
import type { TransposeConvOptions } from '../model.js';
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';
import type { NodeOf } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import { exportOutput, fusedActivation } from './activation.js';
import { biasInput } from './conv.js';
import { layerConstants } from './weights.js';
import { sliceOp } from './slice.js';

/** TFLite's leading pad of a transposed convolution's axis with output size `out`, and the input size that padding implies. */
function leadingPad(padding: 'SAME' | 'VALID', out: number, k: number, s: number): { pad: number; size: number } {
  const n = padding === 'SAME' ? Math.ceil(out / s) : Math.floor((out - k + s) / s);
  return { pad: Math.floor(Math.max((n - 1) * s + k - out, 0) / 2), size: n };
}

function transposeConv(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = op.options as TransposeConvOptions;
  const x = ctx.value(op, 2);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  if (yq.dtype !== xt.dtype) ctx.unsupported(op, `input is ${xt.dtype} and output "${out.name}" ${yq.dtype}`, 'branchy imports float and fully int8 layers');
  const shape = Array.from(ctx.constant(op, 0, 'output shape').data as Int32Array);
  if (shape.join() !== out.shape.join()) ctx.unsupported(op, `output shape [${shape.join(', ')}] differs from output "${out.name}" [${out.shape.join(', ')}]`, 'the model is malformed');
  const wt = ctx.constant(op, 1, 'weights');
  if (wt.shape.length !== 4 || xt.shape.length !== 4 || wt.shape[3] !== xt.shape[3]) {
    ctx.unsupported(op, `filter "${wt.name}" [${wt.shape.join(', ')}] for input [${xt.shape.join(', ')}]`, 'TRANSPOSE_CONV takes an OHWI filter of the input\'s channels');
  }
  const [, KH, KW] = wt.shape;
  const s: [number, number] = [o.strideH, o.strideW];
  const pads = [0, 0, 0, 0] as [number, number, number, number];
  const outputPadding: [number, number] = [0, 0];
  [KH, KW].forEach((k, a) => {
    const size = out.shape[1 + a];
    if (s[a] > k) ctx.unsupported(op, `stride ${s[a]} larger than the filter (${k})`, 'branchy\'s transposed convolution needs every output reached by a tap; use a filter at least as large as the stride');
    const p = leadingPad(o.padding, size, k, s[a]).pad;
    const end = (xt.shape[1 + a] - 1) * s[a] + k - p - size;
    pads[a] = p;
    if (end >= 0) pads[a + 2] = end;
    else outputPadding[a] = -end;
    if (outputPadding[a] >= s[a]) ctx.unsupported(op, `output size ${size} leaves ${-end} rows past the last tap`, 'the model is malformed (TFLite\'s output shape for this input is at most a stride larger)');
  });
  const q = xt.quant?.kind === 'tensor' && yq.quant?.kind === 'tensor' ? { sIn: xt.quant.scale, sOut: yq.quant.scale } : undefined;
  const consts = layerConstants(ctx, op, wt.shape, 0, 0, q, 3);
  ctx.emit(op, 'convtranspose2d', [x, ...consts], { kernel: [KH, KW], strides: s, dilations: [1, 1], pads, outputPadding },
    { ...yq, tflite: out }, fusedActivation(ctx, op, o.activation ?? 'NONE'));
}

/**
 * Rows [from, from + count) of constant `name` (weights [O, KH, KW, C] or a bias [O]) as a new
 * TFLite constant, with their scales of a per-channel quantization.
 */
function constantRows(ex: TfliteExporter, name: string, from: number, count: number): number {
  const t = ex.info(name);
  const data = ex.weights.get(name) as Int8Array | Int32Array | Float32Array;
  const inner = data.length / t.shape[0];
  const q = t.quant;
  const quantization = !q ? undefined : q.kind === 'tensor' ? { scale: [q.scale], zeroPoint: [q.zeroPoint], quantizedDimension: 0 }
    : { scale: q.scales.slice(from, from + count), zeroPoint: new Array<number>(count).fill(0), quantizedDimension: 0 };
  return ex.constant(`${name}/${from}-${from + count}`, data.subarray(from * inner, (from + count) * inner), [count, ...t.shape.slice(1)], quantization);
}

/**
 * convtranspose2d as TRANSPOSE_CONV: undilated, leading pads as TFLite's SAME or VALID give them.
 * TRANSPOSE_CONV has no groups: a grouped one is a SLICE of each group's input channels, one
 * TRANSPOSE_CONV per group (its rows of the weights and bias, the fused clamp) into a tensor at
 * the output's quantization, and a CONCATENATION of those (exact: the same scale and zero point).
 */
function exportTransposeConv(ex: TfliteExporter, node: NodeOf<'convtranspose2d'>): void {
  const a = node.attrs;
  const y = ex.info(node.outputs[0]);
  // The padding whose leading pads are the node's and whose implied input size is the input's (XNNPACK requires it).
  const x = ex.info(node.inputs[0]);
  const padding = (['VALID', 'SAME'] as const).find((p) => [0, 1].every((i) => {
    const t = leadingPad(p, y.shape[1 + i], a.kernel[i], a.strides[i]);
    return t.pad === a.pads[i] && t.size === x.shape[1 + i];
  }));
  if (!padding) {
    ex.unsupported(node, `leading pads [${a.pads[0]}, ${a.pads[1]}] are neither TFLite's SAME nor VALID padding for output [${y.shape.join(', ')}]`,
      'use the pads of SAME (out = in · stride) or VALID padding');
  }
  const out = exportOutput(ex, node);
  const options = { type: 'TransposeConvOptions', padding, strideH: a.strides[0], strideW: a.strides[1], activation: out.activation } as const;
  const version = out.activation !== 'NONE' ? 4 : node.inputs[2] ? 3 : 1;
  const g = a.groups ?? 1;
  if (g === 1) {
    const bias = biasInput(ex, node.inputs);
    ex.op('TRANSPOSE_CONV', [ex.constant(`${node.name}/output_shape`, Int32Array.from(y.shape)), ex.tensor(node.inputs[1]), ex.tensor(node.inputs[0]), bias], [out.output], options, version);
    out.finish();
    return;
  }
  const [n, h, w, c] = x.shape;
  const [cg, og] = [c / g, y.shape[3] / g];
  const shape = [...y.shape.slice(0, 3), og];
  const parts = Array.from({ length: g }, (_, k) => {
    const xk = ex.intermediate(node.inputs[0], [n, h, w, cg], `${node.name}/slice${k}`);
    sliceOp(ex, `${node.name}/group${k}`, ex.tensor(node.inputs[0]), [0, 0, 0, k * cg], [n, h, w, cg], xk);
    const yk = ex.intermediate(node.outputs[0], shape, `group${k}`);
    ex.op('TRANSPOSE_CONV', [ex.constant(`${node.name}/output_shape${k}`, Int32Array.from(shape)), constantRows(ex, node.inputs[1], k * og, og), xk,
      node.inputs[2] ? constantRows(ex, node.inputs[2], k * og, og) : -1], [yk], options, version);
    return yk;
  });
  ex.op('CONCATENATION', parts, [out.output], { type: 'ConcatenationOptions', axis: 3, activation: 'NONE' }, y.dtype === 'i8' ? 2 : 1);
  out.finish();
}

export const transposeConvFamily: TfliteFamily = {
  import: { TRANSPOSE_CONV: transposeConv },
  export: { convtranspose2d: (ex, n) => exportTransposeConv(ex, n as NodeOf<'convtranspose2d'>) },
};

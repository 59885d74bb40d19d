// Binary layers at import: QONNX / FINN / Brevitas quantizers (BipolarQuant, Quant, IntQuant;
// ../binary.ts reads them) and ONNX Sign. On a constant they are evaluated (binary weights);
// on an activation a bipolar quantizer or a Sign becomes a `bitpack` (the sign, b1 values);
// convert/binarize.ts then lowers the marked layers to b1 kernels after the passes.
import type { onnx } from 'onnx-proto';
import { BranchyUnsupportedError } from '../../../errors.js';
import type { Graph } from '../../../ir/types.js';
import { binarizeLayers, type BinarizeReport } from '../../binarize.js';
import { QONNX_DOMAINS, QONNX_OPS, foldQonnx, readQonnx, signScale } from '../binary.js';
import { where, type ImportContext } from '../context.js';
import type { ImportFn, OnnxFamily, OnnxOp } from './family.js';

/** A sign of a computed tensor: a bitpack node whose output is binary, of real magnitude `scale`. */
function emitSign(ctx: ImportContext, n: onnx.INodeProto, out: string, scale: number): void {
  const x = ctx.valueIn(n, 0);
  if (x.layout === 'hwc-flat') throw new Error('internal: hwc-flat read by a sign');
  const node = ctx.emit('bitpack', n.name ?? '', [x.ir], out, {});
  ctx.tensorByName.get(out)!.dtype = 'b1';
  ctx.signNodes.set(node, scale);
  ctx.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout, chw: x.chw });
}

/** The layer just emitted for ONNX node n becomes binary when its weights are bipolar or the user named it. */
export function markBinary(ctx: ImportContext, n: onnx.INodeProto): void {
  const named = ctx.opts.binarize?.includes(n.name ?? '') ?? false;
  if (!named && !ctx.binaryConsts.has(ctx.inputName(n, 1))) return;
  const node = ctx.nodes[ctx.nodes.length - 1];
  if (node.op === 'dwconv2d') {
    ctx.unsupported(n, 'binary weights on a depthwise convolution', 'branchy has binary kernels for full convolutions and fully connected layers; keep this layer in float or int8');
  }
  ctx.binaryNodes.add(node.name);
  if (named) ctx.binarizeFound.add(n.name!);
}

/** After the passes: the marked layers and the signs become b1 (convert/binarize.ts). */
export function binarizeMarked(ctx: ImportContext, graph: Graph): BinarizeReport[] {
  const missing = (ctx.opts.binarize ?? []).filter((b) => !ctx.binarizeFound.has(b));
  if (missing.length) {
    const names = ctx.onnxNodes.filter((m) => m.opType === 'Conv' || m.opType === 'Gemm' || m.opType === 'MatMul').map((m) => m.name || '(unnamed)');
    throw new BranchyUnsupportedError(`binarize: no Conv / Gemm / MatMul node named ${missing.map((m) => `'${m}'`).join(', ')}; the model's are ${names.join(', ') || '(none)'}`);
  }
  if (ctx.binaryNodes.size === 0 && ctx.signNodes.size === 0) return [];
  const signScales = new Map([...ctx.signNodes].map(([node, s]) => [node.outputs[0], s]));
  return binarizeLayers(graph, ctx.weights, { layers: ctx.binaryNodes, signScales });
}

/** A QONNX quantizer: folded on a constant, a sign on an activation (bipolar), else an identity. */
const qonnx: ImportFn = (ctx, n, a, out) => {
  const q = readQonnx(where(n), n.opType!, a, (i) => (ctx.inputName(n, i) ? ctx.consts.get(ctx.inputName(n, i)) : undefined));
  if (ctx.isConst(n, 0)) {
    ctx.consts.set(out, { dims: ctx.constIn(n, 0, 'the input').dims, float: true, data: foldQonnx(where(n), q, ctx.constIn(n, 0, 'the input')) });
    if (q.kind === 'bipolar') ctx.binaryConsts.add(out);
    return;
  }
  if (q.kind === 'bipolar') return emitSign(ctx, n, out, signScale(where(n), q));
  // An integer activation quantizer: branchy chooses its own int8 activations (--quant int8).
  ctx.q.warnings.push(`${where(n)}: the ${q.bits}-bit activation quantizer is imported as float (identity); quantize the graph with branchy's int8 pass`);
  ctx.same(out, ctx.valueIn(n, 0));
};

export const binaryFamily: OnnxFamily = {
  import: {
    Sign(ctx, n, _a, out) {
      if (!ctx.isConst(n, 0)) return emitSign(ctx, n, out, 1);
      const c = ctx.constIn(n, 0, 'the input');
      ctx.consts.set(out, { dims: c.dims, float: c.float, data: c.float ? Float32Array.from(c.data as Float32Array, Math.sign) : Array.from(c.data, Math.sign) });
    },
    ...Object.fromEntries([...QONNX_OPS].map((op): [string, OnnxOp] => [op, { import: qonnx, domains: QONNX_DOMAINS }])),
  },
};

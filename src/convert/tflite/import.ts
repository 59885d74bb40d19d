// TFLite (float or fully int8) -> branchy IR (docs/tflite.md). readTflite checks the file;
// tfliteGraph resolves subgraph 0; each operator goes through its entry in the op table
// (./ops, one family file per group of ops), which translates it into IR ops through the
// context (./context.ts). TFLite is NHWC, as branchy's IR: shapes stay, weights keep their
// layout, int8 tensors keep their scales and zero points. branchy models take float inputs:
// an int8 (or uint8) graph input becomes a float input and a quantize at the file's scale and
// zero point (feed real values, (q − zero point) · scale, to give the graph exactly q), marked
// `sourceDtype` so that run() also takes the file's integers (./int-edges.ts); int8 (uint8)
// outputs are dequantized unless `outputs: 'int8'`, which returns the file's integers (marked
// `sourceDtype` too). Anything else is refused with a
// BranchyUnsupportedError naming the operator, its index and its output tensor.
import { BranchyUnsupportedError } from '../../errors.js';
import { validateGraph } from '../../ir/graph.js';
import { fuseActivations } from '../../ir/passes/fuse-activation.js';
import type { Graph, Weights } from '../../ir/types.js';
import { TfliteImportContext, whereOp, type TfliteImportOptions } from './context.js';
import { int8ZeroPoint, markIntInputs, onlyQuantizeReads, type IntInput } from './int-edges.js';
import { readTflite } from './read.js';
import { tfliteGraph } from './view.js';
import { TFLITE_IMPORTS, TFLITE_SUPPORTED } from './ops/index.js';

export type { TfliteImportOptions } from './context.js';

export interface TfliteImportResult {
  graph: Graph;
  weights: Weights;
  /** What the import changed that a user may want to know (dynamic-range weights dequantized...). */
  warnings: string[];
}

/** Imports a .tflite model (its bytes) into a branchy graph and its weights. */
export function importTflite(bytes: Uint8Array, opts: TfliteImportOptions = {}): TfliteImportResult {
  const model = readTflite(bytes);
  if (model.subgraphs.length !== 1) {
    throw new BranchyUnsupportedError(`the TFLite model has ${model.subgraphs.length} subgraphs; branchy imports single-graph models (no control flow)`);
  }
  const view = tfliteGraph(model);
  const ctx = new TfliteImportContext(view, opts);
  const inputs: string[] = [];
  const ints: IntInput[] = [];
  for (const t of view.inputs) {
    if (t.data) throw new BranchyUnsupportedError(`TFLite graph input "${t.name}" is a constant; the model is malformed`);
    if (t.shapeSignature?.some((d, i) => d < 0 && i > 0)) {
      throw new BranchyUnsupportedError(`TFLite graph input "${t.name}" has the dynamic shape [${t.shapeSignature.join(', ')}]; branchy needs static shapes apart from the batch`);
    }
    const q = t.quantization;
    const int = t.type === 'INT8' || (t.type === 'UINT8' && onlyQuantizeReads(ctx, t));
    if (t.type !== 'FLOAT32' && (!int || q?.scale.length !== 1)) {
      const why = !int ? (t.type === 'UINT8' ? ' read by operators other than QUANTIZE and DEQUANTIZE' : '') : ' without one scale and zero point';
      throw new BranchyUnsupportedError(`TFLite graph input "${t.name}" is ${t.type}${why}; branchy imports float32 and per-tensor int8 inputs, and uint8 ones that a QUANTIZE or DEQUANTIZE reads`);
    }
    const x = ctx.declare(t.name, t.shape, 'f32');
    inputs.push(x);
    if (t.type === 'FLOAT32') {
      ctx.values.set(t.index, x);
      continue;
    }
    const zp = int8ZeroPoint(t);
    const xq = ctx.declare(`${t.name}/int8`, t.shape, 'i8', { kind: 'tensor', scale: q!.scale[0], zeroPoint: zp });
    ctx.nodes.push({ name: `input${inputs.length - 1}_quantize`, op: 'quantize', inputs: [x], outputs: [xq], attrs: {} });
    ctx.values.set(t.index, xq);
    ints.push({ x, type: t.type === 'UINT8' ? 'u8' : 'i8', scale: q!.scale[0], mean: zp + 128 });
  }
  for (const op of view.ops) {
    const fn = TFLITE_IMPORTS[op.op];
    if (!fn) {
      const what = op.op === 'CUSTOM' ? `the custom operator "${op.customCode}"` : `the operator ${op.op}`;
      throw new BranchyUnsupportedError(`${whereOp(op)}: branchy does not import ${what}; it imports ${TFLITE_SUPPORTED.join(', ')}: ` +
        'convert the model with those operators, or convert the original model to ONNX and import that');
    }
    if (op.outputs.length !== 1 || !op.outputs[0]) ctx.unsupported(op, `${op.outputs.length} outputs`, 'branchy imports operators with one output');
    fn(ctx, op);
  }
  const outputs = view.outputs.map((t) => {
    if (ctx.padded.has(t.index)) ctx.padNode(t.index);
    const ir = ctx.values.get(t.index);
    if (ir === undefined) throw new BranchyUnsupportedError(`TFLite graph output "${t.name}" is ${t.data ? 'a constant' : 'written by no operator'}; branchy needs computed outputs`);
    const info = ctx.byName.get(ir)!;
    if (info.dtype !== 'i8') return ir;
    if (ctx.opts.outputs === 'int8') {
      // Returned as the file's integers: INT8, or UINT8 (stored as int8, zero point − 128).
      if (t.type === 'INT8' || t.type === 'UINT8') info.sourceDtype = t.type === 'UINT8' ? 'u8' : 'i8';
      return ir;
    }
    // An int8 output, dequantized: the output keeps the TFLite name.
    const q = ctx.fresh(`${t.name}/int8`);
    ctx.rename(ir, q);
    const y = ctx.declare(t.name, info.shape, 'f32');
    ctx.nodes.push({ name: `output_dequantize_${t.index}`, op: 'dequantize', inputs: [q], outputs: [y], attrs: {} });
    return y;
  });
  // XNNPACK (LiteRT) computes int8 multipliers in f32, step by step: so does the imported graph.
  const graph: Graph = { tensors: ctx.tensors, nodes: ctx.nodes, inputs, outputs, requantScale: 'f32', ...(opts.normalize && { normalize: opts.normalize }) };
  markIntInputs(graph, ctx, ints, opts.normalize);
  fuseActivations(graph);
  validateGraph(graph, { weights: ctx.weights });
  return { graph, weights: ctx.weights, warnings: ctx.warnings };
}

// ONNX (float or QDQ) -> branchy IR (docs/architecture.md, "From ONNX to IR"). The importer
// translates: each ONNX node goes through its entry in the op table (./ops, one family file
// per group of ops), which maps the node and its attributes (with the spec's defaults, opsets
// 7-21) onto branchy's NHWC ops in the context (./context.ts), once; weights move to OHWI.
// Then the graph passes rewrite the IR in a fixed order: BatchNormalization and constant
// scales fold into the layer before them, activations fuse into their producer, the QDQ form
// becomes int8 ops, clamps move before max pools, binary layers become b1. Anything it cannot
// express exactly throws BranchyUnsupportedError naming the op, the node, the attribute and a
// way out.
import type { onnx } from 'onnx-proto';
import { ONNX } from './onnx-proto.js';
import { BranchyUnsupportedError } from '../../errors.js';
import { validateGraph } from '../../ir/graph.js';
import type { Graph, Normalize, Weights } from '../../ir/types.js';
import { foldAffine } from '../../ir/passes/fold-affine.js';
import { upgradeLegacy } from './legacy.js';
import { uint8Inputs } from './uint8-inputs.js';
import { fuseActivationPatterns } from '../../ir/passes/activation-patterns.js';
import { cancelMoves } from '../../ir/passes/cancel-moves.js';
import { fuseActivations } from '../../ir/passes/fuse-activation.js';
import { fusePoolActivation } from '../../ir/passes/pool-activation.js';
import { Attrs, decodeTensor, toNum } from './proto.js';
import { QdqState, foldQdq } from './qdq.js';
import { ImportContext, nhwc, where, type ImportOptions } from './context.js';
import { SUPPORTED, minInputs, onnxOp } from './ops/index.js';
import { binarizeMarked } from './ops/binary.js';
import type { BinarizeReport } from '../binarize.js';

export { MIN_OPSET, MAX_OPSET, type ImportOptions } from './context.js';

export interface ImportResult {
  graph: Graph;
  weights: Weights;
  /** The model's opset for the default domain. */
  opset: number;
  /** Things the int8 import did that a user may want to know (weights re-quantized...). */
  warnings: string[];
  /** The layers that became binary (QONNX binary weights and `binarize`), one entry each. */
  binarized: BinarizeReport[];
}

/** Imports an ONNX model (bytes of a ModelProto) into a branchy graph and its weights. */
export function importOnnx(bytes: Uint8Array, opts: ImportOptions = {}): ImportResult {
  let model: onnx.ModelProto;
  try {
    model = ONNX.ModelProto.decode(bytes);
  } catch (e) {
    throw new BranchyUnsupportedError(`not an ONNX model: ${(e as Error).message}`);
  }
  upgradeLegacy(model);
  const intInputs = uint8Inputs(model);
  checkArity(model);
  const ctx = new ImportContext(model, opts, new QdqState(model));
  const g = model.graph!;
  for (const t of g.initializer ?? []) ctx.consts.set(t.name ?? '', decodeTensor(t, `initializer '${t.name}'`));
  link(ctx);
  const inputs: string[] = [];
  for (const vi of g.input ?? []) {
    if (ctx.consts.has(vi.name ?? '')) continue; // old exports list initializers as inputs
    inputs.push(vi.name ?? '');
    graphInput(ctx, vi);
  }
  for (const n of sorted(ctx)) if (!onnxOp(n)?.alias && !ctx.consumed.has(n)) translate(ctx, n);

  const outputs = finishOutputs(ctx, g.output ?? []);
  const graph: Graph = { tensors: [], nodes: ctx.nodes, inputs, outputs };
  const norm = normalize(model);
  if (norm) graph.normalize = norm;
  const used = new Set([...inputs, ...outputs, ...ctx.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  graph.tensors = ctx.tensors.filter((t) => used.has(t.name));
  for (const k of [...ctx.weights.keys()]) if (!used.has(k)) ctx.weights.delete(k);
  for (const name of inputs) if (ctx.values.get(name)!.layout === 'nchw') ctx.tensorByName.get(name)!.sourceLayout = 'NCHW';
  for (const [name, ty] of intInputs) ctx.tensorByName.get(name)!.sourceDtype = ty;

  // The passes (src/ir/passes and qdq.ts), in this order.
  fuseActivationPatterns(graph, ctx.weights);
  cancelMoves(graph, { keep: ctx.keep });
  foldAffine(graph, ctx.weights, { joint: ctx.jointAffine, keep: ctx.keep });
  fuseActivations(graph, { keep: ctx.keep });
  foldQdq(graph, ctx.weights, ctx.q.weightScales, ctx.q.warnings);
  fusePoolActivation(graph);
  const binarized = binarizeMarked(ctx, graph);
  validateGraph(graph, { weights: ctx.weights });
  return { graph, weights: ctx.weights, opset: ctx.opset, warnings: ctx.q.warnings, binarized };
}

/** Every node has its required inputs (a present, named first input at least) and an output. */
function checkArity(model: onnx.ModelProto): void {
  for (const n of model.graph?.node ?? []) {
    const need = minInputs(n.opType ?? '');
    const ins = n.input ?? [];
    if (ins.length < need || (need > 0 && !ins[0]) || !n.output?.[0]) {
      throw new BranchyUnsupportedError(
        `${n.opType} node '${n.name || '(unnamed)'}' has inputs [${ins.join(', ')}] and outputs [${(n.output ?? []).join(', ')}]; ` +
          `it needs at least ${need} input(s) and one output: the model is malformed`,
      );
    }
  }
}

/** Foreign domains refused; aliases (Identity, Dropout) resolved; readers of every value counted. */
function link(ctx: ImportContext): void {
  for (const n of ctx.onnxNodes) {
    const e = onnxOp(n);
    if (n.domain && n.domain !== 'ai.onnx' && !e) {
      throw new BranchyUnsupportedError(`${where(n)}: operator domain '${n.domain}' is not supported; export with standard ONNX ops only`);
    }
    if (e?.alias) {
      if (n.output?.[1] && ctx.isRead(n.output[1])) ctx.unsupported(n, 'its mask output is used', 'export the model in eval mode (model.eval())');
      // Dropout's training_mode (opset 12+): an identity only when it is a constant false.
      const training = n.opType === 'Dropout' ? n.input?.[2] : undefined;
      if (training && Number(ctx.consts.get(training)?.data[0] ?? 1) !== 0) {
        ctx.unsupported(n, 'training_mode is true (or computed): it drops values at random', 'export the model in eval mode (model.eval())');
      }
      ctx.alias.set(n.output![0], n.input![0]);
    }
  }
  for (const n of ctx.onnxNodes) {
    if (onnxOp(n)?.alias) continue;
    for (const i of n.input ?? []) {
      if (!i) continue;
      const r = ctx.resolve(i);
      ctx.uses.set(r, (ctx.uses.get(r) ?? 0) + 1);
      const l = ctx.readers.get(r);
      if (l) l.push(n);
      else ctx.readers.set(r, [n]);
    }
  }
  for (const o of ctx.graphOutputs) {
    const r = ctx.resolve(o);
    ctx.uses.set(r, (ctx.uses.get(r) ?? 0) + 1);
  }
}

/** ONNX nodes in a topological order (the spec requires one; repair, detect cycles). */
function sorted(ctx: ImportContext): onnx.INodeProto[] {
  const made = new Map<string, onnx.INodeProto>();
  for (const n of ctx.onnxNodes) for (const o of n.output ?? []) if (o) made.set(o, n);
  const state = new Map<onnx.INodeProto, number>();
  const out: onnx.INodeProto[] = [];
  const visit = (root: onnx.INodeProto): void => {
    const stack: [onnx.INodeProto, number][] = [[root, 0]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const ins = top[0].input ?? [];
      if (top[1] < ins.length) {
        const dep = made.get(ins[top[1]++]);
        if (!dep) continue;
        if (state.get(dep) === 1) throw new BranchyUnsupportedError(`${where(dep)}: the ONNX graph has a cycle through this node`);
        if (!state.has(dep)) {
          state.set(dep, 1);
          stack.push([dep, 0]);
        }
      } else {
        state.set(top[0], 2);
        out.push(top[0]);
        stack.pop();
      }
    }
  };
  for (const n of ctx.onnxNodes) if (!state.has(n)) visit(n);
  return out;
}

/** One ONNX node through its table entry (or the constant folding of its entry). */
function translate(ctx: ImportContext, n: onnx.INodeProto): void {
  const e = onnxOp(n);
  const a = new Attrs(n, where(n));
  const out = n.output?.[0] ?? '';
  // Shape arithmetic on constants is computed here and never reaches the graph.
  const ins = (n.input ?? []).filter((i) => i);
  if (e?.fold && ins.length > 0 && ins.every((i) => ctx.consts.has(ctx.resolve(i)))) return e.fold(ctx, n, a, out);
  if (e?.import) return e.import(ctx, n, a, out);
  if (e && !e.advice) throw new Error(`internal: ${n.opType} is lowered to QDQ before translation`);
  ctx.unsupported(n, `operator ${n.opType} is not supported`, e?.advice ?? `branchy imports ${SUPPORTED.join(', ')}; replace or remove it before export`);
}

function graphInput(ctx: ImportContext, vi: onnx.IValueInfoProto): void {
  const name = vi.name ?? '';
  const tt = vi.type?.tensorType;
  if (!tt) throw new BranchyUnsupportedError(`graph input '${name}' is not a tensor`);
  if (tt.elemType !== ONNX.TensorProto.DataType.FLOAT) {
    throw new BranchyUnsupportedError(
      `graph input '${name}' has type ${ONNX.TensorProto.DataType[tt.elemType ?? 0]}; branchy imports float32 inputs (export the float model)`,
    );
  }
  let shape: number[];
  const given = ctx.opts.inputShapes?.[name];
  if (given) shape = given.slice();
  else {
    shape = (tt.shape?.dim ?? []).map((d, i) => {
      if (d.dimValue !== undefined && d.dimValue !== null && toNum(d.dimValue) > 0) return toNum(d.dimValue);
      if (i === 0) return ctx.opts.batch ?? 1;
      throw new BranchyUnsupportedError(
        `graph input '${name}' has a symbolic size '${d.dimParam ?? '?'}' on axis ${i}; ` +
          `export with a fixed input size or pass inputShapes: { '${name}': [...] }`,
      );
    });
  }
  // A rank-4 input read only through Transpose(0,3,1,2) is NHWC already (tf2onnx style).
  const rd = ctx.readers.get(name) ?? [];
  const nhwcInput = shape.length === 4 && (ctx.opts.inputLayout ? ctx.opts.inputLayout === 'NHWC'
    : rd.length > 0 && rd.every((m) => m.opType === 'Transpose' && new Attrs(m, '').ints('perm', undefined)?.join() === '0,3,1,2'));
  const image = shape.length === 4 && !nhwcInput;
  ctx.addTensor(name, image ? nhwc(shape) : shape);
  ctx.define(name, { ir: name, shape, layout: image ? 'nchw' : 'plain' }, false);
}

/** Graph outputs keep their ONNX names: rename the IR tensor, or copy where it cannot. */
function finishOutputs(ctx: ImportContext, declared: onnx.IValueInfoProto[]): string[] {
  const T = ONNX.TensorProto.DataType;
  const out: string[] = [];
  for (const o of ctx.graphOutputs) {
    const r = ctx.resolve(o);
    const v = ctx.values.get(r);
    if (!v) {
      throw new BranchyUnsupportedError(`graph output '${o}' is ${ctx.consts.has(r) ? 'a constant' : 'not computed by any node'}; remove it from the model's outputs`);
    }
    if (v.layout === 'hwc-flat') throw new Error(`internal: output '${o}' left in HWC order`);
    const t = ctx.tensorByName.get(v.ir)!;
    if (v.ir !== o) {
      const isInput = !ctx.producer.has(v.ir);
      if (isInput || out.includes(v.ir) || ctx.tensorByName.has(o)) {
        const copy = ctx.emit('reshape', `${o}_copy`, [v.ir], ctx.fresh(o), { shape: t.shape.slice() }).outputs[0];
        ctx.rename(copy, o);
      } else ctx.rename(v.ir, o);
    }
    if (v.layout === 'nchw') ctx.tensorByName.get(o)!.sourceLayout = 'NCHW';
    // A quantized output (QuantizeLinear, QLinear* last): returned as the model's uint8 or int8,
    // the type the graph declares (else the one its QuantizeLinear wrote).
    if (t.dtype === 'i8') {
      const ty = declared.find((d) => d.name === o)?.type?.tensorType?.elemType;
      ctx.tensorByName.get(o)!.sourceDtype = ty === T.UINT8 ? 'u8' : ty === T.INT8 ? 'i8' : ctx.q.qtype.get(v.ir) ?? 'i8';
    }
    out.push(o);
  }
  return out;
}

/** The input normalisation a model carries in its metadata ('branchy.normalize'), if any. */
function normalize(model: onnx.ModelProto): Normalize | undefined {
  const p = (model.metadataProps ?? []).find((m) => m.key === 'branchy.normalize');
  if (!p) return undefined;
  let j: unknown;
  try {
    j = JSON.parse(p.value ?? '');
  } catch {
    throw new BranchyUnsupportedError("metadata_props 'branchy.normalize' is not JSON; expected {\"mean\": [...], \"std\": [...], \"scale\": n}");
  }
  const o = j as Record<string, unknown>;
  const isNums = (a: unknown): a is number[] => Array.isArray(a) && a.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (typeof o !== 'object' || o === null || !isNums(o.mean) || !isNums(o.std) || (o.scale !== undefined && typeof o.scale !== 'number')) {
    throw new BranchyUnsupportedError("metadata_props 'branchy.normalize' must be {\"mean\": number[], \"std\": number[], \"scale\"?: number}");
  }
  if (o.std.some((s) => s === 0) || o.mean.length !== o.std.length) {
    throw new BranchyUnsupportedError("metadata_props 'branchy.normalize': mean and std need the same length and std no zeros");
  }
  return { mean: o.mean, std: o.std, scale: (o.scale as number | undefined) ?? 1 };
}

// ONNX (float) -> branchy IR. The importer translates: it maps each ONNX node and its
// attributes (with the spec's defaults, opsets 7-21) onto branchy's NHWC ops, once.
// Weights move to OHWI at import; BatchNormalization folds into the preceding conv or
// gemm; activations fuse into their producer; Flatten -> Gemm permutes the Gemm's
// weights instead of the activations. Anything it cannot express exactly throws
// BranchyUnsupportedError naming the op, the node, the attribute and a way out.
import type { onnx } from 'onnx-proto';
import { ONNX } from './onnx-proto.js';
import { BranchyUnsupportedError } from '../../errors.js';
import { validateGraph } from '../../ir/graph.js';
import { fusePoolActivation } from '../fuse-pool-activation.js';
import type {
  Activation, Graph, Node, Normalize, OpAttrs, OpType, TensorInfo, Weights, Window,
} from '../../ir/types.js';
import { FUSES_ACTIVATION } from '../../ir/ops/index.js';
import { Attrs, MAX_CONST_ELEMENTS, decodeTensor, toNum } from './proto.js';
import type { Const } from './proto.js';
import { QdqState, activationQuant, foldQdq, foldQdqConst, sameQuant } from './qdq.js';
import { QONNX_DOMAINS, QONNX_OPS, foldQonnx, readQonnx, signScale } from './binary.js';
import { binarizeLayers, type BinarizeReport } from '../binarize.js';

export const MIN_OPSET = 7;
export const MAX_OPSET = 21;

export interface ImportOptions {
  /** Static shapes (ONNX order) for inputs whose shape the model leaves symbolic. */
  inputShapes?: Record<string, number[]>;
  /** Batch size for a symbolic first axis (default 1). */
  batch?: number;
  /**
   * Conv / Gemm / MatMul nodes (ONNX names) to run as binary layers: their weights must be
   * +-alpha per output channel; a Sign feeding them becomes bits (convert/binarize.ts).
   */
  binarize?: string[];
  /**
   * Layout of rank-4 graph inputs. Default: NHWC for an input read only through
   * Transpose(0,3,1,2) (tf2onnx style), else NCHW. 'NHWC' also covers an NHWC input that other
   * ops read before its transpose (e.g. a rescaling Mul).
   */
  inputLayout?: 'NCHW' | 'NHWC';
}

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

/**
 * A computed ONNX value and where it lives in the IR.
 * layout 'nchw': ONNX rank-4 NCHW, stored NHWC. 'plain': stored in ONNX order.
 * 'hwc-flat': ONNX [N, C*H*W] stored in H,W,C order (only Gemm/MatMul read it).
 */
interface Value {
  ir: string;
  shape: number[];
  layout: 'nchw' | 'plain' | 'hwc-flat';
  chw?: [number, number, number];
  /** This handle is the IR tensor's only one and has exactly one reader: a producer may fuse. */
  sole: boolean;
}

const F32_MAX = 3.4028234663852886e38;

const SUPPORTED = [
  'Conv', 'BatchNormalization', 'Relu', 'Clip', 'LeakyRelu', 'HardSigmoid', 'HardSwish', 'Sigmoid',
  'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Add', 'Sub', 'Mul', 'Div', 'Concat',
  'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Gemm', 'MatMul', 'Softmax', 'Identity',
  'Dropout', 'Constant', 'Shape', 'Gather', 'Cast', 'QuantizeLinear', 'DequantizeLinear', 'QLinearConv',
  'QLinearMatMul', 'ConvInteger', 'MatMulInteger', 'QLinearAdd', 'QLinearAveragePool', 'QLinearGlobalAveragePool',
  'QLinearConcat', 'ConstantOfShape',
];

const ADVICE: Record<string, string> = {
  ConvTranspose: 'replace the transposed convolution (e.g. by Resize + Conv) before export',
  Resize: 'branchy runs classifiers; remove the upsampling from the model',
  Upsample: 'branchy runs classifiers; remove the upsampling from the model',
  LogSoftmax: 'export Softmax (or the raw logits) instead of LogSoftmax',
  DynamicQuantizeLinear: 'quantize statically (QDQ) or import the float model and quantize with `branchy convert --quant int8`',
  QLinearMul: 'import the float model and quantize with `branchy convert --quant int8`',
  Pad: 'fold the padding into the next Conv (padding=... in PyTorch) before export',
};

/** [min, max] of a clamping activation, or undefined. */
function clampOf(a: Activation): [number, number] | undefined {
  if (a.kind === 'relu') return [0, F32_MAX];
  if (a.kind === 'relu6') return [0, 6];
  if (a.kind === 'clip') return [a.min!, a.max!];
  return undefined;
}

function clampAct(lo: number, hi: number): Activation {
  if (lo === 0 && hi === F32_MAX) return { kind: 'relu' };
  if (lo === 0 && hi === 6) return { kind: 'relu6' };
  return { kind: 'clip', min: lo, max: hi };
}

const FOLDABLE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Gather', 'Cast', 'Unsqueeze', 'Squeeze', 'Concat', 'Reshape', 'Flatten', 'Identity']);

const numel = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
const nhwc = (s: readonly number[]): number[] => [s[0], s[2], s[3], s[1]];

/** Imports an ONNX model (bytes of a ModelProto) into a branchy graph and its weights. */
export function importOnnx(bytes: Uint8Array, opts: ImportOptions = {}): ImportResult {
  let model: onnx.ModelProto;
  try {
    model = ONNX.ModelProto.decode(bytes);
  } catch (e) {
    throw new BranchyUnsupportedError(`not an ONNX model: ${(e as Error).message}`);
  }
  checkArity(model);
  return new Importer(model, opts, new QdqState(model)).run();
}

/** Inputs each op needs at least (the spec's required ones); the importer reads them unchecked. */
const MIN_INPUTS: Record<string, number> = {
  Conv: 2, BatchNormalization: 5, Add: 2, Sub: 2, Mul: 2, Div: 2, Concat: 1, Reshape: 2, Gemm: 2, MatMul: 2,
  Gather: 2, QuantizeLinear: 2, DequantizeLinear: 2, QLinearConv: 8, QLinearMatMul: 8, ConvInteger: 2,
  MatMulInteger: 2, QLinearAdd: 7, QLinearAveragePool: 4, QLinearGlobalAveragePool: 4, QLinearConcat: 5, Constant: 0,
};

/** Every node has its required inputs (a present, named first input at least) and an output. */
function checkArity(model: onnx.ModelProto): void {
  for (const n of model.graph?.node ?? []) {
    const need = MIN_INPUTS[n.opType ?? ''] ?? 1;
    const ins = n.input ?? [];
    if (ins.length < need || (need > 0 && !ins[0]) || !n.output?.[0]) {
      throw new BranchyUnsupportedError(
        `${n.opType} node '${n.name || '(unnamed)'}' has inputs [${ins.join(', ')}] and outputs [${(n.output ?? []).join(', ')}]; ` +
          `it needs at least ${need} input(s) and one output: the model is malformed`,
      );
    }
  }
}

class Importer {
  private readonly opset: number;
  private readonly consts = new Map<string, Const>();
  private readonly values = new Map<string, Value>();
  private readonly uses = new Map<string, number>();
  private readonly alias = new Map<string, string>();
  private readonly tensors: TensorInfo[] = [];
  private readonly tensorByName = new Map<string, TensorInfo>();
  private readonly nodes: Node[] = [];
  private readonly producer = new Map<string, Node>();
  private readonly weights: Weights = new Map();
  private readonly taken = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly onnxNodes: onnx.INodeProto[];
  private readonly readers = new Map<string, onnx.INodeProto[]>();
  private readonly graphOutputs: string[];
  /** Constants made by a bipolar quantizer (binary weights), the IR layers reading them, signs and their scales. */
  private readonly binaryConsts = new Set<string>();
  private readonly binaryNodes = new Set<string>();
  private readonly binarizeFound = new Set<string>();
  private readonly signNodes = new Map<Node, number>();

  constructor(private readonly model: onnx.ModelProto, private readonly opts: ImportOptions, private readonly q: QdqState) {
    const g = model.graph;
    if (!g) throw new BranchyUnsupportedError('the ONNX model has no graph');
    let opset = -1;
    for (const o of model.opsetImport ?? []) {
      if (!o.domain || o.domain === 'ai.onnx') opset = toNum(o.version);
    }
    if (opset < 0) opset = 1;
    if (opset < MIN_OPSET || opset > MAX_OPSET) {
      throw new BranchyUnsupportedError(
        `the model uses opset ${opset}; branchy reads opsets ${MIN_OPSET}-${MAX_OPSET}: re-export with opset_version between ${MIN_OPSET} and ${MAX_OPSET}`,
      );
    }
    this.opset = opset;
    this.onnxNodes = g.node ?? [];
    this.graphOutputs = (g.output ?? []).map((o) => o.name ?? '');
    for (const n of this.onnxNodes) {
      for (const o of n.output ?? []) this.taken.add(o);
      if (n.name) this.nodeNames.add(n.name);
    }
    for (const t of g.initializer ?? []) this.taken.add(t.name ?? '');
    for (const i of g.input ?? []) this.taken.add(i.name ?? '');
  }

  // ---- naming and emission ------------------------------------------------------------

  /** An unused IR name: `base` itself when free (an initializer's own name), else base_1, base_2... */
  private fresh(base: string): string {
    const free = (s: string): boolean => !this.tensorByName.has(s) && (!this.taken.has(s) || this.consts.has(s));
    if (free(base)) return base;
    let k = 1;
    while (!free(`${base}_${k}`) || this.taken.has(`${base}_${k}`)) k++;
    return `${base}_${k}`;
  }

  private addTensor(name: string, shape: number[], constant?: Float32Array): string {
    const n = constant ? this.fresh(name) : name;
    const t: TensorInfo = { name: n, shape, dtype: 'f32' };
    if (constant) {
      t.constant = true;
      this.weights.set(n, constant);
    }
    this.tensors.push(t);
    this.tensorByName.set(n, t);
    return n;
  }

  private emit<K extends OpType>(op: K, name: string, inputs: string[], out: string, shape: number[], attrs: OpAttrs[K], act?: Activation): Node {
    let nn = name || `${op}_${this.nodes.length}`;
    while (this.nodes.some((n) => n.name === nn)) nn = `${nn}_`;
    this.addTensor(out, shape);
    const node = { name: nn, op, inputs, outputs: [out], attrs, ...(act ? { act } : {}) } as Node;
    this.int8Through(node);
    this.nodes.push(node);
    this.producer.set(out, node);
    return node;
  }

  /**
   * An op that reads int8 tensors straight (ONNX allows MaxPool, Reshape, Flatten, Concat on
   * them): its output keeps the input's quantization. Any other op needs a DequantizeLinear.
   */
  private int8Through(node: Node): void {
    if (node.op === 'quantize' || node.op === 'dequantize') return;
    const ins = node.inputs.map((i) => this.tensorByName.get(i)).filter((t) => t && !t.constant) as TensorInfo[];
    const q = ins.find((t) => t.dtype !== 'f32' && t.dtype !== 'b1'); // b1: binary values, see binarize()
    if (!q) return;
    const ok = (node.op === 'maxpool' || node.op === 'reshape' || node.op === 'flatten' || node.op === 'concat') &&
      ins.every((t) => t.dtype === 'i8' && sameQuant(t.quant, q.quant) && this.q.qtype.get(t.name) === this.q.qtype.get(q.name));
    if (!ok) {
      throw new BranchyUnsupportedError(`node '${node.name}' (${node.op}) reads the quantized tensor '${q.name}' directly; ` +
        'branchy runs MaxPool, Reshape, Flatten and Concat (same scale and zero point) on quantized tensors, anything else after a DequantizeLinear');
    }
    Object.assign(this.tensorByName.get(node.outputs[0])!, { dtype: 'i8', quant: { ...q.quant! } });
    this.q.qtype.set(node.outputs[0], this.q.qtype.get(q.name)!);
  }

  /** Renames an IR tensor everywhere (a fused producer takes its consumer's output name). */
  private rename(from: string, to: string): void {
    if (from === to) return;
    const t = this.tensorByName.get(from)!;
    this.tensorByName.delete(from);
    t.name = to;
    this.tensorByName.set(to, t);
    for (const n of this.nodes) {
      n.inputs = n.inputs.map((i) => (i === from ? to : i));
      n.outputs = n.outputs.map((o) => (o === from ? to : o));
    }
    const p = this.producer.get(from);
    if (p) {
      this.producer.delete(from);
      this.producer.set(to, p);
    }
    for (const v of this.values.values()) if (v.ir === from) v.ir = to;
  }

  private irShape(v: Value): number[] {
    return this.tensorByName.get(v.ir)!.shape;
  }

  private define(onnxName: string, v: Omit<Value, 'sole'>, sole?: boolean): void {
    this.values.set(onnxName, { ...v, sole: sole ?? this.uses.get(onnxName) === 1 });
  }

  // ---- errors -------------------------------------------------------------------------

  private where(n: onnx.INodeProto): string {
    return `${n.opType} node '${n.name || '(unnamed)'}'`;
  }

  private unsupported(n: onnx.INodeProto, what: string, fix: string): never {
    throw new BranchyUnsupportedError(`${this.where(n)}: ${what}; ${fix}`);
  }

  // ---- inputs of a node ---------------------------------------------------------------

  private resolve(name: string): string {
    let n = name;
    while (this.alias.has(n)) n = this.alias.get(n)!;
    return n;
  }

  private inputName(n: onnx.INodeProto, i: number): string {
    const x = n.input?.[i];
    return x ? this.resolve(x) : '';
  }

  private isConst(n: onnx.INodeProto, i: number): boolean {
    return this.consts.has(this.inputName(n, i));
  }

  private constIn(n: onnx.INodeProto, i: number, what: string): Const {
    const name = this.inputName(n, i);
    const c = this.consts.get(name);
    if (!c) {
      this.unsupported(n, `${what} ('${name}') is computed, branchy needs it constant`,
        'make it an initializer (export with do_constant_folding=True, or fold it in PyTorch before export)');
    }
    return c;
  }

  private optConst(n: onnx.INodeProto, i: number, what: string): Const | undefined {
    return this.inputName(n, i) ? this.constIn(n, i, what) : undefined;
  }

  private valueIn(n: onnx.INodeProto, i: number): Value {
    const name = this.inputName(n, i);
    const v = this.values.get(name);
    if (!v) {
      if (this.consts.has(name)) {
        this.unsupported(n, `input ${i} ('${name}') is a constant where branchy expects a computed tensor`,
          'fold this constant expression before export (do_constant_folding=True)');
      }
      throw new BranchyUnsupportedError(`${this.where(n)}: input '${name}' is not produced by any node or graph input`);
    }
    return v;
  }

  private image(n: onnx.INodeProto, i: number): Value {
    const v = this.valueIn(n, i);
    if (v.layout !== 'nchw') {
      this.unsupported(n, `input '${this.inputName(n, i)}' of shape [${v.shape.join(', ')}] is not an NCHW image`,
        'branchy runs 2-D convolutions and pools on rank-4 NCHW tensors');
    }
    return v;
  }

  // ---- the run ------------------------------------------------------------------------

  run(): ImportResult {
    const g = this.model.graph!;
    for (const t of g.initializer ?? []) this.consts.set(t.name ?? '', decodeTensor(t, `initializer '${t.name}'`));

    // Identity and Dropout (inference) are aliases; resolve them before counting readers.
    for (const n of this.onnxNodes) {
      if (n.domain && n.domain !== 'ai.onnx' && !(QONNX_DOMAINS.has(n.domain) && QONNX_OPS.has(n.opType ?? ''))) {
        throw new BranchyUnsupportedError(`${this.where(n)}: operator domain '${n.domain}' is not supported; export with standard ONNX ops only`);
      }
      if (n.opType === 'Identity' || n.opType === 'Dropout') {
        if (n.opType === 'Dropout' && n.output?.[1] && this.isRead(n.output[1])) {
          this.unsupported(n, "its mask output is used", 'export the model in eval mode (model.eval())');
        }
        this.alias.set(n.output![0], n.input![0]);
      }
    }
    for (const n of this.onnxNodes) {
      if (n.opType === 'Identity' || n.opType === 'Dropout') continue;
      for (const i of n.input ?? []) {
        if (!i) continue;
        const r = this.resolve(i);
        this.uses.set(r, (this.uses.get(r) ?? 0) + 1);
        const l = this.readers.get(r);
        if (l) l.push(n);
        else this.readers.set(r, [n]);
      }
    }
    for (const o of this.graphOutputs) {
      const r = this.resolve(o);
      this.uses.set(r, (this.uses.get(r) ?? 0) + 1);
    }

    const inputs: string[] = [];
    for (const vi of g.input ?? []) {
      const name = vi.name ?? '';
      if (this.consts.has(name)) continue; // old exports list initializers as inputs
      inputs.push(name);
      this.graphInput(vi);
    }

    for (const n of this.sorted()) {
      if (n.opType === 'Identity' || n.opType === 'Dropout') continue;
      this.translate(n);
    }

    const outputs = this.finishOutputs();
    const graph: Graph = { tensors: [], nodes: this.nodes, inputs, outputs };
    const norm = this.normalize();
    if (norm) graph.normalize = norm;
    const used = new Set([...inputs, ...outputs, ...this.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
    graph.tensors = this.tensors.filter((t) => used.has(t.name));
    for (const k of [...this.weights.keys()]) if (!used.has(k)) this.weights.delete(k);
    for (const name of inputs) {
      const t = this.tensorByName.get(name)!;
      if (this.values.get(name)!.layout === 'nchw') t.sourceLayout = 'NCHW';
    }
    foldQdq(graph, this.weights, this.q.weightScales, this.q.warnings);
    fusePoolActivation(graph);
    const binarized = this.binarize(graph);
    validateGraph(graph, { weights: this.weights });
    return { graph, weights: this.weights, opset: this.opset, warnings: this.q.warnings, binarized };
  }

  private isRead(name: string): boolean {
    return this.graphOutputs.includes(name) || this.onnxNodes.some((m) => (m.input ?? []).includes(name));
  }

  /** ONNX nodes in a topological order (the spec requires one; repair, detect cycles). */
  private sorted(): onnx.INodeProto[] {
    const made = new Map<string, onnx.INodeProto>();
    for (const n of this.onnxNodes) for (const o of n.output ?? []) if (o) made.set(o, n);
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
          if (state.get(dep) === 1) throw new BranchyUnsupportedError(`${this.where(dep)}: the ONNX graph has a cycle through this node`);
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
    for (const n of this.onnxNodes) if (!state.has(n)) visit(n);
    return out;
  }

  private graphInput(vi: onnx.IValueInfoProto): void {
    const name = vi.name ?? '';
    const tt = vi.type?.tensorType;
    if (!tt) throw new BranchyUnsupportedError(`graph input '${name}' is not a tensor`);
    if (tt.elemType !== ONNX.TensorProto.DataType.FLOAT) {
      throw new BranchyUnsupportedError(
        `graph input '${name}' has type ${ONNX.TensorProto.DataType[tt.elemType ?? 0]}; branchy imports float32 inputs (export the float model)`,
      );
    }
    let shape: number[];
    const given = this.opts.inputShapes?.[name];
    if (given) shape = given.slice();
    else {
      const dims = tt.shape?.dim ?? [];
      shape = dims.map((d, i) => {
        if (d.dimValue !== undefined && d.dimValue !== null && toNum(d.dimValue) > 0) return toNum(d.dimValue);
        if (i === 0) return this.opts.batch ?? 1;
        throw new BranchyUnsupportedError(
          `graph input '${name}' has a symbolic size '${d.dimParam ?? '?'}' on axis ${i}; ` +
            `export with a fixed input size or pass inputShapes: { '${name}': [...] }`,
        );
      });
    }
    // A rank-4 input read only through Transpose(0,3,1,2) is NHWC already (tf2onnx style).
    const rd = this.readers.get(name) ?? [];
    const nhwcInput = shape.length === 4 && (this.opts.inputLayout ? this.opts.inputLayout === 'NHWC'
      : rd.length > 0 && rd.every((m) => m.opType === 'Transpose' && this.perm(m)?.join() === '0,3,1,2'));
    if (shape.length === 4 && !nhwcInput) {
      this.addTensor(name, nhwc(shape));
      this.define(name, { ir: name, shape, layout: 'nchw' }, false);
    } else {
      this.addTensor(name, shape);
      this.define(name, { ir: name, shape, layout: 'plain' }, false);
    }
  }

  private perm(n: onnx.INodeProto): number[] | undefined {
    return new Attrs(n, '').ints('perm', undefined);
  }

  /** Graph outputs keep their ONNX names: rename the IR tensor, or copy where it cannot. */
  private finishOutputs(): string[] {
    const out: string[] = [];
    for (const o of this.graphOutputs) {
      const r = this.resolve(o);
      const v = this.values.get(r);
      if (!v) {
        throw new BranchyUnsupportedError(`graph output '${o}' is ${this.consts.has(r) ? 'a constant' : 'not computed by any node'}; remove it from the model's outputs`);
      }
      if (v.layout === 'hwc-flat') throw new Error(`internal: output '${o}' left in HWC order`);
      const t = this.tensorByName.get(v.ir)!;
      if (v.ir !== o) {
        const isInput = !this.producer.has(v.ir);
        if (isInput || out.includes(v.ir) || this.tensorByName.has(o)) {
          this.emit('reshape', `${o}_copy`, [v.ir], this.fresh(o), t.shape.slice(), { shape: t.shape.slice() });
          const copy = this.nodes[this.nodes.length - 1].outputs[0];
          this.rename(copy, o);
        } else this.rename(v.ir, o);
      }
      if (v.layout === 'nchw') this.tensorByName.get(o)!.sourceLayout = 'NCHW';
      out.push(o);
    }
    return out;
  }

  private normalize(): Normalize | undefined {
    const p = (this.model.metadataProps ?? []).find((m) => m.key === 'branchy.normalize');
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

  // ---- translation --------------------------------------------------------------------

  private translate(n: onnx.INodeProto): void {
    const a = new Attrs(n, this.where(n));
    const out = n.output?.[0] ?? '';
    // Shape arithmetic on constants is computed here and never reaches the graph.
    const ins = (n.input ?? []).filter((i) => i);
    if (this.quantized(n, a, out) || this.binaryQuant(n, a, out)) return;
    if (FOLDABLE.has(n.opType ?? '') && ins.length > 0 && ins.every((i) => this.consts.has(this.resolve(i)))) {
      return this.constFold(n, a, out);
    }
    switch (n.opType) {
      case 'Constant': return this.constant(n, a, out);
      case 'Conv': return this.conv(n, a, out);
      case 'BatchNormalization': return this.batchnorm(n, a, out);
      case 'Relu': return this.activation(n, out, { kind: 'relu' });
      case 'Sigmoid': return this.activation(n, out, { kind: 'sigmoid' });
      case 'HardSwish': return this.activation(n, out, { kind: 'hardswish' });
      case 'LeakyRelu': return this.activation(n, out, { kind: 'leakyrelu', alpha: a.float('alpha', 0.01) });
      case 'HardSigmoid': return this.activation(n, out, { kind: 'hardsigmoid', alpha: a.float('alpha', 0.2), beta: a.float('beta', 0.5) });
      case 'Clip': return this.clip(n, a, out);
      case 'MaxPool':
      case 'AveragePool': return this.pool(n, a, out);
      case 'GlobalAveragePool': {
        const x = this.image(n, 0);
        const [N, C] = x.shape;
        this.emit('globalavgpool', n.name ?? '', [x.ir], out, [N, 1, 1, C], {});
        return this.define(out, { ir: out, shape: [N, C, 1, 1], layout: 'nchw' });
      }
      case 'GlobalMaxPool': {
        const x = this.image(n, 0);
        const [N, C, H, W] = x.shape;
        this.emit('maxpool', n.name ?? '', [x.ir], out, [N, 1, 1, C], {
          kernel: [H, W], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], ceilMode: false,
        });
        return this.define(out, { ir: out, shape: [N, C, 1, 1], layout: 'nchw' });
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div': return this.binary(n, out);
      case 'Concat': return this.concat(n, a, out);
      case 'Flatten': {
        const x = this.valueIn(n, 0);
        const r = x.shape.length;
        let axis = a.int('axis', 1);
        if (axis < 0) axis += r;
        if (axis !== 1) {
          if (x.layout === 'plain' && axis === r) return this.reshapeTo(n, [numel(x.shape), 1], out);
          this.unsupported(n, `attribute axis=${axis}`, 'branchy flattens with axis=1 (keep the batch axis): use torch.flatten(x, 1)');
        }
        return this.reshapeTo(n, [x.shape[0], numel(x.shape.slice(1))], out);
      }
      case 'Reshape': return this.reshape(n, a, out);
      case 'Squeeze':
      case 'Unsqueeze': return this.squeeze(n, a, out);
      case 'Transpose': return this.transpose(n, a, out);
      case 'Gemm': return this.gemm(n, a, out);
      case 'MatMul': return this.matmul(n, out);
      case 'Softmax': return this.softmax(n, a, out);
      case 'Shape': case 'Gather': case 'Cast': return this.constFold(n, a, out);
      default: {
        const fix = ADVICE[n.opType ?? ''] ?? `branchy imports ${SUPPORTED.join(', ')}; replace or remove it before export`;
        this.unsupported(n, `operator ${n.opType} is not supported`, fix);
      }
    }
  }

  // ---- binary (binary.ts reads the quantizers, convert/binarize.ts lowers) ----------------

  /** QONNX BipolarQuant / Quant / IntQuant, and ONNX Sign: constants folded, activations become signs. */
  private binaryQuant(n: onnx.INodeProto, a: Attrs, out: string): boolean {
    const op = n.opType ?? '';
    if (op === 'Sign') {
      if (this.isConst(n, 0)) {
        const c = this.constIn(n, 0, 'the input');
        this.consts.set(out, { dims: c.dims, float: c.float, data: c.float ? Float32Array.from(c.data as Float32Array, Math.sign) : Array.from(c.data, Math.sign) });
      } else this.emitSign(n, out, 1);
      return true;
    }
    if (!QONNX_OPS.has(op) || !n.domain || !QONNX_DOMAINS.has(n.domain)) return false;
    const q = readQonnx(this.where(n), op, a, (i) => (this.inputName(n, i) ? this.consts.get(this.inputName(n, i)) : undefined));
    if (this.isConst(n, 0)) {
      this.consts.set(out, { dims: this.constIn(n, 0, 'the input').dims, float: true, data: foldQonnx(this.where(n), q, this.constIn(n, 0, 'the input')) });
      if (q.kind === 'bipolar') this.binaryConsts.add(out);
      return true;
    }
    if (q.kind === 'bipolar') {
      this.emitSign(n, out, signScale(this.where(n), q));
      return true;
    }
    // An integer activation quantizer: branchy chooses its own int8 activations (--quant int8).
    this.q.warnings.push(`${this.where(n)}: the ${q.bits}-bit activation quantizer is imported as float (identity); quantize the graph with branchy's int8 pass`);
    const x = this.valueIn(n, 0);
    this.define(out, { ...x }, x.sole && this.uses.get(out) === 1);
    return true;
  }

  /** A sign of a computed tensor: a bitpack node whose output is binary, of real magnitude `scale`. */
  private emitSign(n: onnx.INodeProto, out: string, scale: number): void {
    const x = this.valueIn(n, 0);
    if (x.layout === 'hwc-flat') throw new Error('internal: hwc-flat read by a sign');
    const node = this.emit('bitpack', n.name ?? '', [x.ir], out, this.irShape(x).slice(), {});
    this.tensorByName.get(out)!.dtype = 'b1';
    this.signNodes.set(node, scale);
    this.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout, chw: x.chw });
  }

  /** The layer just emitted for ONNX node n becomes binary when its weights are bipolar or the user named it. */
  private markBinary(n: onnx.INodeProto): void {
    const named = this.opts.binarize?.includes(n.name ?? '') ?? false;
    if (!named && !this.binaryConsts.has(this.inputName(n, 1))) return;
    const node = this.nodes[this.nodes.length - 1];
    if (node.op === 'dwconv2d') {
      this.unsupported(n, 'binary weights on a depthwise convolution', 'branchy has binary kernels for full convolutions and fully connected layers; keep this layer in float or int8');
    }
    this.binaryNodes.add(node.name);
    if (named) this.binarizeFound.add(n.name!);
  }

  private binarize(graph: Graph): BinarizeReport[] {
    const missing = (this.opts.binarize ?? []).filter((b) => !this.binarizeFound.has(b));
    if (missing.length) {
      const names = this.onnxNodes.filter((m) => m.opType === 'Conv' || m.opType === 'Gemm' || m.opType === 'MatMul').map((m) => m.name || '(unnamed)');
      throw new BranchyUnsupportedError(`binarize: no Conv / Gemm / MatMul node named ${missing.map((m) => `'${m}'`).join(', ')}; the model's are ${names.join(', ') || '(none)'}`);
    }
    if (this.binaryNodes.size === 0 && this.signNodes.size === 0) return [];
    const signScales = new Map([...this.signNodes].map(([node, s]) => [node.outputs[0], s]));
    return binarizeLayers(graph, this.weights, { layers: this.binaryNodes, signScales });
  }

  // ---- int8 (qdq.ts does the rest) ------------------------------------------------------

  /** QuantizeLinear / DequantizeLinear, and the Cast, Pad and ConstantOfShape that quantized exports bring. */
  private quantized(n: onnx.INodeProto, a: Attrs, out: string): boolean {
    const op = n.opType;
    if (op === 'ConstantOfShape') {
      const shape = Array.from(this.constIn(n, 0, 'the shape').data as ArrayLike<number>);
      const t = a.tensor('value');
      const v = t ? decodeTensor(t, this.where(n)) : { dims: [1], float: true, data: Float32Array.of(0) };
      const len = shape.reduce((p, d) => p * d, 1);
      if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || len > MAX_CONST_ELEMENTS) {
        this.unsupported(n, `shape [${shape.join(', ')}]`, `ConstantOfShape makes at most ${MAX_CONST_ELEMENTS} non-negative integer-sized elements; the model is malformed`);
      }
      const val = Number(v.data[0]);
      this.consts.set(out, { dims: shape, float: v.float, data: v.float ? new Float32Array(len).fill(val) : new Array<number>(len).fill(val) });
      return true;
    }
    if (op === 'Pad' && !this.isConst(n, 0)) {
      // torch exports avg_pool2d(ceil_mode=True) with a Pad of zeros: nothing to do.
      const pads = this.opset >= 11 ? this.optConst(n, 1, 'pads')?.data : a.ints('pads', undefined);
      if (!pads || !Array.from(pads as ArrayLike<number>).every((p) => p === 0)) return false;
      this.define(out, { ...this.valueIn(n, 0) }, this.valueIn(n, 0).sole && this.uses.get(out) === 1);
      return true;
    }
    if (op === 'Cast' && !this.isConst(n, 0)) {
      // torch casts its quantized tensors to their own type (uint8 -> uint8); floats to float.
      const x = this.valueIn(n, 0);
      const to = a.int('to', 0);
      const t = this.tensorByName.get(x.ir)!;
      const same = t.dtype === 'f32' ? to === ONNX.TensorProto.DataType.FLOAT
        : to === (this.q.qtype.get(x.ir) === 'u8' ? ONNX.TensorProto.DataType.UINT8 : ONNX.TensorProto.DataType.INT8);
      if (!same) this.unsupported(n, `Cast of a computed tensor to ${ONNX.TensorProto.DataType[to]}`, 'branchy casts only constants; remove the cast before export');
      this.define(out, { ...x }, x.sole && this.uses.get(out) === 1);
      return true;
    }
    if (op !== 'QuantizeLinear' && op !== 'DequantizeLinear') return false;
    if (a.has('block_size') && a.int('block_size', 0) !== 0) this.unsupported(n, 'attribute block_size (blocked quantization)', 'quantize weights per channel or per tensor');
    const scale = this.constIn(n, 1, 'the scale');
    const zp = this.optConst(n, 2, 'the zero point');
    const type = (): 'u8' | 'i8' => this.q.zpType(this.where(n), n.input?.[2] ?? '', this.inputName(n, 2));
    if (this.isConst(n, 0)) {
      // DequantizeLinear of a constant needs no type (q - zp fits or not); QuantizeLinear does.
      const ty = op === 'QuantizeLinear' ? type() : 'i8';
      this.consts.set(out, foldQdqConst(this.q, this.where(n), op, out, this.constIn(n, 0, 'the input'), scale, zp, a.int('axis', 1), ty));
      return true;
    }
    const ty = type();
    const x = this.valueIn(n, 0);
    if (x.layout === 'hwc-flat') throw new Error('internal: hwc-flat read by a Q/DQ node');
    const quant = activationQuant(this.where(n), scale, zp, ty);
    const t = this.tensorByName.get(x.ir)!;
    if (op === 'QuantizeLinear') {
      if (t.dtype !== 'f32') this.unsupported(n, 'input is already quantized', 'the model is malformed');
      if (ty === 'u8' && this.graphOutputs.includes(out)) {
        this.unsupported(n, 'a uint8 graph output', 'end the model with DequantizeLinear (branchy stores uint8 activations as int8)');
      }
      this.emit('quantize', n.name ?? '', [x.ir], out, this.irShape(x).slice(), {});
      Object.assign(this.tensorByName.get(out)!, { dtype: 'i8', quant });
      this.q.qtype.set(out, ty);
    } else {
      if (t.dtype !== 'i8') this.unsupported(n, 'input is not a quantized tensor', 'DequantizeLinear must read the output of a QuantizeLinear');
      if (!sameQuant(t.quant, quant) || this.q.qtype.get(x.ir) !== ty) {
        this.unsupported(n, `scale / zero point (${quant.scale}, ${quant.zeroPoint}) differ from the QuantizeLinear's that made '${this.inputName(n, 0)}'`,
          'use the same quantization parameters on both sides of a quantized tensor');
      }
      this.emit('dequantize', n.name ?? '', [x.ir], out, this.irShape(x).slice(), {});
    }
    this.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout, chw: x.chw });
    return true;
  }

  private constant(n: onnx.INodeProto, a: Attrs, out: string): void {
    const t = a.tensor('value');
    if (t) return void this.consts.set(out, decodeTensor(t, this.where(n)));
    if (a.has('value_float')) return void this.consts.set(out, { dims: [], float: true, data: Float32Array.of(a.float('value_float', 0)) });
    if (a.has('value_floats')) {
      const f = a.floats('value_floats', [])!;
      return void this.consts.set(out, { dims: [f.length], float: true, data: Float32Array.from(f) });
    }
    if (a.has('value_int')) return void this.consts.set(out, { dims: [], float: false, data: [a.int('value_int', 0)] });
    if (a.has('value_ints')) {
      const v = a.ints('value_ints', [])!;
      return void this.consts.set(out, { dims: [v.length], float: false, data: v });
    }
    this.unsupported(n, `attribute ${a.names().join(', ') || '(none)'}`, 'only tensor, float(s) and int(s) constants are supported');
  }

  /** Pads from auto_pad or pads, for each spatial axis; [top, left, bottom, right]. */
  private pads(n: onnx.INodeProto, a: Attrs, x: number[], k: number[], s: number[], d: number[]): [number, number, number, number] {
    const auto = a.string('auto_pad', 'NOTSET');
    if (auto === 'NOTSET') {
      const p = a.ints('pads', [0, 0, 0, 0])!;
      if (p.length !== 4) this.unsupported(n, `attribute pads=[${p.join(', ')}]`, 'branchy supports 2-D windows (4 pads)');
      if (p.some((v) => v < 0)) this.unsupported(n, `attribute pads=[${p.join(', ')}] has negative padding`, 'crop the input with a Slice-free model');
      return [p[0], p[1], p[2], p[3]];
    }
    if (auto === 'VALID') return [0, 0, 0, 0];
    if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER') this.unsupported(n, `attribute auto_pad='${auto}'`, 'use NOTSET, VALID, SAME_UPPER or SAME_LOWER');
    const r: number[] = [0, 0, 0, 0];
    for (let i = 0; i < 2; i++) {
      const size = x[i];
      const o = Math.ceil(size / s[i]);
      const total = Math.max(0, (o - 1) * s[i] + (k[i] - 1) * d[i] + 1 - size);
      const small = Math.floor(total / 2);
      r[i] = auto === 'SAME_UPPER' ? small : total - small;
      r[i + 2] = total - r[i];
    }
    return [r[0], r[1], r[2], r[3]];
  }

  private window(n: onnx.INodeProto, a: Attrs, hw: number[], kernel: number[] | undefined): Window {
    const k = a.ints('kernel_shape', kernel);
    if (!k || k.length !== 2) {
      this.unsupported(n, `attribute kernel_shape=[${(k ?? []).join(', ')}]`, 'branchy supports 2-D windows on NCHW inputs (1-D and 3-D are not supported)');
    }
    const s = a.ints('strides', [1, 1])!;
    const d = a.ints('dilations', [1, 1])!;
    if (s.length !== 2 || d.length !== 2) this.unsupported(n, 'strides or dilations not of length 2', 'branchy supports 2-D windows');
    return {
      kernel: [k[0], k[1]], strides: [s[0], s[1]], dilations: [d[0], d[1]],
      pads: this.pads(n, a, hw, k, s, d),
    };
  }

  private conv(n: onnx.INodeProto, a: Attrs, out: string): void {
    const x = this.image(n, 0);
    const w = this.constIn(n, 1, 'the weight W');
    const b = this.optConst(n, 2, 'the bias B');
    if (w.dims.length !== 4) this.unsupported(n, `weights of shape [${w.dims.join(', ')}]`, 'branchy supports 2-D convolutions only');
    const [O, Ig, KH, KW] = w.dims;
    const [N, C, H, W] = x.shape;
    const group = a.int('group', 1);
    const win = this.window(n, a, [H, W], [KH, KW]);
    if (win.kernel[0] !== KH || win.kernel[1] !== KW) this.unsupported(n, `kernel_shape [${win.kernel.join(', ')}] disagrees with W [${w.dims.join(', ')}]`, 'the model is malformed');
    const wd = w.data as Float32Array;
    const oh = Math.floor((H + win.pads[0] + win.pads[2] - win.dilations[0] * (KH - 1) - 1) / win.strides[0]) + 1;
    const ow = Math.floor((W + win.pads[1] + win.pads[3] - win.dilations[1] * (KW - 1) - 1) / win.strides[1]) + 1;
    const bias = b ? this.addTensor(`${this.inputName(n, 2)}`, [O], Float32Array.from(b.data as Float32Array)) : undefined;
    const wname = this.inputName(n, 1);
    if (group === 1) {
      if (Ig !== C) this.unsupported(n, `W expects ${Ig} input channels, the input has ${C}`, 'the model is malformed');
      const ohwi = new Float32Array(wd.length);
      for (let o = 0; o < O; o++) for (let i = 0; i < C; i++) for (let h = 0; h < KH; h++) for (let q = 0; q < KW; q++) {
        ohwi[((o * KH + h) * KW + q) * C + i] = wd[((o * C + i) * KH + h) * KW + q];
      }
      const wt = this.addTensor(wname, [O, KH, KW, C], ohwi);
      this.emit('conv2d', n.name ?? '', bias ? [x.ir, wt, bias] : [x.ir, wt], out, [N, oh, ow, O], win);
      this.markBinary(n);
    } else if (group === C && Ig === 1 && O % C === 0) {
      const hwc = new Float32Array(wd.length);
      for (let o = 0; o < O; o++) for (let h = 0; h < KH; h++) for (let q = 0; q < KW; q++) {
        hwc[(h * KW + q) * O + o] = wd[(o * KH + h) * KW + q];
      }
      const wt = this.addTensor(wname, [KH, KW, O], hwc);
      this.emit('dwconv2d', n.name ?? '', bias ? [x.ir, wt, bias] : [x.ir, wt], out, [N, oh, ow, O], { ...win, multiplier: O / C });
      this.markBinary(n);
    } else {
      this.unsupported(n, `attribute group=${group} (input has ${C} channels)`,
        'branchy runs group=1 and depthwise (group = channels) convolutions; split grouped convolutions into separate Convs + Concat before export');
    }
    this.define(out, { ir: out, shape: [N, O, oh, ow], layout: 'nchw' });
  }

  /** The producer of v if v may be fused into it (its sole reader is the current node). */
  private fusable(v: Value, ops: OpType[]): Node | undefined {
    if (!v.sole) return undefined;
    const p = this.producer.get(v.ir);
    if (!p || p.act || !ops.includes(p.op)) return undefined;
    return p;
  }

  /** Scales output channel o of a conv/dwconv/gemm by s[o] and adds t[o] to its bias. */
  private affineInto(p: Node, s: Float32Array | undefined, t: Float32Array | undefined): void {
    const wt = this.tensorByName.get(p.inputs[1])!;
    const w = this.weights.get(wt.name) as Float32Array;
    const O = p.op === 'dwconv2d' ? wt.shape[2] : wt.shape[0];
    if (s) {
      const inner = w.length / O;
      for (let i = 0; i < w.length; i++) {
        const o = p.op === 'dwconv2d' ? i % O : Math.floor(i / inner);
        w[i] *= s[o];
      }
    }
    let bias: Float32Array;
    if (p.inputs.length > 2) bias = this.weights.get(p.inputs[2]) as Float32Array;
    else {
      bias = new Float32Array(O);
      p.inputs.push(this.addTensor(`${p.name}.bias`, [O], bias));
    }
    for (let o = 0; o < O; o++) bias[o] = bias[o] * (s ? s[o] : 1) + (t ? t[o] : 0);
  }

  private batchnorm(n: onnx.INodeProto, a: Attrs, out: string): void {
    if (a.int('training_mode', 0) !== 0 || (n.output ?? []).slice(1).some((o) => o && this.isRead(o))) {
      this.unsupported(n, 'training mode (running statistics are outputs)', 'export the model in eval mode (model.eval())');
    }
    if (this.opset < 9 && a.int('spatial', 1) !== 1) this.unsupported(n, 'attribute spatial=0', 'export with spatial=1 (per-channel statistics)');
    const x = this.valueIn(n, 0);
    const eps = a.float('epsilon', 1e-5);
    const [g, bt, mu, vr] = [1, 2, 3, 4].map((i) => this.constIn(n, i, ['scale', 'B', 'mean', 'var'][i - 1]).data as Float32Array);
    const C = g.length;
    const s = new Float32Array(C), t = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      s[c] = g[c] / Math.sqrt(vr[c] + eps);
      t[c] = bt[c] - mu[c] * s[c];
    }
    const p = this.fusable(x, ['conv2d', 'dwconv2d', 'gemm']);
    if (p) {
      this.affineInto(p, s, t);
      this.rename(x.ir, out);
      return this.define(out, { ...x, ir: out });
    }
    if (!(x.layout === 'nchw' || (x.layout === 'plain' && x.shape.length === 2))) {
      this.unsupported(n, `input of shape [${x.shape.join(', ')}]`, 'branchy applies BatchNormalization to NCHW images or [N, C] features');
    }
    this.perChannel(n, x, out, s, t);
  }

  /** y = x * s[c] + t[c] as mul then add (either may be absent). */
  private perChannel(n: onnx.INodeProto, x: Value, out: string, s: Float32Array | undefined, t: Float32Array | undefined): void {
    const shape = this.irShape(x).slice();
    let cur = x.ir;
    if (s) {
      const st = this.addTensor(`${n.name || out}.scale`, [s.length], s);
      const mid = t ? this.fresh(`${out}.scaled`) : out;
      this.emit('mul', t ? `${n.name || out}.mul` : (n.name ?? ''), [cur, st], mid, shape, {});
      cur = mid;
    }
    if (t) {
      const tt = this.addTensor(`${n.name || out}.shift`, [t.length], t);
      this.emit('add', n.name ?? '', [cur, tt], out, shape, {});
    }
    this.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout, chw: x.chw });
  }

  private activation(n: onnx.INodeProto, out: string, act: Activation, input?: Value): void {
    const x = input ?? this.valueIn(n, 0);
    if (x.layout === 'hwc-flat') throw new Error('internal: hwc-flat read by an activation');
    // Two clamps in a row (PyTorch exports relu6 after an add as Relu then Clip) are one clamp.
    const prev = x.sole ? this.producer.get(x.ir) : undefined;
    const both = prev?.act ? clampOf(prev.act) && clampOf(act) : undefined;
    if (prev && both) {
      const [a, b] = [clampOf(prev.act!)!, clampOf(act)!];
      prev.act = clampAct(Math.max(a[0], b[0]), Math.min(a[1], b[1]));
      this.rename(x.ir, out);
      return this.define(out, { ...x, ir: out });
    }
    const p = this.fusable(x, ([...FUSES_ACTIVATION] as OpType[]).filter((o) => o !== 'activation'));
    if (p) {
      p.act = act;
      this.rename(x.ir, out);
      return this.define(out, { ...x, ir: out });
    }
    this.emit('activation', n.name ?? '', [x.ir], out, this.irShape(x).slice(), {}, act);
    this.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout });
  }

  private clip(n: onnx.INodeProto, a: Attrs, out: string): void {
    let lo: number, hi: number;
    if (this.opset < 11) {
      lo = a.float('min', -F32_MAX);
      hi = a.float('max', F32_MAX);
    } else {
      const mn = this.optConst(n, 1, 'min'), mx = this.optConst(n, 2, 'max');
      lo = mn ? Number(mn.data[0]) : -F32_MAX;
      hi = mx ? Number(mx.data[0]) : F32_MAX;
    }
    lo = Math.max(lo, -F32_MAX);
    hi = Math.min(hi, F32_MAX);
    this.activation(n, out, clampAct(lo, hi));
  }

  private pool(n: onnx.INodeProto, a: Attrs, out: string): void {
    const x = this.image(n, 0);
    const [N, C, H, W] = x.shape;
    if (n.opType === 'MaxPool') {
      if (n.output?.[1] && this.isRead(n.output[1])) this.unsupported(n, 'its Indices output is used', 'use only the pooled values');
    }
    const win = this.window(n, a, [H, W], undefined);
    if (n.opType === 'AveragePool' && this.opset < 19 && a.has('dilations')) {
      this.unsupported(n, 'attribute dilations', 'AveragePool has dilations only from opset 19');
    }
    const ceilMode = this.opset >= 10 ? a.int('ceil_mode', 0) === 1 : false;
    const node = n.opType === 'MaxPool'
      ? this.emit('maxpool', n.name ?? '', [x.ir], out, [], { ...win, ceilMode })
      : this.emit('avgpool', n.name ?? '', [x.ir], out, [], { ...win, ceilMode, countIncludePad: a.int('count_include_pad', 0) === 1 });
    const [oh, ow] = this.outHW(node, [N, H, W, C]);
    this.tensorByName.get(out)!.shape = [N, oh, ow, C];
    this.define(out, { ir: out, shape: [N, C, oh, ow], layout: 'nchw' });
  }

  private outHW(node: Node, x: number[]): [number, number] {
    const w = node.attrs as Window & { ceilMode: boolean };
    const one = (i: number): number => {
      const span = x[1 + i] + w.pads[i] + w.pads[i + 2] - w.dilations[i] * (w.kernel[i] - 1) - 1;
      let o = (w.ceilMode ? Math.ceil(span / w.strides[i]) : Math.floor(span / w.strides[i])) + 1;
      if (w.ceilMode && (o - 1) * w.strides[i] >= x[1 + i] + w.pads[i]) o--;
      return o;
    };
    return [one(0), one(1)];
  }

  /** A constant broadcast against value v as a per-channel [C] or scalar [1] vector, or undefined. */
  private channelVector(v: Value, c: Const): Float32Array | undefined {
    const data = Float32Array.from(c.data as ArrayLike<number>);
    if (data.length === 1) return data;
    const r = v.shape.length;
    if (c.dims.length > r) return undefined;
    const dims = [...Array<number>(r - c.dims.length).fill(1), ...c.dims];
    const axis = v.layout === 'nchw' ? 1 : r - 1;
    if (v.layout === 'hwc-flat') return undefined;
    if (dims.every((d, i) => (i === axis ? d === v.shape[axis] : d === 1))) return data;
    return undefined;
  }

  private binary(n: onnx.INodeProto, out: string): void {
    const op = n.opType!;
    const c0 = this.isConst(n, 0), c1 = this.isConst(n, 1);
    if (c0 && c1) return this.constFold(n, new Attrs(n, ''), out);
    if (!c0 && !c1) {
      if (op === 'Mul' && this.hardswish(n, out)) return;
      if (op !== 'Add') this.unsupported(n, `${op} of two computed tensors`, 'branchy multiplies by constants only (squeeze-excitation style gating is not supported)');
      const x = this.valueIn(n, 0), y = this.valueIn(n, 1);
      if (x.layout !== y.layout || x.shape.join() !== y.shape.join() || x.layout === 'hwc-flat') {
        this.unsupported(n, `Add of [${x.shape.join(', ')}] and [${y.shape.join(', ')}]`, 'branchy adds tensors of the same shape (no broadcasting between computed tensors)');
      }
      this.emit('add', n.name ?? '', [x.ir, y.ir], out, this.irShape(x).slice(), {});
      return this.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout });
    }
    const vi = c0 ? 1 : 0;
    if (c0 && (op === 'Sub' || op === 'Div')) this.unsupported(n, `a constant ${op === 'Sub' ? 'minus' : 'divided by'} a computed tensor`, 'rewrite the expression before export');
    const x = this.valueIn(n, vi);
    const c = this.constIn(n, 1 - vi, 'the constant operand');
    const vec = this.channelVector(x, c);
    if (!vec) {
      this.unsupported(n, `constant of shape [${c.dims.join(', ')}] against [${x.shape.join(', ')}]`,
        'branchy broadcasts constants per channel ([C], [C,1,1], [1,C,1,1]) or as a scalar');
    }
    const isMul = op === 'Mul' || op === 'Div';
    if (op === 'Sub') for (let i = 0; i < vec.length; i++) vec[i] = -vec[i];
    if (op === 'Div') for (let i = 0; i < vec.length; i++) vec[i] = 1 / vec[i];
    const p = this.fusable(x, ['conv2d', 'dwconv2d', 'gemm']);
    if (p) {
      const O = this.irShape(x)[this.irShape(x).length - 1];
      const full = vec.length === 1 ? new Float32Array(O).fill(vec[0]) : vec;
      this.affineInto(p, isMul ? full : undefined, isMul ? undefined : full);
      this.rename(x.ir, out);
      return this.define(out, { ...x, ir: out });
    }
    this.perChannel(n, x, out, isMul ? vec : undefined, isMul ? undefined : vec);
  }

  /** x * HardSigmoid(x; 1/6, 1/2), PyTorch's HardSwish before opset 14, becomes one hardswish. */
  private hardswish(n: onnx.INodeProto, out: string): boolean {
    for (const k of [0, 1]) {
      const h = this.valueIn(n, k), x = this.valueIn(n, 1 - k);
      const p = this.producer.get(h.ir);
      if (!h.sole || !p || p.op !== 'activation' || p.inputs[0] !== x.ir) continue;
      const a = p.act!;
      if (a.kind !== 'hardsigmoid' || Math.abs(a.alpha! - 1 / 6) > 1e-6 || Math.abs(a.beta! - 0.5) > 1e-6) continue;
      this.nodes.splice(this.nodes.indexOf(p), 1);
      this.producer.delete(h.ir);
      // x is read by exactly these two nodes: it may fuse into its producer.
      this.activation(n, out, { kind: 'hardswish' }, { ...x, sole: this.uses.get(this.inputName(n, 1 - k)) === 2 });
      return true;
    }
    return false;
  }

  private concat(n: onnx.INodeProto, a: Attrs, out: string): void {
    const xs = (n.input ?? []).map((_, i) => this.valueIn(n, i));
    const r = xs[0].shape.length;
    let axis = a.int('axis', this.opset < 4 ? 1 : NaN);
    if (Number.isNaN(axis)) this.unsupported(n, 'attribute axis is missing', 'the model is malformed');
    if (axis < 0) axis += r;
    const layout = xs[0].layout;
    const ok = xs.every((x) => x.layout === layout && x.shape.length === r) && layout !== 'hwc-flat' &&
      (layout === 'nchw' ? axis === 1 : axis === r - 1);
    if (!ok) this.unsupported(n, `concatenation along axis ${axis} of [${xs.map((x) => x.shape.join('x')).join('], [')}]`, 'branchy concatenates along the channel axis only');
    const shape = xs[0].shape.slice();
    shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
    this.emit('concat', n.name ?? '', xs.map((x) => x.ir), out, layout === 'nchw' ? nhwc(shape) : shape, {});
    this.define(out, { ir: out, shape, layout });
  }

  /** Whether an ONNX value is read only by Gemm (transA=0) or MatMul as the left operand. */
  private onlyFeedsGemm(name: string): boolean {
    if (this.graphOutputs.some((o) => this.resolve(o) === name)) return false;
    const rd = this.readers.get(name) ?? [];
    return rd.length > 0 && rd.every((m) =>
      (m.opType === 'Gemm' && new Attrs(m, '').int('transA', 0) === 0 && this.resolve(m.input![0]) === name && this.willBeConst(this.resolve(m.input![1] ?? ''))) ||
      (m.opType === 'MatMul' && this.resolve(m.input![0]) === name && this.willBeConst(this.resolve(m.input![1] ?? ''))));
  }

  /** A constant, or the output of a QONNX quantizer of a constant that a later node computes (weights). */
  private willBeConst(name: string): boolean {
    if (this.consts.has(name)) return true;
    const p = this.onnxNodes.find((m) => m.output?.[0] === name);
    return !!p && !!p.domain && QONNX_DOMAINS.has(p.domain) && QONNX_OPS.has(p.opType ?? '') && this.willBeConst(this.resolve(p.input?.[0] ?? ''));
  }

  /** x reshaped to an ONNX shape: an alias, an IR reshape, or a flatten (see Value.layout). */
  private reshapeTo(n: onnx.INodeProto, target: number[], out: string): void {
    const x = this.valueIn(n, 0);
    if (numel(target) !== numel(x.shape)) this.unsupported(n, `cannot reshape [${x.shape.join(', ')}] to [${target.join(', ')}]`, 'the model is malformed');
    const alias = (v: Omit<Value, 'sole'>): void => this.define(out, v, x.sole && this.uses.get(out) === 1);
    if (target.join() === x.shape.join()) return alias({ ...x });
    const trivial = x.layout === 'plain' || (x.layout === 'nchw' && (x.shape[1] === 1 || x.shape[2] * x.shape[3] === 1));
    if (trivial) {
      const r4 = target.length === 4 && (target[1] === 1 || target[2] * target[3] === 1);
      const layout = r4 ? 'nchw' : 'plain';
      const irs = r4 ? nhwc(target) : target.slice();
      if (irs.join() === this.irShape(x).join()) return alias({ ir: x.ir, shape: target, layout });
      this.emit('reshape', n.name ?? '', [x.ir], out, irs, { shape: irs.slice() });
      return this.define(out, { ir: out, shape: target, layout });
    }
    if (x.layout === 'nchw' && target.length === 2 && target[0] === x.shape[0]) {
      const [N, C, H, W] = x.shape;
      if (this.onlyFeedsGemm(out)) {
        this.emit('flatten', n.name ?? '', [x.ir], out, [N, H * W * C], { order: 'nhwc' });
        return this.define(out, { ir: out, shape: target, layout: 'hwc-flat', chw: [C, H, W] });
      }
      this.emit('flatten', n.name ?? '', [x.ir], out, [N, H * W * C], { order: 'nchw' });
      return this.define(out, { ir: out, shape: target, layout: 'plain' });
    }
    this.unsupported(n, `reshaping [${x.shape.join(', ')}] to [${target.join(', ')}] mixes channels and space`,
      'branchy absorbs only flattening reshapes of NCHW tensors (e.g. x.flatten(1)); channel shuffles are not supported');
  }

  private reshape(n: onnx.INodeProto, a: Attrs, out: string): void {
    const x = this.valueIn(n, 0);
    const s = this.constIn(n, 1, 'the target shape').data as number[];
    const allowzero = a.int('allowzero', 0);
    const t = Array.from(s, (d, i) => (d === 0 && !allowzero ? x.shape[i] : d));
    const neg = t.indexOf(-1);
    if (neg >= 0) {
      const known = t.reduce((p, d, i) => (i === neg ? p : p * d), 1);
      t[neg] = known === 0 ? 0 : numel(x.shape) / known;
    }
    this.reshapeTo(n, t, out);
  }

  private axesOf(n: onnx.INodeProto, a: Attrs): number[] | undefined {
    if (this.opset >= 13) return n.input?.[1] ? (this.constIn(n, 1, 'axes').data as number[]).slice() : undefined;
    return a.ints('axes', undefined);
  }

  private squeeze(n: onnx.INodeProto, a: Attrs, out: string): void {
    const x = this.valueIn(n, 0);
    const axes = this.axesOf(n, a);
    let target: number[];
    if (n.opType === 'Squeeze') {
      const r = x.shape.length;
      const ax = (axes ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((v) => (v < 0 ? v + r : v));
      target = x.shape.filter((_, i) => !ax.includes(i));
    } else {
      if (!axes) this.unsupported(n, 'no axes', 'the model is malformed');
      const r = x.shape.length + axes.length;
      const ax = axes.map((v) => (v < 0 ? v + r : v));
      target = [];
      let k = 0;
      for (let i = 0; i < r; i++) target.push(ax.includes(i) ? 1 : x.shape[k++]);
    }
    this.reshapeTo(n, target, out);
  }

  private transpose(n: onnx.INodeProto, a: Attrs, out: string): void {
    const x = this.valueIn(n, 0);
    const r = x.shape.length;
    const perm = a.ints('perm', Array.from({ length: r }, (_, i) => r - 1 - i))!;
    const shape = perm.map((p) => x.shape[p]);
    const alias = (layout: Value['layout']): void => this.define(out, { ir: x.ir, shape, layout }, x.sole && this.uses.get(out) === 1);
    if (perm.every((p, i) => p === i)) return alias(x.layout);
    if (x.layout === 'nchw' && perm.join() === '0,2,3,1') return alias('plain');
    if (x.layout === 'plain' && r === 4 && perm.join() === '0,3,1,2') return alias('nchw');
    // Moving only size-1 axes keeps the bytes in place.
    const moved = perm.filter((p) => x.shape[p] !== 1);
    if (x.layout === 'plain' && moved.every((p, i) => i === 0 || p > moved[i - 1])) return this.reshapeTo(n, shape, out);
    this.unsupported(n, `attribute perm=[${perm.join(', ')}] on [${x.shape.join(', ')}]`,
      x.layout === 'nchw' && perm.join() === '0,3,1,2'
        ? 'the model input looks NHWC (ops read it before its Transpose): import with inputLayout: \'NHWC\' (branchy CLI: --layout NHWC)'
        : 'branchy absorbs NCHW<->NHWC transposes only; remove other transposes before export');
  }

  /** Gemm weights [N][K] from ONNX B, permuted when the input is flattened in HWC order. */
  private fcWeights(x: Value, wnk: Float32Array, N: number, K: number): Float32Array {
    if (x.layout !== 'hwc-flat') return wnk;
    const [C, H, W] = x.chw!;
    const out = new Float32Array(wnk.length);
    for (let o = 0; o < N; o++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
      out[o * K + (h * W + w) * C + c] = wnk[o * K + (c * H + h) * W + w];
    }
    return out;
  }

  private fc(n: onnx.INodeProto, x: Value, wnk: Float32Array, N: number, bias: Float32Array | undefined, out: string): void {
    if (x.shape.length !== 2) this.unsupported(n, `input of shape [${x.shape.join(', ')}]`, 'branchy runs Gemm/MatMul on [M, K] inputs; flatten first (torch.flatten(x, 1))');
    const K = x.shape[1];
    // Before fcWeights loops over the input's C*H*W: the weights must have exactly K columns.
    if (wnk.length !== N * K) this.unsupported(n, `weights of ${wnk.length} values for ${N} outputs of an input with ${K} features`, 'the model is malformed');
    const wt = this.addTensor(this.inputName(n, 1), [N, K], this.fcWeights(x, wnk, N, K));
    const ins = [x.ir, wt];
    if (bias) ins.push(this.addTensor(this.inputName(n, 2) || `${n.name || out}.bias`, [N], bias));
    this.emit('gemm', n.name ?? '', ins, out, [x.shape[0], N], {});
    this.markBinary(n);
    this.define(out, { ir: out, shape: [x.shape[0], N], layout: 'plain' });
  }

  private gemm(n: onnx.INodeProto, a: Attrs, out: string): void {
    const x = this.valueIn(n, 0);
    if (a.int('transA', 0) !== 0) this.unsupported(n, 'attribute transA=1', 'export the layer as x @ W^T (nn.Linear) so that A is not transposed');
    const alpha = a.float('alpha', 1), beta = a.float('beta', 1);
    const b = this.constIn(n, 1, 'the weight B');
    const transB = a.int('transB', 0);
    if (b.dims.length !== 2) this.unsupported(n, `B of shape [${b.dims.join(', ')}]`, 'the model is malformed');
    const [r, c] = b.dims;
    const [N, K] = transB ? [r, c] : [c, r];
    const bd = b.data as Float32Array;
    const w = new Float32Array(N * K);
    for (let o = 0; o < N; o++) for (let k = 0; k < K; k++) w[o * K + k] = alpha * (transB ? bd[o * K + k] : bd[k * N + o]);
    let bias: Float32Array | undefined;
    const cc = this.optConst(n, 2, 'the bias C');
    if (cc) {
      const cd = cc.data as Float32Array;
      const okShape = cd.length === 1 || (cd.length === N && cc.dims[cc.dims.length - 1] === N && cc.dims.slice(0, -1).every((d) => d === 1));
      if (!okShape) this.unsupported(n, `bias C of shape [${cc.dims.join(', ')}]`, `branchy supports a bias of shape [${N}], [1, ${N}] or a scalar`);
      bias = Float32Array.from({ length: N }, (_, i) => beta * cd[cd.length === 1 ? 0 : i]);
    }
    this.fc(n, x, w, N, bias, out);
  }

  private matmul(n: onnx.INodeProto, out: string): void {
    const x = this.valueIn(n, 0);
    const b = this.constIn(n, 1, 'the right-hand side');
    if (b.dims.length !== 2) this.unsupported(n, `right-hand side of shape [${b.dims.join(', ')}]`, 'branchy runs MatMul with a constant [K, N] matrix');
    const [K, N] = b.dims;
    const bd = b.data as Float32Array;
    const w = new Float32Array(N * K);
    for (let o = 0; o < N; o++) for (let k = 0; k < K; k++) w[o * K + k] = bd[k * N + o];
    this.fc(n, x, w, N, undefined, out);
  }

  private softmax(n: onnx.INodeProto, a: Attrs, out: string): void {
    const x = this.valueIn(n, 0);
    const r = x.shape.length;
    let axis = a.int('axis', this.opset < 13 ? 1 : -1);
    if (axis < 0) axis += r;
    const last = x.layout === 'nchw' ? 1 : r - 1;
    // Before opset 13 the axes from `axis` on are coerced into one: the same as ours only
    // when nothing follows the class axis (NCHW: the image is 1x1).
    const coerced = this.opset < 13 && x.layout === 'nchw' && x.shape[2] * x.shape[3] !== 1;
    const ok = x.layout !== 'hwc-flat' && axis === last && !coerced;
    if (!ok) this.unsupported(n, `softmax over axis ${axis} of [${x.shape.join(', ')}]`, 'branchy computes softmax over the class (last) axis only');
    this.emit('softmax', n.name ?? '', [x.ir], out, this.irShape(x).slice(), {});
    this.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout });
  }

  /** Shape arithmetic on constants (x.view(x.size(0), -1) exports): Shape, Gather, Cast, + - * /. */
  private constFold(n: onnx.INodeProto, a: Attrs, out: string): void {
    const op = n.opType!;
    if (op === 'Shape') {
      const x = this.valueIn(n, 0);
      const r = x.shape.length;
      let start = a.int('start', 0), end = a.int('end', r);
      if (start < 0) start += r;
      if (end < 0) end += r;
      const dims = x.shape.slice(Math.max(0, start), Math.min(r, end));
      this.consts.set(out, { dims: [dims.length], float: false, data: dims });
      return;
    }
    if (op === 'Cast') {
      const c = this.constIn(n, 0, 'the input');
      const to = a.int('to', 1);
      const isFloat = to === 1 || to === 10 || to === 11;
      this.consts.set(out, { dims: c.dims, float: isFloat, data: isFloat ? Float32Array.from(c.data as ArrayLike<number>) : Array.from(c.data as ArrayLike<number>, Math.trunc) });
      return;
    }
    if (op === 'Gather') {
      const c = this.constIn(n, 0, 'the data');
      const idx = this.constIn(n, 1, 'the indices');
      if (c.dims.length !== 1 || a.int('axis', 0) !== 0) this.unsupported(n, 'Gather on a computed tensor', 'branchy gathers only from constant 1-D shape vectors');
      const pick = Array.from(idx.data as ArrayLike<number>, (i) => (c.data as ArrayLike<number>)[i < 0 ? i + c.dims[0] : i]);
      this.consts.set(out, { dims: idx.dims, float: c.float, data: c.float ? Float32Array.from(pick) : pick });
      return;
    }
    if (op === 'Unsqueeze' || op === 'Squeeze' || op === 'Reshape' || op === 'Flatten') {
      const c = this.constIn(n, 0, 'the data');
      let dims: number[];
      if (op === 'Reshape') {
        const t = Array.from(this.constIn(n, 1, 'the shape').data as number[], (d, i) => (d === 0 ? c.dims[i] : d));
        const neg = t.indexOf(-1);
        if (neg >= 0) t[neg] = numel(c.dims) / t.reduce((p, d, i) => (i === neg ? p : p * d), 1);
        dims = t;
      } else if (op === 'Flatten') {
        const ax = a.int('axis', 1);
        dims = [numel(c.dims.slice(0, ax)), numel(c.dims.slice(ax))];
      } else {
        const axes = this.axesOf(n, a) ?? [];
        if (op === 'Squeeze') {
          const ax = axes.map((v) => (v < 0 ? v + c.dims.length : v));
          dims = c.dims.filter((d, i) => (axes.length ? !ax.includes(i) : d !== 1));
        } else {
          const r = c.dims.length + axes.length;
          const ax = axes.map((v) => (v < 0 ? v + r : v));
          dims = [];
          let k = 0;
          for (let i = 0; i < r; i++) dims.push(ax.includes(i) ? 1 : c.dims[k++]);
        }
      }
      this.consts.set(out, { ...c, dims });
      return;
    }
    if (op === 'Concat') {
      const cs = (n.input ?? []).map((_, i) => this.constIn(n, i, `input ${i}`));
      if (!cs.every((c) => c.dims.length <= 1)) this.unsupported(n, 'concatenation of constant tensors of rank > 1', 'fold the constant expression before export');
      const vals = cs.flatMap((c) => Array.from(c.data as ArrayLike<number>));
      this.consts.set(out, { dims: [vals.length], float: cs[0].float, data: cs[0].float ? Float32Array.from(vals) : vals });
      return;
    }
    const x = this.constIn(n, 0, 'A'), y = this.constIn(n, 1, 'B');
    const xd = x.data as ArrayLike<number>, yd = y.data as ArrayLike<number>;
    if (xd.length !== yd.length && xd.length !== 1 && yd.length !== 1) this.unsupported(n, 'broadcasting between constants', 'fold the constant expression before export');
    const len = Math.max(xd.length, yd.length);
    const f = { Add: (p: number, q: number) => p + q, Sub: (p: number, q: number) => p - q, Mul: (p: number, q: number) => p * q, Div: (p: number, q: number) => (x.float ? p / q : Math.trunc(p / q)) }[op as 'Add'];
    const vals = Array.from({ length: len }, (_, i) => f(xd[xd.length === 1 ? 0 : i], yd[yd.length === 1 ? 0 : i]));
    this.consts.set(out, { dims: xd.length >= yd.length ? x.dims : y.dims, float: x.float, data: x.float ? Float32Array.from(vals) : vals });
  }
}

// The state of one ONNX import, shared by the op table (./ops): the ONNX values and where
// each lives in the IR (its layout), the constants, aliases and reader counts, naming,
// emission of IR nodes (their output shapes come from the op registry), and typed errors.
import type { onnx } from 'onnx-proto';
import { BranchyFormatError, BranchyUnsupportedError } from '../../errors.js';
import { checkNode, inferNode } from '../../ir/shapes.js';
import { opDef } from '../../ir/ops/index.js';
import type { Activation, Node, OpAttrs, OpType, TensorInfo, Weights } from '../../ir/types.js';
import type { Const } from './proto.js';
import type { QdqState } from './qdq.js';
import { sameQuant } from '../../ir/ops/quant-params.js';
import { asImage } from './ops/axes.js';
import { defaultOpset } from './legacy.js';

export const MIN_OPSET = 1;
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

/**
 * A computed ONNX value and where it lives in the IR.
 * layout 'nchw': ONNX rank-4 NCHW, stored NHWC. 'plain': stored in ONNX order.
 * 'hwc-flat': ONNX [N, C*H*W] stored in H,W,C order (only Gemm/MatMul read it).
 */
export interface Value {
  ir: string;
  shape: number[];
  layout: 'nchw' | 'plain' | 'hwc-flat';
  chw?: [number, number, number];
  /** This handle is the IR tensor's only one and has exactly one reader: its reader may fuse into its producer. */
  sole: boolean;
}

export const numel = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
export const nhwc = (s: readonly number[]): number[] => [s[0], s[2], s[3], s[1]];

/** The ONNX node's name in messages: `Conv node 'conv1'`. */
export const where = (n: onnx.INodeProto): string => `${n.opType} node '${n.name || '(unnamed)'}'`;

export class ImportContext {
  readonly opset: number;
  readonly consts = new Map<string, Const>();
  readonly values = new Map<string, Value>();
  /** Readers of each ONNX value (aliases resolved; a graph output counts as one). */
  readonly uses = new Map<string, number>();
  /** Identity / Dropout outputs -> their input. */
  readonly alias = new Map<string, string>();
  /** The ONNX nodes reading each value (aliases resolved). */
  readonly readers = new Map<string, onnx.INodeProto[]>();
  readonly tensors: TensorInfo[] = [];
  readonly tensorByName = new Map<string, TensorInfo>();
  readonly nodes: Node[] = [];
  readonly producer = new Map<string, Node>();
  readonly weights: Weights = new Map();
  readonly onnxNodes: onnx.INodeProto[];
  readonly graphOutputs: string[];
  /** Constants made by a bipolar quantizer (binary weights), the IR layers reading them, signs and their scales. */
  readonly binaryConsts = new Set<string>();
  readonly binaryNodes = new Set<string>();
  readonly binarizeFound = new Set<string>();
  readonly signNodes = new Map<Node, number>();
  /** BatchNormalization scales (mul nodes) that fold together with their shift (foldAffine's `joint`). */
  readonly jointAffine = new Set<Node>();
  /**
   * Activations and per-channel mul / add emitted on a value other ONNX nodes read too (a
   * Shape of it, say, which leaves no IR reader): the passes leave them in place (`keep`).
   */
  readonly keep = new Set<Node>();
  /** ONNX nodes a pattern translated with an earlier node (the channel shuffle's Transpose and Reshape): skipped. */
  readonly consumed = new Set<onnx.INodeProto>();
  private readonly taken = new Set<string>();

  constructor(readonly model: onnx.ModelProto, readonly opts: ImportOptions, readonly q: QdqState) {
    const g = model.graph;
    if (!g) throw new BranchyUnsupportedError('the ONNX model has no graph');
    const opset = defaultOpset(model);
    if (opset < MIN_OPSET || opset > MAX_OPSET) {
      throw new BranchyUnsupportedError(
        `the model uses opset ${opset}; branchy reads opsets ${MIN_OPSET}-${MAX_OPSET}: re-export with opset_version between ${MIN_OPSET} and ${MAX_OPSET}`,
      );
    }
    this.opset = opset;
    this.onnxNodes = g.node ?? [];
    this.graphOutputs = (g.output ?? []).map((o) => o.name ?? '');
    for (const n of this.onnxNodes) for (const o of n.output ?? []) this.taken.add(o);
    for (const t of g.initializer ?? []) this.taken.add(t.name ?? '');
    for (const i of g.input ?? []) this.taken.add(i.name ?? '');
  }

  // ---- naming and emission ------------------------------------------------------------

  /** An unused IR name: `base` itself when free (an initializer's own name), else base_1, base_2... */
  fresh(base: string): string {
    const free = (s: string): boolean => !this.tensorByName.has(s) && (!this.taken.has(s) || this.consts.has(s));
    if (free(base)) return base;
    let k = 1;
    while (!free(`${base}_${k}`) || this.taken.has(`${base}_${k}`)) k++;
    return `${base}_${k}`;
  }

  /** Declares an f32 IR tensor; a constant takes a fresh name and its bytes. Returns the name. */
  addTensor(name: string, shape: number[], constant?: Float32Array): string {
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

  /** Appends an IR node writing `out`; the op registry checks its attributes and infers the output's shape. */
  emit<K extends OpType>(op: K, name: string, inputs: string[], out: string, attrs: OpAttrs[K], act?: Activation): Node {
    let nn = name || `${op}_${this.nodes.length}`;
    while (this.nodes.some((n) => n.name === nn)) nn = `${nn}_`;
    const node = { name: nn, op, inputs, outputs: [out], attrs, ...(act ? { act } : {}) } as Node;
    const prev = this.producer.get(out);
    if (prev) throw new BranchyFormatError(`tensor '${out}' is written by both node '${prev.name}' and node '${nn}'`);
    checkNode(node);
    const [shape] = inferNode(node, inputs.map((i) => this.tensorByName.get(i)));
    this.addTensor(out, shape);
    this.int8Through(node);
    this.nodes.push(node);
    this.producer.set(out, node);
    return node;
  }

  /**
   * An op that reads int8 tensors straight (ONNX allows MaxPool, Reshape, Flatten, Concat on
   * them: the registry's `passthrough` and `shared` ops): its output keeps the input's
   * quantization. Any other op needs a DequantizeLinear.
   */
  private int8Through(node: Node): void {
    if (node.op === 'quantize' || node.op === 'dequantize') return;
    const ins = node.inputs.map((i) => this.tensorByName.get(i)).filter((t) => t && !t.constant) as TensorInfo[];
    const q = ins.find((t) => t.dtype !== 'f32' && t.dtype !== 'b1'); // b1: binary values, see binarize()
    if (!q) return;
    const flow = opDef(node.op)!.int8;
    const ok = (flow === 'passthrough' || flow === 'shared') &&
      ins.every((t) => t.dtype === 'i8' && sameQuant(t.quant, q.quant) && this.q.qtype.get(t.name) === this.q.qtype.get(q.name));
    if (!ok) {
      throw new BranchyUnsupportedError(`node '${node.name}' (${node.op}) reads the quantized tensor '${q.name}' directly; ` +
        'branchy runs MaxPool, Reshape, Flatten and Concat (same scale and zero point) on quantized tensors, anything else after a DequantizeLinear');
    }
    Object.assign(this.tensorByName.get(node.outputs[0])!, { dtype: 'i8', quant: { ...q.quant! } });
    this.q.qtype.set(node.outputs[0], this.q.qtype.get(q.name)!);
  }

  /** Renames an IR tensor everywhere (a graph output takes its ONNX name). */
  rename(from: string, to: string): void {
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

  irShape(v: Value): number[] {
    return this.tensorByName.get(v.ir)!.shape;
  }

  /** Records where ONNX value `onnxName` lives; `sole` defaults to "exactly one reader". */
  define(onnxName: string, v: Omit<Value, 'sole'>, sole?: boolean): void {
    this.values.set(onnxName, { ...v, sole: sole ?? this.uses.get(onnxName) === 1 });
  }

  /** `out` is `x` under another name (a no-op reshape, an identity quantizer, a zero Pad...). */
  same(out: string, x: Value, v: Omit<Value, 'sole'> = { ...x }): void {
    this.define(out, v, x.sole && this.uses.get(out) === 1);
  }

  /** Whether any node or graph output reads an ONNX value. */
  isRead(name: string): boolean {
    return this.graphOutputs.includes(name) || this.onnxNodes.some((m) => (m.input ?? []).includes(name));
  }

  // ---- errors -------------------------------------------------------------------------

  unsupported(n: onnx.INodeProto, what: string, fix: string): never {
    throw new BranchyUnsupportedError(`${where(n)}: ${what}; ${fix}`);
  }

  // ---- inputs of a node ---------------------------------------------------------------

  resolve(name: string): string {
    let n = name;
    while (this.alias.has(n)) n = this.alias.get(n)!;
    return n;
  }

  inputName(n: onnx.INodeProto, i: number): string {
    const x = n.input?.[i];
    return x ? this.resolve(x) : '';
  }

  isConst(n: onnx.INodeProto, i: number): boolean {
    return this.consts.has(this.inputName(n, i));
  }

  constIn(n: onnx.INodeProto, i: number, what: string): Const {
    const name = this.inputName(n, i);
    const c = this.consts.get(name);
    if (!c) {
      this.unsupported(n, `${what} ('${name}') is computed, branchy needs it constant`,
        'make it an initializer (export with do_constant_folding=True, or fold it in PyTorch before export)');
    }
    return c;
  }

  optConst(n: onnx.INodeProto, i: number, what: string): Const | undefined {
    return this.inputName(n, i) ? this.constIn(n, i, what) : undefined;
  }

  valueIn(n: onnx.INodeProto, i: number): Value {
    const name = this.inputName(n, i);
    const v = this.values.get(name);
    if (!v) {
      if (this.consts.has(name)) {
        this.unsupported(n, `input ${i} ('${name}') is a constant where branchy expects a computed tensor`,
          'fold this constant expression before export (do_constant_folding=True)');
      }
      throw new BranchyUnsupportedError(`${where(n)}: input '${name}' is not produced by any node or graph input`);
    }
    return v;
  }

  image(n: onnx.INodeProto, i: number): Value {
    const v = this.valueIn(n, i);
    // A rank-4 value in ONNX's order (after a reshape that mixed channels and space): one transpose to NHWC.
    if (v.layout === 'plain' && v.shape.length === 4) return asImage(this, n, v);
    if (v.layout !== 'nchw') {
      this.unsupported(n, `input '${this.inputName(n, i)}' of shape [${v.shape.join(', ')}] is not an NCHW image`,
        'branchy runs 2-D convolutions and pools on rank-4 NCHW tensors');
    }
    return v;
  }
}

// The state of one TFLite import, shared by the op table (./ops): which IR tensor holds each
// TFLite tensor, the IR tensors, nodes and constants made so far, emission of IR nodes through
// the op registry (checks and shapes), and the typed errors that name the operator. TFLite is
// NHWC like branchy's IR, so tensors keep their shapes; int8 tensors keep their own scales and
// zero points.
import { BranchyFormatError, BranchyUnsupportedError } from '../../errors.js';
import { checkNode, inferNode } from '../../ir/shapes.js';
import type { Activation, DType, Node, Normalize, OpAttrs, OpType, Quant, TensorData, TensorInfo, Weights } from '../../ir/types.js';
import type { TfliteGraphView, TfliteOpView, TfliteTensorView } from './view.js';

export interface TfliteImportOptions {
  /**
   * int8 graph outputs: `float` (default) dequantizes them (real = scale · (q − zero point)), so
   * that run() returns floats and classify() works; `int8` keeps TFLite's int8 values.
   */
  outputs?: 'float' | 'int8';
  /**
   * How uint8 pixels become the model's input, which a .tflite file does not say:
   * (pixel / scale − mean[c]) / std[c]. E.g. { mean: [0], std: [1], scale: 1 } for a model that
   * takes raw 0–255 values (MLPerf Tiny's ResNet-8), scale 255 for one that takes 0–1.
   */
  normalize?: Normalize;
}

/** What an emitted node's output is: its dtype and quantization, and its name when it has one. */
export interface OutSpec {
  name?: string;
  dtype: DType;
  quant?: Quant;
  /** The TFLite tensor the output is (its shape must be what the registry infers). */
  tflite?: TfliteTensorView;
}

export const numel = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** An operator in messages: `TFLite operator 3 (ADD, output "x")`. */
export const whereOp = (op: TfliteOpView): string => `TFLite operator ${op.index} (${op.op}, output "${op.outputs[0]?.name ?? '?'}")`;

export class TfliteImportContext {
  readonly tensors: TensorInfo[] = [];
  readonly byName = new Map<string, TensorInfo>();
  readonly nodes: Node[] = [];
  readonly weights: Weights = new Map();
  readonly warnings: string[] = [];
  /** TFLite tensor index -> the IR tensor holding its value. */
  readonly values = new Map<number, string>();
  /** Outputs of PAD operators of height and width, which a convolution reading them folds into its pads (any other reader: padNode): tensor index -> the unpadded value and pads [top, left, bottom, right]. */
  readonly padded = new Map<number, { pad: TfliteOpView; x: string; pads: [number, number, number, number] }>();

  constructor(readonly view: TfliteGraphView, readonly opts: TfliteImportOptions) {}

  unsupported(op: TfliteOpView, what: string, fix: string): never {
    throw new BranchyUnsupportedError(`${whereOp(op)}: ${what}; ${fix}`);
  }

  /** An unused IR tensor name: `base` when free, else base_1, base_2... */
  fresh(base: string): string {
    if (!this.byName.has(base)) return base;
    let k = 1;
    while (this.byName.has(`${base}_${k}`)) k++;
    return `${base}_${k}`;
  }

  /** Declares an IR tensor (a constant when `data` is given); returns its name. */
  declare(base: string, shape: number[], dtype: DType, quant?: Quant, data?: TensorData): string {
    const name = this.fresh(base);
    const t: TensorInfo = { name, shape: shape.slice(), dtype, ...(quant && { quant }) };
    if (data) {
      t.constant = true;
      this.weights.set(name, data);
    }
    this.tensors.push(t);
    this.byName.set(name, t);
    return name;
  }

  /** The dtype and quantization of a computed TFLite tensor: FLOAT32, or INT8 with one scale and zero point. */
  activationOf(op: TfliteOpView, t: TfliteTensorView): { dtype: DType; quant?: Quant } {
    if (t.type === 'FLOAT32') return { dtype: 'f32' };
    if (t.type === 'INT8') {
      const q = t.quantization;
      if (!q || q.scale.length !== 1) {
        this.unsupported(op, `int8 tensor "${t.name}" has ${q ? `${q.scale.length} scales` : 'no quantization'}`, 'branchy runs int8 activations with one scale and zero point (per-tensor), as TFLite converters write them');
      }
      return { dtype: 'i8', quant: { kind: 'tensor', scale: q.scale[0], zeroPoint: q.zeroPoint[0] } };
    }
    return this.unsupported(op, `tensor "${t.name}" is ${t.type}`, 'branchy imports float32 and fully int8 TFLite models (convert with TFLiteConverter, float or with full-integer quantization to int8)');
  }

  /** The IR tensor of the operator's computed input i. */
  value(op: TfliteOpView, i: number): string {
    const t = op.inputs[i];
    if (!t) this.unsupported(op, `input ${i} is omitted`, 'the model is malformed');
    if (this.padded.has(t.index)) this.padNode(t.index);
    const v = this.values.get(t.index);
    if (v !== undefined) return v;
    if (t.data) this.unsupported(op, `input ${i} ("${t.name}") is a constant where branchy expects a computed tensor`, 'fold the constant expression in the converter');
    throw new BranchyFormatError(`${whereOp(op)}: input ${i} ("${t.name}") is read before any operator writes it`);
  }

  /** The operator's constant input i (its data), or a typed error. */
  constant(op: TfliteOpView, i: number, what: string): TfliteTensorView & { data: NonNullable<TfliteTensorView['data']> } {
    const t = op.inputs[i];
    if (!t) this.unsupported(op, `the ${what} (input ${i}) is omitted`, 'the model is malformed');
    if (!t.data) this.unsupported(op, `the ${what} ("${t.name}") is computed, branchy needs it constant`, 'export the model with constant weights');
    return t as TfliteTensorView & { data: NonNullable<TfliteTensorView['data']> };
  }

  /**
   * Appends an IR node; the op registry checks its attributes and infers its output's shape,
   * which must be the TFLite tensor's when `out.tflite` is given (then the TFLite tensor's value
   * is this output). Returns the output's IR name.
   */
  emit<K extends OpType>(op: TfliteOpView, kind: K, inputs: string[], attrs: OpAttrs[K], out: OutSpec, act?: Activation, suffix = ''): string {
    let name = `op${op.index}_${op.op.toLowerCase()}${suffix}`;
    while (this.nodes.some((n) => n.name === name)) name += '_';
    const node = { name, op: kind, inputs, outputs: [''], attrs, ...(act && { act }) } as Node;
    checkNode(node);
    const [shape] = inferNode(node, inputs.map((i) => this.byName.get(i)));
    const t = out.tflite;
    if (t && (shape.length !== t.shape.length || shape.some((d, k) => d !== t.shape[k]))) {
      throw new BranchyFormatError(`${whereOp(op)}: output "${t.name}" has shape ${fmt(t.shape)}, but the operator gives ${fmt(shape)}; the model is malformed`);
    }
    node.outputs[0] = this.declare(out.name ?? t?.name ?? `${name}_out`, shape, out.dtype, out.quant);
    if (t) this.values.set(t.index, node.outputs[0]);
    this.nodes.push(node);
    return node.outputs[0];
  }

  /**
   * The PAD whose output is TFLite tensor `index`, read by something other than a convolution
   * (which takes the pads into its window): a pad node, emitted before that first reader.
   */
  padNode(index: number): void {
    const p = this.padded.get(index)!;
    this.padded.delete(index);
    const [t, l, b, r] = p.pads;
    const out = p.pad.outputs[0]!;
    this.emit(p.pad, 'pad', [p.x], { pads: [0, t, l, 0, 0, b, r, 0], mode: 'constant', value: 0 }, { ...this.activationOf(p.pad, out), tflite: out });
  }

  /** `out` (a TFLite tensor) holds the same value as the IR tensor `ir` (a reshape that moves nothing...). */
  alias(out: TfliteTensorView, ir: string): void {
    this.values.set(out.index, ir);
  }

  /** Renames an IR tensor everywhere. */
  rename(from: string, to: string): void {
    const t = this.byName.get(from)!;
    this.byName.delete(from);
    t.name = to;
    this.byName.set(to, t);
    for (const n of this.nodes) {
      n.inputs = n.inputs.map((i) => (i === from ? to : i));
      n.outputs = n.outputs.map((o) => (o === from ? to : o));
    }
    for (const [k, v] of this.values) if (v === from) this.values.set(k, to);
  }
}

// branchy IR -> ONNX (opset 13, NCHW). An int8 graph becomes the standard QDQ form that
// ONNX Runtime's quantizer writes: every i8 tensor is the output of a QuantizeLinear (uint8
// with zero point + 128 by default: the same values; or int8), every
// int8 op reads DequantizeLinear copies of its inputs (one per reader), runs as the float ONNX
// op and quantizes its output; weights are their int8 values behind a per-channel
// DequantizeLinear (axis 0, zero point 0), biases int32 behind DequantizeLinear at s_in·s_w.
// ONNX Runtime fuses these groups into its int8 kernels; our importer folds them back into
// the same int8 graph. f32 layers are written as plain ONNX ops. Graph inputs and outputs
// keep their names and the layout the source model had (`sourceLayout`). Each IR op's ONNX
// form is written by its entry in the op table, beside its import (src/convert/onnx/ops).
import { BranchyUnsupportedError } from '../../errors.js';
import { consumers, intQuant, tensorMap, validateGraph } from '../../ir/graph.js';
import type { Graph, Node, TensorData, TensorInfo, Weights } from '../../ir/types.js';
import { opDef } from '../../ir/ops/index.js';
import { OnnxBuilder, type ElemType } from './builder.js';
import { nchw, nhwcToNchw } from './layout.js';
import { ONNX_EXPORTS } from '../onnx/ops/index.js';
import { writeActivation } from '../onnx/ops/activation.js';

export interface ExportOptions {
  /** The ONNX graph's name (default 'branchy'). */
  name?: string;
  /**
   * Element type of quantized activations: 'uint8' (default; zero point + 128, the same values,
   * as PyTorch and ONNX Runtime's quantize_static write them) or 'int8'. ONNX Runtime converts
   * int8 activations to uint8 itself but, where a tensor has several readers (an exit's branch
   * point), leaves those ops in float; with uint8 it fuses every group.
   */
  activations?: 'uint8' | 'int8';
}

function elemType(t: TensorInfo): ElemType {
  if (t.dtype === 'f32' || t.dtype === 'i8' || t.dtype === 'i32') return t.dtype;
  throw new BranchyUnsupportedError(
    `tensor '${t.name}' is ${t.dtype}; the ONNX export writes f32 and int8 graphs (binary layers have no standard ONNX form)`,
  );
}

function tensorQuant(t: TensorInfo, where: string): { scale: number; zeroPoint: number } {
  const q = t.quant;
  if (!q || q.kind !== 'tensor') {
    throw new BranchyUnsupportedError(`${where}: int8 tensor '${t.name}' has no per-tensor quantization; re-run branchy convert --quant int8`);
  }
  return q;
}

/** Exports a graph and its weights as an ONNX model (bytes of a ModelProto). */
export function exportOnnx(graph: Graph, weights: Weights, opts: ExportOptions = {}): Uint8Array {
  validateGraph(graph, { weights });
  return new Exporter(graph, weights, opts.activations ?? 'uint8').run(opts.name ?? 'branchy');
}

/** The state of one export, which the op table's export functions write through. */
export class Exporter {
  readonly b = new OnnxBuilder();
  private readonly tensors: Map<string, TensorInfo>;
  readonly readers: Map<string, Node[]>;
  /** IR tensor -> the ONNX value that holds it (NCHW for rank 4). */
  readonly value = new Map<string, string>();
  /** Flattened NHWC maps whose Gemm readers take their weights' columns in H,W,C order. */
  readonly hwcFlat = new Map<string, [number, number, number]>();

  constructor(readonly graph: Graph, readonly weights: Weights, private readonly act: 'uint8' | 'int8') {
    this.tensors = tensorMap(graph);
    this.readers = consumers(graph);
  }

  run(name: string): Uint8Array {
    const g = this.graph;
    for (const n of g.inputs) this.b.reserve(n);
    for (const n of g.outputs) this.b.reserve(n);
    for (const t of g.tensors) if (!t.constant) this.b.reserve(t.name);
    for (const name of g.inputs) this.graphInput(this.t(name));
    for (const node of g.nodes) this.node(node);
    for (const name of g.outputs) this.graphOutput(this.t(name));
    const meta: Record<string, string> = {};
    // An integer input's DequantizeLinear is the normalisation.
    if (g.normalize && !g.inputs.some((n) => this.t(n).sourceDtype)) meta['branchy.normalize'] = JSON.stringify(g.normalize);
    return this.b.encode(name, meta);
  }

  /** An int8 tensor's per-tensor quantization, or a typed error. */
  quantOf(t: TensorInfo, where: string): { scale: number; zeroPoint: number } {
    return tensorQuant(t, where);
  }

  t(name: string): TensorInfo {
    return this.tensors.get(name)!;
  }

  // ---- boundaries -------------------------------------------------------------------------

  private graphInput(t: TensorInfo): void {
    const q = t.sourceDtype && intQuant(this.graph, t);
    const type = q ? t.sourceDtype! : this.valueType(t);
    let v = t.name;
    // An integer input (uint8 / int8 pixels): declared so, and dequantized (its normalisation).
    if (q) {
      v = this.b.fresh(`${t.name}_dq`);
      this.b.node('DequantizeLinear', [t.name, this.scale(q.scale), this.b.scalarish('zero_point', t.sourceDtype!, [], [q.zeroPoint])], [v]);
    }
    if (t.shape.length === 4 && t.sourceLayout !== 'NCHW') {
      // The source model took NHWC: keep its input, transpose once inside.
      this.b.input(t.name, type, t.shape);
      const x = v;
      v = this.b.fresh(`${t.name}_nchw`);
      this.b.node('Transpose', [x], [v], { perm: [0, 3, 1, 2] });
    } else {
      this.b.input(t.name, type, nchw(t.shape));
    }
    this.value.set(t.name, v);
  }

  private graphOutput(t: TensorInfo): void {
    let v = this.value.get(t.name)!;
    let type = this.valueType(t);
    // An integer output of the other type than the activations' (an int8 output of a uint8 export):
    // dequantized and quantized again to its own type, the same values shifted by 128.
    if (t.sourceDtype && t.sourceDtype !== type) {
      const q = tensorQuant(t, `graph output '${t.name}'`), f = this.b.fresh(`${t.name}_dq`), y = this.b.fresh(`${t.name}_${t.sourceDtype}`);
      const zp = t.sourceDtype === 'u8' ? this.b.scalarish('zero_point', 'u8', [], [q.zeroPoint + 128]) : this.b.scalarish('zero_point', 'i8', [], [q.zeroPoint]);
      this.b.node('DequantizeLinear', [v, this.scale(q.scale), this.zp(q.zeroPoint)], [f]);
      this.b.node('QuantizeLinear', [f, this.scale(q.scale), zp], [y]);
      [v, type] = [y, t.sourceDtype];
    }
    if (t.shape.length === 4 && t.sourceLayout !== 'NCHW') {
      this.b.node('Transpose', [v], [t.name], { perm: [0, 2, 3, 1] });
      this.b.output(t.name, type, t.shape);
      return;
    }
    if (v !== t.name) this.b.node('Identity', [v], [t.name]);
    this.b.output(t.name, type, nchw(t.shape));
  }

  /**
   * The name a node's output gets: the IR name, unless it is a graph output that needs a
   * transpose (NHWC outputs) or another integer type, or that is a graph input too.
   */
  outName(ir: string): string {
    const t = this.t(ir);
    const needsTranspose = this.graph.outputs.includes(ir) && t.shape.length === 4 && t.sourceLayout !== 'NCHW';
    const retyped = this.graph.outputs.includes(ir) && t.sourceDtype !== undefined && t.sourceDtype !== this.valueType(t);
    const v = needsTranspose || retyped ? this.b.fresh(`${ir}_nchw`) : ir;
    this.value.set(ir, v);
    return v;
  }

  // ---- values -----------------------------------------------------------------------------

  /** A float ONNX value for an IR tensor: the f32 value, a DequantizeLinear of an i8 one, a constant. */
  float(name: string, where: string, rankOf?: number): string {
    const t = this.t(name);
    if (t.constant) return this.floatConst(t, rankOf);
    const v = this.value.get(name)!;
    if (t.dtype === 'f32') return v;
    if (t.dtype !== 'i8') elemType(t);
    const q = tensorQuant(t, where);
    const out = this.b.fresh(`${name}_dq`);
    this.b.node('DequantizeLinear', [v, this.scale(q.scale), this.zp(q.zeroPoint)], [out]);
    return out;
  }

  scale(s: number): string {
    return this.b.scalarish('scale', 'f32', [], [s]);
  }

  /** An activation zero point (branchy's int8 one; + 128 for uint8 activations). */
  zp(z: number): string {
    return this.act === 'uint8' ? this.b.scalarish('zero_point', 'u8', [], [z + 128]) : this.b.scalarish('zero_point', 'i8', [], [z]);
  }

  /** The ONNX element type of a computed tensor (i8 activations as `act` says). */
  private valueType(t: TensorInfo): ElemType {
    const e = elemType(t);
    return e === 'i8' && this.act === 'uint8' ? 'u8' : e;
  }

  /** QuantizeLinear of float value `v` into IR tensor `out` (i8). */
  quantizeInto(v: string, out: string, where: string, name?: string): void {
    const q = tensorQuant(this.t(out), where);
    this.b.node('QuantizeLinear', [v, this.scale(q.scale), this.zp(q.zeroPoint)], [this.outName(out)], {}, name);
  }

  /**
   * A float constant operand of an element-wise op. A [C] (or [1]) constant broadcast over
   * the channels of a rank-`rankOf` NHWC tensor becomes [1, C, 1, 1] beside NCHW values.
   */
  private floatConst(t: TensorInfo, rankOf?: number): string {
    const d = this.floatData(t);
    let dims = t.shape.slice(), data: ArrayLike<number> = d;
    if (t.shape.length === 4) data = nhwcToNchw(d, t.shape), dims = nchw(t.shape);
    else if (rankOf === 4 && t.shape.length === 1) dims = [1, t.shape[0], 1, 1];
    return this.b.initializer(t.name, 'f32', dims, data);
  }

  private floatData(t: TensorInfo): Float32Array {
    const d = this.weights.get(t.name)!;
    if (d instanceof Float32Array) return d;
    if (t.quant?.kind === 'tensor') {
      const { scale, zeroPoint } = t.quant;
      return Float32Array.from(d, (q) => (q - zeroPoint) * scale);
    }
    throw new BranchyUnsupportedError(`constant '${t.name}' (${t.dtype}) is read as a float operand, which the ONNX export cannot write; re-run branchy convert`);
  }

  /** A weight operand: f32 as it is, i8 behind a per-channel DequantizeLinear (axis 0). */
  weight(name: string, onnxDims: number[], data: TensorData): string {
    const t = this.t(name);
    if (t.dtype === 'f32') return this.b.initializer(name, 'f32', onnxDims, data);
    if (t.dtype !== 'i8' || t.quant?.kind !== 'channel') {
      throw new BranchyUnsupportedError(`weight '${name}' is ${t.dtype} without per-channel scales; the ONNX export writes f32 or int8 per-channel weights`);
    }
    const scales = t.quant.scales;
    const w = this.b.initializer(name, 'i8', onnxDims, data);
    const s = this.b.initializer(`${name}_scale`, 'f32', [scales.length], scales);
    const z = this.b.scalarish(`${name}_zero_point`, 'i8', [scales.length], new Array<number>(scales.length).fill(0));
    const out = this.b.fresh(`${name}_dq`);
    this.b.node('DequantizeLinear', [w, s, z], [out], { axis: 0 });
    return out;
  }

  /** A bias: f32 as it is, i32 behind a per-channel DequantizeLinear at its scales (s_in·s_w). */
  bias(name: string | undefined): string[] {
    if (!name) return [];
    const t = this.t(name);
    const d = this.weights.get(name)!;
    if (t.dtype === 'f32') return [this.b.initializer(name, 'f32', t.shape, d)];
    if (t.dtype !== 'i32' || t.quant?.kind !== 'channel') {
      throw new BranchyUnsupportedError(`bias '${name}' is ${t.dtype} without per-channel scales; re-run branchy convert --quant int8`);
    }
    const n = t.shape[0];
    const b = this.b.initializer(name, 'i32', [n], d);
    const s = this.b.initializer(`${name}_scale`, 'f32', [n], t.quant.scales.map(Math.fround));
    const z = this.b.scalarish(`${name}_zero_point`, 'i32', [n], new Array<number>(n).fill(0));
    const out = this.b.fresh(`${name}_dq`);
    this.b.node('DequantizeLinear', [b, s, z], [out], { axis: 0 });
    return [out];
  }

  // ---- nodes ------------------------------------------------------------------------------

  /**
   * Emits `node` through its entry in the op table (src/convert/onnx/ops). An op with an i8
   * output is written as its float ONNX op between DequantizeLinear inputs and a
   * QuantizeLinear output; quantize, dequantize and requantize write their output themselves.
   */
  private node(node: Node): void {
    const where = `node '${node.name}' (${node.op})`;
    const write = ONNX_EXPORTS[node.op];
    const out = node.outputs[0];
    if (write && opDef(node.op)?.int8 === 'convert') return void write(this, node, where, out, '');
    const body = (y: string): string => {
      if (!write) throw new BranchyUnsupportedError(`${where}: the ONNX export does not write this op`);
      return write(this, node, where, y, this.b.fresh(node.name));
    };
    const outT = this.t(out);
    const hasAct = node.act !== undefined && node.act.kind !== 'none';
    if (outT.dtype === 'f32') {
      // A float op writes straight into its tensor (through its activation, if any).
      if (!hasAct) return void body(this.outName(out));
      const f = body(this.floatOut(node));
      writeActivation(this, f, node.act!, where, this.outName(out));
      return;
    }
    elemType(outT);
    const f = body(this.floatOut(node));
    const y = hasAct ? writeActivation(this, f, node.act!, where, this.b.fresh(`${f}_${node.act!.kind}`)) : f;
    this.quantizeInto(y, out, where);
  }

  private floatOut(node: Node): string {
    return this.b.fresh(`${node.outputs[0]}_f`);
  }
}

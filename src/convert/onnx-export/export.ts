// branchy IR -> ONNX (opset 13, NCHW). An int8 graph becomes the standard QDQ form that
// ONNX Runtime's quantizer writes: every i8 tensor is the output of a QuantizeLinear (uint8
// with zero point + 128 by default: the same values; or int8), every
// int8 op reads DequantizeLinear copies of its inputs (one per reader), runs as the float ONNX
// op and quantizes its output; weights are their int8 values behind a per-channel
// DequantizeLinear (axis 0, zero point 0), biases int32 behind DequantizeLinear at s_in·s_w.
// ONNX Runtime fuses these groups into its int8 kernels; our importer folds them back into
// the same int8 graph. f32 layers are written as plain ONNX ops. Graph inputs and outputs
// keep their names and the layout the source model had (`sourceLayout`).
import { BranchyUnsupportedError } from '../../errors.js';
import { consumers, tensorMap, validateGraph } from '../../ir/graph.js';
import type { Activation, Graph, Node, NodeOf, Quant, TensorData, TensorInfo, Weights, Window } from '../../ir/types.js';
import { OnnxBuilder, type AttrValue, type ElemType } from './builder.js';
import { dwToOnnx, hwcColumnsToChw, nhwcToNchw } from './layout.js';

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

const nchw = (s: number[]): number[] => (s.length === 4 ? [s[0], s[3], s[1], s[2]] : s.slice());

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

class Exporter {
  private readonly b = new OnnxBuilder();
  private readonly tensors: Map<string, TensorInfo>;
  private readonly readers: Map<string, Node[]>;
  /** IR tensor -> the ONNX value that holds it (NCHW for rank 4). */
  private readonly value = new Map<string, string>();
  /** Flattened NHWC maps whose Gemm readers take their weights' columns in H,W,C order. */
  private readonly hwcFlat = new Map<string, [number, number, number]>();

  constructor(private readonly graph: Graph, private readonly weights: Weights, private readonly act: 'uint8' | 'int8') {
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
    if (g.normalize) meta['branchy.normalize'] = JSON.stringify(g.normalize);
    return this.b.encode(name, meta);
  }

  private t(name: string): TensorInfo {
    return this.tensors.get(name)!;
  }

  // ---- boundaries -------------------------------------------------------------------------

  private graphInput(t: TensorInfo): void {
    const type = this.valueType(t);
    if (t.shape.length === 4 && t.sourceLayout !== 'NCHW') {
      // The source model took NHWC: keep its input, transpose once inside.
      this.b.input(t.name, type, t.shape);
      const v = this.b.fresh(`${t.name}_nchw`);
      this.b.node('Transpose', [t.name], [v], { perm: [0, 3, 1, 2] });
      this.value.set(t.name, v);
    } else {
      this.b.input(t.name, type, nchw(t.shape));
      this.value.set(t.name, t.name);
    }
  }

  private graphOutput(t: TensorInfo): void {
    const v = this.value.get(t.name)!;
    const type = this.valueType(t);
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
   * transpose (NHWC outputs) or that is a graph input too.
   */
  private outName(ir: string): string {
    const t = this.t(ir);
    const needsTranspose = this.graph.outputs.includes(ir) && t.shape.length === 4 && t.sourceLayout !== 'NCHW';
    const v = needsTranspose ? this.b.fresh(`${ir}_nchw`) : ir;
    this.value.set(ir, v);
    return v;
  }

  // ---- values -----------------------------------------------------------------------------

  /** A float ONNX value for an IR tensor: the f32 value, a DequantizeLinear of an i8 one, a constant. */
  private float(name: string, where: string, rankOf?: number): string {
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

  private scale(s: number): string {
    return this.b.scalarish('scale', 'f32', [], [s]);
  }

  /** An activation zero point (branchy's int8 one; + 128 for uint8 activations). */
  private zp(z: number): string {
    return this.act === 'uint8' ? this.b.scalarish('zero_point', 'u8', [], [z + 128]) : this.b.scalarish('zero_point', 'i8', [], [z]);
  }

  /** The ONNX element type of a computed tensor (i8 activations as `act` says). */
  private valueType(t: TensorInfo): ElemType {
    const e = elemType(t);
    return e === 'i8' && this.act === 'uint8' ? 'u8' : e;
  }

  /** QuantizeLinear of float value `v` into IR tensor `out` (i8). */
  private quantizeInto(v: string, out: string, where: string, name?: string): void {
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
  private weight(name: string, onnxDims: number[], data: TensorData, scalesOf: (q: Quant) => number[]): string {
    const t = this.t(name);
    if (t.dtype === 'f32') return this.b.initializer(name, 'f32', onnxDims, data);
    if (t.dtype !== 'i8' || t.quant?.kind !== 'channel') {
      throw new BranchyUnsupportedError(`weight '${name}' is ${t.dtype} without per-channel scales; the ONNX export writes f32 or int8 per-channel weights`);
    }
    const scales = scalesOf(t.quant);
    const w = this.b.initializer(name, 'i8', onnxDims, data);
    const s = this.b.initializer(`${name}_scale`, 'f32', [scales.length], scales);
    const z = this.b.scalarish(`${name}_zero_point`, 'i8', [scales.length], new Array<number>(scales.length).fill(0));
    const out = this.b.fresh(`${name}_dq`);
    this.b.node('DequantizeLinear', [w, s, z], [out], { axis: 0 });
    return out;
  }

  /** A bias: f32 as it is, i32 behind a per-channel DequantizeLinear at its scales (s_in·s_w). */
  private bias(name: string | undefined): string[] {
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
   * Emits `node`. An op with an i8 output is written as its float ONNX op between
   * DequantizeLinear inputs and a QuantizeLinear output.
   */
  private node(node: Node): void {
    const where = `node '${node.name}' (${node.op})`;
    const out = node.outputs[0];
    const outT = this.t(out);
    switch (node.op) {
      case 'quantize':
        return this.quantizeInto(this.float(node.inputs[0], where), out, where, this.b.fresh(node.name));
      case 'dequantize': {
        const x = this.t(node.inputs[0]);
        const q = tensorQuant(x, where);
        this.b.node('DequantizeLinear', [this.value.get(x.name)!, this.scale(q.scale), this.zp(q.zeroPoint)], [this.outName(out)], {}, this.b.fresh(node.name));
        return;
      }
      case 'requantize':
        return this.quantizeInto(this.float(node.inputs[0], where), out, where, this.b.fresh(node.name));
      default:
        break;
    }
    const hasAct = node.act !== undefined && node.act.kind !== 'none';
    if (outT.dtype === 'f32') {
      // A float op writes straight into its tensor (through its activation, if any).
      if (!hasAct) {
        this.body(node, where, this.outName(out));
        return;
      }
      const f = this.body(node, where, this.floatOut(node));
      this.activation(f, node.act!, where, this.outName(out));
      return;
    }
    elemType(outT);
    const f = this.body(node, where, this.floatOut(node));
    const y = hasAct ? this.activation(f, node.act!, where, this.b.fresh(`${f}_${node.act!.kind}`)) : f;
    this.quantizeInto(y, out, where);
  }

  private floatOut(node: Node): string {
    return this.b.fresh(`${node.outputs[0]}_f`);
  }

  /** Writes the op itself into float value `y` (returns the value holding the result). */
  private body(node: Node, where: string, y: string): string {
    const name = this.b.fresh(node.name);
    const rank = (name: string): number => this.t(name).shape.length;
    switch (node.op) {
      case 'conv2d':
        return this.conv(node, where, y, name);
      case 'dwconv2d':
        return this.dwconv(node, where, y, name);
      case 'gemm':
        return this.gemm(node, where, y, name);
      case 'maxpool':
        this.b.node('MaxPool', [this.float(node.inputs[0], where)], [y], {
          ...this.window(node.attrs), ceil_mode: node.attrs.ceilMode ? 1 : 0,
        }, name);
        return y;
      case 'avgpool': {
        const a = node.attrs;
        if (a.dilations[0] !== 1 || a.dilations[1] !== 1) {
          throw new BranchyUnsupportedError(`${where}: a dilated average pool has no opset-13 ONNX form`);
        }
        const { dilations: _d, ...win } = this.window(a);
        this.b.node('AveragePool', [this.float(node.inputs[0], where)], [y], {
          ...win, ceil_mode: a.ceilMode ? 1 : 0, count_include_pad: a.countIncludePad ? 1 : 0,
        }, name);
        return y;
      }
      case 'globalavgpool':
        this.b.node('GlobalAveragePool', [this.float(node.inputs[0], where)], [y], {}, name);
        return y;
      case 'add':
      case 'mul': {
        const r = rank(node.inputs[0]);
        const ins = node.inputs.map((i) => this.float(i, where, r));
        this.b.node(node.op === 'add' ? 'Add' : 'Mul', ins, [y], {}, name);
        return y;
      }
      case 'concat': {
        const r = rank(node.inputs[0]);
        this.b.node('Concat', node.inputs.map((i) => this.float(i, where)), [y], { axis: r === 4 ? 1 : r - 1 }, name);
        return y;
      }
      case 'softmax': {
        const r = rank(node.inputs[0]);
        this.b.node('Softmax', [this.float(node.inputs[0], where)], [y], { axis: r === 4 ? 1 : r - 1 }, name);
        return y;
      }
      case 'activation':
        // The op is its activation: node() applies it to the input.
        return this.float(node.inputs[0], where);
      case 'flatten':
        return this.flatten(node, where, y, name);
      case 'reshape':
        return this.reshape(node, where, y, name);
      default:
        throw new BranchyUnsupportedError(`${where}: the ONNX export does not write this op`);
    }
  }

  private window(w: Window): Record<string, AttrValue> {
    return { kernel_shape: w.kernel.slice(), strides: w.strides.slice(), dilations: w.dilations.slice(), pads: w.pads.slice() };
  }

  private conv(node: NodeOf<'conv2d'>, where: string, y: string, name: string): string {
    const [wName, bName] = [node.inputs[1], node.inputs[2]];
    const wt = this.t(wName);
    const w = this.weight(wName, nchw(wt.shape), nhwcToNchw(this.weights.get(wName)!, wt.shape), (q) => (q as { scales: number[] }).scales);
    this.b.node('Conv', [this.float(node.inputs[0], where), w, ...this.bias(bName)], [y], { ...this.window(node.attrs), group: 1 }, name);
    return y;
  }

  private dwconv(node: NodeOf<'dwconv2d'>, where: string, y: string, name: string): string {
    const [wName, bName] = [node.inputs[1], node.inputs[2]];
    const wt = this.t(wName);
    const [kh, kw, c] = wt.shape;
    const w = this.weight(wName, [c, 1, kh, kw], dwToOnnx(this.weights.get(wName)!, wt.shape), (q) => (q as { scales: number[] }).scales);
    const group = this.t(node.inputs[0]).shape[3];
    this.b.node('Conv', [this.float(node.inputs[0], where), w, ...this.bias(bName)], [y], { ...this.window(node.attrs), group }, name);
    return y;
  }

  private gemm(node: NodeOf<'gemm'>, where: string, y: string, name: string): string {
    const [xName, wName, bName] = node.inputs;
    const wt = this.t(wName);
    const [n] = wt.shape;
    let data = this.weights.get(wName)!;
    const hwc = this.hwcFlat.get(xName);
    if (hwc) data = hwcColumnsToChw(data, n, hwc);
    const w = this.weight(wName, wt.shape, data, (q) => (q as { scales: number[] }).scales);
    this.b.node('Gemm', [this.float(xName, where), w, ...this.bias(bName)], [y], { transB: 1 }, name);
    return y;
  }

  /**
   * flatten 'nhwc' keeps NHWC bytes and its Gemm readers' weights follow them. Where every
   * reader is a Gemm, the export writes ONNX's Flatten and puts those weights back in C,H,W
   * order (the source model's own graph); otherwise it transposes to NHWC before flattening.
   */
  private flatten(node: NodeOf<'flatten'>, where: string, y: string, name: string): string {
    const xT = this.t(node.inputs[0]);
    const x = this.float(node.inputs[0], where);
    const out = node.outputs[0];
    if (xT.shape.length !== 4) {
      this.b.node('Flatten', [x], [y], { axis: 1 }, name);
      return y;
    }
    const [, h, w, c] = xT.shape;
    const rd = this.readers.get(out) ?? [];
    const gemmsOnly = rd.length > 0 && !this.graph.outputs.includes(out) &&
      rd.every((r) => r.op === 'gemm' && r.inputs[0] === out && r.inputs[1] !== out && (this.readers.get(r.inputs[1]) ?? []).length === 1);
    if (node.attrs.order === 'nchw' || h * w === 1) {
      this.b.node('Flatten', [x], [y], { axis: 1 }, name);
    } else if (gemmsOnly) {
      this.hwcFlat.set(out, [h, w, c]);
      this.b.node('Flatten', [x], [y], { axis: 1 }, name);
    } else {
      const t = this.b.fresh(`${out}_nhwc`);
      this.b.node('Transpose', [x], [t], { perm: [0, 2, 3, 1] });
      this.b.node('Flatten', [t], [y], { axis: 1 }, name);
    }
    return y;
  }

  /** reshape keeps the NHWC byte order: transpose around ONNX's Reshape where rank 4 needs it. */
  private reshape(node: NodeOf<'reshape'>, where: string, y: string, name: string): string {
    const xT = this.t(node.inputs[0]);
    const shape = node.attrs.shape;
    let x = this.float(node.inputs[0], where);
    const spatial = (s: number[]): boolean => s.length === 4 && s[1] * s[2] > 1;
    if (spatial(xT.shape)) {
      const t = this.b.fresh(`${node.outputs[0]}_nhwc`);
      this.b.node('Transpose', [x], [t], { perm: [0, 2, 3, 1] });
      x = t;
    }
    // Axis 0 (the batch) as 0, "copy the input's": the model runs any batch size.
    const onnxShape = (spatial(shape) || shape.length !== 4 ? shape : nchw(shape)).map((d, i) => (i === 0 ? 0 : d));
    const s = this.b.scalarish('shape', 'i64', [onnxShape.length], onnxShape);
    if (spatial(shape)) {
      const t = this.b.fresh(`${node.outputs[0]}_nhwc`);
      this.b.node('Reshape', [x, s], [t], {}, name);
      this.b.node('Transpose', [t], [y], { perm: [0, 3, 1, 2] });
    } else {
      // Without a spatial extent, NHWC and NCHW orders are the same bytes.
      this.b.node('Reshape', [x, s], [y], {}, name);
    }
    return y;
  }

  /** Applies activation `act` to float value `v`, writing value `y`; returns y. */
  private activation(v: string, act: Activation, where: string, y: string): string {
    const f = (x: number) => this.b.scalarish('bound', 'f32', [], [x]);
    switch (act.kind) {
      case 'relu':
        this.b.node('Relu', [v], [y]);
        break;
      case 'relu6':
        this.b.node('Clip', [v, f(0), f(6)], [y]);
        break;
      case 'clip':
        this.b.node('Clip', [v, f(act.min!), f(act.max!)], [y]);
        break;
      case 'leakyrelu':
        this.b.node('LeakyRelu', [v], [y], { alpha: { float: act.alpha! } });
        break;
      case 'hardsigmoid':
        this.b.node('HardSigmoid', [v], [y], { alpha: { float: act.alpha! }, beta: { float: act.beta! } });
        break;
      case 'hardswish': {
        // HardSwish is opset 14: x * HardSigmoid(x; 1/6, 1/2), which the importer fuses back.
        const h = this.b.fresh(`${v}_hardsigmoid`);
        this.b.node('HardSigmoid', [v], [h], { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
        this.b.node('Mul', [v, h], [y]);
        break;
      }
      case 'sigmoid':
        this.b.node('Sigmoid', [v], [y]);
        break;
      default:
        throw new BranchyUnsupportedError(`${where}: activation '${(act as Activation).kind}' has no ONNX form here`);
    }
    return y;
  }
}

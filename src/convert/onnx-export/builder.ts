// A small ONNX ModelProto builder for the exporter: initializers, nodes with typed
// attributes, graph inputs/outputs with static shapes, unique names, and the encoding.
import type { onnx } from 'onnx-proto';
import { ONNX } from '../onnx/onnx-proto.js';

const T = ONNX.TensorProto.DataType;
const A = ONNX.AttributeProto.AttributeType;

/** The opset the exporter writes: per-axis QuantizeLinear / DequantizeLinear need 13. */
export const EXPORT_OPSET = 13;
/** IR version 7 is the one that goes with opset 13. */
const IR_VERSION = 7;

export type ElemType = 'f32' | 'i8' | 'u8' | 'i32' | 'i64';

const ELEM: Record<ElemType, number> = { f32: T.FLOAT, i8: T.INT8, u8: T.UINT8, i32: T.INT32, i64: T.INT64 };

export type AttrValue = number | number[] | string | { floats: number[] } | { float: number };

function bytesOf(type: ElemType, values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const size = type === 'i64' ? 8 : type === 'i8' || type === 'u8' ? 1 : 4;
  const out = new Uint8Array(n * size);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (type === 'f32') dv.setFloat32(i * 4, v, true);
    else if (type === 'i32') dv.setInt32(i * 4, v, true);
    else if (type === 'i8') dv.setInt8(i, v);
    else if (type === 'u8') dv.setUint8(i, v);
    else dv.setBigInt64(i * 8, BigInt(v), true);
  }
  return out;
}

export class OnnxBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inits: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly taken = new Set<string>();
  private readonly constCache = new Map<string, string>();

  /** Reserve a name that must stay as it is (graph inputs and outputs). */
  reserve(name: string): string {
    this.taken.add(name);
    return name;
  }

  /** A name no other value has, derived from `base`. */
  fresh(base: string): string {
    let name = base, i = 1;
    while (this.taken.has(name)) name = `${base}_${i++}`;
    this.taken.add(name);
    return name;
  }

  /** An initializer; returns its (fresh) name. */
  initializer(base: string, type: ElemType, dims: number[], values: ArrayLike<number>): string {
    const name = this.fresh(base);
    this.inits.push({ name, dataType: ELEM[type], dims, rawData: bytesOf(type, values) });
    return name;
  }

  /** A small constant shared by every node that needs the same one (scales, zero points, shapes). */
  scalarish(base: string, type: ElemType, dims: number[], values: number[]): string {
    const key = `${type}|${dims.join(',')}|${values.join(',')}`;
    let name = this.constCache.get(key);
    if (!name) this.constCache.set(key, (name = this.initializer(base, type, dims, values)));
    return name;
  }

  node(op: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): void {
    const attribute: onnx.IAttributeProto[] = Object.entries(attrs).map(([k, v]) => {
      if (typeof v === 'string') return { name: k, type: A.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name: k, type: A.INTS, ints: v };
      if (typeof v === 'number') return { name: k, type: A.INT, i: v };
      if ('floats' in v) return { name: k, type: A.FLOATS, floats: v.floats };
      return { name: k, type: A.FLOAT, f: v.float };
    });
    this.nodes.push({ opType: op, input: inputs, output: outputs, attribute, name: name ?? this.fresh(`${op}_${outputs[0]}`) });
  }

  /** A graph input or output; its first axis is the symbolic batch 'N'. */
  private valueInfo(name: string, type: ElemType, dims: number[]): onnx.IValueInfoProto {
    const dim = dims.map((d, i): onnx.TensorShapeProto.IDimension => (i === 0 ? { dimParam: 'N' } : { dimValue: d }));
    return { name, type: { tensorType: { elemType: ELEM[type], shape: { dim } } } };
  }

  input(name: string, type: ElemType, dims: number[]): void {
    this.inputs.push(this.valueInfo(name, type, dims));
  }

  output(name: string, type: ElemType, dims: number[]): void {
    this.outputs.push(this.valueInfo(name, type, dims));
  }

  encode(graphName: string, metadata: Record<string, string>): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: IR_VERSION,
      producerName: 'branchy',
      opsetImport: [{ domain: '', version: EXPORT_OPSET }],
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: { name: graphName, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    };
    return ONNX.ModelProto.encode(ONNX.ModelProto.create(model)).finish();
  }
}

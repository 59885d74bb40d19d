// Reading ONNX protobuf values: tensors (raw or typed fields, little-endian), attributes
// with the spec's defaults, and int64 fields that protobufjs may hand back as Long.
import type { onnx } from 'onnx-proto';
import { ONNX } from './onnx-proto.js';
import { BranchyUnsupportedError } from '../../errors.js';

/** A constant: floats as f32, integer and bool types as plain numbers. */
export interface Const {
  dims: number[];
  float: boolean;
  data: Float32Array | number[];
}

type LongLike = number | { toNumber(): number } | bigint | null | undefined;

export function toNum(v: LongLike): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return v.toNumber();
}

const T = ONNX.TensorProto.DataType;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Most elements a constant may have (1 GiB of f32): beyond it a file is corrupt or hostile. */
export const MAX_CONST_ELEMENTS = 2 ** 28;

/**
 * Decodes a TensorProto. `where` names the node or initializer for error messages.
 * Dims are checked first and the values must be exactly as many as the dims say, so every
 * later loop over a constant's dims is bounded by the bytes of the file.
 */
export function decodeTensor(t: onnx.ITensorProto, where: string): Const {
  const dims = (t.dims ?? []).map(toNum);
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new BranchyUnsupportedError(`${where}: tensor '${t.name}' has dims [${dims.join(', ')}]; the model is corrupt (dims must be non-negative integers)`);
  }
  const n = dims.reduce((p, d) => p * d, 1);
  if (n > MAX_CONST_ELEMENTS) {
    throw new BranchyUnsupportedError(`${where}: tensor '${t.name}' of dims [${dims.join(', ')}] has ${n} elements, more than branchy reads (${MAX_CONST_ELEMENTS}); the model is corrupt`);
  }
  const c = decodeValues(t, where, dims, n);
  if (c.data.length !== n) {
    throw new BranchyUnsupportedError(`${where}: tensor '${t.name}' of dims [${dims.join(', ')}] holds ${c.data.length} values instead of ${n}; the model is corrupt`);
  }
  return c;
}

function decodeValues(t: onnx.ITensorProto, where: string, dims: number[], n: number): Const {
  if (t.dataLocation === ONNX.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    throw new BranchyUnsupportedError(
      `${where}: tensor '${t.name}' keeps its data in an external file; save the model with all data inside it ` +
        `(onnx.save_model(m, path, save_as_external_data=False))`,
    );
  }
  const type = t.dataType ?? 0;
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const rawView = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const check = (size: number): void => {
    if (raw && raw.length !== n * size) {
      throw new BranchyUnsupportedError(`${where}: tensor '${t.name}' has ${raw.length} raw bytes for ${n} elements of size ${size}; the model is corrupt`);
    }
  };
  const ints = (size: number, get: (o: number) => number, field: LongLike[] | null | undefined): number[] => {
    check(size);
    if (rawView) return Array.from({ length: n }, (_, i) => get(i * size));
    return (field ?? []).map(toNum);
  };
  switch (type) {
    case T.FLOAT: {
      check(4);
      const data = rawView ? Float32Array.from({ length: n }, (_, i) => rawView.getFloat32(i * 4, true)) : Float32Array.from(t.floatData ?? []);
      return { dims, float: true, data };
    }
    case T.DOUBLE: {
      check(8);
      const data = rawView ? Float32Array.from({ length: n }, (_, i) => rawView.getFloat64(i * 8, true)) : Float32Array.from(t.doubleData ?? []);
      return { dims, float: true, data };
    }
    case T.FLOAT16: {
      check(2);
      const bits = rawView ? Array.from({ length: n }, (_, i) => rawView.getUint16(i * 2, true)) : (t.int32Data ?? []);
      return { dims, float: true, data: Float32Array.from(bits, halfToFloat) };
    }
    case T.INT64: return { dims, float: false, data: ints(8, (o) => Number(rawView!.getBigInt64(o, true)), t.int64Data) };
    case T.UINT64: return { dims, float: false, data: ints(8, (o) => Number(rawView!.getBigUint64(o, true)), t.uint64Data) };
    case T.INT32: return { dims, float: false, data: ints(4, (o) => rawView!.getInt32(o, true), t.int32Data) };
    case T.UINT32: return { dims, float: false, data: ints(4, (o) => rawView!.getUint32(o, true), t.uint64Data) };
    case T.INT16: return { dims, float: false, data: ints(2, (o) => rawView!.getInt16(o, true), t.int32Data) };
    case T.UINT16: return { dims, float: false, data: ints(2, (o) => rawView!.getUint16(o, true), t.int32Data) };
    case T.INT8: return { dims, float: false, data: ints(1, (o) => rawView!.getInt8(o), t.int32Data) };
    case T.UINT8:
    case T.BOOL: return { dims, float: false, data: ints(1, (o) => rawView!.getUint8(o), t.int32Data) };
    default:
      throw new BranchyUnsupportedError(`${where}: tensor '${t.name}' has ONNX data type ${T[type] ?? type}, which branchy does not read`);
  }
}

const A = ONNX.AttributeProto.AttributeType;

/** Typed access to a node's attributes, each with the spec's default. */
export class Attrs {
  private readonly map = new Map<string, onnx.IAttributeProto>();
  readonly used = new Set<string>();
  constructor(node: onnx.INodeProto, private readonly where: string) {
    for (const a of node.attribute ?? []) this.map.set(a.name ?? '', a);
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  names(): string[] {
    return [...this.map.keys()];
  }
  private get(name: string, type: number): onnx.IAttributeProto | undefined {
    const a = this.map.get(name);
    this.used.add(name);
    if (a && a.type && a.type !== type) {
      throw new BranchyUnsupportedError(`${this.where}: attribute '${name}' has type ${A[a.type]}, expected ${A[type]}; the model is malformed`);
    }
    return a;
  }
  int(name: string, dflt: number): number {
    const a = this.get(name, A.INT);
    return a ? toNum(a.i) : dflt;
  }
  float(name: string, dflt: number): number {
    const a = this.get(name, A.FLOAT);
    return a ? (a.f ?? 0) : dflt;
  }
  ints(name: string, dflt: number[] | undefined): number[] | undefined {
    const a = this.get(name, A.INTS);
    return a ? (a.ints ?? []).map(toNum) : dflt;
  }
  floats(name: string, dflt: number[] | undefined): number[] | undefined {
    const a = this.get(name, A.FLOATS);
    return a ? (a.floats ?? []).slice() : dflt;
  }
  string(name: string, dflt: string): string {
    const a = this.get(name, A.STRING);
    return a ? new TextDecoder().decode(a.s ?? new Uint8Array()) : dflt;
  }
  tensor(name: string): onnx.ITensorProto | undefined {
    return this.get(name, A.TENSOR)?.t ?? undefined;
  }
}

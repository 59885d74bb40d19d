// Semantic mutations of an ONNX ModelProto: each names one field (an attribute, a dimension,
// an initializer's values, a quantization scale or zero point, an opset, a name, a dtype) and
// puts an extreme value there (values.ts). windowWrap keeps the window consistent so that a
// 2^32 dilation reaches the kernels instead of the shape checks.
import type { onnx } from 'onnx-proto';
import { ONNX } from '../../src/convert/onnx/onnx-proto.js';
import type { Rng } from '../helpers/rng.js';
import { EXTREME_FLOATS, EXTREME_INTS, NEST_DEPTH, NON_FINITE, hugeArray, nestedJson } from './values.js';

type Mutation = (m: onnx.ModelProto, rng: Rng) => boolean;

const AT = ONNX.AttributeProto.AttributeType;
const T = ONNX.TensorProto.DataType;
const inits = (m: onnx.ModelProto) => m.graph!.initializer ?? [];
const nodes = (m: onnx.ModelProto) => m.graph!.node ?? [];
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const WINDOW_OPS = new Set(['Conv', 'MaxPool', 'AveragePool', 'QLinearConv', 'ConvInteger']);
const POOLS = new Set(['MaxPool', 'AveragePool']);
const Q_OPS = new Set(['QuantizeLinear', 'DequantizeLinear', 'QLinearConv', 'QLinearMatMul', 'QLinearAdd', 'QLinearAveragePool', 'QLinearGlobalAveragePool', 'QLinearConcat']);

function attr(n: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return n.attribute?.find((a) => a.name === name);
}

/** Sets an INTS attribute, adding it when absent. */
function setInts(n: onnx.INodeProto, name: string, ints: number[]): void {
  const a = attr(n, name);
  if (a) {
    a.ints = ints;
    a.type = AT.INTS;
  } else (n.attribute ??= []).push(ONNX.AttributeProto.create({ name, type: AT.INTS, ints }));
}

/** The node's kernel size: its kernel_shape, or (Conv) the weights' spatial dims. */
function kernelOf(m: onnx.ModelProto, n: onnx.INodeProto): number[] | null {
  const k = attr(n, 'kernel_shape')?.ints?.map(num);
  if (k?.length === 2) return k;
  const w = inits(m).find((t) => t.name === n.input?.[n.opType === 'QLinearConv' ? 3 : 1]);
  const d = w?.dims?.map(num);
  return d?.length === 4 ? [d[2], d[3]] : null;
}

/** Extreme values of a tensor's own type in 1..4 (or all) of its elements; false when it holds none. */
function extremeValues(t: onnx.ITensorProto, rng: Rng, floats = [...NON_FINITE, ...EXTREME_FLOATS]): boolean {
  const type = t.dataType ?? 0;
  const size = ({ [T.FLOAT]: 4, [T.INT32]: 4, [T.INT64]: 8, [T.DOUBLE]: 8, [T.INT8]: 1, [T.UINT8]: 1 } as Record<number, number>)[type];
  const raw = t.rawData?.length ? t.rawData.slice() : null;
  if (!size) return false;
  const put = (dv: DataView, i: number, v: number) => {
    if (type === T.FLOAT) dv.setFloat32(i * 4, v, true);
    else if (type === T.DOUBLE) dv.setFloat64(i * 8, v, true);
    else if (type === T.INT32) dv.setInt32(i * 4, v, true);
    else if (type === T.INT64) dv.setBigInt64(i * 8, BigInt(v), true);
    else dv.setUint8(i, v);
  };
  const value = (): number => {
    if (type === T.FLOAT || type === T.DOUBLE) return rng.pick(floats);
    if (type === T.INT32) return rng.pick([2 ** 31 - 1, -(2 ** 31), 0, -1]);
    if (type === T.INT64) return rng.pick([...EXTREME_INTS.filter((x) => Number.isSafeInteger(x)), -(2 ** 53)]);
    return rng.pick([0, 0x7f, 0x80, 0xff]);
  };
  if (raw) {
    const n = Math.floor(raw.length / size);
    if (!n) return false;
    const dv = new DataView(raw.buffer);
    if (rng.next() < 0.2) {
      const v = value();
      for (let i = 0; i < n; i++) put(dv, i, v);
    } else for (let k = rng.int(1, 4); k > 0; k--) put(dv, rng.int(0, n - 1), value());
    t.rawData = raw;
    return true;
  }
  const field = type === T.FLOAT ? t.floatData : type === T.DOUBLE ? t.doubleData : type === T.INT64 ? t.int64Data : t.int32Data;
  if (!field?.length) return false;
  for (let k = rng.int(1, 4); k > 0; k--) (field as number[])[rng.int(0, field.length - 1)] = value();
  return true;
}

/**
 * A node whose GRAPH attribute nests `depth` graphs (If -> then_branch -> If -> ...), encoded by
 * hand in one pass (lengths from the inside out, then prefixes, the innermost node, suffixes): a
 * recursive decoder or walk overflows the stack on it.
 */
const nestedNodes = new Map<number, Uint8Array>();
function nestedNode(depth: number): Uint8Array {
  const cached = nestedNodes.get(depth);
  if (cached) return cached;
  const text = (s: string) => [...new TextEncoder().encode(s)];
  // NodeProto: op_type = 4 (tag 0x22), attribute = 5 (0x2a). AttributeProto: name = 1 (0x0a),
  // g = 6 (0x32), type = 20 (varint, tag 0xa0 0x01). GraphProto: node = 1 (0x0a).
  const opType = [0x22, 2, ...text('If')], name = [0x0a, 11, ...text('then_branch')], suffix = [0xa0, 0x01, AT.GRAPH];
  const prefixes: number[][] = [];
  let len = opType.length;
  for (let i = 0; i < depth; i++) {
    const graph = [0x0a, ...varint(len)];
    const atLen = name.length + 1 + varint(len + graph.length).length + len + graph.length + suffix.length;
    const at = [...name, 0x32, ...varint(len + graph.length), ...graph];
    const node = [...opType, 0x2a, ...varint(atLen)];
    prefixes.push([...node, ...at]);
    len = node.length + atLen;
  }
  const out = new Uint8Array(len);
  let o = 0;
  for (let i = prefixes.length - 1; i >= 0; i--) (out.set(prefixes[i], o), (o += prefixes[i].length));
  out.set(opType, o);
  o += opType.length;
  for (let i = 0; i < depth; i++) (out.set(suffix, o), (o += suffix.length));
  nestedNodes.set(depth, out);
  return out;
}

export const SEMANTIC_ONNX: Record<string, Mutation> = {
  /** Any attribute of any node: ints and i at int32/int64 edges, floats at f32 edges and NaN. */
  attrExtreme(m, rng) {
    const n = rng.pick(nodes(m).filter((x) => x.attribute?.length));
    if (!n) return false;
    const a = rng.pick(n.attribute!);
    const i = () => rng.pick(EXTREME_INTS);
    const f = () => rng.pick([...NON_FINITE, ...EXTREME_FLOATS]);
    if (a.ints?.length) {
      if (rng.next() < 0.3) a.ints = a.ints.map(() => i());
      else a.ints[rng.int(0, a.ints.length - 1)] = i();
    } else if (a.floats?.length) a.floats[rng.int(0, a.floats.length - 1)] = f();
    else if (a.type === AT.FLOAT) a.f = f();
    else if (a.type === AT.INT) a.i = i();
    else if (a.t) return extremeValues(a.t, rng);
    else a.s = new TextEncoder().encode(rng.pick(['', 'SAME_UPPER', 'VALID', 'x'.repeat(100_000), '\u0000']));
    return true;
  },
  /** Conv / pools: a dilation, stride or (pools) kernel of 2^31 and beyond, padded so that the output shape stays valid. */
  windowWrap(m, rng) {
    const n = rng.pick(nodes(m).filter((x) => WINDOW_OPS.has(x.opType ?? '')));
    if (!n) return false;
    const k = kernelOf(m, n);
    if (!k) return false;
    const ax = rng.int(0, 1), big = rng.pick([2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53]);
    const pool = POOLS.has(n.opType ?? '');
    const dil = attr(n, 'dilations')?.ints?.map(num) ?? [1, 1];
    const str = attr(n, 'strides')?.ints?.map(num) ?? [1, 1];
    const pads = attr(n, 'pads')?.ints?.map(num) ?? [0, 0, 0, 0];
    const auto = attr(n, 'auto_pad');
    if (auto) auto.s = new TextEncoder().encode('NOTSET');
    const variant = rng.pick(pool ? ['dilation', 'stride', 'kernel'] : ['dilation', 'stride']);
    if (variant === 'dilation') {
      if (pool && k[ax] < 2) k[ax] = 2;
      if (k[ax] < 2) return false;
      dil[ax] = big;
      const span = (k[ax] - 1) * big, before = rng.next() < 0.5;
      pads[ax] = before ? span : 0;
      pads[ax + 2] = before ? 0 : span;
    } else if (variant === 'stride') str[ax] = big;
    else {
      k[ax] = rng.pick([2 ** 22, 2 ** 31 - 1, 2 ** 31, 2 ** 32]);
      dil[ax] = 1;
      pads[ax] = Math.floor((k[ax] - 1) / 2);
      pads[ax + 2] = k[ax] - 1 - pads[ax];
    }
    if (pool) setInts(n, 'kernel_shape', k);
    setInts(n, 'dilations', dil);
    setInts(n, 'strides', str);
    setInts(n, 'pads', pads);
    return true;
  },
  /** An attribute whose declared type and value disagree: kernel_shape as floats, a string for an int, an empty list. */
  wrongAttrType(m, rng) {
    const n = rng.pick(nodes(m).filter((x) => x.attribute?.length));
    if (!n) return false;
    const a = rng.pick(n.attribute!);
    const r = rng.int(0, 4);
    if (r === 0) {
      a.floats = (a.ints ?? [1, 1]).map((x) => num(x) + 0.5);
      a.ints = [];
      a.type = AT.FLOATS;
    } else if (r === 1) {
      a.s = new TextEncoder().encode(String(num(a.i ?? a.ints?.[0] ?? 1)));
      a.type = AT.STRING;
    } else if (r === 2) a.type = rng.pick<number>([AT.INT, AT.INTS, AT.FLOAT, AT.FLOATS, AT.STRING, AT.STRINGS, AT.TENSOR, AT.GRAPH, 0, 99]);
    else if (r === 3) a.ints = [];
    else {
      a.t = ONNX.TensorProto.create({ dataType: T.FLOAT, dims: [2], floatData: [NaN, 2 ** 31] });
      a.type = AT.TENSOR;
    }
    return true;
  },
  /** Initializer values (weights, biases, shapes): NaN, ±Infinity, f32 denormals, int64 edges. */
  initValues(m, rng) {
    const t = rng.pick(inits(m));
    return !!t && extremeValues(t, rng);
  },
  /** The scale or zero point of a (Q)DQ / QLinear op: 0, -0, f32 denormals, ±Infinity, NaN, out-of-range zero points. */
  quantExtreme(m, rng) {
    const q = nodes(m).filter((x) => Q_OPS.has(x.opType ?? ''));
    const names = new Set(q.flatMap((x) => (x.input ?? []).slice(1)));
    const t = rng.pick(inits(m).filter((x) => names.has(x.name ?? '')));
    if (!t) return false;
    if (t.dataType === T.FLOAT) return extremeValues(t, rng, [0, -0, 1e-45, 1e-40, 1.1754943508222875e-38, 3.4028234663852886e38, -1, ...NON_FINITE]);
    if (rng.next() < 0.5) {
      // A zero point of another width than its tensor's: int8 read as uint8 or int32.
      t.dataType = rng.pick([T.INT8, T.UINT8, T.INT32, T.INT16, T.FLOAT]);
      return true;
    }
    return extremeValues(t, rng);
  },
  /** A dimension of an initializer, a graph input or output: 0, -1, 2^31, 2^32, 2^53. */
  dimsExtreme(m, rng) {
    const r = rng.next();
    if (r < 0.4) {
      const t = rng.pick(inits(m).filter((x) => x.dims?.length));
      if (!t) return false;
      t.dims![rng.int(0, t.dims!.length - 1)] = rng.pick(EXTREME_INTS);
      return true;
    }
    const vi = rng.pick(r < 0.8 ? m.graph!.input ?? [] : m.graph!.output ?? []);
    const dims = vi?.type?.tensorType?.shape?.dim;
    if (!dims?.length) return false;
    dims[rng.int(0, dims.length - 1)] = { dimValue: rng.pick(EXTREME_INTS) };
    return true;
  },
  /** A zero-size input dimension (the model's own shapes follow from it). */
  zeroDim(m, rng) {
    const dims = m.graph!.input?.[0]?.type?.tensorType?.shape?.dim;
    if (!dims?.length) return false;
    dims[rng.int(0, dims.length - 1)] = { dimValue: 0 };
    return true;
  },
  /** The opset version at its edges, a second import of the same domain, another domain. */
  opsetExtreme(m, rng) {
    const o = m.opsetImport ?? [];
    const r = rng.int(0, 2);
    if (r === 0 && o[0]) o[0].version = rng.pick([0, -1, 2 ** 31, 2 ** 32, 2 ** 53, 22, 6]);
    else if (r === 1) o.push(ONNX.OperatorSetIdProto.create({ domain: o[0]?.domain ?? '', version: rng.pick([1, 7, 21, 2 ** 31]) }));
    else o.unshift(ONNX.OperatorSetIdProto.create({ domain: rng.pick(['ai.onnx.ml', 'com.microsoft', 'x']), version: 1 }));
    m.opsetImport = o;
    return true;
  },
  /** A list made 10^5..10^6 long: an attribute's ints, the input's dims, a node's inputs, an initializer's dims (of ones). */
  hugeArray(m, rng) {
    const n = rng.pick(nodes(m));
    const r = rng.int(0, 3);
    if (r === 0) {
      const a = rng.pick(nodes(m).filter((x) => x.attribute?.some((y) => y.ints?.length)));
      const at = a?.attribute?.find((y) => y.ints?.length);
      if (!at) return false;
      at.ints = hugeArray(rng, rng.pick([1, 0, 2 ** 31])) as number[];
    } else if (r === 1) {
      const s = m.graph!.input?.[0]?.type?.tensorType?.shape;
      if (!s) return false;
      s.dim = hugeArray(rng, { dimValue: 1 }) as onnx.TensorShapeProto.IDimension[];
    } else if (r === 2 && n) n.input = hugeArray(rng, n.input?.[0] ?? '') as string[];
    else {
      const t = rng.pick(inits(m));
      if (!t) return false;
      t.dims = [...(t.dims ?? []), ...(hugeArray(rng, 1) as number[])];
    }
    return true;
  },
  /** Two nodes writing one tensor, an initializer named like the input, an input listed twice, two initializers of one name. */
  duplicateName(m, rng) {
    const g = m.graph!;
    const r = rng.int(0, 3);
    const n = rng.pick(nodes(m));
    if (r === 0 && n && nodes(m).length > 1) n.output = [rng.pick(nodes(m)).output?.[0] ?? ''];
    else if (r === 1 && inits(m).length && g.input?.[0]) rng.pick(inits(m)).name = g.input[0].name;
    else if (r === 2 && g.input?.[0]) g.input.push(ONNX.ValueInfoProto.fromObject(ONNX.ValueInfoProto.toObject(g.input[0] as onnx.ValueInfoProto)));
    else if (inits(m).length > 1) rng.pick(inits(m)).name = rng.pick(inits(m)).name;
    else return false;
    return true;
  },
  /** The input's element type, or an initializer's data type with its bytes reinterpreted (FLOAT <-> INT32, FLOAT -> DOUBLE). */
  dtypeSwap(m, rng) {
    if (rng.next() < 0.4) {
      const tt = m.graph!.input?.[0]?.type?.tensorType;
      if (!tt) return false;
      tt.elemType = rng.pick([T.INT8, T.UINT8, T.DOUBLE, T.FLOAT16, T.INT64, T.STRING, T.BOOL]);
      return true;
    }
    const t = rng.pick(inits(m));
    if (!t) return false;
    t.dataType = t.dataType === T.FLOAT ? rng.pick([T.INT32, T.DOUBLE, T.UINT8]) : t.dataType === T.INT32 ? T.FLOAT : rng.pick([T.FLOAT, T.INT8, T.INT64]);
    return true;
  },
  /** Nesting 10^4..10^5 deep: an If node's subgraph chain, or the branchy.normalize metadata JSON. */
  nested(m, rng) {
    if (rng.next() < 0.5) {
      m.metadataProps = [{ key: 'branchy.normalize', value: nestedJson(rng) }];
      return true;
    }
    // Appended as raw bytes: a decoder (protobufjs recurses per message) must refuse it, not crash.
    (m as unknown as { nestedNode: Uint8Array }).nestedNode = nestedNode(rng.pick([10_000, NEST_DEPTH]));
    return true;
  },
};

/** Encodes a mutated model; a `nested` mutation appends its hand-encoded node to the graph. */
export function encodeMutated(m: onnx.ModelProto): Uint8Array {
  const extra = (m as unknown as { nestedNode?: Uint8Array }).nestedNode;
  if (!extra) return ONNX.ModelProto.encode(m).finish();
  const graph = ONNX.GraphProto.encode(m.graph!).finish();
  m.graph = null;
  const rest = ONNX.ModelProto.encode(m).finish();
  // ModelProto.graph = 7 (tag 0x3a); GraphProto.node = 1 (tag 0x0a), appended after the graph's own fields.
  const node = [0x0a, ...varint(extra.length)];
  const body = graph.length + node.length + extra.length;
  const head = [0x3a, ...varint(body)];
  const out = new Uint8Array(rest.length + head.length + body);
  out.set(rest);
  out.set(head, rest.length);
  out.set(graph, rest.length + head.length);
  out.set(node, rest.length + head.length + graph.length);
  out.set(extra, rest.length + head.length + graph.length + node.length);
  return out;
}

function varint(v: number): number[] {
  const o: number[] = [];
  for (; v > 127; v = Math.floor(v / 128)) o.push((v & 127) | 128);
  o.push(v);
  return o;
}

/** Families that cost far more than a decode (drawn less often). */
export const COSTLY_ONNX = new Set(['hugeArray', 'nested']);

// Mutations that know ONNX's structure: decode the seed's ModelProto, change one thing
// (initializer dims, data types and bytes, node inputs and attributes, cycles, duplicated
// and missing initializers or nodes, huge input shapes, opsets, metadata), encode again.
import type { onnx } from 'onnx-proto';
import { ONNX } from '../../src/convert/onnx/onnx-proto.js';
import type { Rng } from '../helpers/rng.js';
import { COSTLY_ONNX, SEMANTIC_ONNX, encodeMutated } from './mutate-onnx-values.js';

type Mutation = (m: onnx.ModelProto, rng: Rng) => boolean;

const HUGE_DIMS = [0, -1, 1, 2, 3, 1000, 65536, 2 ** 31, 2 ** 40, 2 ** 53];
const AT = ONNX.AttributeProto.AttributeType;
const T = ONNX.TensorProto.DataType;

const inits = (m: onnx.ModelProto) => m.graph!.initializer ?? [];
const nodes = (m: onnx.ModelProto) => m.graph!.node ?? [];

const MUTATIONS: Record<string, Mutation> = {
  initDims(m, rng) {
    const t = rng.pick(inits(m));
    if (!t) return false;
    const d = t.dims ?? [];
    if (d.length && rng.next() < 0.7) d[rng.int(0, d.length - 1)] = rng.pick(HUGE_DIMS);
    else if (rng.next() < 0.5) d.push(rng.pick(HUGE_DIMS));
    else d.pop();
    t.dims = d;
    return true;
  },
  initDataType(m, rng) {
    const t = rng.pick(inits(m));
    if (!t) return false;
    t.dataType = rng.pick([T.FLOAT, T.DOUBLE, T.FLOAT16, T.INT64, T.INT32, T.INT8, T.UINT8, T.BOOL, T.STRING, T.BFLOAT16, T.COMPLEX64, 99]);
    return true;
  },
  initBytes(m, rng) {
    const t = rng.pick(inits(m).filter((x) => x.rawData?.length));
    if (!t) return false;
    const raw = t.rawData!;
    const r = rng.int(0, 2);
    if (r === 0) t.rawData = raw.slice(0, rng.int(0, raw.length - 1));
    else if (r === 1) t.rawData = Uint8Array.from([...raw, 1, 2, 3]);
    else {
      // NaN / Inf / huge values in the weights: a model that loads but computes garbage.
      const f = raw.slice();
      const dv = new DataView(f.buffer);
      for (let i = 0; i < 4 && f.length >= 4; i++) dv.setFloat32(4 * rng.int(0, Math.floor(f.length / 4) - 1), rng.pick([NaN, Infinity, -Infinity, 3e38, -0]), true);
      t.rawData = f;
    }
    return true;
  },
  removeInit(m, rng) {
    const l = inits(m);
    if (!l.length) return false;
    l.splice(rng.int(0, l.length - 1), 1);
    return true;
  },
  duplicateInit(m, rng) {
    const l = inits(m);
    if (!l.length) return false;
    const t = rng.pick(l);
    l.push(ONNX.TensorProto.fromObject({ ...ONNX.TensorProto.toObject(t as onnx.TensorProto), dims: [1] }));
    return true;
  },
  nodeInput(m, rng) {
    const n = rng.pick(nodes(m));
    if (!n) return false;
    const all = [...nodes(m).flatMap((x) => x.output ?? []), ...inits(m).map((t) => t.name ?? ''), 'missing', ''];
    const ins = n.input ?? [];
    const r = rng.next();
    if (r < 0.5 && ins.length) ins[rng.int(0, ins.length - 1)] = rng.pick(all);
    else if (r < 0.75) ins.push(rng.pick(all));
    else ins.pop();
    n.input = ins;
    return true;
  },
  cycle(m, rng) {
    const l = nodes(m);
    if (l.length < 1) return false;
    const i = rng.int(0, l.length - 1), j = rng.int(i, l.length - 1);
    const ins = l[i].input ?? [];
    if (!ins.length || !l[j].output?.length) return false;
    ins[rng.int(0, ins.length - 1)] = l[j].output![0];
    return true;
  },
  opType(m, rng) {
    const n = rng.pick(nodes(m));
    if (!n) return false;
    n.opType = rng.pick(['Conv', 'Gemm', 'MatMul', 'Relu', 'MaxPool', 'AveragePool', 'Add', 'Mul', 'Reshape', 'Flatten',
      'Softmax', 'Concat', 'QuantizeLinear', 'DequantizeLinear', 'Transpose', 'Squeeze', 'Unsqueeze', 'Gather', 'Shape',
      'ConstantOfShape', 'BatchNormalization', 'Clip', 'Identity', 'Cast', 'Loop', '']);
    return true;
  },
  attribute(m, rng) {
    const n = rng.pick(nodes(m).filter((x) => x.attribute?.length));
    if (!n) return false;
    const a = rng.pick(n.attribute!);
    const r = rng.int(0, 4);
    if (r === 0 && a.ints?.length) a.ints[rng.int(0, a.ints.length - 1)] = rng.pick(HUGE_DIMS);
    else if (r === 1) a.i = rng.pick(HUGE_DIMS);
    else if (r === 2) a.type = rng.pick([AT.INT, AT.INTS, AT.FLOAT, AT.STRING, AT.TENSOR, AT.GRAPH]);
    else if (r === 3) a.ints = rng.pick([[], [1], [1, 2, 3], [0, 0, 0, 0], [-1, -1, -1, -1], [2 ** 31, 1]]);
    else a.f = rng.pick([NaN, Infinity, -1, 0, 1e30]);
    return true;
  },
  removeNode(m, rng) {
    const l = nodes(m);
    if (!l.length) return false;
    l.splice(rng.int(0, l.length - 1), 1);
    return true;
  },
  duplicateNode(m, rng) {
    const l = nodes(m);
    if (!l.length) return false;
    l.splice(rng.int(0, l.length), 0, ONNX.NodeProto.fromObject(ONNX.NodeProto.toObject(rng.pick(l) as onnx.NodeProto)));
    return true;
  },
  inputShape(m, rng) {
    const vi = m.graph!.input?.[0];
    const dims = vi?.type?.tensorType?.shape?.dim;
    if (!dims?.length) return false;
    const r = rng.next();
    if (r < 0.6) dims[rng.int(0, dims.length - 1)] = { dimValue: rng.pick(HUGE_DIMS) };
    else if (r < 0.8) dims[rng.int(0, dims.length - 1)] = { dimParam: 'N' };
    else dims.push({ dimValue: 2 });
    return true;
  },
  opset(m, rng) {
    const o = m.opsetImport?.[0];
    if (!o) return false;
    o.version = rng.pick([0, 1, 6, 7, 9, 11, 13, 21, 22, 1000]);
    return true;
  },
  normalize(m, rng) {
    m.metadataProps = [{ key: 'branchy.normalize', value: rng.pick(['{', '{"mean":[0],"std":[0]}', '{"mean":[0.1],"std":[0.3],"scale":0}', '{"mean":[],"std":[]}', '[]', 'null']) }];
    return true;
  },
  outputs(m, rng) {
    const outs = m.graph!.output ?? [];
    const r = rng.next();
    if (r < 0.4) outs.length = 0;
    else if (r < 0.7 && outs.length) outs.push(ONNX.ValueInfoProto.fromObject(ONNX.ValueInfoProto.toObject(outs[0] as onnx.ValueInfoProto)));
    else if (outs.length) outs[0].name = rng.pick(['missing', m.graph!.input?.[0]?.name ?? '', inits(m)[0]?.name ?? '']);
    m.graph!.output = outs;
    return true;
  },
};

export const ONNX_MUTATION_NAMES = Object.keys(MUTATIONS).map((k) => `onnx.${k}`);

/** The semantic families (mutate-onnx-values.ts), named `onnx-value.<family>`. */
export const ONNX_SEMANTIC_NAMES = Object.keys(SEMANTIC_ONNX).map((k) => `onnx-value.${k}`);

/** Families that cost far more than a decode (drawn less often). */
export const COSTLY_ONNX_NAMES = new Set([...COSTLY_ONNX].map((k) => `onnx-value.${k}`));

/** Decodes a valid ONNX seed (once per call: mutations change it in place). */
export function decodeOnnx(bytes: Uint8Array): onnx.ModelProto {
  return ONNX.ModelProto.decode(bytes);
}

/** Applies the named structural or semantic mutation to a valid ONNX seed. Null when it does not apply. */
export function mutateOnnx(seed: Uint8Array, name: string, rng: Rng): Uint8Array | null {
  const m = decodeOnnx(seed);
  if (!m.graph) return null;
  const [part, kind] = name.split('.');
  const f = part === 'onnx-value' ? SEMANTIC_ONNX[kind] : part === 'onnx' ? MUTATIONS[kind] : undefined;
  if (!f) throw new Error(`unknown mutation ${name}`);
  if (!f(m, rng)) return null;
  return encodeMutated(m);
}

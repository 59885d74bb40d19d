// Building small ONNX models in TS, running imported graphs with the reference
// evaluator, and loading the ONNX backend node tests as fixtures.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { onnx } from 'onnx-proto';
import { ONNX } from '../../src/convert/onnx/onnx-proto.js';
import { importOnnx } from '../../src/convert/index.js';
import type { ImportOptions, ImportResult } from '../../src/convert/index.js';
import { decodeTensor } from '../../src/convert/onnx/proto.js';
import { evalGraph, toNCHW, toNHWC } from '../reference/ir-eval.js';

const AT = ONNX.AttributeProto.AttributeType;
export type Attr = onnx.IAttributeProto;
export const int = (i: number): Attr => ({ type: AT.INT, i });
export const ints = (v: number[]): Attr => ({ type: AT.INTS, ints: v });
export const float = (f: number): Attr => ({ type: AT.FLOAT, f });
export const str = (s: string): Attr => ({ type: AT.STRING, s: new TextEncoder().encode(s) });

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, Attr>;
  domain?: string;
}

export interface ModelSpec {
  inputs: { name: string; shape: (number | string)[]; elemType?: number }[];
  outputs: string[];
  /** An output's TensorProto data type where it is not float (UINT8, INT8). */
  outputTypes?: Record<string, number>;
  nodes: NodeSpec[];
  /** `type`: an integer TensorProto data type (INT8, UINT8, INT32) held in int32_data; default float. */
  inits?: Record<string, { dims: number[]; data: ArrayLike<number>; int64?: boolean; uint8?: boolean; type?: number }>;
  opset?: number;
  metadata?: Record<string, string>;
}

function valueInfo(name: string, shape?: (number | string)[], elemType = 1): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: shape ? { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined,
      },
    },
  };
}

export function tensorProto(name: string, dims: number[], data: ArrayLike<number>, int64 = false, uint8 = false): onnx.ITensorProto {
  if (uint8) return { name, dims, dataType: ONNX.TensorProto.DataType.UINT8, int32Data: Array.from(data) };
  return int64
    ? { name, dims, dataType: ONNX.TensorProto.DataType.INT64, int64Data: Array.from(data) }
    : { name, dims, dataType: ONNX.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(data).buffer) };
}

/** Encodes a ModelProto from a compact description. */
export function buildModel(spec: ModelSpec): Uint8Array {
  let k = 0;
  const m = ONNX.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'g',
      input: spec.inputs.map((i) => valueInfo(i.name, i.shape, i.elemType)),
      output: spec.outputs.map((o) => valueInfo(o, undefined, spec.outputTypes?.[o])),
      initializer: Object.entries(spec.inits ?? {}).map(([n, t]) =>
        (t.type ? { name: n, dims: t.dims, dataType: t.type, int32Data: Array.from(t.data) } : tensorProto(n, t.dims, t.data, t.int64, t.uint8))),
      node: spec.nodes.map((n) => ({
        opType: n.op, input: n.inputs, output: n.outputs, name: n.name ?? `${n.op}_${k++}`, domain: n.domain ?? '',
        attribute: Object.entries(n.attrs ?? {}).map(([name, a]) => ({ name, ...a })),
      })),
    },
  });
  return ONNX.ModelProto.encode(m).finish();
}

/** Imports, then evaluates with the reference evaluator; inputs and outputs in ONNX layout. */
export function runImported(res: ImportResult, inputs: Record<string, Float32Array>): Record<string, Float32Array> {
  const { graph, weights } = res;
  const info = new Map(graph.tensors.map((t) => [t.name, t]));
  const feeds: Record<string, Float32Array> = {};
  for (const name of graph.inputs) {
    const t = info.get(name)!;
    const x = inputs[name];
    feeds[name] = t.sourceLayout === 'NCHW' ? toNHWC(x, [t.shape[0], t.shape[3], t.shape[1], t.shape[2]]) : x;
  }
  const vals = evalGraph(graph, weights, feeds);
  const out: Record<string, Float32Array> = {};
  for (const name of graph.outputs) {
    const t = info.get(name)!;
    const y = vals.get(name)!;
    out[name] = t.sourceLayout === 'NCHW' ? toNCHW(y, t.shape) : y;
  }
  return out;
}

export function importAndRun(bytes: Uint8Array, inputs: Record<string, Float32Array>, opts?: ImportOptions) {
  const res = importOnnx(bytes, opts);
  return { res, out: runImported(res, inputs) };
}

/** Largest |a - b| relative to max(1, |b|); fails on a length mismatch. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return e;
}

// ---- ONNX backend node tests --------------------------------------------------------------

export const NODE_TESTS = '/usr/include/onnx/backend/test/data/node';
export const haveNodeTests = existsSync(NODE_TESTS);

export interface NodeCase {
  model: Uint8Array;
  inputs: Record<string, Float32Array>;
  outputs: Record<string, Float32Array>;
  /** The stored tensors as their ONNX types (uint8 -> Uint8Array, int8 -> Int8Array, else f32). */
  typed: { inputs: Record<string, Float32Array | Uint8Array | Int8Array>; outputs: Record<string, Float32Array | Uint8Array | Int8Array> };
}

/** A stored tensor's values as its type's typed array (UINT8, INT8; anything else as f32). */
function typedOf(t: onnx.TensorProto, f: string): Float32Array | Uint8Array | Int8Array {
  const v = decodeTensor(t, f).data as ArrayLike<number>;
  const T = ONNX.TensorProto.DataType;
  return t.dataType === T.UINT8 ? Uint8Array.from(v) : t.dataType === T.INT8 ? Int8Array.from(v) : Float32Array.from(v);
}

/**
 * Loads a backend node test. Inputs other than the first become initializers (branchy
 * needs constant weights; the ONNX tests feed them as inputs).
 */
export function loadNodeTest(name: string): NodeCase {
  // The node tests, then the PyTorch-converted module tests beside them (test_Conv2d, opset 6).
  const dir = [join(NODE_TESTS, name), join(NODE_TESTS, '..', 'pytorch-converted', name)].find((d) => existsSync(d)) ?? join(NODE_TESTS, name);
  const m = ONNX.ModelProto.decode(readFileSync(join(dir, 'model.onnx')));
  const data = join(dir, 'test_data_set_0');
  const files = readdirSync(data);
  const read = (f: string): onnx.TensorProto => ONNX.TensorProto.decode(readFileSync(join(data, f)));
  const g = m.graph as onnx.GraphProto;
  const ins = files.filter((f) => f.startsWith('input_')).sort((a, b) => parseInt(a.slice(6)) - parseInt(b.slice(6)));
  const inputs: Record<string, Float32Array> = {};
  const typed: NodeCase['typed'] = { inputs: {}, outputs: {} };
  const kept: onnx.IValueInfoProto[] = [];
  ins.forEach((f, i) => {
    const t = read(f);
    const vi = g.input[i];
    if (i === 0) {
      inputs[vi.name!] = decodeTensor(t, f).data as Float32Array;
      typed.inputs[vi.name!] = typedOf(t, f);
      kept.push(vi);
    } else {
      t.name = vi.name!;
      g.initializer.push(t);
    }
  });
  g.input = kept as onnx.ValueInfoProto[];
  const outputs: Record<string, Float32Array> = {};
  files.filter((f) => f.startsWith('output_')).sort().forEach((f, i) => {
    outputs[g.output[i].name!] = Float32Array.from(decodeTensor(read(f), f).data as ArrayLike<number>);
    typed.outputs[g.output[i].name!] = typedOf(read(f), f);
  });
  return { model: ONNX.ModelProto.encode(m).finish(), inputs, outputs, typed };
}

// branchy IR -> TFLite (docs/tflite.md): each node goes through its entry in the op table
// (./ops, the same family files as the import), which writes TFLite operators through the
// exporter below; writeTflite checks the model by reading it back. Tensors keep their NHWC
// shapes, int8 tensors their scales and zero points (per-channel weights along TFLite's output
// dimension), so LiteRT.js and TFLite-Micro run the same network. `io`: `float` (default)
// writes the graph as it is (a float input, QUANTIZE, ..., DEQUANTIZE, float output); `int8`
// drops the quantize after each input and the dequantize before each output, so that the file
// takes and gives int8 as TFLite-Micro's int8 models do. Without `int8`, edges the source model
// typed int8 or uint8 (TensorInfo.sourceDtype) are written as INT8 / UINT8 tensors. The input's
// normalisation (graph.normalize) is the host's: the file takes normalised values.
import { BranchyUnsupportedError } from '../../errors.js';
import type { DType, Graph, Node, TensorData, TensorInfo, Weights } from '../../ir/types.js';
import { builtinCode, type TensorTypeName, type TfliteModel, type TfliteOptions, type TfliteQuantization, type TfliteTensor } from './model.js';
import { writeTflite } from './write.js';
import { TFLITE_EXPORTS } from './ops/index.js';

export interface TfliteExportOptions {
  /** Graph edges: `float` (default) as the graph has them (int8 / uint8 where the source had them: `sourceDtype`), `int8` without the input quantize and output dequantize. */
  io?: 'float' | 'int8';
}

const TYPES: Partial<Record<DType, TensorTypeName>> = { f32: 'FLOAT32', i8: 'INT8', u8: 'UINT8', i32: 'INT32' };

/** The operator versions written for int8 operators (TFLite's op_version rules; float ones are version 1). */
const INT8_VERSION: Record<string, number> = {
  CONV_2D: 3, DEPTHWISE_CONV_2D: 3, FULLY_CONNECTED: 4, ADD: 2, AVERAGE_POOL_2D: 2, MAX_POOL_2D: 2, SOFTMAX: 2, QUANTIZE: 2,
  DEQUANTIZE: 2, RESHAPE: 1, RELU: 2, RELU6: 2, PAD: 2, SUB: 2, MUL: 2, TANH: 2, PRELU: 1, RESIZE_BILINEAR: 2, RESIZE_NEAREST_NEIGHBOR: 2,
  TRANSPOSE_CONV: 2,
  LOGISTIC: 2, MEAN: 2, PADV2: 2,
};

/** Writes IR tensors and nodes into one TFLite subgraph; the op table's export functions call it. */
export class TfliteExporter {
  readonly model: TfliteModel = {
    version: 3, description: 'branchy', operatorCodes: [], subgraphs: [{ tensors: [], inputs: [], outputs: [], operators: [] }],
    buffers: [new Uint8Array(0)], metadata: [], signatureDefs: [],
  };
  private readonly index = new Map<string, number>();
  private readonly infos: Map<string, TensorInfo>;
  /** IR tensors that stand for others (an input quantize or output dequantize dropped by `io: int8`). */
  readonly alias = new Map<string, string>();

  constructor(readonly graph: Graph, readonly weights: Weights) {
    this.infos = new Map(graph.tensors.map((t) => [t.name, t]));
  }

  info(name: string): TensorInfo {
    return this.infos.get(this.alias.get(name) ?? name)!;
  }

  /** `node 'x' (conv2d)` in messages. */
  where(node: Node): string {
    return `node '${node.name}' (${node.op})`;
  }

  unsupported(node: Node, what: string, fix: string): never {
    throw new BranchyUnsupportedError(`TFLite export: ${this.where(node)}: ${what}; ${fix}`);
  }

  /**
   * The TFLite tensor of IR tensor `name` (made on first use): its dtype, its quantization, its
   * constant data. `shape` and `quantizedDimension` override the IR's for constants stored in
   * another shape (a depthwise filter is [1, KH, KW, C] in TFLite).
   */
  tensor(name: string, shape?: number[], quantizedDimension?: number): number {
    const ir = this.alias.get(name) ?? name;
    const key = shape ? `${ir}@${shape.join('x')}` : ir;
    const have = this.index.get(key);
    if (have !== undefined) return have;
    const t = this.infos.get(ir)!;
    const type = TYPES[t.dtype];
    if (!type) throw new BranchyUnsupportedError(`TFLite export: tensor '${ir}' is ${t.dtype}; TFLite files hold f32, int8, uint8 and int32 tensors (binary layers have no TFLite form)`);
    const data = t.constant ? this.weights.get(ir) : undefined;
    const out: TfliteTensor = { name: ir, shape: (shape ?? t.shape).slice(), type, buffer: data ? this.buffer(data) : 0, isVariable: false, hasRank: true };
    const q = quantization(t, quantizedDimension);
    if (q) out.quantization = q;
    return this.push(key, out);
  }

  /** A new computed tensor of IR tensor `like`'s type and quantization, of another shape (a padded input, a value before its activation). */
  intermediate(like: string, shape: number[], suffix: string): number {
    const t = this.model.subgraphs[0].tensors[this.tensor(like)];
    return this.push(`@tmp${this.model.subgraphs[0].tensors.length}`, { ...t, name: `${t.name}/${suffix}`, shape: shape.slice(), buffer: 0 });
  }

  /** A new constant tensor (a reshape's shape operand: INT32; an int8 PRELU's alpha: INT8 with `quantization`...). */
  constant(name: string, data: Int32Array | Int8Array | Float32Array, shape = [data.length], quantization?: TfliteQuantization): number {
    const type: TensorTypeName = data instanceof Int32Array ? 'INT32' : data instanceof Int8Array ? 'INT8' : 'FLOAT32';
    return this.push(`@const${this.model.subgraphs[0].tensors.length}`, {
      name, shape, type, buffer: this.buffer(data), isVariable: false, hasRank: true, ...(quantization && { quantization }),
    });
  }

  /** Appends operator `op` ('CONV_2D') reading tensors `inputs` (-1: omitted) and writing `outputs`, at least version `minVersion` (an option that needs a later version). */
  op(op: string, inputs: number[], outputs: number[], options?: TfliteOptions, minVersion = 1): void {
    const code = builtinCode(op)!;
    const int8 = outputs.some((o) => this.model.subgraphs[0].tensors[o].type === 'INT8') ||
      inputs.some((i) => i >= 0 && this.model.subgraphs[0].tensors[i].type === 'INT8' && this.model.subgraphs[0].tensors[i].buffer === 0);
    const version = Math.max(minVersion, int8 ? INT8_VERSION[op] ?? 1 : 1);
    let opcodeIndex = this.model.operatorCodes.findIndex((c) => c.builtinCode === code && c.version === version);
    if (opcodeIndex < 0) opcodeIndex = this.model.operatorCodes.push({ builtinCode: code, version }) - 1;
    this.model.subgraphs[0].operators.push({ opcodeIndex, inputs, outputs, ...(options && { options }) });
  }

  private push(key: string, t: TfliteTensor): number {
    const i = this.model.subgraphs[0].tensors.push(t) - 1;
    this.index.set(key, i);
    return i;
  }

  private buffer(data: TensorData): number {
    return this.model.buffers.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) - 1;
  }
}

/** A TFLite quantization of an IR tensor's (per-channel along `dim`, default the IR axis). */
function quantization(t: TensorInfo, dim?: number): TfliteQuantization | undefined {
  const q = t.quant;
  if (!q) return undefined;
  if (q.kind === 'tensor') return { scale: [q.scale], zeroPoint: [q.zeroPoint], quantizedDimension: 0 };
  return { scale: q.scales.slice(), zeroPoint: q.scales.map(() => 0), quantizedDimension: dim ?? q.axis };
}

/** A uint8 graph output: QUANTIZE from the int8 tensor (renamed NAME/int8) to a UINT8 one named NAME, zero point + 128. */
function uint8Output(ex: TfliteExporter, y: string): number {
  const tensors = ex.model.subgraphs[0].tensors;
  const i = ex.tensor(y);
  const q = tensors[i].quantization!;
  const u = ex.intermediate(y, tensors[i].shape, 'uint8');
  tensors[u] = { ...tensors[u], name: y, type: 'UINT8', quantization: { ...q, zeroPoint: [q.zeroPoint[0] + 128] } };
  tensors[i] = { ...tensors[i], name: `${y}/int8` };
  ex.op('QUANTIZE', [i], [u]);
  return u;
}

/** Exports a branchy graph (float or int8) as a .tflite file's bytes. */
export function exportTflite(graph: Graph, weights: Weights, opts: TfliteExportOptions = {}): Uint8Array {
  const readers = (name: string) => graph.nodes.filter((n) => n.inputs.includes(name));
  const edges = opts.io === 'int8' ? [] : graph.tensors.filter((t) => t.sourceDtype);
  // Edges the source model typed uint8 or int8 (TensorInfo.sourceDtype) keep that type: an int8
  // input without its quantize, a uint8 input (zero point + 128) into it; a uint8 output after a
  // QUANTIZE from its int8 (an int8 output is int8 already).
  const quantizer = (x: string): Node => {
    const r = readers(x);
    if (r.length !== 1 || r[0].op !== 'quantize') throw new BranchyUnsupportedError(`TFLite export: input '${x}' is ${graph.tensors.find((t) => t.name === x)!.sourceDtype} in its source and not read by one quantize node; the graph is malformed`);
    return r[0];
  };
  const u8In = new Map(edges.filter((t) => t.sourceDtype === 'u8' && graph.inputs.includes(t.name)).map((t) => {
    const q = graph.tensors.find((x) => x.name === quantizer(t.name).outputs[0])!.quant;
    return [t.name, { ...t, dtype: 'u8' as const, quant: q?.kind === 'tensor' ? { ...q, zeroPoint: q.zeroPoint + 128 } : q }];
  }));
  const ex = new TfliteExporter(u8In.size ? { ...graph, tensors: graph.tensors.map((t) => u8In.get(t.name) ?? t) } : graph, weights);
  const skip = new Set<Node>();
  for (const t of edges) {
    if (t.sourceDtype !== 'i8' || !graph.inputs.includes(t.name)) continue;
    const q = quantizer(t.name);
    skip.add(q);
    ex.alias.set(t.name, q.outputs[0]);
  }
  if (opts.io === 'int8') {
    for (const x of graph.inputs) {
      const r = readers(x);
      if (r.length !== 1 || r[0].op !== 'quantize') throw new BranchyUnsupportedError(`TFLite export --io int8: input '${x}' is not read by one quantize node; export with --io float`);
      skip.add(r[0]);
      ex.alias.set(x, r[0].outputs[0]);
    }
    for (const y of graph.outputs) {
      if (ex.info(y).dtype === 'i8') continue;
      const p = graph.nodes.find((n) => n.outputs[0] === y);
      if (p?.op !== 'dequantize') throw new BranchyUnsupportedError(`TFLite export --io int8: output '${y}' is not written by a dequantize node; export with --io float`);
      skip.add(p);
      ex.alias.set(y, p.inputs[0]);
    }
  } else if (opts.io !== undefined && opts.io !== 'float') {
    throw new BranchyUnsupportedError(`TFLite export: io must be 'float' or 'int8', got '${String(opts.io)}'`);
  }
  const sg = ex.model.subgraphs[0];
  sg.inputs = graph.inputs.map((x) => ex.tensor(x));
  // An int8 input keeps its name (its quantize's output stands for it).
  graph.inputs.forEach((x, k) => {
    if (edges.some((t) => t.name === x && t.sourceDtype === 'i8')) sg.tensors[sg.inputs[k]] = { ...sg.tensors[sg.inputs[k]], name: x };
  });
  for (const node of graph.nodes) {
    if (skip.has(node)) continue;
    const fn = TFLITE_EXPORTS[node.op];
    if (!fn) ex.unsupported(node, 'has no TFLite form in branchy\'s exporter', `branchy exports ${Object.keys(TFLITE_EXPORTS).join(', ')}`);
    fn(ex, node);
  }
  sg.outputs = graph.outputs.map((y) => (edges.some((t) => t.name === y && t.sourceDtype === 'u8') ? uint8Output(ex, y) : ex.tensor(y)));
  ex.model.signatureDefs = [{
    signatureKey: 'serving_default', subgraphIndex: 0,
    inputs: graph.inputs.map((x, i) => ({ name: x, tensorIndex: sg.inputs[i] })),
    outputs: graph.outputs.map((y, i) => ({ name: y, tensorIndex: sg.outputs[i] })),
  }];
  return writeTflite(ex.model);
}

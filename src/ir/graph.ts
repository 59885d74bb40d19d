// Whole-graph helpers: lookups, topological order with cycle detection, shape inference
// and validation. Used by the importer (to build) and the file reader (to distrust).
import { BranchyFormatError } from '../errors.js';
import { checkDTypes, checkNode, inferNode } from './shapes.js';
import type { DType, Graph, Node, TensorData, TensorInfo, Weights } from './types.js';

/** The tensors of a graph by name. Throws on a duplicate name. */
export function tensorMap(graph: Graph): Map<string, TensorInfo> {
  const m = new Map<string, TensorInfo>();
  for (const t of graph.tensors) {
    if (m.has(t.name)) throw new BranchyFormatError(`tensor '${t.name}' is declared twice`);
    m.set(t.name, t);
  }
  return m;
}

/** Which node produces each tensor. Throws when two nodes write the same tensor. */
export function producers(graph: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of graph.nodes) {
    for (const o of n.outputs) {
      const prev = m.get(o);
      if (prev) throw new BranchyFormatError(`tensor '${o}' is written by both node '${prev.name}' and node '${n.name}'`);
      m.set(o, n);
    }
  }
  return m;
}

/** The nodes that read each tensor. */
export function consumers(graph: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    for (const i of n.inputs) {
      const l = m.get(i);
      if (l) l.push(n);
      else m.set(i, [n]);
    }
  }
  return m;
}

/**
 * The nodes in a topological order, keeping the given order where it already is one.
 * Throws BranchyFormatError naming the nodes of a cycle.
 */
export function topoSort(graph: Graph): Node[] {
  const prod = producers(graph);
  const state = new Map<Node, 1 | 2>(); // 1: on the stack, 2: done
  const order: Node[] = [];
  for (const root of graph.nodes) {
    if (state.has(root)) continue;
    // Iterative DFS so a deep chain cannot overflow the JS stack.
    const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const dep = prod.get(top.node.inputs[top.next++]);
        if (!dep) continue;
        const s = state.get(dep);
        if (s === 1) {
          const cyc = stack.slice(stack.findIndex((f) => f.node === dep)).map((f) => `'${f.node.name}'`);
          throw new BranchyFormatError(`the graph has a cycle: ${[...cyc, `'${dep.name}'`].join(' -> ')}`);
        }
        if (s === undefined) {
          state.set(dep, 1);
          stack.push({ node: dep, next: 0 });
        }
      } else {
        state.set(top.node, 2);
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}

const ELEMENT_TYPE = {
  f32: Float32Array, i8: Int8Array, u8: Uint8Array, i32: Int32Array, b1: Uint8Array,
} as const;

/**
 * How a constant is stored: b1 values packed 32 per u32 along the last axis, written as
 * bytes (the last axis becomes ceil(n / 32) * 4 bytes); every other dtype as itself.
 */
export function storageOf(t: TensorInfo): { dtype: Exclude<DType, 'b1'>; shape: number[] } {
  if (t.dtype !== 'b1') return { dtype: t.dtype, shape: t.shape.slice() };
  const s = t.shape.slice();
  if (s.length === 0) return { dtype: 'u8', shape: [4] };
  s[s.length - 1] = Math.ceil(s[s.length - 1] / 32) * 4;
  return { dtype: 'u8', shape: s };
}

const numel = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

export interface ValidateOptions {
  /** Check constants against these bytes (dtype and element count). */
  weights?: Weights;
  /** Fill in missing or empty shapes of computed tensors instead of rejecting them. */
  fillShapes?: boolean;
}

/**
 * Checks a graph completely: unique names, every reference resolves, each tensor has one
 * source (graph input, constant or one node), no cycle, attributes well-formed, and every
 * computed tensor's declared shape equals the inferred one. Returns the nodes in
 * topological order. Throws BranchyFormatError saying what and where.
 */
export function validateGraph(graph: Graph, opts: ValidateOptions = {}): Node[] {
  const tensors = tensorMap(graph);
  const nodeNames = new Set<string>();
  for (const n of graph.nodes) {
    if (nodeNames.has(n.name)) throw new BranchyFormatError(`node name '${n.name}' is used twice`);
    nodeNames.add(n.name);
    checkNode(n);
    for (const t of [...n.inputs, ...n.outputs]) {
      if (!tensors.has(t)) throw new BranchyFormatError(`node '${n.name}' (${n.op}) references tensor '${t}', which is not declared`);
    }
  }
  const prod = producers(graph);
  const inputs = new Set(graph.inputs);
  if (inputs.size !== graph.inputs.length) throw new BranchyFormatError(`graph inputs [${graph.inputs.join(', ')}] name a tensor twice`);
  if (new Set(graph.outputs).size !== graph.outputs.length) throw new BranchyFormatError(`graph outputs [${graph.outputs.join(', ')}] name a tensor twice`);
  const read = new Set([...graph.outputs, ...graph.nodes.flatMap((n) => n.inputs)]);
  for (const name of graph.inputs) {
    const t = tensors.get(name);
    if (!t) throw new BranchyFormatError(`graph input '${name}' is not declared`);
    if (t.constant) throw new BranchyFormatError(`graph input '${name}' is marked constant`);
    if (prod.has(name)) throw new BranchyFormatError(`graph input '${name}' is also written by node '${prod.get(name)!.name}'`);
  }
  for (const name of graph.outputs) {
    if (!tensors.has(name)) throw new BranchyFormatError(`graph output '${name}' is not declared`);
    if (tensors.get(name)!.constant) throw new BranchyFormatError(`graph output '${name}' is a constant; outputs must be computed by a node`);
  }
  for (const t of graph.tensors) {
    checkShape(t);
    checkQuant(t);
    const p = prod.get(t.name);
    if (t.constant && p) throw new BranchyFormatError(`constant '${t.name}' is also written by node '${p.name}'`);
    if (!t.constant && !p && !inputs.has(t.name)) {
      // Allowed only if nothing reads it (a dangling declaration is harmless).
      if (read.has(t.name)) {
        throw new BranchyFormatError(`tensor '${t.name}' is read but nothing writes it (not an input, a constant, or a node output)`);
      }
    }
    if (t.constant && opts.weights) {
      const data = opts.weights.get(t.name);
      if (!data) throw new BranchyFormatError(`constant '${t.name}' has no data`);
      const st = storageOf(t);
      if (!(data instanceof ELEMENT_TYPE[st.dtype])) {
        throw new BranchyFormatError(`constant '${t.name}' is ${t.dtype} but its data is a ${data.constructor.name}`);
      }
      if (data.length !== numel(st.shape)) {
        throw new BranchyFormatError(`constant '${t.name}' has shape [${t.shape.join(', ')}] (${numel(st.shape)} stored elements) but ${data.length} elements of data`);
      }
      if (t.dtype === 'b1') checkPadBits(t, data as Uint8Array);
      if (data instanceof Float32Array) checkFinite(t, data);
    }
  }
  if (graph.normalize !== undefined) checkNormalize(graph);
  checkSourceDtypes(graph, tensors);
  const order = topoSort(graph);
  for (const n of order) {
    const outs = inferNode(n, n.inputs.map((i) => tensors.get(i)));
    checkDTypes(n, n.inputs.map((i) => tensors.get(i)!), n.outputs.map((o) => tensors.get(o)!));
    n.outputs.forEach((o, k) => {
      const t = tensors.get(o)!;
      if (opts.fillShapes && (!t.shape || t.shape.length === 0)) t.shape = outs[k];
      else if (t.shape.length !== outs[k].length || t.shape.some((d, i) => d !== outs[k][i])) {
        throw new BranchyFormatError(
          `node '${n.name}' (${n.op}) makes '${o}' of shape [${outs[k].join(', ')}], but the graph declares [${t.shape.join(', ')}]`,
        );
      }
    });
  }
  if (graph.inputs.length === 0 || graph.outputs.length === 0) throw new BranchyFormatError('the graph needs at least one input and one output');
  return order;
}

/** A b1 constant's bits past the last axis's size (the padding of each row's last word) must be 0. */
function checkPadBits(t: TensorInfo, data: Uint8Array): void {
  const n = t.shape.length ? t.shape[t.shape.length - 1] : 1;
  const rowBytes = Math.ceil(n / 32) * 4;
  for (let r = 0; r * rowBytes < data.length; r++) {
    for (let bit = n; bit < rowBytes * 8; bit++) {
      if ((data[r * rowBytes + (bit >> 3)] >> (bit & 7)) & 1) {
        throw new BranchyFormatError(`binary constant '${t.name}': row ${r} has bit ${bit} set past the ${n} values of its last axis; padding bits must be 0`);
      }
    }
  }
}

/** The most axes a tensor may have, and the largest size of one axis (an int32 in the kernels). */
export const MAX_RANK = 8;
const MAX_DIM = 2 ** 31 - 1;

/** Every axis of every tensor holds 1 .. 2^31-1 elements: a zero-size axis makes an empty tensor no kernel runs. */
function checkShape(t: TensorInfo): void {
  const s = t.shape as unknown;
  if (!Array.isArray(s) || s.length > MAX_RANK) {
    throw new BranchyFormatError(`tensor '${t.name}': shape must be an array of at most ${MAX_RANK} axes`);
  }
  for (const d of s) {
    if (!(typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= MAX_DIM)) {
      throw new BranchyFormatError(`tensor '${t.name}' has shape [${s.join(', ')}]: every axis needs 1 to ${MAX_DIM} elements` +
        (d === 0 ? ' (zero-size tensors are not supported)' : ''));
    }
  }
}

/** f32 weights and biases are finite: a NaN or an infinity would give NaN answers with a label. */
function checkFinite(t: TensorInfo, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new BranchyFormatError(`constant '${t.name}' holds ${data[i]} at index ${i}; weights must be finite (re-export the model, or fix its training)`);
    }
  }
}

/** The input normalisation (x / scale - mean[c]) / std[c]: finite, scale and every std non-zero. */
function checkNormalize(graph: Graph): void {
  const z = graph.normalize!;
  const bad = (msg: string): never => {
    throw new BranchyFormatError(`normalize: ${msg}`);
  };
  const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && Number.isFinite(Math.fround(v));
  if (!Array.isArray(z.mean) || !Array.isArray(z.std) || z.mean.length === 0 || z.mean.length !== z.std.length) bad('mean and std need the same, non-zero length');
  if (!z.mean.every(finite) || !z.std.every(finite)) bad('mean and std must be finite numbers');
  if (z.std.some((v) => Math.fround(v) === 0)) bad(`std [${z.std.join(', ')}] has a zero: every value would become infinite`);
  if (!finite(z.scale) || Math.fround(z.scale) === 0) bad(`scale ${z.scale} must be a finite non-zero number`);
  for (const name of graph.inputs) {
    const s = graph.tensors.find((t) => t.name === name)?.shape ?? [];
    const c = s.length === 4 ? s[3] : 1;
    if (z.mean.length !== 1 && z.mean.length !== c) bad(`${z.mean.length} mean / std values for input '${name}' with ${c} channel(s); give one per channel, or one for all`);
  }
}

/** How integer values q read as real ones: scale * (q - zeroPoint), in the values' own type. */
export interface IntQuant {
  scale: number;
  zeroPoint: number;
}

/**
 * An integer input's or output's scale and zero point in its own type: an int8 output's quant, an
 * integer input's quantize (its reader: src/convert/onnx/uint8-inputs.ts); uint8 zero points are the int8 ones + 128.
 */
export function intQuant(graph: Graph, t: TensorInfo): IntQuant | undefined {
  const reader = t.sourceDtype && graph.nodes.find((n) => n.op === 'quantize' && n.inputs[0] === t.name);
  const q = reader ? graph.tensors.find((x) => x.name === reader.outputs[0])?.quant : t.dtype === 'i8' ? t.quant : undefined;
  if (q?.kind !== 'tensor') return undefined;
  return { scale: q.scale, zeroPoint: q.zeroPoint + (t.sourceDtype === 'u8' ? 128 : 0) };
}

/**
 * Integer graph inputs and outputs (TensorInfo.sourceDtype): an output is i8 with a per-tensor
 * quant (the host adds 128 for uint8), an input f32 with the model's normalisation of one mean
 * and std (its dequantization), and no other tensor has one.
 */
function checkSourceDtypes(graph: Graph, tensors: Map<string, TensorInfo>): void {
  for (const t of tensors.values()) {
    if (t.sourceDtype === undefined) continue;
    const bad = (msg: string): never => {
      throw new BranchyFormatError(`tensor '${t.name}': sourceDtype '${String(t.sourceDtype)}' ${msg}`);
    };
    if (t.sourceDtype !== 'u8' && t.sourceDtype !== 'i8') bad("is not 'u8' or 'i8'");
    const isIn = graph.inputs.includes(t.name), isOut = graph.outputs.includes(t.name);
    if (isIn === isOut) bad('belongs on a graph input or a graph output (one of them)');
    if (isOut && (t.dtype !== 'i8' || t.quant?.kind !== 'tensor')) bad(`needs an i8 output with a per-tensor quant, not ${t.dtype}${t.quant ? ` (${t.quant.kind})` : ''}`);
    if (isIn && (t.dtype !== 'f32' || graph.normalize?.mean.length !== 1)) bad('needs an f32 input and the graph normalisation of one mean and std (its dequantization)');
  }
}

/**
 * Scales the kernels can use: per-tensor scales, and per-channel scales other than 0 (a
 * channel of zero weights), lie in [2^-40, 2^40] as f32. Every multiplier the kernels form
 * from at most three of them (s_in * s_w / s_out, s_in / (s_out * count)) is then a normal,
 * finite f32; real models use scales around 2^-20 .. 2^10.
 */
export const SCALE_RANGE: readonly [number, number] = [2 ** -40, 2 ** 40];

const scaleOk = (v: unknown): boolean => {
  if (typeof v !== 'number') return false;
  const f = Math.fround(v);
  return f >= SCALE_RANGE[0] && f <= SCALE_RANGE[1];
};

/**
 * Quantization parameters a kernel can use: per-tensor scale in SCALE_RANGE, zero point
 * an integer of the dtype's range; per-channel scales 0 or in SCALE_RANGE, one per channel
 * of the axis.
 */
function checkQuant(t: TensorInfo): void {
  const q = t.quant;
  if (!q) return;
  const bad = (msg: string): never => {
    throw new BranchyFormatError(`tensor '${t.name}': ${msg}`);
  };
  const range = `[2^-40, 2^40] (${SCALE_RANGE[0].toPrecision(2)} .. ${SCALE_RANGE[1].toPrecision(2)}) as an f32, so that the kernels' multipliers stay finite and normal; re-quantize the model`;
  if (q.kind === 'tensor') {
    if (!(q.scale > 0 && q.scale < Infinity)) bad(`quantization scale ${q.scale} must be positive and finite`);
    if (!scaleOk(q.scale)) bad(`quantization scale ${q.scale} is outside ${range}`);
    const [lo, hi] = t.dtype === 'u8' ? [0, 255] : t.dtype === 'i32' ? [-(2 ** 31), 2 ** 31 - 1] : [-128, 127];
    if (!Number.isInteger(q.zeroPoint) || q.zeroPoint < lo || q.zeroPoint > hi) bad(`zero point ${q.zeroPoint} is not an integer in ${lo}..${hi}`);
  } else if (q.kind === 'channel') {
    if (!Number.isInteger(q.axis) || q.axis < 0 || q.axis >= t.shape.length) bad(`quantization axis ${q.axis} is not an axis of [${t.shape.join(', ')}]`);
    if (!Array.isArray(q.scales) || q.scales.length !== t.shape[q.axis]) bad(`needs ${t.shape[q.axis]} per-channel scales, has ${q.scales?.length}`);
    if (!q.scales.every((v) => v >= 0 && v < Infinity)) bad('per-channel scales must be finite and non-negative');
    const off = q.scales.findIndex((v) => v !== 0 && !scaleOk(v));
    if (off >= 0) bad(`per-channel scale ${q.scales[off]} (channel ${off}) is outside ${range}`);
  } else bad(`unknown quantization kind ${typeof (q as { kind: unknown }).kind === 'string' ? (q as { kind: string }).kind.slice(0, 20) : typeof (q as { kind: unknown }).kind}`);
}

/** Bytes per element as stored. */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'f32' || dtype === 'i32' ? 4 : 1;
}

/** An empty typed array of the right kind for a dtype's storage. */
export function allocate(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'f32': return new Float32Array(n);
    case 'i32': return new Int32Array(n);
    case 'i8': return new Int8Array(n);
    default: return new Uint8Array(n);
  }
}

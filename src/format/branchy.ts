// The .branchy model file: safetensors whose __metadata__ carries `branchy.format` (the
// version) and `branchy.graph` (the IR graph as JSON). Tensors are the graph's constants
// in canonical layout and, from version 2, each per-channel quantization's scales as an
// F64 tensor `branchy.scales/<tensor>` (the JSON names it): as JSON numbers they were most
// of the header (a MobileNet's 296 KB of 306) and most of the time a cold start spent
// parsing it. Version 3 is version 2 with integer graph inputs and outputs (a tensor's
// `sourceDtype`), written only for graphs that have them, so that an older reader refuses such a
// file instead of misreading it; every other graph is still written as version 2, byte for byte.
// The reader trusts nothing: every field is checked, and every failure is a BranchyFormatError
// that says what and where. It reads versions 1, 2 and 3.
import { BranchyFormatError } from '../errors.js';
import { checkDetect } from '../ir/detect.js';
import { storageOf, validateGraph } from '../ir/graph.js';
import type { DType, Graph, TensorData, Weights } from '../ir/types.js';
import { OP_TYPES } from '../ir/ops/index.js';
import { fileBytes, readSafetensors, writeSafetensors } from './safetensors.js';
import type { SafeDType, SafeTensorIn } from './safetensors.js';

/** The version this code writes; it also reads version 1 (scales as JSON numbers). */
export const FORMAT_VERSION = '2';
/** The version it writes for a graph with integer inputs or outputs (TensorInfo.sourceDtype). */
export const FORMAT_VERSION_INT_IO = '3';
const READABLE = new Set(['1', '2', '3']);
/** Prefix of the F64 tensors that hold per-channel scales (version 2). */
export const SCALES_PREFIX = 'branchy.scales/';

const TO_SAFE: Record<Exclude<DType, 'b1'>, SafeDType> = { f32: 'F32', i32: 'I32', i8: 'I8', u8: 'U8' };

export interface BranchyFile {
  graph: Graph;
  weights: Weights;
  /** Every __metadata__ entry, branchy.* included. */
  metadata: Record<string, string>;
}

export interface WriteOptions {
  /** Extra __metadata__ strings (keys starting with `branchy.` are reserved). */
  metadata?: Record<string, string>;
}

/** Serialises a graph and its constants. Validates the graph first. */
export function writeBranchy(graph: Graph, weights: Weights, opts: WriteOptions = {}): Uint8Array {
  validateGraph(graph, { weights });
  if (graph.detect !== undefined) checkDetect(graph.detect, graph);
  const tensors: SafeTensorIn[] = [];
  const stored = graph.tensors.map((t) => {
    if (t.quant?.kind !== 'channel') return t;
    const name = SCALES_PREFIX + t.name;
    const f64 = Float64Array.from(t.quant.scales);
    tensors.push({ name, dtype: 'F64', shape: [f64.length], bytes: new Uint8Array(f64.buffer) });
    return { ...t, quant: { ...t.quant, scales: name } };
  });
  for (const t of graph.tensors) {
    if (t.name.startsWith(SCALES_PREFIX)) throw new BranchyFormatError(`tensor name '${t.name}': the prefix '${SCALES_PREFIX}' is reserved; rename the tensor`);
    if (!t.constant) continue;
    const st = storageOf(t);
    const data = weights.get(t.name)!;
    tensors.push({
      name: t.name, dtype: TO_SAFE[st.dtype], shape: st.shape,
      bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.metadata ?? {})) {
    if (k.startsWith('branchy.')) throw new BranchyFormatError(`metadata key '${k}' is reserved`);
    metadata[k] = String(v);
  }
  metadata['branchy.format'] = graph.tensors.some((t) => t.sourceDtype !== undefined) ? FORMAT_VERSION_INT_IO : FORMAT_VERSION;
  metadata['branchy.graph'] = JSON.stringify({ ...graph, tensors: stored });
  return writeSafetensors(tensors, metadata);
}

/** Reads and fully validates a .branchy file (any view of its bytes: Uint8Array, Node Buffer, DataView). */
export function readBranchy(data: ArrayBufferView): BranchyFile {
  const bytes = fileBytes(data);
  const file = readSafetensors(bytes);
  const version = file.metadata['branchy.format'];
  if (version === undefined) throw new BranchyFormatError('not a branchy model: __metadata__ has no branchy.format');
  if (!READABLE.has(version)) {
    throw new BranchyFormatError(`unknown format version '${version}' (this reader knows ${[...READABLE].map((v) => `'${v}'`).join(' and ')}; upgrade branchy)`);
  }
  const text = file.metadata['branchy.graph'];
  if (text === undefined) throw new BranchyFormatError('__metadata__ has no branchy.graph');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BranchyFormatError(`branchy.graph is not valid JSON: ${(e as Error).message}`);
  }
  const claimed = new Set<string>();
  const scales = (name: string, path: string): number[] => {
    if (version === '1') bad(path, 'expected an array (format 1 stores scales in the JSON)');
    const e = file.tensors.get(name);
    if (!e) bad(path, `names tensor '${name}', which the file does not contain`);
    if (e.dtype !== 'F64' || e.shape.length !== 1) bad(path, `tensor '${name}' is ${e.dtype} [${e.shape.join(', ')}]; scales are an F64 vector`);
    claimed.add(name);
    return Array.from(new Float64Array(copyOf(bytes, e.begin, e.end)));
  };
  const graph = parseGraph(json, scales);

  const weights: Weights = new Map();
  for (const t of graph.tensors) {
    if (!t.constant) continue;
    const e = file.tensors.get(t.name);
    if (!e) throw new BranchyFormatError(`the graph references constant '${t.name}', which the file does not contain`);
    claimed.add(t.name);
    const st = storageOf(t);
    const want = TO_SAFE[st.dtype];
    if (e.dtype !== want) throw new BranchyFormatError(`tensor '${t.name}' is ${e.dtype} in the file but ${t.dtype} (${want}) in the graph`);
    if (e.shape.length !== st.shape.length || e.shape.some((d, i) => d !== st.shape[i])) {
      throw new BranchyFormatError(`tensor '${t.name}' has shape [${e.shape.join(', ')}] in the file but [${st.shape.join(', ')}] in the graph`);
    }
    weights.set(t.name, view(bytes, e.begin, e.end, e.dtype));
  }
  for (const name of file.tensors.keys()) {
    if (!claimed.has(name)) throw new BranchyFormatError(`tensor '${name}' in the file is not a constant of the graph`);
  }
  graph.nodes = validateGraph(graph, { weights });
  if (graph.detect !== undefined) graph.detect = checkDetect(graph.detect, graph);
  return { graph, weights, metadata: { ...file.metadata } };
}

/**
 * A fresh, aligned copy of bytes [begin, end). Never `bytes.slice(…).buffer`: a Node Buffer's
 * slice() is a view into a pool shared with other Buffers, so its .buffer is the whole pool.
 */
function copyOf(bytes: Uint8Array, begin: number, end: number): ArrayBuffer {
  const out = new Uint8Array(end - begin);
  out.set(bytes.subarray(begin, end));
  return out.buffer;
}

/** A fresh, aligned copy of a tensor's bytes as its typed array (little-endian host). */
function view(bytes: Uint8Array, begin: number, end: number, dtype: SafeDType): TensorData {
  const copy = copyOf(bytes, begin, end);
  switch (dtype) {
    case 'F32': return new Float32Array(copy);
    case 'I32': return new Int32Array(copy);
    case 'I8': return new Int8Array(copy);
    case 'U8': return new Uint8Array(copy);
    case 'F64': throw new BranchyFormatError('internal: an F64 tensor is not a graph constant'); // readBranchy rejects it first
  }
}

// ---------------------------------------------------------------------------------------
// Structural check of the graph JSON: types and presence of every field. Semantics
// (references, shapes, cycles, attributes) are validateGraph's.

const DTYPES = new Set(['f32', 'i8', 'u8', 'i32', 'b1']);

function bad(path: string, msg: string): never {
  throw new BranchyFormatError(`branchy.graph ${path}: ${msg}`);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'expected an object');
  return v as Record<string, unknown>;
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) bad(path, 'expected an array');
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') bad(path, 'expected a string');
  return v;
}

function strs(v: unknown, path: string): string[] {
  return arr(v, path).map((s, i) => str(s, `${path}[${i}]`));
}

function nums(v: unknown, path: string, int = false): number[] {
  return arr(v, path).map((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x) || (int && !(Number.isSafeInteger(x) && x >= 0))) {
      bad(`${path}[${i}]`, int ? 'expected a non-negative integer' : 'expected a finite number');
    }
    return x;
  });
}

function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(path, 'expected a finite number');
  return v;
}

/**
 * Checks the JSON's structure and returns it as a Graph. `scales` resolves a per-channel
 * quantization whose `scales` is a string (format 2: the name of the tensor that holds them);
 * without it only JSON arrays are accepted.
 */
export function parseGraph(json: unknown, scales?: (name: string, path: string) => number[]): Graph {
  const g = obj(json, '');
  const tensors = arr(g.tensors, '.tensors').map((tv, i) => {
    const p = `.tensors[${i}]`;
    const t = obj(tv, p);
    const name = str(t.name, `${p}.name`);
    const at = `${p} ('${name}')`;
    const dtype = str(t.dtype, `${at}.dtype`);
    if (!DTYPES.has(dtype)) bad(`${at}.dtype`, `unknown dtype '${dtype}'`);
    const shape = nums(t.shape, `${at}.shape`, true);
    if (t.constant !== undefined && typeof t.constant !== 'boolean') bad(`${at}.constant`, 'expected a boolean');
    if (t.sourceLayout !== undefined && t.sourceLayout !== 'NCHW') bad(`${at}.sourceLayout`, "expected 'NCHW'");
    if (t.sourceDtype !== undefined && t.sourceDtype !== 'u8' && t.sourceDtype !== 'i8') bad(`${at}.sourceDtype`, "expected 'u8' or 'i8'");
    if (t.quant !== undefined) {
      const q = obj(t.quant, `${at}.quant`);
      if (q.kind === 'tensor') {
        num(q.scale, `${at}.quant.scale`);
        num(q.zeroPoint, `${at}.quant.zeroPoint`);
      } else if (q.kind === 'channel') {
        let s: number[];
        if (typeof q.scales === 'string' && scales) q.scales = s = scales(q.scales, `${at}.quant.scales`);
        else s = nums(q.scales, `${at}.quant.scales`);
        const ax = q.axis;
        if (typeof ax !== 'number' || !Number.isInteger(ax) || ax < 0 || ax >= shape.length) bad(`${at}.quant.axis`, `expected an axis of [${shape.join(', ')}]`);
        if (s.length !== shape[ax as number]) bad(`${at}.quant.scales`, `has ${s.length} scales for ${shape[ax as number]} channels`);
      } else bad(`${at}.quant.kind`, "expected 'tensor' or 'channel'");
    }
    return t;
  });
  const nodes = arr(g.nodes, '.nodes').map((nv, i) => {
    const p = `.nodes[${i}]`;
    const n = obj(nv, p);
    const name = str(n.name, `${p}.name`);
    const op = str(n.op, `${p} ('${name}').op`);
    if (!(OP_TYPES as readonly string[]).includes(op)) bad(`${p} ('${name}').op`, `unknown op '${op}'`);
    strs(n.inputs, `${p} ('${name}').inputs`);
    strs(n.outputs, `${p} ('${name}').outputs`);
    obj(n.attrs, `${p} ('${name}').attrs`);
    return n;
  });
  strs(g.inputs, '.inputs');
  strs(g.outputs, '.outputs');
  if (g.normalize !== undefined) {
    const z = obj(g.normalize, '.normalize');
    nums(z.mean, '.normalize.mean');
    nums(z.std, '.normalize.std');
    num(z.scale, '.normalize.scale');
  }
  if (g.exits !== undefined) parseExits(g.exits);
  if (g.requantScale !== undefined && g.requantScale !== 'f64' && g.requantScale !== 'f32') bad('.requantScale', "expected 'f64' or 'f32' (how int8 multipliers are computed; absent: 'f64')");
  void tensors;
  void nodes;
  return g as unknown as Graph;
}

/** The shape of graph.exits (whether it matches the graph is checked at load, by checkExitPlan). */
function parseExits(v: unknown): void {
  const e = obj(v, '.exits');
  arr(e.stages, '.exits.stages').forEach((s, i) => strs(s, `.exits.stages[${i}]`));
  arr(e.exits, '.exits.exits').forEach((xv, i) => {
    const p = `.exits.exits[${i}]`;
    const x = obj(xv, p);
    str(x.output, `${p}.output`);
    strs(x.head, `${p}.head`);
    const costs = (c: unknown, at: string) => {
      const o = obj(c, at);
      for (const k of ['stage', 'head', 'predictor']) num(o[k], `${at}.${k}`);
    };
    costs(x.macs, `${p}.macs`);
    if (x.timeMs !== undefined) costs(x.timeMs, `${p}.timeMs`);
    if (x.predictor !== undefined) {
      const pr = obj(x.predictor, `${p}.predictor`);
      str(pr.output, `${p}.predictor.output`);
      strs(pr.nodes, `${p}.predictor.nodes`);
    }
    if (x.thresholds !== undefined) {
      const t = obj(x.thresholds, `${p}.thresholds`);
      for (const k of ['entropy', 'maxprob', 'predictor']) if (t[k] !== undefined) num(t[k], `${p}.thresholds.${k}`);
    }
  });
}

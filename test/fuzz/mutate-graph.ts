// Semantic mutations of a .branchy file: each names one field of the graph JSON (a node
// attribute, a tensor shape, a quantization scale or zero point, the normalisation, the exit
// plan) or of the weight bytes, and puts an extreme value there (values.ts): 2^31, 2^32,
// 1e-310, NaN, a string, JSON nested 10^5 deep, a 10^6-entry array, a duplicated name, a
// swapped dtype. Where a value alone would only break the shape checks, the mutation keeps the
// file consistent (windowWrap pads a 2^32 dilation so that the output shape stays valid; zeroDim
// and chain re-infer every downstream shape), so that the value reaches the kernels.
import { validateGraph } from '../../src/ir/graph.js';
import type { Graph } from '../../src/ir/types.js';
import type { Rng } from '../helpers/rng.js';
import {
  EXTREME_FLOATS, EXTREME_INTS, NESTED_MARK, NON_FINITE, WRONG_TYPES, extremeNumber, hugeArray, nestedJson, paths, setPath,
} from './values.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A .branchy file taken apart: the safetensors header, its graph JSON and the data bytes. */
export interface BranchyParts {
  header: Json;
  graph: Json;
  data: Uint8Array;
  /** Replaces the whole header / graph text (deep nesting at the top). */
  headerText?: string;
  graphText?: string;
  /** Set once `data` is a copy (it starts as a view into the seed, which must stay intact). */
  ownData?: boolean;
}

type Semantic = (f: BranchyParts, rng: Rng) => boolean;

const nodes = (g: Json): Json[] => g.nodes as Json[];
const tensors = (g: Json): Json[] => g.tensors as Json[];
const tensorOf = (g: Json, name: string): Json | undefined => tensors(g).find((t) => t.name === name);
const computed = (g: Json): Set<string> => new Set(nodes(g).flatMap((n) => n.outputs as string[]));
const WINDOW_OPS = new Set(['conv2d', 'dwconv2d', 'convtranspose2d', 'maxpool', 'avgpool']);
const POOLS = new Set(['maxpool', 'avgpool']);
const DTYPES = ['f32', 'i8', 'u8', 'i32', 'b1'];

/**
 * Re-infers every computed tensor's shape from the graph inputs and constants, as a writer
 * would declare it (validateGraph with fillShapes). Per-channel scales stored as F64 tensors
 * (format 2: `scales` is a name) stand in as arrays of the right length meanwhile. Where the
 * graph stops being valid the remaining shapes stay empty, and the reader must refuse the file.
 */
export function reinfer(g: Json): void {
  const out = computed(g);
  for (const t of tensors(g)) if (out.has(t.name)) t.shape = [];
  const named: [Json, unknown][] = [];
  for (const t of tensors(g)) {
    if (t.quant?.kind === 'channel' && !Array.isArray(t.quant.scales)) {
      named.push([t.quant, t.quant.scales]);
      t.quant.scales = new Array(Number(t.shape?.[t.quant.axis]) || 0).fill(1);
    }
  }
  try {
    validateGraph(g as Graph, { fillShapes: true });
  } catch {
    // Left with empty shapes from the first bad node on.
  }
  for (const [q, s] of named) q.scales = s;
}

/** The data bytes of safetensors entry `name` (a view into parts.data, copied on first write). */
function entryBytes(f: BranchyParts, name: string): { bytes: Uint8Array; dtype: string } | null {
  const e = f.header[name] as Json | undefined;
  if (!e || !Array.isArray(e.data_offsets)) return null;
  const [b, end] = e.data_offsets as number[];
  if (!f.ownData) {
    f.data = f.data.slice();
    f.ownData = true;
  }
  return { bytes: f.data.subarray(b, end), dtype: e.dtype as string };
}

/** Writes extreme values of its own dtype into 1..4 elements (or all) of a stored tensor. */
function extremeElements(bytes: Uint8Array, dtype: string, rng: Rng): boolean {
  const size = ({ F32: 4, I32: 4, F64: 8, I8: 1, U8: 1 } as Record<string, number>)[dtype];
  if (!size || bytes.length < size) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length / size;
  const all = rng.next() < 0.2;
  const put = (i: number, v: number) => {
    if (dtype === 'F32') dv.setFloat32(i * 4, v, true);
    else if (dtype === 'F64') dv.setFloat64(i * 8, v, true);
    else if (dtype === 'I32') dv.setInt32(i * 4, v, true);
    else dv.setUint8(i, v);
  };
  const value = (): number => {
    if (dtype === 'F32' || dtype === 'F64') return rng.pick([...NON_FINITE, ...EXTREME_FLOATS]);
    if (dtype === 'I32') return rng.pick([2 ** 31 - 1, -(2 ** 31), 2 ** 30, -1, 0]);
    return rng.pick([0, 0x7f, 0x80, 0xff]);
  };
  const v = value();
  if (all) for (let i = 0; i < n; i++) put(i, v);
  else for (let k = rng.int(1, 4); k > 0; k--) put(rng.int(0, n - 1), value());
  return true;
}

/** Inserts `count` copies of a cheap element-wise node after tensor t (its writer now writes t's copy). */
function chainAfter(g: Json, rng: Rng, count: number): boolean {
  const cands = nodes(g).filter((n) => {
    const t = tensorOf(g, n.outputs[0]);
    return t && (t.dtype === 'f32' || t.dtype === 'i8') && t.shape.length > 0;
  });
  if (!cands.length) return false;
  const n = rng.pick(cands);
  const t = tensorOf(g, n.outputs[0])!;
  const f32 = t.dtype === 'f32';
  const act = rng.pick([{ kind: 'sigmoid' }, { kind: 'relu' }, { kind: 'hardswish' }, { kind: 'leakyrelu', alpha: 0.5 }]);
  let prev = `${t.name}~0`;
  n.outputs[0] = prev;
  tensors(g).push({ ...structuredClone(t), name: prev });
  const added: Json[] = [];
  for (let i = 1; i <= count; i++) {
    const out = i === count ? t.name : `${t.name}~${i}`;
    if (i < count) tensors(g).push({ ...structuredClone(t), name: out });
    added.push(f32
      ? { name: `chain~${i}`, op: 'activation', inputs: [prev], outputs: [out], attrs: {}, act }
      : { name: `chain~${i}`, op: 'maxpool', inputs: [prev], outputs: [out], attrs: { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], ceilMode: false } });
    prev = out;
  }
  nodes(g).splice(nodes(g).indexOf(n) + 1, 0, ...added);
  return true;
}

/** Makes the first graph input k times bigger in H and W and re-infers every shape. */
function growInput(g: Json, k: number): void {
  const t = tensorOf(g, g.inputs?.[0]);
  if (!t || t.shape.length !== 4) return;
  t.shape = [t.shape[0], t.shape[1] * k, t.shape[2] * k, t.shape[3]];
  reinfer(g);
}

export const SEMANTIC_BRANCHY: Record<string, Semantic> = {
  /** Any leaf of a node's attributes or fused activation: an int32/f32 edge or a wrong type. */
  attrExtreme({ graph: g }, rng) {
    const n = rng.pick(nodes(g));
    if (!n) return false;
    const holder = { attrs: n.attrs, act: n.act };
    const leaves = paths(holder).filter((p) => p.length > 1);
    if (!leaves.length) {
      n.attrs[rng.pick(['kernel', 'shape', 'axis', 'ceilMode'])] = extremeNumber(rng);
      return true;
    }
    const p = rng.pick(leaves);
    const v = extremeNumber(rng);
    let parent: Json = holder;
    for (const k of p.slice(0, -1)) parent = parent[k];
    if (Array.isArray(parent) && rng.next() < 0.3) parent.fill(v);
    else setPath(holder, p, v);
    return true;
  },
  /**
   * A window op with a dilation, stride or (pools) kernel of 2^31 and beyond, padded so the
   * output shape stays valid: kernel [2,1], dilations [2^32,1], pads [2^32,0,0,0] on [1,4,4,1]
   * gives a [1,4,4,1] output, and an int32 kernel sees dilation 0.
   */
  windowWrap({ graph: g }, rng) {
    const n = rng.pick(nodes(g).filter((x) => WINDOW_OPS.has(x.op) && x.attrs?.kernel));
    if (!n) return false;
    const a = n.attrs, ax = rng.int(0, 1);
    const big = rng.pick([2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 33, 2 ** 53]);
    const pool = POOLS.has(n.op);
    const variant = rng.pick(pool ? ['dilation', 'stride', 'kernel', 'pads'] : ['dilation', 'stride', 'pads']);
    if (variant === 'dilation') {
      if (pool && a.kernel[ax] < 2) a.kernel[ax] = 2;
      if (a.kernel[ax] < 2) return false;
      a.dilations[ax] = big;
      const span = (a.kernel[ax] - 1) * big;
      const before = rng.next() < 0.5;
      a.pads[ax] = before ? span : 0;
      a.pads[ax + 2] = before ? 0 : span;
    } else if (variant === 'stride') {
      a.strides[ax] = big;
    } else if (variant === 'kernel') {
      const k = rng.pick([2 ** 22, 2 ** 24, 2 ** 31 - 1, 2 ** 31, 2 ** 32]);
      a.kernel[ax] = k;
      a.dilations[ax] = 1;
      a.pads[ax] = Math.floor((k - 1) / 2);
      a.pads[ax + 2] = k - 1 - a.pads[ax];
    } else {
      a.pads[ax] = big;
      a.pads[ax + 2] = rng.pick([0, big]);
    }
    reinfer(g);
    return true;
  },
  /** A dimension of any tensor: an int edge (0 included), a float or a wrong type. */
  shapeExtreme({ graph: g }, rng) {
    const t = rng.pick(tensors(g));
    if (!t?.shape?.length) return false;
    t.shape[rng.int(0, t.shape.length - 1)] = extremeNumber(rng, 0.85);
    return true;
  },
  /** A zero-size input dimension with every downstream shape re-inferred; sometimes with a normalisation. */
  zeroDim({ graph: g }, rng) {
    const t = tensorOf(g, g.inputs?.[0]);
    if (!t?.shape?.length) return false;
    t.shape[rng.int(0, t.shape.length - 1)] = 0;
    if (!g.normalize && rng.next() < 0.5) g.normalize = { mean: [0.5], std: [0.25], scale: 255 };
    reinfer(g);
    return true;
  },
  /** A scale, zero point or axis of a tensor's quantization, or the F64 per-channel scales' bytes. */
  quantExtreme(f, rng) {
    const g = f.graph;
    const withQ = tensors(g).filter((t) => t.quant);
    const t = withQ.length ? rng.pick(withQ) : rng.pick(tensors(g));
    if (!t) return false;
    const q = (t.quant ??= { kind: 'tensor', scale: 0.1, zeroPoint: 0 });
    if (q.kind === 'channel') {
      if (typeof q.scales === 'string' && rng.next() < 0.8) {
        const e = entryBytes(f, q.scales);
        return !!e && extremeElements(e.bytes, 'F64', rng);
      }
      if (Array.isArray(q.scales) && q.scales.length) q.scales[rng.int(0, q.scales.length - 1)] = rng.pick([...EXTREME_FLOATS, ...NON_FINITE]);
      else q.axis = extremeNumber(rng);
      return true;
    }
    const r = rng.next();
    if (r < 0.6) q.scale = rng.pick([...EXTREME_FLOATS, Infinity, 1e-310, 1e-310, 1e308]);
    else if (r < 0.9) q.zeroPoint = rng.pick([...EXTREME_INTS, -128, 127, 128, -129, 255, 0.5, -0]);
    else q[rng.pick(['scale', 'zeroPoint'])] = rng.pick(WRONG_TYPES);
    return true;
  },
  /** The input normalisation (added when the model has none): std 0, 1e-310, ±Infinity, wrong lengths. */
  normalizeExtreme({ graph: g }, rng) {
    const z = (g.normalize ??= { mean: [0.5], std: [0.25], scale: 255 });
    const k = rng.pick(['mean', 'std', 'scale', 'length']);
    const v = () => rng.pick([0, -0, 1e-310, 1e-45, 1e308, -1e308, -1, 3.5e38, Infinity, -Infinity, ...WRONG_TYPES.slice(0, 3)]);
    if (k === 'scale') z.scale = v();
    else if (k === 'length') z[rng.pick(['mean', 'std'])] = rng.pick([[], [0.5, 0.5], [0.5, 0.5, 0.5, 0.5, 0.5]]);
    else if (Array.isArray(z[k]) && z[k].length) z[k][rng.int(0, z[k].length - 1)] = v();
    else z[k] = v();
    return true;
  },
  /** Any leaf of the stored exit plan (MACs, thresholds, times, names). */
  exitsExtreme({ graph: g }, rng) {
    if (!g.exits) return false;
    const leaves = paths(g.exits).filter((p) => p.length > 0);
    const p = rng.pick(leaves);
    setPath(g.exits, p, rng.next() < 0.7 ? extremeNumber(rng) : rng.pick([...WRONG_TYPES, 'exit0', '']));
    return true;
  },
  /** JSON nested 10^5 deep: in an attribute, an activation, a shape, a quantization, the normalisation, the exit plan, or as the whole graph / header. */
  nested(f, rng) {
    const g = f.graph;
    const where = rng.pick(['attr', 'act', 'shape', 'quant', 'normalize', 'exits', 'inputs', 'graph', 'header']);
    const n = rng.pick(nodes(g));
    const t = rng.pick(tensors(g));
    switch (where) {
      case 'attr': if (!n) return false; n.attrs[rng.pick([...Object.keys(n.attrs), 'kernel'])] = NESTED_MARK; break;
      case 'act': if (!n) return false; n.act = rng.next() < 0.5 ? NESTED_MARK : { kind: 'clip', min: NESTED_MARK, max: 6 }; break;
      case 'shape': t.shape = rng.next() < 0.5 ? NESTED_MARK : [1, NESTED_MARK]; break;
      case 'quant': t.quant = { kind: 'tensor', scale: NESTED_MARK, zeroPoint: 0 }; break;
      case 'normalize': g.normalize = { mean: NESTED_MARK, std: [1], scale: 1 }; break;
      case 'exits': g.exits = NESTED_MARK; break;
      case 'inputs': g.inputs = NESTED_MARK; break;
      case 'graph': f.graphText = nestedJson(rng); break;
      default: f.headerText = nestedJson(rng);
    }
    return true;
  },
  /** Any leaf of the graph JSON replaced by a value of the wrong type (a string for a number, a number for a name). */
  wrongType({ graph: g }, rng) {
    const leaves = paths(g).filter((p) => p.length > 0);
    const p = rng.pick(leaves);
    setPath(g, p, rng.pick([...WRONG_TYPES, 7, -1, 2 ** 31, { kind: 'relu' }]));
    return true;
  },
  /** A list made 10^5..10^6 entries long: an attribute, a shape, the graph inputs, the normalisation, a stage, a node's inputs, a stored tensor's shape. */
  hugeArray({ graph: g, header }, rng) {
    const n = rng.pick(nodes(g));
    const t = rng.pick(tensors(g));
    const entries = Object.keys(header).filter((k) => k !== '__metadata__');
    const where = rng.pick(['attr', 'shape', 'inputs', 'nodeInputs', 'normalize', 'stage', 'entryShape']);
    if (where === 'attr' && n) n.attrs[rng.pick([...Object.keys(n.attrs), 'shape'])] = hugeArray(rng, rng.pick([1, 0, 2 ** 31]));
    else if (where === 'shape') t.shape = hugeArray(rng, 1);
    else if (where === 'inputs') g.inputs = hugeArray(rng, g.inputs?.[0] ?? 'x');
    else if (where === 'nodeInputs' && n) n.inputs = hugeArray(rng, n.inputs[0] ?? 'x');
    else if (where === 'normalize') g.normalize = { mean: hugeArray(rng, 0.5), std: [0.25], scale: 255 };
    else if (where === 'stage' && g.exits) g.exits.stages[0] = hugeArray(rng, g.exits.stages[0]?.[0] ?? 'x');
    else if (where === 'entryShape' && entries.length) header[rng.pick(entries)].shape = hugeArray(rng, 1);
    else return false;
    return true;
  },
  /** Two nodes or two tensors with one name, a graph input listed twice, an output that is the input. */
  duplicateName({ graph: g }, rng) {
    const r = rng.int(0, 4);
    if (r === 0 && nodes(g).length > 1) rng.pick(nodes(g)).name = rng.pick(nodes(g)).name;
    else if (r === 1) rng.pick(tensors(g)).name = rng.pick(tensors(g)).name;
    else if (r === 2) g.inputs.push(g.inputs[0]);
    else if (r === 3) g.outputs.push(g.inputs[0]);
    else {
      const n = rng.pick(nodes(g));
      if (!n) return false;
      n.outputs[0] = rng.pick(nodes(g)).outputs[0];
    }
    return true;
  },
  /** A valid dtype swapped for another valid one (f32, i8, u8, i32, b1): a bitpack writing f32, an int8 op writing u8. */
  dtypeSwap({ graph: g }, rng) {
    const out = computed(g);
    const pack = nodes(g).filter((n) => n.op === 'bitpack');
    const t = pack.length && rng.next() < 0.3 ? tensorOf(g, rng.pick(pack).outputs[0]) : rng.pick(tensors(g).filter((x) => out.has(x.name) || g.inputs.includes(x.name)));
    if (!t) return false;
    t.dtype = rng.pick(DTYPES.filter((d) => d !== t.dtype));
    if ((t.dtype === 'i8' || t.dtype === 'u8') && !t.quant && rng.next() < 0.7) t.quant = { kind: 'tensor', scale: 0.05, zeroPoint: 0 };
    return true;
  },
  /** Stored weights, biases and scales: NaN, ±Infinity, denormals, f32's max, int32 edges. */
  weightValues(f, rng) {
    const names = Object.keys(f.header).filter((k) => k !== '__metadata__');
    if (!names.length) return false;
    const e = entryBytes(f, rng.pick(names));
    return !!e && extremeElements(e.bytes, e.dtype, rng);
  },
  /** 100..2,000 element-wise nodes in a chain, sometimes on an input 8x bigger: work that MACs do not count. */
  chain({ graph: g }, rng) {
    if (rng.next() < 0.5) growInput(g, rng.pick([2, 8]));
    return chainAfter(g, rng, rng.pick([100, 500, 2000]));
  },
  /** 5,000 nodes: no walk may recurse per node, no step may be quadratic (test/reliability/hostile.test.ts times 20,000). */
  manyNodes({ graph: g }, rng) {
    return chainAfter(g, rng, 5_000);
  },
};

/** Families that cost much more than a parse (big JSON, many nodes): drawn less often. */
export const COSTLY_BRANCHY = new Set(['nested', 'hugeArray', 'chain', 'manyNodes']);

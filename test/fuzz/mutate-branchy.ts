// Mutations that know the .branchy layout: the safetensors header (length, dtypes, shapes,
// offsets, duplicated and missing entries, metadata) and the graph JSON inside it (shapes,
// dtypes, attributes, quantization, cycles, duplicated or missing nodes and tensors, huge
// sizes, bogus JSON). Each starts from a valid seed and returns the bytes of a new file.
import { validateGraph } from '../../src/ir/graph.js';
import type { Graph } from '../../src/ir/types.js';
import type { Rng } from '../helpers/rng.js';
import { COSTLY_BRANCHY, SEMANTIC_BRANCHY, type BranchyParts } from './mutate-graph.js';
import { stringifyHostile } from './values.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface SafeParts {
  header: Json;
  data: Uint8Array;
}

/** Splits a valid safetensors file into its header object and data bytes. */
export function splitSafetensors(bytes: Uint8Array): SafeParts {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Json;
  return { header, data: bytes.subarray(8 + n) };
}

/** A safetensors file from header text and data (header padded to 8 bytes, as the writer does). */
export function joinSafetensors(headerText: string, data: Uint8Array, lengthField?: number): Uint8Array {
  let json = new TextEncoder().encode(headerText);
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + data.length);
  const dv = new DataView(out.buffer);
  const len = lengthField ?? json.length;
  dv.setUint32(0, len % 2 ** 32, true);
  dv.setUint32(4, Math.floor(len / 2 ** 32), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const clone = <T>(v: T): T => structuredClone(v);

// Values a hostile file might put where a number belongs.
const HOSTILE_NUMBERS: unknown[] = [
  0, 1, 2, 3, 7, 31, 33, 1000, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53, 2 ** 53 + 2, 1e300,
  -1, -(2 ** 31), 1.5, 0.5, '3', null, true, [], {},
];
const HOSTILE_FLOATS: unknown[] = [0, -0, -1, 1e-45, 1e-40, 1e38, 3.5e38, 1e300, -1e300, 0.5, null, '1', 2 ** 31];
const DTYPES_GRAPH: unknown[] = ['f32', 'i8', 'u8', 'i32', 'b1', 'f16', 'F32', '', 3, null];
const DTYPES_SAFE: unknown[] = ['F32', 'I32', 'I8', 'U8', 'F16', 'BF16', 'BOOL', 'I64', 'f32', 'X', 7, null];
const OPS = ['conv2d', 'dwconv2d', 'convtranspose2d', 'gemm', 'maxpool', 'avgpool', 'globalavgpool', 'add', 'mul', 'concat', 'reshape',
  'flatten', 'softmax', 'activation', 'quantize', 'dequantize', 'requantize', 'transpose', 'slice', 'pad', 'reduce', 'resize', 'lstm', ''];
const ACTS: unknown[] = [
  { kind: 'relu' }, { kind: 'clip', min: 0, max: 6 }, { kind: 'clip', min: 6, max: 0 }, { kind: 'clip' },
  { kind: 'leakyrelu', alpha: 0.1 }, { kind: 'hardsigmoid', alpha: 0.2, beta: 0.5 }, { kind: 'sigmoid' },
  { kind: 'bogus' }, { kind: 'clip', min: -1e300, max: 1e300 }, null, 'relu', { kind: 'relu', min: '0' },
];

function pickNumber(rng: Rng): unknown {
  return rng.pick(HOSTILE_NUMBERS);
}

/** Mutations of the graph JSON (an object from branchy.graph). Return false when not applicable. */
const GRAPH_MUTATIONS: Record<string, (g: Json, rng: Rng) => boolean> = {
  tensorShape(g, rng) {
    const t = rng.pick(g.tensors as Json[]);
    const s = t.shape as unknown[];
    const r = rng.next();
    if (r < 0.6 && s.length) s[rng.int(0, s.length - 1)] = pickNumber(rng);
    else if (r < 0.8) s.push(rng.pick([1, 2, 1000]));
    else s.pop();
    return true;
  },
  hugeShape(g, rng) {
    // Every dimension of a computed tensor (and all its consumers by shape inference) made huge.
    const t = rng.pick((g.tensors as Json[]).filter((x) => !x.constant) as Json[]);
    if (!t) return false;
    t.shape = (t.shape as number[]).map((d, i) => (i === 0 ? d : rng.pick([4096, 65536, 2 ** 20, 2 ** 31])));
    return true;
  },
  inputShapeScaled(g, rng) {
    // A bigger input with every downstream shape re-inferred, as a writer would declare it: a
    // consistent model whose arena may pass the memory cap (consistent for global-pool CNNs).
    const t = (g.tensors as Json[]).find((x) => x.name === g.inputs[0]);
    if (!t || t.shape.length !== 4) return false;
    const k = rng.pick([8, 64, 512, 4096]);
    t.shape = [t.shape[0], t.shape[1] * k, t.shape[2] * k, t.shape[3]];
    const computed = new Set((g.nodes as Json[]).flatMap((n) => n.outputs as string[]));
    for (const x of g.tensors as Json[]) if (computed.has(x.name)) x.shape = [];
    try {
      validateGraph(g as Graph, { fillShapes: true });
    } catch {
      // Left with empty shapes: the reader must refuse it.
    }
    return true;
  },
  tensorDtype(g, rng) {
    rng.pick(g.tensors as Json[]).dtype = rng.pick(DTYPES_GRAPH);
    return true;
  },
  quant(g, rng) {
    const withQ = (g.tensors as Json[]).filter((t) => t.quant);
    const t = withQ.length ? rng.pick(withQ) : rng.pick(g.tensors as Json[]);
    const q = (t.quant ??= { kind: 'tensor', scale: 0.1, zeroPoint: 0 });
    const r = rng.int(0, 5);
    if (r === 0) q.scale = rng.pick(HOSTILE_FLOATS);
    else if (r === 1) q.zeroPoint = rng.pick([-129, 128, 300, 0.5, -1e9, null]);
    else if (r === 2 && Array.isArray(q.scales)) q.scales[rng.int(0, q.scales.length - 1)] = rng.pick(HOSTILE_FLOATS);
    // Format 2 names the F64 tensor of the scales: another tensor, a missing one, or not a name.
    else if (r === 2 && typeof q.scales === 'string') q.scales = rng.pick([rng.pick(g.tensors as Json[]).name, `${q.scales}x`, '', [0.1], 5, null]);
    else if (r === 3) q.kind = rng.pick(['tensor', 'channel', 'x']);
    else if (r === 4) q.axis = pickNumber(rng);
    else delete t.quant;
    return true;
  },
  constantFlag(g, rng) {
    const t = rng.pick(g.tensors as Json[]);
    t.constant = rng.pick([!t.constant, 'yes', undefined]);
    return true;
  },
  attrs(g, rng) {
    const n = rng.pick(g.nodes as Json[]);
    const a = n.attrs as Json;
    const keys = Object.keys(a);
    if (!keys.length) {
      a[rng.pick(['kernel', 'shape', 'order', 'multiplier'])] = pickNumber(rng);
      return true;
    }
    const k = rng.pick(keys);
    if (Array.isArray(a[k])) {
      const v = a[k] as unknown[];
      if (rng.next() < 0.8 && v.length) v[rng.int(0, v.length - 1)] = pickNumber(rng);
      else if (rng.next() < 0.5) v.push(1);
      else v.pop();
    } else a[k] = rng.next() < 0.5 ? pickNumber(rng) : rng.pick(['nchw', 'nhwc', false, true, 2]);
    return true;
  },
  windowToFit(g, rng) {
    // Kernel, stride, dilation or pads changed together with the weights' shape: a plausible layer.
    const n = rng.pick((g.nodes as Json[]).filter((x) => x.attrs?.kernel));
    if (!n) return false;
    const a = n.attrs as Json;
    const k = rng.pick(['kernel', 'strides', 'dilations', 'pads']);
    const v = a[k] as number[];
    v[rng.int(0, v.length - 1)] = rng.pick([0, 1, 2, 3, 5, 9, 100]);
    if (k === 'kernel' && n.inputs[1]) {
      const w = (g.tensors as Json[]).find((t) => t.name === n.inputs[1]);
      if (w) w.shape = n.op === 'dwconv2d' ? [a.kernel[0], a.kernel[1], w.shape.at(-1)] : [w.shape[0], a.kernel[0], a.kernel[1], w.shape.at(-1)];
    }
    return true;
  },
  op(g, rng) {
    rng.pick(g.nodes as Json[]).op = rng.pick(OPS);
    return true;
  },
  act(g, rng) {
    rng.pick(g.nodes as Json[]).act = clone(rng.pick(ACTS));
    return true;
  },
  cycle(g, rng) {
    const nodes = g.nodes as Json[];
    if (nodes.length < 1) return false;
    const i = rng.int(0, nodes.length - 1), j = rng.int(i, nodes.length - 1);
    const n = nodes[i];
    n.inputs[rng.int(0, n.inputs.length - 1)] = nodes[j].outputs[0];
    return true;
  },
  rewire(g, rng) {
    const n = rng.pick(g.nodes as Json[]);
    const t = rng.pick(g.tensors as Json[]);
    const r = rng.next();
    if (r < 0.5 && n.inputs.length) n.inputs[rng.int(0, n.inputs.length - 1)] = t.name;
    else if (r < 0.7) n.inputs.push(t.name);
    else if (r < 0.85) n.inputs.pop();
    else n.outputs[0] = t.name;
    return true;
  },
  duplicateNode(g, rng) {
    const nodes = g.nodes as Json[];
    const n = clone(rng.pick(nodes));
    if (rng.next() < 0.5) n.name = `${n.name}_dup`;
    nodes.splice(rng.int(0, nodes.length), 0, n);
    return true;
  },
  removeNode(g, rng) {
    const nodes = g.nodes as Json[];
    nodes.splice(rng.int(0, nodes.length - 1), 1);
    return true;
  },
  swapNodes(g, rng) {
    const nodes = g.nodes as Json[];
    const i = rng.int(0, nodes.length - 1), j = rng.int(0, nodes.length - 1);
    [nodes[i], nodes[j]] = [nodes[j], nodes[i]];
    return true;
  },
  duplicateTensor(g, rng) {
    const ts = g.tensors as Json[];
    const t = clone(rng.pick(ts));
    if (rng.next() < 0.3) t.constant = !t.constant;
    ts.splice(rng.int(0, ts.length), 0, t);
    return true;
  },
  removeTensor(g, rng) {
    const ts = g.tensors as Json[];
    ts.splice(rng.int(0, ts.length - 1), 1);
    return true;
  },
  renameTensor(g, rng) {
    const t = rng.pick(g.tensors as Json[]);
    t.name = rng.pick(['', '__metadata__', 'x'.repeat(300), `${t.name}_`, rng.pick(g.tensors as Json[]).name, 'constructor', '__proto__']);
    return true;
  },
  graphIo(g, rng) {
    const key = rng.pick(['inputs', 'outputs']);
    const r = rng.next();
    const names = (g.tensors as Json[]).map((t) => t.name);
    if (r < 0.3) g[key] = [];
    else if (r < 0.6) g[key].push(rng.pick(names));
    else if (r < 0.8) g[key][0] = rng.pick([...names, 'missing']);
    else g[key] = rng.pick([null, 'input', [1]]);
    return true;
  },
  normalize(g, rng) {
    const z = (g.normalize ??= { mean: [0], std: [1], scale: 1 });
    const k = rng.pick(['mean', 'std', 'scale']);
    z[k] = k === 'scale' ? rng.pick(HOSTILE_FLOATS) : rng.pick([[], [0], [0, 0, 0, 0, 0], [null], [1e-45], 0]);
    return true;
  },
  exits(g, rng) {
    // A graph without a plan gets one of a single stage and exit (most seeds have none; 6 of 49 do).
    g.exits ??= { stages: [g.nodes.map((n: Json) => n.name)], exits: [{ output: g.outputs[0], head: [], macs: { stage: 1, head: 0, predictor: 0 }, timeMs: { stage: 0, head: 0, predictor: 0 } }] };
    const e = g.exits as Json;
    const r = rng.int(0, 4);
    if (r === 0) e.stages.reverse();
    else if (r === 1 && e.exits.length) e.exits[0].head = [];
    else if (r === 2 && e.exits.length) e.exits[0].output = rng.pick(['exit1', 'missing', 'input']);
    else if (r === 3 && e.exits.length) e.exits[0].macs.stage = rng.pick(HOSTILE_FLOATS);
    else e.stages.push(['nope']);
    return true;
  },
};

/** Mutations of the safetensors header object (tensor entries and metadata). */
const HEADER_MUTATIONS: Record<string, (h: Json, rng: Rng) => boolean> = {
  offsets(h, rng) {
    const e = entry(h, rng);
    if (!e) return false;
    const o = e.data_offsets as unknown[];
    const r = rng.int(0, 4);
    if (r === 0) o[1] = (o[1] as number) + rng.pick([1, 4, 1 << 20, 2 ** 40]);
    else if (r === 1) o[0] = (o[0] as number) - rng.pick([1, 4, 16]);
    else if (r === 2) o.reverse();
    else if (r === 3) o[rng.int(0, 1)] = rng.pick([-1, 1.5, '0', null, 2 ** 53 + 2]);
    else o.push(0);
    return true;
  },
  safeDtype(h, rng) {
    const e = entry(h, rng);
    if (!e) return false;
    e.dtype = rng.pick(DTYPES_SAFE);
    return true;
  },
  safeShape(h, rng) {
    const e = entry(h, rng);
    if (!e) return false;
    const s = e.shape as unknown[];
    if (s.length && rng.next() < 0.7) s[rng.int(0, s.length - 1)] = pickNumber(rng);
    else e.shape = rng.pick([[], [2 ** 31, 2 ** 31], null, 'x', [0]]);
    return true;
  },
  duplicateEntry(h, rng) {
    const name = rng.pick(names(h));
    if (!name) return false;
    h[`${name}_copy`] = clone(h[name]);
    return true;
  },
  removeEntry(h, rng) {
    const name = rng.pick(names(h));
    if (!name) return false;
    delete h[name];
    return true;
  },
  renameEntry(h, rng) {
    const name = rng.pick(names(h));
    if (!name) return false;
    h[`${name}x`] = h[name];
    delete h[name];
    return true;
  },
  metadata(h, rng) {
    const m = h.__metadata__ as Json;
    const r = rng.int(0, 5);
    if (r === 0) delete m['branchy.format'];
    else if (r === 1) m['branchy.format'] = rng.pick(['4', '0', '', 1, 2]);
    else if (r === 2) delete m['branchy.graph'];
    else if (r === 3) m['branchy.graph'] = rng.pick(['{', '[]', 'null', '{"tensors":1}', '"x"', '[['.repeat(100000)]);
    else if (r === 4) h.__metadata__ = rng.pick([null, [], 'x', { 'branchy.format': 1 }]);
    else m.extra = rng.pick([1, null, {}]);
    return true;
  },
};

function names(h: Json): string[] {
  return Object.keys(h).filter((k) => k !== '__metadata__');
}

function entry(h: Json, rng: Rng): Json | undefined {
  const n = names(h);
  return n.length ? (h[rng.pick(n)] as Json) : undefined;
}

export const BRANCHY_MUTATION_NAMES = [
  ...Object.keys(GRAPH_MUTATIONS).map((k) => `graph.${k}`),
  ...Object.keys(HEADER_MUTATIONS).map((k) => `header.${k}`),
  'header.lengthField', 'header.jsonText', 'graph.jsonText', 'data.bitflip',
];

/** The semantic families (mutate-graph.ts), named `value.<family>`. */
export const BRANCHY_SEMANTIC_NAMES = Object.keys(SEMANTIC_BRANCHY).map((k) => `value.${k}`);

/** Families that cost far more than a parse (drawn less often). */
export const COSTLY_BRANCHY_NAMES = new Set([...COSTLY_BRANCHY].map((k) => `value.${k}`));

/** Applies the named structural mutation to a valid .branchy seed. Null when it does not apply. */
export function mutateBranchy(seed: Uint8Array, name: string, rng: Rng): Uint8Array | null {
  const { header, data } = splitSafetensors(seed);
  const h = clone(header);
  const graph = JSON.parse(h.__metadata__['branchy.graph'] as string) as Json;
  const [part, kind] = name.split('.');
  if (part === 'value' && kind in SEMANTIC_BRANCHY) {
    const f: BranchyParts = { header: h, graph, data };
    if (!SEMANTIC_BRANCHY[kind](f, rng)) return null;
    h.__metadata__['branchy.graph'] = f.graphText ?? stringifyHostile(graph, rng);
    return joinSafetensors(f.headerText ?? stringifyHostile(h, rng), f.data);
  }
  if (part === 'graph' && kind in GRAPH_MUTATIONS) {
    if (!GRAPH_MUTATIONS[kind](graph, rng)) return null;
    h.__metadata__['branchy.graph'] = JSON.stringify(graph);
    return joinSafetensors(JSON.stringify(h), data);
  }
  if (part === 'header' && kind in HEADER_MUTATIONS) {
    if (!HEADER_MUTATIONS[kind](h, rng)) return null;
    return joinSafetensors(JSON.stringify(h), data);
  }
  switch (name) {
    case 'header.lengthField': {
      const text = JSON.stringify(h);
      const real = Math.ceil(new TextEncoder().encode(text).length / 8) * 8;
      return joinSafetensors(text, data, rng.pick([0, 1, real - 1, real + 1, real + 8, 2 ** 32 + real, 2 ** 53, 2 ** 64 - 1]));
    }
    case 'header.jsonText':
      return joinSafetensors(textMutation(JSON.stringify(h), rng), data);
    case 'graph.jsonText':
      h.__metadata__['branchy.graph'] = textMutation(JSON.stringify(graph), rng);
      return joinSafetensors(JSON.stringify(h), data);
    case 'data.bitflip': {
      if (!data.length) return null;
      const d = data.slice();
      for (let i = rng.int(1, 16); i > 0; i--) d[rng.int(0, d.length - 1)] ^= 1 << rng.int(0, 7);
      return joinSafetensors(JSON.stringify(h), d);
    }
  }
  throw new Error(`unknown mutation ${name}`);
}

/** Bogus JSON: a deleted, duplicated or replaced character, or a number blown up. */
function textMutation(text: string, rng: Rng): string {
  const at = rng.int(0, Math.max(0, text.length - 1));
  const r = rng.int(0, 4);
  if (r === 0) return text.slice(0, at) + text.slice(at + 1);
  if (r === 1) return text.slice(0, at) + rng.pick(['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', 'é', '\ud800']) + text.slice(at);
  if (r === 2) return text.slice(0, at);
  if (r === 3) return text.replace(/\d+/g, (m) => (rng.next() < 0.05 ? rng.pick(['1e400', '-0', '99999999999999999999', '1.5', 'NaN']) : m));
  // Duplicate a key: JSON.parse keeps the last, as the attack on a reader that takes the first.
  return text.replace(/"(name|dtype|shape)":/, (m) => `${m}${rng.pick(['"x"', '[1]', '7'])},${m}`);
}

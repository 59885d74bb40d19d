// Low-rank split of conv2d and gemm layers by truncated SVD (docs/compression.md, "Low rank").
// IR -> IR on a float graph; each split layer becomes two ordinary layers:
//   gemm W[N][K]              -> gemm K->r (no bias), gemm r->N (bias, activation)
//   conv KHxKW C->O 'channel' -> conv KHxKW C->r (no bias), conv 1x1 r->O (bias, activation)
//   conv KHxKW C->O 'spatial' -> conv KHx1 C->r (vertical stride/pads/dilation), conv 1xKW r->O
// 'channel' factors the matrix W[O][KH·KW·C]; 'spatial' the matrix M[(h,c)][(o,w)] = W[o][h][w][c]
// (Jaderberg et al.'s vertical-then-horizontal filters). Both are exact at full rank: the
// first conv has no bias, so a padded position of its output is 0, as the zero padding it
// replaces. The rank comes from kept energy (sum of s², smallest r keeping `energy`) or from a
// MAC target (largest r whose two layers cost at most `macs` x the original); per layer the
// scheme with fewer MACs (energy) or more kept energy (macs target) wins, and a layer whose
// split would not save at least `minSaving` of its MACs stays as it is.
import { BranchyUnsupportedError } from '../errors.js';
import { validateGraph } from '../ir/graph.js';
import { inferNode } from '../ir/shapes.js';
import type { Graph, Node, NodeOf, TensorInfo, Weights } from '../ir/types.js';
import { compareRuns, type Observe, type TensorError } from './calib-error.js';
import { energyKept, gramSvd, lowRankFactors, rankForEnergy, type GramSvd } from './svd.js';

export type LowRankRule = { kind: 'energy'; keep: number } | { kind: 'macs'; ratio: number };

export interface LowRankOptions {
  rule: LowRankRule;
  /** Split only these nodes (default: every conv2d / gemm with constant f32 weights). */
  layers?: string[];
  skip?: string[];
  /** Only this conv scheme (default: per layer, the better of the two). */
  scheme?: 'channel' | 'spatial';
  /** A split must save at least this fraction of the layer's MACs (default 0.1). */
  minSaving?: number;
  observe?: Observe;
}

export interface LowRankLayerReport {
  node: string;
  op: string;
  scheme: 'dense' | 'channel' | 'spatial' | 'kept';
  rank: number;
  fullRank: number;
  energy: number;
  macs: number;
  macsAfter: number;
  params: number;
  paramsAfter: number;
  /** Why a layer was kept as it is. */
  why?: string;
  error?: TensorError;
}

export interface LowRankResult {
  graph: Graph;
  weights: Weights;
  layers: LowRankLayerReport[];
  bytesBefore: number;
  bytesAfter: number;
  outputError?: Map<string, TensorError>;
  ms: number;
}

/** A factorization candidate: the matrix, how its MACs grow with r, and how to build the layers. */
interface Candidate {
  scheme: 'dense' | 'channel' | 'spatial';
  rows: number;
  cols: number;
  matrix: Float32Array;
  macsPerRank: number;
  svd?: GramSvd;
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function candidates(node: Node, x: TensorInfo, y: TensorInfo, w: TensorInfo, wf: Float32Array): Candidate[] {
  if (node.op === 'gemm') {
    const [N, K] = w.shape;
    const m = numel(x.shape.slice(1, -1));
    return [{ scheme: 'dense', rows: N, cols: K, matrix: wf, macsPerRank: m * (K + N) }];
  }
  const [O, KH, KW, C] = w.shape;
  const [OH, OW] = [y.shape[1], y.shape[2]];
  const out: Candidate[] = [{ scheme: 'channel', rows: O, cols: KH * KW * C, matrix: wf, macsPerRank: OH * OW * (KH * KW * C + O) }];
  if (KH > 1 && KW > 1 && node.op === 'conv2d') {
    const m = new Float32Array(KH * C * O * KW);
    for (let o = 0; o < O; o++) for (let h = 0; h < KH; h++) for (let ww = 0; ww < KW; ww++) for (let c = 0; c < C; c++) {
      m[(h * C + c) * (O * KW) + o * KW + ww] = wf[((o * KH + h) * KW + ww) * C + c];
    }
    // The vertical conv runs at every input column (its output is OH x W_in).
    out.push({ scheme: 'spatial', rows: KH * C, cols: O * KW, matrix: m, macsPerRank: OH * x.shape[2] * KH * C + OH * OW * KW * O });
  }
  return out;
}

/** Splits layers of a float graph (see the file comment). The inputs are not modified. */
export async function lowRankGraph(graph: Graph, weights: Weights, opts: LowRankOptions): Promise<LowRankResult> {
  const t0 = performance.now();
  const rule = opts.rule;
  if (rule.kind === 'energy' && !(rule.keep > 0 && rule.keep <= 1)) throw new BranchyUnsupportedError(`lowrank: energy must be in (0, 1], got ${rule.keep}`);
  if (rule.kind === 'macs' && !(rule.ratio > 0 && rule.ratio < 1)) throw new BranchyUnsupportedError(`lowrank: macs ratio must be in (0, 1), got ${rule.ratio}`);
  const minSaving = opts.minSaving ?? 0.1;
  validateGraph(graph, { weights });
  for (const name of [...(opts.layers ?? []), ...(opts.skip ?? [])]) {
    if (!graph.nodes.some((n) => n.name === name)) throw new BranchyUnsupportedError(`lowrank: no node named '${name}'`);
  }
  const info = new Map(graph.tensors.map((t) => [t.name, t]));
  const names = new Set([...graph.tensors.map((t) => t.name), ...graph.nodes.map((n) => n.name)]);
  const uniq = (base: string): string => {
    let s = base, k = 1;
    while (names.has(s)) s = `${base}_${k++}`;
    names.add(s);
    return s;
  };
  const out: Graph = JSON.parse(JSON.stringify({ ...graph, nodes: [] })) as Graph;
  delete out.exits; // names its nodes; the converter finds the exits again
  const w2: Weights = new Map(weights);
  const layers: LowRankLayerReport[] = [];
  const split: string[] = [];

  for (const node of graph.nodes) {
    const eligible = (node.op === 'conv2d' || node.op === 'gemm') && info.get(node.inputs[1])?.constant && weights.get(node.inputs[1]) instanceof Float32Array
      && (!opts.layers || opts.layers.includes(node.name)) && !opts.skip?.includes(node.name);
    if (!eligible) {
      out.nodes.push(JSON.parse(JSON.stringify(node)) as Node);
      continue;
    }
    const x = info.get(node.inputs[0])!, y = info.get(node.outputs[0])!, w = info.get(node.inputs[1])!;
    const wf = weights.get(w.name) as Float32Array;
    const macs = node.op === 'gemm' ? numel(x.shape.slice(1, -1)) * w.shape[0] * w.shape[1] : numel(y.shape.slice(1)) * numel(w.shape.slice(1));
    let best: { c: Candidate; r: number; energy: number } | null = null;
    for (const c of candidates(node, x, y, w, wf)) {
      if (opts.scheme && c.scheme !== 'dense' && c.scheme !== opts.scheme) continue;
      c.svd = gramSvd(c.matrix, c.rows, c.cols);
      const full = c.svd.p;
      const r = rule.kind === 'energy' ? rankForEnergy(c.svd.s, rule.keep) : Math.min(full, Math.floor((rule.ratio * macs) / c.macsPerRank));
      if (r < 1) continue;
      const e = energyKept(c.svd.s, r);
      const better = !best || (rule.kind === 'energy' ? r * c.macsPerRank < best.r * best.c.macsPerRank : e > best.energy);
      if (better) best = { c, r, energy: e };
    }
    const params = wf.length;
    const keepAsIs = (why: string) => {
      out.nodes.push(JSON.parse(JSON.stringify(node)) as Node);
      layers.push({ node: node.name, op: node.op, scheme: 'kept', rank: 0, fullRank: 0, energy: 1, macs, macsAfter: macs, params, paramsAfter: params, why });
    };
    if (!best) {
      keepAsIs(`no rank >= 1 meets ${rule.kind === 'macs' ? `${rule.ratio} x its MACs` : 'the rule'}`);
      continue;
    }
    const macsAfter = best.r * best.c.macsPerRank;
    if (macsAfter > (1 - minSaving) * macs) {
      keepAsIs(`rank ${best.r} of ${best.c.svd!.p} would cost ${macsAfter} of ${macs} MACs (saves < ${minSaving * 100}%)`);
      continue;
    }
    const { c, r } = best;
    const { left, right } = lowRankFactors(c.matrix, c.svd!, r);
    const mid = uniq(`${node.outputs[0]}_lowrank`);
    const n1 = uniq(`${node.name}_lowrank_a`), n2 = uniq(`${node.name}_lowrank_b`);
    const wa = uniq(`${w.name}_lowrank_a`), wb = uniq(`${w.name}_lowrank_b`);
    let first: Node, second: Node, waShape: number[], wbShape: number[];
    let wa32: Float32Array, wb32: Float32Array;
    if (c.scheme === 'dense' || c.scheme === 'channel') {
      // W ≈ left (rows x r) · right (r x cols): first layer applies right (r outputs), second left.
      wa32 = Float32Array.from(right);
      wb32 = Float32Array.from(left);
      if (node.op === 'gemm') {
        waShape = [r, w.shape[1]];
        wbShape = [w.shape[0], r];
        first = { name: n1, op: 'gemm', inputs: [node.inputs[0], wa], outputs: [mid], attrs: {} };
        second = { name: n2, op: 'gemm', inputs: [mid, wb, ...node.inputs.slice(2)], outputs: node.outputs.slice(), attrs: {}, ...(node.act ? { act: node.act } : {}) };
      } else {
        const a = (node as NodeOf<'conv2d'>).attrs;
        const [O, KH, KW, C] = w.shape;
        waShape = [r, KH, KW, C];
        wbShape = [O, 1, 1, r];
        first = { name: n1, op: 'conv2d', inputs: [node.inputs[0], wa], outputs: [mid], attrs: { kernel: a.kernel, strides: a.strides, dilations: a.dilations, pads: a.pads } };
        second = {
          name: n2, op: 'conv2d', inputs: [mid, wb, ...node.inputs.slice(2)], outputs: node.outputs.slice(),
          attrs: { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] }, ...(node.act ? { act: node.act } : {}),
        };
      }
    } else {
      // M[(h,c)][(o,w)] ≈ left[(h,c)][r] · right[r][(o,w)]: vertical conv weights V[r][h][0][c] = left,
      // horizontal conv weights H[o][0][w][r] = right.
      const a = (node as NodeOf<'conv2d'>).attrs;
      const [O, KH, KW, C] = w.shape;
      waShape = [r, KH, 1, C];
      wbShape = [O, 1, KW, r];
      wa32 = new Float32Array(r * KH * C);
      wb32 = new Float32Array(O * KW * r);
      for (let k = 0; k < r; k++) for (let h = 0; h < KH; h++) for (let ch = 0; ch < C; ch++) wa32[(k * KH + h) * C + ch] = left[(h * C + ch) * r + k];
      for (let o = 0; o < O; o++) for (let ww = 0; ww < KW; ww++) for (let k = 0; k < r; k++) wb32[(o * KW + ww) * r + k] = right[k * (O * KW) + o * KW + ww];
      first = {
        name: n1, op: 'conv2d', inputs: [node.inputs[0], wa], outputs: [mid],
        attrs: { kernel: [KH, 1], strides: [a.strides[0], 1], dilations: [a.dilations[0], 1], pads: [a.pads[0], 0, a.pads[2], 0] },
      };
      second = {
        name: n2, op: 'conv2d', inputs: [mid, wb, ...node.inputs.slice(2)], outputs: node.outputs.slice(),
        attrs: { kernel: [1, KW], strides: [1, a.strides[1]], dilations: [1, a.dilations[1]], pads: [0, a.pads[1], 0, a.pads[3]] }, ...(node.act ? { act: node.act } : {}),
      };
    }
    out.tensors.push({ name: wa, shape: waShape, dtype: 'f32', constant: true }, { name: wb, shape: wbShape, dtype: 'f32', constant: true });
    w2.set(wa, wa32);
    w2.set(wb, wb32);
    const midShape = inferNode(first, [x, { name: wa, shape: waShape, dtype: 'f32', constant: true }])[0];
    out.tensors.push({ name: mid, shape: midShape, dtype: 'f32' });
    out.nodes.push(first, second);
    split.push(node.outputs[0]);
    layers.push({
      node: node.name, op: node.op, scheme: c.scheme, rank: r, fullRank: c.svd!.p, energy: best.energy,
      macs, macsAfter, params, paramsAfter: wa32.length + wb32.length,
    });
  }
  const used = new Set(out.nodes.flatMap((n) => n.inputs));
  out.tensors = out.tensors.filter((t) => !t.constant || used.has(t.name));
  for (const name of [...w2.keys()]) if (!used.has(name)) w2.delete(name);
  validateGraph(out, { weights: w2 });
  const bytes = (m: Weights) => [...m.values()].reduce((a, v) => a + v.byteLength, 0);

  let outputError: Map<string, TensorError> | undefined;
  if (opts.observe) {
    const err = await compareRuns(opts.observe, { graph, weights }, { graph: out, weights: w2 }, [...graph.outputs, ...split]);
    for (const l of layers) {
      const n = graph.nodes.find((m) => m.name === l.node)!;
      if (l.scheme !== 'kept') l.error = err.get(n.outputs[0]);
    }
    outputError = new Map(graph.outputs.map((o) => [o, err.get(o)!]));
  }
  return { graph: out, weights: w2, layers, bytesBefore: bytes(weights), bytesAfter: bytes(w2), outputError, ms: performance.now() - t0 };
}

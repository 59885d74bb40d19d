// Binary layers from a float IR graph (docs/ir.md "Binary layers", docs/b1.md "Import"):
//
//   1. a sign (bitpack) before a max pool moves after it (max commutes with sign);
//   2. a sign's scale s (QONNX BipolarQuant: y = s * sign(x)) multiplies its readers' weights;
//   3. the chosen conv2d / gemm layers, whose f32 weights must be +-alpha per output channel
//      exactly (a model trained with sign(w) * alpha), get b1 weights with alpha as their
//      per-channel scales; a layer that is not +-alpha is named in the error;
//   4. a binary conv / gemm on bits whose only reader is a sign writes the bits itself.
//
// Every reader of a sign must be one of the chosen layers (or a reshape / flatten leading to
// one). binarizeLayers runs inside the ONNX import (QONNX binary weights, `--binarize`), before
// the graph is validated; the graph it leaves is an ordinary float graph with b1 layers.
import { BranchyUnsupportedError } from '../errors.js';
import type { Graph, Node, TensorInfo, Weights } from '../ir/types.js';

export interface BinarizeReport {
  node: string;
  op: 'conv2d' | 'gemm';
  /** What the layer reads: bits (XNOR-popcount) or int8 / f32 values (binary weights only). */
  input: 'bits' | 'values';
  channels: number;
  /** Smallest and largest alpha. */
  alpha: [number, number];
  /** Weight bytes before (f32) and after (packed bits + f32 alpha). */
  bytesBefore: number;
  bytesAfter: number;
}

export interface BinarizeOptions {
  /** Names of the conv2d / gemm nodes whose weights become binary. */
  layers: Iterable<string>;
  /** The scale of each sign output (bitpack tensor name -> s > 0); default 1. */
  signScales?: Map<string, number>;
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Rewrites the graph in place (see the file comment); returns what each layer became. */
export function binarizeLayers(graph: Graph, weights: Weights, opts: BinarizeOptions): BinarizeReport[] {
  const layers = new Set(opts.layers);
  const scales = new Map(opts.signScales ?? []);
  const info = new Map(graph.tensors.map((t) => [t.name, t]));
  for (const name of layers) {
    const n = graph.nodes.find((x) => x.name === name);
    if (!n) {
      const cand = graph.nodes.filter((x) => x.op === 'conv2d' || x.op === 'gemm').map((x) => x.name);
      throw new BranchyUnsupportedError(`binarize: the graph has no layer '${name}'; its conv2d / gemm layers are ${cand.join(', ') || '(none)'}`);
    }
    if (n.op !== 'conv2d' && n.op !== 'gemm') {
      throw new BranchyUnsupportedError(`binarize: layer '${name}' is a ${n.op}; only conv2d (groups 1) and gemm layers have binary kernels`);
    }
  }
  moveSignsAfterMaxPool(graph, info, scales);
  // Reshapes and flattens of binary values are binary too.
  for (const n of graph.nodes) {
    if ((n.op === 'reshape' || n.op === 'flatten') && info.get(n.inputs[0])?.dtype === 'b1') info.get(n.outputs[0])!.dtype = 'b1';
  }
  scaleSignReaders(graph, weights, info, scales);
  const report: BinarizeReport[] = [];
  for (const n of graph.nodes) if (layers.has(n.name)) report.push(binarizeNode(graph, n, weights, info));
  checkSignReaders(graph, info, layers);
  fuseSigns(graph, info);
  // The float weights the binary ones replaced.
  const used = new Set(graph.nodes.flatMap((n) => n.inputs));
  graph.tensors = graph.tensors.filter((t) => !t.constant || used.has(t.name));
  for (const k of [...weights.keys()]) if (!used.has(k)) weights.delete(k);
  return report;
}

function readersOf(graph: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of graph.nodes) for (const i of n.inputs) m.set(i, [...(m.get(i) ?? []), n]);
  return m;
}

/** sign -> maxpool  ==>  maxpool -> sign (the pool then runs on the values, before the sign). */
function moveSignsAfterMaxPool(graph: Graph, info: Map<string, TensorInfo>, scales: Map<string, number>): void {
  for (let changed = true; changed;) {
    changed = false;
    const producer = new Map(graph.nodes.map((n) => [n.outputs[0], n]));
    for (const pool of graph.nodes) {
      const sign = producer.get(pool.inputs[0]);
      if (pool.op !== 'maxpool' || sign?.op !== 'bitpack') continue;
      const y = info.get(pool.outputs[0])!;
      const values: TensorInfo = { name: uniqueName(info, `${y.name}_values`), shape: y.shape.slice(), dtype: info.get(sign.inputs[0])!.dtype };
      info.set(values.name, values);
      graph.tensors.push(values);
      pool.inputs[0] = sign.inputs[0];
      pool.outputs[0] = values.name;
      y.dtype = 'b1';
      delete y.quant;
      const moved: Node = { name: uniqueNode(graph, `${pool.name}_sign`), op: 'bitpack', inputs: [values.name], outputs: [y.name], attrs: {} };
      graph.nodes.splice(graph.nodes.indexOf(pool) + 1, 0, moved);
      const s = scales.get(sign.outputs[0]);
      if (s !== undefined) scales.set(y.name, s);
      if (!readersOf(graph).has(sign.outputs[0]) && !graph.outputs.includes(sign.outputs[0])) {
        graph.nodes.splice(graph.nodes.indexOf(sign), 1);
        graph.tensors = graph.tensors.filter((t) => t.name !== sign.outputs[0]);
      }
      changed = true;
      break;
    }
  }
}

/** A sign of scale s: its readers' weights take the factor (their inputs are then +-1). */
function scaleSignReaders(graph: Graph, weights: Weights, info: Map<string, TensorInfo>, scales: Map<string, number>): void {
  const readers = readersOf(graph);
  for (const [t, s] of scales) {
    if (s === 1) continue;
    for (const r of followMoves(t, readers)) {
      if (r.op !== 'conv2d' && r.op !== 'gemm') continue; // checkSignReaders names it
      const w = weights.get(r.inputs[1]);
      if (!(w instanceof Float32Array)) continue;
      // A fresh constant: another layer may share these weights.
      const name = uniqueName(info, `${r.inputs[1]}_x${r.name}`);
      const t2: TensorInfo = { ...info.get(r.inputs[1])!, name };
      info.set(name, t2);
      graph.tensors.push(t2);
      weights.set(name, Float32Array.from(w, (v) => v * s));
      r.inputs[1] = name;
    }
  }
}

/** The readers of a tensor, looking through reshape / flatten. */
function followMoves(t: string, readers: Map<string, Node[]>): Node[] {
  const out: Node[] = [];
  for (const r of readers.get(t) ?? []) {
    if (r.op === 'reshape' || r.op === 'flatten') out.push(...followMoves(r.outputs[0], readers));
    else out.push(r);
  }
  return out;
}

function checkSignReaders(graph: Graph, info: Map<string, TensorInfo>, layers: Set<string>): void {
  const readers = readersOf(graph);
  for (const sign of graph.nodes) {
    if (sign.op !== 'bitpack') continue;
    const t = sign.outputs[0];
    if (graph.outputs.includes(t)) {
      throw new BranchyUnsupportedError(`node '${sign.name}': the sign (binary values) '${t}' is a graph output; branchy outputs int8 or f32 tensors`);
    }
    for (const r of followMoves(t, readers)) {
      if ((r.op === 'conv2d' || r.op === 'gemm') && layers.has(r.name)) continue;
      if (r.op === 'conv2d' || r.op === 'gemm') {
        throw new BranchyUnsupportedError(
          `node '${r.name}' (${r.op}) reads the binary values of '${t}' (from '${sign.name}') but its weights are not binary: ` +
            'binarize it (branchy convert --binarize, or export its weights through BipolarQuant); its weights must be +-alpha per output channel',
        );
      }
      throw new BranchyUnsupportedError(
        `node '${r.name}' (${r.op}) reads the binary values of '${t}' (from '${sign.name}'); binary values feed binary conv / gemm layers only: ` +
          'move the sign after this op, or remove it',
      );
    }
  }
  void info;
}

function binarizeNode(graph: Graph, n: Node, weights: Weights, info: Map<string, TensorInfo>): BinarizeReport {
  const wt = info.get(n.inputs[1])!;
  const w = weights.get(wt.name);
  if (!wt.constant || !(w instanceof Float32Array) || wt.dtype !== 'f32') {
    throw new BranchyUnsupportedError(`binarize: layer '${n.name}' (${n.op}) needs constant float weights, '${wt.name}' is ${wt.constant ? wt.dtype : 'computed'}`);
  }
  const b = n.inputs[2] ? info.get(n.inputs[2]) : undefined;
  if (b && b.dtype !== 'f32') throw new BranchyUnsupportedError(`binarize: layer '${n.name}' has a ${b.dtype} bias; binarize the float model, then quantize`);
  const O = wt.shape[0];
  const per = w.length / O;
  const n32 = wt.shape[wt.shape.length - 1];
  const rows = numel(wt.shape.slice(0, -1));
  const rowBytes = Math.ceil(n32 / 32) * 4;
  const bits = new Uint8Array(rows * rowBytes);
  const alpha: number[] = [];
  for (let o = 0; o < O; o++) {
    let a = 0;
    for (let i = o * per; i < (o + 1) * per; i++) {
      const m = Math.abs(w[i]);
      if (a === 0) a = m;
      if (m !== a) {
        throw new BranchyUnsupportedError(
          `binarize: layer '${n.name}' (${n.op}) is not binary: output channel ${o} has weights ${w[o * per]} and ${w[i]}; ` +
            'every weight of an output channel must be +alpha or -alpha (train it with sign(w) * alpha and export the binarized weights), or leave the layer out',
        );
      }
    }
    alpha.push(a);
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < n32; c++) if (w[r * n32 + c] < 0) bits[r * rowBytes + (c >> 3)] |= 1 << (c & 7);
  }
  const name = uniqueName(info, `${wt.name}_b1`);
  const t: TensorInfo = { name, shape: wt.shape.slice(), dtype: 'b1', constant: true, quant: { kind: 'channel', axis: 0, scales: alpha } };
  info.set(name, t);
  graph.tensors.push(t);
  weights.set(name, bits);
  n.inputs[1] = name;
  const x = info.get(n.inputs[0])!;
  return {
    node: n.name, op: n.op as 'conv2d' | 'gemm', input: x.dtype === 'b1' ? 'bits' : 'values', channels: O,
    alpha: [Math.min(...alpha), Math.max(...alpha)], bytesBefore: w.byteLength, bytesAfter: bits.byteLength + 4 * O,
  };
}

/** conv / gemm on bits -> sign  ==>  the layer writes bits (sign(clip(y)) = sign(y) when min < 0 <= max). */
function fuseSigns(graph: Graph, info: Map<string, TensorInfo>): void {
  const readers = readersOf(graph);
  const drop = new Set<Node>();
  for (const n of graph.nodes) {
    if ((n.op !== 'conv2d' && n.op !== 'gemm') || info.get(n.inputs[1])?.dtype !== 'b1' || info.get(n.inputs[0])?.dtype !== 'b1') continue;
    const rd = readers.get(n.outputs[0]) ?? [];
    if (rd.length !== 1 || rd[0].op !== 'bitpack' || graph.outputs.includes(n.outputs[0])) continue;
    const a = n.act;
    const keepsSign = !a || a.kind === 'none' || (a.kind === 'clip' && a.min! < 0 && a.max! >= 0);
    if (!keepsSign) continue;
    delete n.act;
    const gone = n.outputs[0];
    n.outputs[0] = rd[0].outputs[0];
    graph.tensors = graph.tensors.filter((t) => t.name !== gone);
    drop.add(rd[0]);
  }
  graph.nodes = graph.nodes.filter((n) => !drop.has(n));
}

function uniqueName(info: Map<string, TensorInfo>, base: string): string {
  let s = base, k = 1;
  while (info.has(s)) s = `${base}_${k++}`;
  return s;
}

function uniqueNode(graph: Graph, base: string): string {
  let s = base, k = 1;
  while (graph.nodes.some((n) => n.name === s)) s = `${base}_${k++}`;
  return s;
}

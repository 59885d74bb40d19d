// Per-node agreement of branchy's TFLite export with LiteRT.js on an int8 graph: LiteRT.js runs
// the exported file (int8 edges) with every operator's output made a graph output; then each
// int8 node of branchy's graph runs alone in branchy on LiteRT.js's own values of its inputs
// (the exporter names each TFLite tensor after its IR tensor), and its int8 output is compared
// with LiteRT.js's value of the same tensor. So a row measures what the node's TFLite form
// computes differently from branchy's node, not the drift of the nodes before it (for that,
// compare the graphs' outputs). Used by bench/zoo.mts --litert.
import { exportTflite, readTflite, writeTflite } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import type { Graph, Node, TensorInfo, Weights } from '../../src/ir/types.js';
import { openLitertRaw } from './litert.mjs';

export interface NodeAgreement {
  /** The node's op, with its activation's kind (`activation:silu`). */
  kind: string;
  nodes: number;
  /** Values compared (all samples), values that differ, the largest difference in steps. */
  total: number;
  differ: number;
  max: number;
}

/** The one-node graph of `node`: each int8 input fed as floats through a quantize (exact for values on its grid). */
function alone(graph: Graph, weights: Weights, node: Node, info: Map<string, TensorInfo>): { graph: Graph; weights: Weights; feeds: string[] } {
  const tensors: TensorInfo[] = [], nodes: Node[] = [], feeds: string[] = [];
  const w: Weights = new Map();
  for (const i of new Set(node.inputs)) {
    const t = info.get(i)!;
    tensors.push({ ...t });
    if (t.constant) w.set(i, weights.get(i)!);
    else {
      tensors.push({ name: `${i}/f32`, shape: t.shape, dtype: 'f32' });
      nodes.push({ name: `${i}/quantize`, op: 'quantize', inputs: [`${i}/f32`], outputs: [i], attrs: {} } as Node);
      feeds.push(i);
    }
  }
  const { sourceLayout: _, ...out } = info.get(node.outputs[0])!;
  tensors.push(out);
  return { graph: { inputs: feeds.map((f) => `${f}/f32`), outputs: [node.outputs[0]], tensors, nodes: [...nodes, { ...node, outputs: [node.outputs[0]] }], requantScale: graph.requantScale }, weights: w, feeds };
}

/** Per node kind of an int8 graph: how its exported TFLite form agrees with branchy on LiteRT.js's inputs (int8 samples of the file's one input). */
export async function exportAgreement(graph: Graph, weights: Weights, inputs: Int8Array[]): Promise<NodeAgreement[]> {
  const all = readTflite(exportTflite(graph, weights, { io: 'int8' }));
  const g = all.subgraphs[0];
  g.outputs = [...new Set(g.operators.map((o) => o.outputs[0]))];
  all.signatureDefs = [];
  const lit = await openLitertRaw(writeTflite(all));
  const byName = new Map(g.tensors.map((t, i) => [t.name, i]));
  const inputName = g.tensors[g.inputs[0]].name;
  const values: Map<string, Int8Array>[] = [];
  for (const q of inputs) {
    const outs = await lit.run([q]);
    const v = new Map<string, Int8Array>([[inputName, q]]);
    lit.outputs.forEach((o, i) => v.set(o.name, outs[i] as Int8Array));
    values.push(v);
  }
  lit.delete();
  const info = new Map(graph.tensors.map((t) => [t.name, t]));
  const rows = new Map<string, NodeAgreement>();
  for (const node of graph.nodes) {
    const out = info.get(node.outputs[0])!;
    const ins = node.inputs.filter((i) => !info.get(i)!.constant);
    // Only int8 nodes whose TFLite tensors the file has (not the input quantize or output dequantize).
    if (out.dtype !== 'i8' || !byName.has(node.outputs[0]) || ins.some((i) => info.get(i)!.dtype !== 'i8' || !values[0].has(i))) continue;
    const one = alone(graph, weights, node, info);
    const model = await fromGraph(one.graph, one.weights);
    const kind = node.op === 'activation' ? `activation:${node.act!.kind}` : node.op;
    const row = rows.get(kind) ?? { kind, nodes: 0, total: 0, differ: 0, max: 0 };
    row.nodes++;
    for (const v of values) {
      const feeds = Object.fromEntries(one.feeds.map((f) => {
        const q = info.get(f)!.quant!;
        if (q.kind !== 'tensor') throw new Error(`${f}: a per-channel activation`);
        return [`${f}/f32`, Float32Array.from(v.get(f)!, (x) => (x - q.zeroPoint) * q.scale)];
      }));
      const y = model.run(feeds, { layout: 'NHWC' })[node.outputs[0]].data as Int8Array;
      const ref = v.get(node.outputs[0])!;
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(y[i] - ref[i]);
        row.total++;
        row.differ += +(d > 0);
        row.max = Math.max(row.max, d);
      }
    }
    rows.set(kind, row);
  }
  return [...rows.values()];
}

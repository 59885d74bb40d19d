// The single-exit backbone of a multi-exit graph: the final exit only, renamed `logits`, without
// the early heads, the predictors and the exit plan (what a plainly trained network of the same
// layers would be; used to compare attached exits with jointly trained ones).
import { BranchyInputError } from '../../errors.js';
import { isMultiExit } from '../../ir/exits.js';
import type { Graph, Weights } from '../../ir/types.js';
import { ancestors } from './points.js';

export function stripExits(graph: Graph, weights: Weights, output = 'logits'): { graph: Graph; weights: Weights } {
  if (!isMultiExit(graph)) throw new BranchyInputError('stripExits: the graph has no exit outputs (exit0 … exitN)');
  const last = graph.outputs.filter((o) => /^exit\d+$/.test(o)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4))).at(-1)!;
  const keep = ancestors(graph, last);
  const rename = (t: string) => (t === last ? output : t);
  const nodes = graph.nodes.filter((n) => keep.has(n.name)).map((n) => ({ ...n, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) }));
  const used = new Set([...graph.inputs, ...nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  const tensors = graph.tensors.filter((t) => used.has(t.name) || t.name === last).map((t) => ({ ...t, name: rename(t.name) }));
  const w: Weights = new Map([...weights].filter(([k]) => used.has(k)));
  const out: Graph = { tensors, nodes, inputs: graph.inputs.slice(), outputs: [output] };
  if (graph.normalize) out.normalize = graph.normalize;
  if (graph.requantScale) out.requantScale = graph.requantScale;
  return { graph: out, weights: w };
}

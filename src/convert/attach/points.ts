// Where exits can be attached to a single-exit graph: block outputs, found as cut points.
//
// A computed tensor T is a cut point when, just after the node that writes it, T is the only
// activation still alive (every tensor written earlier has no reader left): everything after
// reads the network's state through T alone. In a chain every tensor is one; in a ResNet the
// outputs of the residual adds (the blocks' outputs) are, and nothing inside a block is (the
// shortcut is alive). Of the cut points we keep block outputs worth a head:
// - not the middle of a depthwise-separable block (a dwconv2d's output: its 1x1 conv follows),
//   not a tensor whose only reader is a pool or an activation (the pooled / activated tensor
//   after it is the block output: cheaper to attach to, the same stage), not a reshape,
//   quantize or dequantize (the same values as their input), not a graph output;
// - rank 4 (NHWC, a head pools it) or rank 2 (features, a linear head), f32 or int8 (not bits);
// - with between 1% and 90% of the full depth's MACs before it (an exit after 90% saves little).
// Of what remains, at most `max` spread evenly over the MACs (default 8).
import { BranchyInputError } from '../../errors.js';
import { consumers, producers, topoSort } from '../../ir/graph.js';
import { nodeMacs } from '../../ir/macs.js';
import type { Graph, TensorInfo } from '../../ir/types.js';

export interface AttachPoint {
  tensor: string;
  info: TensorInfo;
  /** MACs of the nodes the tensor depends on (what running up to it costs). */
  macs: number;
  /** macs / the full depth's MACs. */
  fraction: number;
  /** Whether it is a cut point (see the file comment); points given by name may not be. */
  cut: boolean;
}

const SKIP_PRODUCER = new Set(['dwconv2d', 'reshape', 'flatten', 'quantize', 'dequantize', 'softmax', 'bitpack']);
const PASS_THROUGH = new Set(['maxpool', 'avgpool', 'globalavgpool', 'activation', 'mul']);

/** The nodes a tensor depends on, by name. */
export function ancestors(graph: Graph, tensor: string): Set<string> {
  const prod = producers(graph);
  const seen = new Set<string>();
  const stack = [tensor];
  while (stack.length) {
    const n = prod.get(stack.pop()!);
    if (!n || seen.has(n.name)) continue;
    seen.add(n.name);
    stack.push(...n.inputs);
  }
  return seen;
}

/** MACs of a set of nodes. */
export function macsOf(graph: Graph, nodes: Iterable<string>): number {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  let m = 0;
  for (const n of nodes) m += nodeMacs(graph, byName.get(n)!);
  return m;
}

/** Every cut point of the graph, in execution order (see the file comment). */
export function cutPoints(graph: Graph): string[] {
  const order = topoSort(graph);
  const index = new Map(order.map((n, i) => [n.name, i]));
  const cons = consumers(graph);
  const info = new Map(graph.tensors.map((t) => [t.name, t]));
  // The last node (index) that reads each computed tensor; graph outputs live to the end.
  const lastUse = new Map<string, number>();
  for (const t of graph.tensors) {
    lastUse.set(t.name, graph.outputs.includes(t.name) ? Infinity : Math.max(-1, ...(cons.get(t.name) ?? []).map((n) => index.get(n.name)!)));
  }
  const live = new Set<string>(graph.inputs);
  const out: string[] = [];
  order.forEach((n, k) => {
    for (const o of n.outputs) live.add(o);
    for (const t of live) if (lastUse.get(t)! <= k) live.delete(t);
    const t = n.outputs[0];
    if (live.size === 1 && live.has(t) && !info.get(t)?.constant) out.push(t);
  });
  return out;
}

/** The points `--at auto` chooses among (see the file comment). */
export function candidatePoints(graph: Graph, max = 8): AttachPoint[] {
  const prod = producers(graph);
  const cons = consumers(graph);
  const info = new Map(graph.tensors.map((t) => [t.name, t]));
  const total = macsOf(graph, graph.nodes.map((n) => n.name));
  const all = cutPoints(graph)
    .filter((t) => {
      const p = prod.get(t)!;
      const readers = cons.get(t) ?? [];
      const rank = info.get(t)!.shape.length;
      const dtype = info.get(t)!.dtype;
      return !SKIP_PRODUCER.has(p.op) && !graph.outputs.includes(t) && (rank === 4 || rank === 2) && (dtype === 'f32' || dtype === 'i8') &&
        !(readers.length === 1 && PASS_THROUGH.has(readers[0].op));
    })
    .map((t) => point(graph, t, total, true))
    .filter((p) => p.fraction >= 0.01 && p.fraction <= 0.9);
  if (all.length <= max) return all;
  // Evenly spread over the MACs: for each of `max` targets, the nearest point not yet taken.
  const lo = all[0].fraction, hi = all[all.length - 1].fraction;
  const picked = new Set<AttachPoint>();
  for (let k = 0; k < max; k++) {
    const target = lo + ((hi - lo) * k) / (max - 1);
    let best: AttachPoint | undefined;
    for (const p of all) if (!picked.has(p) && (!best || Math.abs(p.fraction - target) < Math.abs(best.fraction - target))) best = p;
    picked.add(best!);
  }
  return all.filter((p) => picked.has(p));
}

/** Points named by the user (--at T1,T2): computed tensors of rank 4 or 2, before the output, in execution order. */
export function namedPoints(graph: Graph, names: string[]): AttachPoint[] {
  const info = new Map(graph.tensors.map((t) => [t.name, t]));
  const prod = producers(graph);
  const cuts = new Set(cutPoints(graph));
  const total = macsOf(graph, graph.nodes.map((n) => n.name));
  const finalNeeds = ancestors(graph, graph.outputs[0]);
  const pts = names.map((t) => {
    const i = info.get(t);
    const p = prod.get(t);
    if (!i || !p || i.constant) {
      const some = candidatePoints(graph, 6).map((c) => c.tensor);
      throw new BranchyInputError(`--at: '${t}' is not a computed tensor of this model (block outputs: ${some.join(', ')}; \`branchy inspect\` lists every tensor)`);
    }
    if (!finalNeeds.has(p.name) || graph.outputs.includes(t)) throw new BranchyInputError(`--at: '${t}' does not lead to the model's output, or is the output itself`);
    if (i.shape.length !== 4 && i.shape.length !== 2) throw new BranchyInputError(`--at: '${t}' has shape [${i.shape.join(', ')}]; a head reads an NHWC feature map or a [1, D] feature vector`);
    if (i.dtype !== 'f32' && i.dtype !== 'i8') throw new BranchyInputError(`--at: '${t}' is ${i.dtype}; a head reads f32 or int8 values (attach after the layer that turns bits back into numbers)`);
    return point(graph, t, total, cuts.has(t));
  });
  const order = new Map(topoSort(graph).map((n, k) => [n.outputs[0], k]));
  return pts.sort((a, b) => order.get(a.tensor)! - order.get(b.tensor)!);
}

function point(graph: Graph, t: string, total: number, cut: boolean): AttachPoint {
  const macs = macsOf(graph, ancestors(graph, t));
  return { tensor: t, info: graph.tensors.find((x) => x.name === t)!, macs, fraction: total ? macs / total : 0, cut };
}

// Activation fusion (graph -> graph, in place): a standalone `activation` node moves into the
// node that writes its input, as that node's fused `act`, when the input has no other reader
// and is not a graph output and
//   - the producer has no activation yet and may carry one (`fusesActivation` in the op
//     registry; a standalone activation does not take another), or
//   - both are clamps (relu, relu6, clip): two clamps in a row are one clamp, their ranges
//     intersected (PyTorch exports relu6 after an add as Relu then Clip).
// The producer then writes the activation's output tensor; nodes in `keep` stay. The
// importers emit every activation standalone and leave the fusing to this pass.
import type { Activation, Graph, Node } from '../types.js';
import { F32_MAX, asClamp } from '../numerics.js';
import { FUSES_ACTIVATION } from '../ops/index.js';
import { Links, dropUnreferenced } from './edit.js';

/** The clamp activation of the range [lo, hi] (±F32_MAX: open): relu, relu6 or clip. */
export function clampAct(lo: number, hi: number): Activation {
  if (lo === 0 && hi === F32_MAX) return { kind: 'relu' };
  if (lo === 0 && hi === 6) return { kind: 'relu6' };
  return { kind: 'clip', min: lo, max: hi };
}

/** [lo, hi] of a clamp activation (relu's top is F32_MAX), or null for any other kind. */
function range(act: Activation | undefined): [number, number] | null {
  if (!act || act.kind === 'none' || !asClamp(act)) return null;
  if (act.kind === 'relu') return [0, F32_MAX];
  if (act.kind === 'relu6') return [0, 6];
  return [act.min!, act.max!];
}

const hasAct = (n: Node): boolean => n.act !== undefined && n.act.kind !== 'none';

export interface FuseActivationOptions {
  /** Activation nodes to leave in place (their input has a reader outside the graph). */
  keep?: ReadonlySet<Node>;
}

/** Fuses what it can (see the file comment); returns how many activation nodes it removed. */
export function fuseActivations(graph: Graph, opts: FuseActivationOptions = {}): number {
  const links = new Links(graph);
  const gone = new Set<Node>();
  const orphans: string[] = [];
  for (const a of graph.nodes) {
    if (a.op !== 'activation' || !a.act || opts.keep?.has(a)) continue;
    const x = a.inputs[0];
    const p = links.producer.get(x);
    if (!p || !links.sole(x)) continue;
    const [r, q] = [range(p.act), range(a.act)];
    if (hasAct(p) && r && q) p.act = clampAct(Math.max(r[0], q[0]), Math.min(r[1], q[1]));
    else if (!hasAct(p) && p.op !== 'activation' && FUSES_ACTIVATION.has(p.op)) p.act = a.act;
    else continue;
    links.takeOutput(p, a.outputs[0]);
    gone.add(a);
    orphans.push(x);
  }
  graph.nodes = graph.nodes.filter((n) => !gone.has(n));
  dropUnreferenced(graph, undefined, orphans);
  return gone.size;
}

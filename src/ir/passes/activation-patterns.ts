// Activations that ONNX spells as several ops, found and made one `activation` (graph -> graph,
// in place), before activation fusion so the result can fuse into the layer before it:
//
//   silu   mul(x, activation{sigmoid}(x))                                  (either operand order)
//   gelu   mul(mul(x, add(activation{erf}(mul(x, 1/√2)), 1)), 0.5)         (PyTorch's export of GELU)
//          or mul(mul(x, 0.5), add(activation{erf}(mul(x, 1/√2)), 1))      (the halving first)
//
// where the constants are f32 scalars (an ONNX Div by √2 is a mul by its reciprocal here) and
// every tensor inside a pattern has no reader outside it and is not a graph output; nodes with
// a fused activation of their own are left alone. The importers emit the parts and leave the
// matching to this pass.
import type { Graph, Node, Weights } from '../types.js';
import { Links, dropUnreferenced } from './edit.js';

/** Finds the patterns (see the file comment); returns how many it replaced. */
export function fuseActivationPatterns(graph: Graph, weights: Weights): number {
  const links = new Links(graph);
  const constants = new Set(graph.tensors.filter((t) => t.constant).map((t) => t.name));
  const gone = new Set<Node>();
  const orphans: string[] = [];
  let found = 0;

  /** n is an `op` node still in the graph, with activation `kind` (or none). */
  const is = (n: Node | undefined, op: string, kind?: string): n is Node =>
    n !== undefined && !gone.has(n) && n.op === op && (kind ? n.act?.kind === kind : !n.act || n.act.kind === 'none');
  /** The producer of t when t's only reader is the pattern. */
  const inner = (t: string): Node | undefined => (links.sole(t) ? links.producer.get(t) : undefined);
  /** For a mul / add of a computed tensor and an f32 scalar constant near `want`: the computed operand. */
  const by = (n: Node | undefined, op: string, want: number): string | null => {
    if (!is(n, op) || n.inputs.length !== 2) return null;
    const k = n.inputs.findIndex((i) => constants.has(i));
    const v = k < 0 ? undefined : weights.get(n.inputs[k]);
    return v instanceof Float32Array && v.length === 1 && Math.abs(v[0] - want) <= 1e-6 * want && !constants.has(n.inputs[1 - k]) ? n.inputs[1 - k] : null;
  };
  /** t = add(erf(mul(x, 1/√2)), 1): x and the three nodes. */
  const onePlusErf = (t: string): { x: string; parts: Node[] } | null => {
    const add = inner(t), e = by(add, 'add', 1);
    const erf = e === null ? undefined : inner(e);
    if (!is(erf, 'activation', 'erf')) return null;
    const scale = inner(erf.inputs[0]), x = by(scale, 'mul', Math.SQRT1_2);
    return x === null ? null : { x, parts: [add!, erf, scale!] };
  };
  /** A mul of two computed operands, a and b in either order, where `match(a, b)` holds. */
  const pair = <T>(n: Node | undefined, match: (a: string, b: string) => T | null): T | null => {
    if (!is(n, 'mul') || n.inputs.length !== 2 || n.inputs.some((i) => constants.has(i))) return null;
    return match(n.inputs[0], n.inputs[1]) ?? match(n.inputs[1], n.inputs[0]);
  };
  /** Node m becomes activation{kind}(x); `parts` go. */
  const replace = (m: Node, x: string, kind: 'silu' | 'gelu', parts: Node[]): void => {
    for (const p of parts) gone.add(p);
    orphans.push(...m.inputs, ...parts.flatMap((p) => [...p.inputs, ...p.outputs]));
    Object.assign(m, { op: 'activation', inputs: [x], attrs: {}, act: { kind } });
    found++;
  };

  for (const m of graph.nodes) {
    if (gone.has(m)) continue;
    // silu: mul(x, sigmoid(x)).
    const silu = pair(m, (x, s) => {
      const p = inner(s);
      return is(p, 'activation', 'sigmoid') && p.inputs[0] === x ? { x, parts: [p] } : null;
    });
    if (silu) {
      replace(m, silu.x, 'silu', silu.parts);
      continue;
    }
    // gelu, halving last: mul(mul(x, 1 + erf(x/√2)), 0.5).
    const g = by(m, 'mul', 0.5);
    const last = g === null ? null : pair(inner(g), (x, t) => {
      const c = onePlusErf(t);
      return c && c.x === x ? { x, parts: [inner(g)!, ...c.parts] } : null;
    });
    // gelu, halving first: mul(mul(x, 0.5), 1 + erf(x/√2)).
    const first = last ?? pair(m, (h, t) => {
      const c = onePlusErf(t), x = by(inner(h), 'mul', 0.5);
      return c && x === c.x ? { x, parts: [inner(h)!, ...c.parts] } : null;
    });
    if (first) replace(m, first.x, 'gelu', first.parts);
  }
  graph.nodes = graph.nodes.filter((n) => !gone.has(n));
  dropUnreferenced(graph, weights, orphans);
  return found;
}

// What the graph passes share: who reads and writes a tensor, whether a producer may take
// its reader into itself, and dropping what a rewrite left unreferenced.
import type { Graph, Node, Weights } from '../types.js';

/** A graph's reader counts (one per input slot; a graph output counts as a reader) and producers. */
export class Links {
  readonly producer = new Map<string, Node>();
  private readonly readers = new Map<string, number>();
  private readonly outputs: ReadonlySet<string>;

  constructor(graph: Graph) {
    this.outputs = new Set(graph.outputs);
    for (const n of graph.nodes) {
      for (const o of n.outputs) this.producer.set(o, n);
      for (const i of n.inputs) this.readers.set(i, (this.readers.get(i) ?? 0) + 1);
    }
  }

  /** How many node inputs read the tensor. */
  readersOf(name: string): number {
    return this.readers.get(name) ?? 0;
  }

  /** The tensor has exactly one reader and is not a graph output: its producer may fuse that reader. */
  sole(name: string): boolean {
    return this.readersOf(name) === 1 && !this.outputs.has(name);
  }

  /** `p` now writes `out` (what the node it absorbed wrote). */
  takeOutput(p: Node, out: string): void {
    p.outputs = [out];
    this.producer.set(out, p);
  }
}

/** Removes the named tensors (and their weights) that no node, input or output references any more. */
export function dropUnreferenced(graph: Graph, weights: Weights | undefined, names: Iterable<string>): void {
  const gone = new Set(names);
  if (gone.size === 0) return;
  const used = new Set([...graph.inputs, ...graph.outputs, ...graph.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  for (const u of used) gone.delete(u);
  graph.tensors = graph.tensors.filter((t) => !gone.has(t.name));
  if (weights) for (const g of gone) weights.delete(g);
}

/** `base`, or base_1, base_2... : a tensor name the graph does not have yet. */
export function freshName(graph: Graph, base: string): string {
  const names = new Set(graph.tensors.map((t) => t.name));
  if (!names.has(base)) return base;
  let k = 1;
  while (names.has(`${base}_${k}`)) k++;
  return `${base}_${k}`;
}

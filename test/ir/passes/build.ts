// A small graph builder for the pass tests: tensors declared as they are written, shapes
// from the op registry, constants with their bytes.
import { inferNode } from '../../../src/ir/shapes.js';
import { validateGraph } from '../../../src/ir/graph.js';
import type { Activation, Graph, Node, OpAttrs, OpType, TensorData, TensorInfo, Weights } from '../../../src/ir/types.js';
import { Rng } from '../../helpers/rng.js';

export const win = (k: number, s = 1, p = 0) => ({
  kernel: [k, k] as [number, number], strides: [s, s] as [number, number], dilations: [1, 1] as [number, number], pads: [p, p, p, p] as [number, number, number, number],
});

export class G {
  readonly graph: Graph = { tensors: [], nodes: [], inputs: [], outputs: [] };
  readonly weights: Weights = new Map();
  private readonly rng = new Rng(7);

  input(name: string, shape: number[]): string {
    this.graph.tensors.push({ name, shape, dtype: 'f32' });
    this.graph.inputs.push(name);
    return name;
  }

  /** An f32 constant of random values in [lo, hi] (or the given ones). */
  const(name: string, shape: number[], values?: number[], lo = -1, hi = 1): string {
    const n = shape.reduce((a, b) => a * b, 1);
    this.graph.tensors.push({ name, shape, dtype: 'f32', constant: true });
    this.weights.set(name, values ? Float32Array.from(values) : this.rng.f32(n, lo, hi));
    return name;
  }

  /** A constant of another dtype and quantization. */
  data(t: TensorInfo, d: TensorData): string {
    this.graph.tensors.push({ ...t, constant: true });
    this.weights.set(t.name, d);
    return t.name;
  }

  node<K extends OpType>(op: K, name: string, inputs: string[], attrs: OpAttrs[K], act?: Activation, out = `${name}_out`, info: Partial<TensorInfo> = {}): string {
    const node = { name, op, inputs, outputs: [out], attrs, ...(act ? { act } : {}) } as Node;
    const tm = new Map(this.graph.tensors.map((t) => [t.name, t]));
    const [shape] = inferNode(node, inputs.map((i) => tm.get(i)));
    this.graph.tensors.push({ name: out, shape, dtype: 'f32', ...info });
    this.graph.nodes.push(node);
    return out;
  }

  output(...names: string[]): this {
    this.graph.outputs.push(...names);
    validateGraph(this.graph, { weights: this.weights });
    return this;
  }

  rand(n: number): Float32Array {
    return this.rng.f32(n, -2, 2);
  }

  /** A deep copy (the passes rewrite in place). */
  clone(): { graph: Graph; weights: Weights } {
    return { graph: structuredClone(this.graph), weights: new Map([...this.weights].map(([k, v]) => [k, v.slice()])) };
  }
}

export const ops = (g: Graph): string[] => g.nodes.map((n) => n.op + (n.act ? `+${n.act.kind}` : ''));
export const tensor = (g: Graph, name: string): TensorInfo | undefined => g.tensors.find((t) => t.name === name);

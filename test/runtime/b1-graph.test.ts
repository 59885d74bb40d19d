// Binary layers in graphs (docs/ir.md, "Binary layers"): graphs built here with bitpack,
// XNOR conv / gemm (bits, int8 and f32 outputs), binary weights x int8 and binary weights on
// f32 run through the executor equal to the reference (test/reference/ir-eval.ts), identically
// in every build; the .branchy file stores the weights as bits; malformed graphs are refused.
import { describe, expect, it } from 'vitest';
import { fromGraph } from '../../src/runtime/model.js';
import { readBranchy, writeBranchy } from '../../src/format/branchy.js';
import { validateGraph } from '../../src/ir/graph.js';
import { BranchyFormatError, BranchyUnsupportedError } from '../../src/errors.js';
import type { Activation, Graph, Node, TensorInfo, Weights, Window } from '../../src/ir/types.js';
import { evalQuantGraph } from '../reference/ir-eval.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';

/** A small graph builder: tensors, nodes and weights in the order they are added. */
class Builder {
  readonly tensors: TensorInfo[] = [];
  readonly nodes: Node[] = [];
  readonly weights: Weights = new Map();
  constructor(readonly rng: Rng) {}

  tensor(name: string, shape: number[], dtype: TensorInfo['dtype'], quant?: TensorInfo['quant']): string {
    this.tensors.push({ name, shape, dtype, ...(quant ? { quant } : {}) });
    return name;
  }

  /** Random binary weights [rows...][n] packed along the last axis, with alpha per output channel. */
  binWeights(name: string, shape: number[]): string {
    const n = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const rowBytes = Math.ceil(n / 32) * 4;
    const data = new Uint8Array(rows * rowBytes);
    for (let r = 0; r < rows; r++) for (let c = 0; c < n; c++) if (this.rng.next() < 0.5) data[r * rowBytes + (c >> 3)] |= 1 << (c & 7);
    const scales = Array.from({ length: shape[0] }, () => Math.fround(0.01 + 0.1 * this.rng.next()));
    this.tensors.push({ name, shape, dtype: 'b1', constant: true, quant: { kind: 'channel', axis: 0, scales } });
    this.weights.set(name, data);
    return name;
  }

  f32Const(name: string, shape: number[], lo = -0.5, hi = 0.5): string {
    this.tensors.push({ name, shape, dtype: 'f32', constant: true });
    this.weights.set(name, this.rng.f32(shape.reduce((a, b) => a * b, 1), lo, hi));
    return name;
  }

  i8Weights(name: string, shape: number[]): string {
    const data = this.rng.i8(shape.reduce((a, b) => a * b, 1), -127, 127);
    this.tensors.push({ name, shape, dtype: 'i8', constant: true, quant: { kind: 'channel', axis: 0, scales: Array.from({ length: shape[0] }, () => Math.fround(0.002 + 0.01 * this.rng.next())) } });
    this.weights.set(name, data);
    return name;
  }

  node(op: Node['op'], inputs: string[], output: string, attrs: object = {}, act?: Activation): void {
    this.nodes.push({ name: `${op}_${this.nodes.length}`, op, inputs, outputs: [output], attrs, ...(act ? { act } : {}) } as Node);
  }

  graph(inputs: string[], outputs: string[]): { graph: Graph; weights: Weights } {
    return { graph: { tensors: this.tensors, nodes: this.nodes, inputs, outputs }, weights: this.weights };
  }
}

const win = (k: number, s: number, p: number): Window => ({ kernel: [k, k], strides: [s, s], dilations: [1, 1], pads: [p, p, p, p] });
const q = (scale: number, zeroPoint: number) => ({ kind: 'tensor' as const, scale, zeroPoint });

/**
 * An int8 binary network: quantize, binary weights x int8 conv, sign, XNOR conv with bit output
 * (stride 2, C not a multiple of 32), XNOR conv to int8 with a clip, sign, flatten, XNOR gemm
 * to bits, XNOR gemm to int8, dequantize.
 */
function int8Net(seed: number): { graph: Graph; weights: Weights } {
  const b = new Builder(new Rng(seed));
  b.tensor('x', [1, 9, 9, 3], 'f32');
  b.tensor('xq', [1, 9, 9, 3], 'i8', q(0.02, 3));
  b.node('quantize', ['x'], 'xq');
  b.tensor('c1', [1, 9, 9, 20], 'i8', q(0.05, -10));
  b.node('conv2d', ['xq', b.binWeights('w1', [20, 3, 3, 3]), b.f32Const('b1', [20])], 'c1', win(3, 1, 1), { kind: 'clip', min: -1, max: 2 });
  b.tensor('p1', [1, 9, 9, 20], 'b1');
  b.node('bitpack', ['c1'], 'p1');
  b.tensor('p2', [1, 5, 5, 40], 'b1');
  b.node('conv2d', ['p1', b.binWeights('w2', [40, 3, 3, 20]), b.f32Const('b2', [40], -2, 2)], 'p2', win(3, 2, 1));
  b.tensor('c3', [1, 5, 5, 64], 'i8', q(0.1, 5));
  b.node('conv2d', ['p2', b.binWeights('w3', [64, 3, 3, 40])], 'c3', win(3, 1, 1), { kind: 'clip', min: -3, max: 4 });
  b.tensor('p3', [1, 5, 5, 64], 'b1');
  b.node('bitpack', ['c3'], 'p3');
  b.tensor('f3', [1, 1600], 'b1');
  b.node('flatten', ['p3'], 'f3', { order: 'nhwc' });
  b.tensor('g4', [1, 33], 'b1');
  b.node('gemm', ['f3', b.binWeights('w4', [33, 1600]), b.f32Const('b4', [33], -3, 3)], 'g4');
  b.tensor('g5', [1, 10], 'i8', q(0.08, 0));
  b.node('gemm', ['g4', b.binWeights('w5', [10, 33]), b.f32Const('b5', [10])], 'g5');
  b.tensor('logits', [1, 10], 'f32');
  b.node('dequantize', ['g5'], 'logits');
  return b.graph(['x'], ['logits']);
}

/**
 * A float binary network: sign of the input, XNOR conv to f32 with a ReLU, binary weights on
 * that f32 tensor, sign, XNOR conv to bits, XNOR gemm (1x1 image) to f32 with a sigmoid.
 */
function floatNet(seed: number): { graph: Graph; weights: Weights } {
  const b = new Builder(new Rng(seed));
  b.tensor('x', [1, 7, 7, 5], 'f32');
  b.tensor('s0', [1, 7, 7, 5], 'b1');
  b.node('bitpack', ['x'], 's0');
  b.tensor('a1', [1, 7, 7, 12], 'f32');
  b.node('conv2d', ['s0', b.binWeights('w1', [12, 3, 3, 5]), b.f32Const('b1', [12])], 'a1', win(3, 1, 1), { kind: 'relu' });
  b.tensor('a2', [1, 3, 3, 9], 'f32');
  b.node('conv2d', ['a1', b.binWeights('w2', [9, 3, 3, 12]), b.f32Const('b2', [9])], 'a2', win(3, 2, 0));
  b.tensor('s2', [1, 3, 3, 9], 'b1');
  b.node('bitpack', ['a2'], 's2');
  b.tensor('s3', [1, 1, 1, 70], 'b1');
  b.node('conv2d', ['s2', b.binWeights('w3', [70, 3, 3, 9]), b.f32Const('b3', [70])], 's3', win(3, 1, 0));
  b.tensor('f3', [1, 70], 'b1');
  b.node('flatten', ['s3'], 'f3', { order: 'nchw' });
  b.tensor('y', [1, 6], 'f32');
  b.node('gemm', ['f3', b.binWeights('w4', [6, 70])], 'y', {}, { kind: 'sigmoid' });
  return b.graph(['x'], ['y']);
}

async function runEverywhere(graph: Graph, weights: Weights, x: Float32Array): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const build of TEST_BUILDS) {
    const model = await fromGraph(graph, weights, { build });
    out.set(build, Float32Array.from(model.run(x, { layout: 'NHWC' })[graph.outputs[0]].data));
  }
  return out;
}

const bytesOf = (a: Float32Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

describe('binary layers in graphs', () => {
  it('an int8 binary network equals the integer reference exactly, in every build', async () => {
    let nonTrivial = 0;
    for (const seed of [1, 2, 3]) {
      const { graph, weights } = int8Net(seed);
      validateGraph(graph, { weights });
      const rng = new Rng(100 + seed);
      for (let s = 0; s < 3; s++) {
        const x = rng.f32(9 * 9 * 3, -2, 2);
        const want = evalQuantGraph(graph, weights, { x }).get('logits') as Float32Array;
        if (new Set(want).size > 3) nonTrivial++;
        for (const [build, got] of await runEverywhere(graph, weights, x)) {
          expect(Array.from(got), `${build}, seed ${seed}, sample ${s}`).toEqual(Array.from(want));
        }
      }
    }
    expect(nonTrivial).toBeGreaterThan(6);
  });

  it('a float binary network equals the reference (f32 rounding on the float-input layer), builds bit-identical', async () => {
    for (const seed of [4, 5, 6]) {
      const { graph, weights } = floatNet(seed);
      validateGraph(graph, { weights });
      const rng = new Rng(200 + seed);
      const x = rng.f32(7 * 7 * 5, -1, 1);
      const want = evalQuantGraph(graph, weights, { x }).get('y') as Float32Array;
      const got = await runEverywhere(graph, weights, x);
      const first = [...got.values()][0];
      for (const [build, y] of got) {
        expect(bytesOf(y), `${build} vs ${TEST_BUILDS[0]}`).toEqual(bytesOf(first));
        for (let i = 0; i < want.length; i++) expect(Math.abs(y[i] - want[i]), `${build} seed ${seed} y[${i}]`).toBeLessThan(1e-5);
      }
      expect(new Set(Array.from(first, (v) => v.toFixed(3))).size).toBeGreaterThan(2);
    }
  });

  it('the .branchy file keeps binary weights as bits and reads back the same model', async () => {
    const { graph, weights } = int8Net(7);
    const bytes = writeBranchy(graph, weights);
    const back = readBranchy(bytes);
    const w4 = back.weights.get('w4')!;
    expect(w4).toBeInstanceOf(Uint8Array);
    expect(w4.byteLength).toBe(33 * 1600 / 8);
    for (const t of graph.tensors.filter((x) => x.dtype === 'b1' && x.constant)) {
      const rows = t.shape.slice(0, -1).reduce((p, d) => p * d, 1);
      expect(back.weights.get(t.name)!.byteLength, t.name).toBe(rows * Math.ceil(t.shape.at(-1)! / 32) * 4);
    }
    const x = new Rng(9).f32(9 * 9 * 3, -2, 2);
    const a = (await fromGraph(graph, weights)).run(x, { layout: 'NHWC' }).logits.data;
    const b = (await fromGraph(back.graph, back.weights)).run(x, { layout: 'NHWC' }).logits.data;
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('refuses binary tensors where no kernel reads them, and malformed binary weights, naming the node', async () => {
    const mutate = (edit: (g: Graph, w: Weights) => void) => {
      const { graph, weights } = int8Net(8);
      edit(graph, weights);
      return () => validateGraph(graph, { weights });
    };
    const t = (g: Graph, n: string) => g.tensors.find((x) => x.name === n)!;
    // A max pool on bits.
    expect(mutate((g) => {
      g.tensors.push({ name: 'mp', shape: [1, 5, 5, 64], dtype: 'b1' });
      g.nodes.splice(4, 0, { name: 'pool', op: 'maxpool', inputs: ['p3'], outputs: ['mp'], attrs: { ...win(1, 1, 0), ceilMode: false } });
    })).toThrow(/node 'pool' \(maxpool\).*move the sign \(bitpack\) after this op/);
    // Binary weights without alpha.
    expect(mutate((g) => delete t(g, 'w2').quant)).toThrow(/node 'conv2d_3'.*per-output-channel scales/);
    // A set padding bit.
    expect(mutate((_, w) => (w.get('w5')!)[4] |= 0x80)).toThrow(BranchyFormatError);
    expect(mutate((_, w) => (w.get('w5')!)[4] |= 0x80)).toThrow(/'w5': row 0 has bit 39 set/);
    // A flatten that would need repacking (20 channels per pixel).
    expect(mutate((g) => {
      t(g, 'f3').shape = [1, 1620];
      g.nodes.find((n) => n.name === 'flatten_6')!.inputs = ['p1'];
    })).toThrow(/cannot become \[1, 1620\] without repacking/);
    // Binary weights x int8 with a bit output.
    expect(mutate((g) => Object.assign(t(g, 'c1'), { dtype: 'b1', quant: undefined }))).toThrow(/output 'c1' is b1, expected i8/);
    // A binary graph output.
    const { graph, weights } = int8Net(9);
    graph.outputs = ['p3'];
    await expect(fromGraph(graph, weights)).rejects.toThrow(BranchyUnsupportedError);
  });
});

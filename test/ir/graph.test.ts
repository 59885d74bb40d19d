// IR: shape inference per op, topological order, cycle detection, validation messages.
import { describe, expect, it } from 'vitest';
import { BranchyFormatError } from '../../src/errors.js';
import { inferNode, storageOf, topoSort, validateGraph, windowOut } from '../../src/ir/index.js';
import type { Graph, Node, TensorInfo } from '../../src/ir/index.js';

const t = (name: string, shape: number[], constant = false): TensorInfo => ({ name, shape, dtype: 'f32', ...(constant ? { constant } : {}) });
const win = (k: number, s = 1, p = 0, d = 1) => ({ kernel: [k, k] as [number, number], strides: [s, s] as [number, number], dilations: [d, d] as [number, number], pads: [p, p, p, p] as [number, number, number, number] });
const node = (op: Node['op'], inputs: string[], attrs: object = {}): Node => ({ name: op, op, inputs, outputs: ['y'], attrs } as Node);

describe('shape inference', () => {
  const x = t('x', [2, 7, 9, 3]);
  const cases: [string, Node, TensorInfo[], number[]][] = [
    ['conv2d stride 2 pad 1', node('conv2d', ['x', 'w'], win(3, 2, 1)), [x, t('w', [5, 3, 3, 3], true)], [2, 4, 5, 5]],
    ['conv2d dilation 2', node('conv2d', ['x', 'w', 'b'], win(3, 1, 0, 2)), [x, t('w', [4, 3, 3, 3], true), t('b', [4], true)], [2, 3, 5, 4]],
    ['dwconv2d multiplier 2', node('dwconv2d', ['x', 'w'], { ...win(3, 1, 1), multiplier: 2 }), [x, t('w', [3, 3, 6], true)], [2, 7, 9, 6]],
    ['gemm', node('gemm', ['a', 'w']), [t('a', [2, 10]), t('w', [4, 10], true)], [2, 4]],
    ['maxpool ceil', node('maxpool', ['x'], { ...win(2, 2), ceilMode: true }), [x], [2, 4, 5, 3]],
    ['avgpool floor', node('avgpool', ['x'], { ...win(2, 2), ceilMode: false, countIncludePad: false }), [x], [2, 3, 4, 3]],
    ['globalavgpool', node('globalavgpool', ['x']), [x], [2, 1, 1, 3]],
    ['add per channel', node('add', ['x', 'c']), [x, t('c', [3], true)], [2, 7, 9, 3]],
    ['add same shape', node('add', ['x', 'x']), [x, x], [2, 7, 9, 3]],
    ['mul scalar', node('mul', ['x', 'c']), [x, t('c', [1], true)], [2, 7, 9, 3]],
    ['mul squeeze-excitation', node('mul', ['x', 'g']), [x, t('g', [2, 1, 1, 3])], [2, 7, 9, 3]],
    ['div spatial gate, gate first', node('div', ['g', 'x']), [t('g', [2, 7, 9, 1]), x], [2, 7, 9, 3]],
    ['max of a broadcast constant', node('max', ['x', 'c']), [x, t('c', [9, 1], true)], [2, 7, 9, 3]],
    ['prelu', node('prelu', ['x', 's']), [x, t('s', [3], true)], [2, 7, 9, 3]],
    ['concat', node('concat', ['x', 'z']), [x, t('z', [2, 7, 9, 5])], [2, 7, 9, 8]],
    ['flatten', node('flatten', ['x'], { order: 'nchw' }), [x], [2, 189]],
    ['reshape', node('reshape', ['x'], { shape: [2, 189] }), [x], [2, 189]],
    ['softmax', node('softmax', ['x']), [x], [2, 7, 9, 3]],
  ];
  for (const [name, n, ins, want] of cases) {
    it(name, () => expect(inferNode(n, ins)).toEqual([want]));
  }

  it('rejects mismatches with the node named', () => {
    expect(() => inferNode(node('conv2d', ['x', 'w'], win(3)), [x, t('w', [5, 3, 3, 4], true)])).toThrow(/node 'conv2d' \(conv2d\): weights expect 4 input channels/);
    expect(() => inferNode(node('mul', ['x', 'c']), [x, t('c', [2, 7, 9, 5])])).toThrow(/do not broadcast/);
    expect(() => inferNode(node('add', ['x', 'c']), [x, t('c', [3])])).toThrow(/computed operand 'c' \[3\] against \[2, 7, 9, 3\]: the first axis is the batch/);
    expect(() => inferNode(node('sub', ['x', 'c']), [x, t('c', [1, 7, 9, 3])])).toThrow(/computed operand 'c' \[1, 7, 9, 3\] against \[2, 7, 9, 3\]: the first axis is the batch/);
    expect(() => inferNode(node('maxpool', ['x'], { ...win(11), ceilMode: false }), [x])).toThrow(/does not fit/);
    expect(() => inferNode(node('reshape', ['x'], { shape: [5] }), [x])).toThrow(/cannot reshape/);
  });

  it('ceil mode drops a last window that would start in the padding (PyTorch rule)', () => {
    expect(windowOut(4, 3, 2, 1, 0, 0, true)).toBe(2);
    expect(windowOut(5, 2, 2, 1, 0, 0, true)).toBe(3);
    // ceil(5 / 2) + 1 = 4 windows, but the 4th would start at 6 >= 5 + 1 (right padding only): 3.
    expect(windowOut(5, 2, 2, 1, 1, 1, true)).toBe(3);
    expect(windowOut(5, 2, 2, 1, 1, 1, false)).toBe(3);
  });

  it('stores b1 packed along the last axis as bytes', () => {
    expect(storageOf({ name: 'b', shape: [3, 3, 3, 33], dtype: 'b1' })).toEqual({ dtype: 'u8', shape: [3, 3, 3, 8] });
  });
});

describe('graph order and validation', () => {
  const g = (): Graph => ({
    tensors: [t('x', [1, 4]), t('a', [1, 4]), t('b', [1, 4]), t('y', [1, 4])],
    nodes: [
      { name: 'n3', op: 'add', inputs: ['a', 'b'], outputs: ['y'], attrs: {} },
      { name: 'n2', op: 'softmax', inputs: ['a'], outputs: ['b'], attrs: {} },
      { name: 'n1', op: 'activation', inputs: ['x'], outputs: ['a'], attrs: {}, act: { kind: 'relu' } },
    ],
    inputs: ['x'],
    outputs: ['y'],
  });

  it('sorts topologically', () => {
    expect(topoSort(g()).map((n) => n.name)).toEqual(['n1', 'n2', 'n3']);
    expect(validateGraph(g()).map((n) => n.name)).toEqual(['n1', 'n2', 'n3']);
  });

  it('finds cycles and names their nodes', () => {
    const c = g();
    c.nodes[2].inputs = ['y'];
    c.inputs = [];
    expect(() => topoSort(c)).toThrow(/cycle: 'n3' -> 'n2' -> 'n1' -> 'n3'|cycle: .*'n3'/);
  });

  it('handles a 10 000-node chain without overflowing the stack', () => {
    const n = 10_000;
    const tensors = Array.from({ length: n + 1 }, (_, i) => t(`t${i}`, [1, 2]));
    const nodes = Array.from({ length: n }, (_, i) => ({ name: `n${i}`, op: 'softmax', inputs: [`t${i}`], outputs: [`t${i + 1}`], attrs: {} }) as Node).reverse();
    expect(topoSort({ tensors, nodes, inputs: ['t0'], outputs: [`t${n}`] })[0].name).toBe('n0');
  });

  it('rejects double writers, unwritten reads, constant inputs', () => {
    const a = g();
    a.nodes[1].outputs = ['a'];
    expect(() => validateGraph(a)).toThrow(/written by both/);
    const b = g();
    b.inputs = [];
    expect(() => validateGraph(b)).toThrow(/'x' is read but nothing writes it/);
    const c = g();
    c.tensors[0].constant = true;
    expect(() => validateGraph(c)).toThrow(/marked constant/);
    const d = g();
    d.nodes[0].act = { kind: 'clip' };
    expect(() => validateGraph(d)).toThrow(/clip needs act.min and act.max/);
    const e = g();
    e.nodes[1].act = { kind: 'relu' };
    expect(() => validateGraph(e)).toThrow(/cannot carry a fused activation/);
  });
});

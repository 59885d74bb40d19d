// Data movement, softmax, reductions and resize as IR graphs (transpose with views: channel
// shuffle, DepthToSpace, SpaceToDepth; slice with negative steps; pad in its three modes; concat,
// softmax on every axis; reduce over any set of axes; resize nearest and bilinear), every build
// through fromGraph, against the reference evaluator (test/reference/ir-eval.ts, ONNX
// definitions): f32 within float rounding, int8 (quantize -> op -> dequantize) bit for bit.
import { describe, expect, it } from 'vitest';
import type { Graph, Node, TensorInfo, Weights } from '../../src/ir/types.js';
import { fromGraph } from '../../src/runtime/model.js';
import { BranchyUnsupportedError } from '../../src/errors.js';
import { evalGraph, evalQuantGraph } from '../reference/ir-eval.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import { checkNode, inferNode } from '../../src/ir/shapes.js';
import { BranchyFormatError } from '../../src/errors.js';

interface Case {
  name: string;
  op: Node['op'];
  attrs: Record<string, unknown>;
  /** Input shapes (one per computed input). */
  shapes: number[][];
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** The output shape the registry infers. */
function outShape(c: Case): number[] {
  const ins: TensorInfo[] = c.shapes.map((shape, i) => ({ name: `x${i}`, shape, dtype: 'f32' }));
  return inferNode({ name: 'n', op: c.op, inputs: ins.map((t) => t.name), outputs: ['y'], attrs: c.attrs } as Node, ins)[0];
}

/** f32: x_i -> op -> y. int8: x_i -> quantize -> op -> dequantize -> y (own output quantization for requantizing ops). */
function graphOf(c: Case, rng: Rng, int8: boolean): Graph {
  const y = outShape(c);
  const xs = c.shapes.map((shape, i) => ({ name: `x${i}`, shape, dtype: 'f32' as const }));
  const node = { name: 'n', op: c.op, inputs: xs.map((t) => t.name), outputs: ['y'], attrs: c.attrs } as Node;
  if (!int8) return { tensors: [...xs, { name: 'y', shape: y, dtype: 'f32' }], inputs: xs.map((t) => t.name), outputs: ['y'], nodes: [node] };
  // Passthrough ops keep their input's quantization; concat shares one; reduce and resize have their own.
  const q = { kind: 'tensor' as const, scale: 0.02 + 0.01 * rng.next(), zeroPoint: rng.int(-20, 20) };
  const own = c.op === 'reduce' || c.op === 'resize';
  const qy = own ? { kind: 'tensor' as const, scale: (c.attrs.kind === 'sum' ? 8 : 1) * (0.015 + 0.02 * rng.next()), zeroPoint: rng.int(-20, 20) } : q;
  const tensors: TensorInfo[] = [
    ...xs, ...xs.map((t) => ({ name: `${t.name}q`, shape: t.shape, dtype: 'i8' as const, quant: q })),
    { name: 'yq', shape: y, dtype: 'i8', quant: qy }, { name: 'y', shape: y, dtype: 'f32' },
  ];
  const nodes = [
    ...xs.map((t) => ({ name: `q${t.name}`, op: 'quantize', inputs: [t.name], outputs: [`${t.name}q`], attrs: {} })),
    { ...node, inputs: xs.map((t) => `${t.name}q`), outputs: ['yq'] },
    { name: 'dq', op: 'dequantize', inputs: ['yq'], outputs: ['y'], attrs: {} },
  ] as Node[];
  return { tensors, inputs: xs.map((t) => t.name), outputs: ['y'], nodes };
}

const weights: Weights = new Map();

async function runCase(c: Case, rng: Rng, int8: boolean): Promise<string[]> {
  const graph = graphOf(c, rng, int8);
  const feeds = Object.fromEntries(c.shapes.map((s, i) => [`x${i}`, rng.f32(numel(s), -2, 2)]));
  const want = (int8 ? evalQuantGraph(graph, weights, feeds) : evalGraph(graph, weights, feeds)).get('y') as Float32Array;
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  const bad: string[] = [];
  for (const build of TEST_BUILDS) {
    const model = await fromGraph(graph, weights, { build });
    const got = model.run(c.shapes.length === 1 ? feeds.x0 : feeds, { layout: 'NHWC' }).y.data as Float32Array;
    const err = Math.max(0, ...Array.from(got, (v, i) => Math.abs(v - want[i])));
    if (int8 ? err !== 0 : !(err <= 1e-6 * scale)) bad.push(`${build} ${int8 ? 'int8' : 'f32'} ${c.name}: error ${err}`);
  }
  return bad;
}

function perm(rng: Rng, axes: number[]): number[] {
  const p = axes.slice();
  for (let i = p.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function cases(rng: Rng): Case[] {
  const out: Case[] = [];
  const img = (): number[] => [rng.pick([1, 1, 2]), rng.int(1, 6), rng.int(1, 6), rng.pick([1, 3, 4, 8, 16, 17])];
  for (let i = 0; i < 8; i++) {
    const s = img();
    out.push({ name: `transpose [${s}]`, op: 'transpose', attrs: { perm: [0, ...perm(rng, [1, 2, 3])] }, shapes: [s] });
  }
  for (const g of [2, 3, 4]) {
    const s = [1, rng.int(1, 5), rng.int(1, 5), g * rng.int(1, 9)];
    out.push({ name: `channel shuffle g=${g} [${s}]`, op: 'transpose', attrs: { view: [s[0], s[1], s[2], g, s[3] / g], perm: [0, 1, 2, 4, 3], shape: s }, shapes: [s] });
  }
  for (const [mode, b] of [['DCR', 2], ['CRD', 2], ['DCR', 3]] as const) {
    const s = [1, rng.int(1, 4), rng.int(1, 4), b * b * rng.int(1, 3)], c2 = s[3] / (b * b);
    const view = mode === 'DCR' ? [1, s[1], s[2], b, b, c2] : [1, s[1], s[2], c2, b, b];
    out.push({ name: `depthtospace ${mode} b=${b} [${s}]`, op: 'transpose', attrs: { view, perm: mode === 'DCR' ? [0, 1, 3, 2, 4, 5] : [0, 1, 4, 2, 5, 3], shape: [1, s[1] * b, s[2] * b, c2] }, shapes: [s] });
    const t = [1, s[1] * b, s[2] * b, c2];
    out.push({ name: `spacetodepth b=${b} [${t}]`, op: 'transpose', attrs: { view: [1, s[1], b, s[2], b, c2], perm: [0, 1, 3, 2, 4, 5], shape: s }, shapes: [t] });
  }
  for (let i = 0; i < 10; i++) {
    const s = img();
    const starts = [0], ends = [s[0]], steps = [1];
    for (const d of s.slice(1)) {
      const step = rng.pick([1, 1, 2, -1, -2]);
      const a = rng.int(0, d - 1);
      if (step > 0) (starts.push(a), ends.push(rng.int(a + 1, d)));
      else (starts.push(a), ends.push(rng.int(-1, a - 1)));
      steps.push(step);
    }
    out.push({ name: `slice [${s}] ${starts}:${ends}:${steps}`, op: 'slice', attrs: { starts, ends, steps }, shapes: [s] });
  }
  for (let i = 0; i < 12; i++) {
    const s = img(), mode = rng.pick(['constant', 'reflect', 'edge'] as const);
    const pads = [0, 0, 0, 0, 0, 0, 0, 0];
    for (const a of [1, 2, 3]) {
      const lim = mode === 'reflect' ? s[a] - 1 : 3;
      pads[a] = rng.int(mode === 'constant' && s[a] > 2 ? -1 : 0, Math.min(lim, 3));
      pads[a + 4] = rng.int(0, Math.min(lim, 3));
    }
    out.push({ name: `pad ${mode} [${s}] [${pads}]`, op: 'pad', attrs: { pads, mode, value: rng.pick([0, 0.5, -1.25]) }, shapes: [s] });
  }
  for (const axis of [1, 2, 3, -1]) {
    const s = img(), k = rng.int(1, 3);
    out.push({ name: `concat axis ${axis} x${k} [${s}]`, op: 'concat', attrs: axis === -1 ? {} : { axis }, shapes: Array.from({ length: k }, () => s.map((d, a) => (a === (axis + 4) % 4 ? rng.int(1, 5) : d))) });
  }
  for (const axis of [1, 2, 3]) {
    const s = img();
    out.push({ name: `softmax axis ${axis} [${s}]`, op: 'softmax', attrs: { axis }, shapes: [s] });
  }
  for (const axes of [[1, 2], [3], [1], [2], [1, 3], [2, 3], [1, 2, 3]]) {
    for (const kind of ['mean', 'max', 'sum']) {
      const s = img(), keepdims = rng.next() < 0.5;
      out.push({ name: `reduce ${kind} [${axes}] keepdims=${keepdims} [${s}]`, op: 'reduce', attrs: { kind, axes, keepdims }, shapes: [s] });
    }
  }
  for (let i = 0; i < 10; i++) {
    const s = img(), mode = rng.pick(['nearest', 'linear'] as const);
    const coord = rng.pick(['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nearest'] as const);
    const scales: [number, number] = [rng.pick([0.5, 1, 2, 3]), rng.pick([0.5, 1, 2, 1.5])];
    const size = [Math.floor(s[1] * scales[0]), Math.floor(s[2] * scales[1])];
    if (size[0] < 1 || size[1] < 1) continue;
    out.push({ name: `resize ${mode} ${coord} [${s}] x${scales}`, op: 'resize', attrs: { mode, coord, nearest: rng.pick(['round_prefer_floor', 'floor', 'ceil', 'round_prefer_ceil']), scales, size }, shapes: [s] });
  }
  return out;
}

describe('data movement, softmax, reduce, resize (IR graphs)', () => {
  const rng = new Rng(20261208);
  const all = cases(rng);

  it('f32: every build matches the reference evaluator', async () => {
    const bad: string[] = [];
    for (const c of all) bad.push(...(await runCase(c, rng, false)));
    expect(bad).toEqual([]);
  });

  it('int8: every build equals the integer reference bit for bit', async () => {
    const bad: string[] = [];
    for (const c of all.filter((k) => k.op !== 'softmax')) bad.push(...(await runCase(c, rng, true)));
    expect(bad).toEqual([]);
  });

  it('refuses a move across the batch axis with a typed error naming the node', async () => {
    const c: Case = { name: 'batch', op: 'transpose', attrs: { perm: [1, 0, 2, 3] }, shapes: [[2, 3, 4, 5]] };
    await expect(fromGraph(graphOf(c, rng, false), weights)).rejects.toThrow(BranchyUnsupportedError);
    await expect(fromGraph(graphOf(c, rng, false), weights)).rejects.toThrow(/node 'n' \(transpose\): moves data across the batch axis/);
  });
});

describe('shape inference and attribute checks of the data-movement ops', () => {
  const t = (name: string, shape: number[]): TensorInfo => ({ name, shape, dtype: 'f32' });
  const x = t('x', [1, 6, 8, 12]);
  const node = (op: Node['op'], attrs: object, inputs = ['x']): Node => ({ name: 'n', op, inputs, outputs: ['y'], attrs } as Node);
  const infer = (n: Node, ins: TensorInfo[] = [x]): number[] => {
    checkNode(n);
    return inferNode(n, ins)[0];
  };

  it('infers the output shapes', () => {
    expect(infer(node('transpose', { perm: [0, 3, 1, 2] }))).toEqual([1, 12, 6, 8]);
    expect(infer(node('transpose', { view: [1, 6, 8, 3, 4], perm: [0, 1, 2, 4, 3], shape: [1, 6, 8, 12] }))).toEqual([1, 6, 8, 12]);
    expect(infer(node('slice', { starts: [0, 5, 0, 1], ends: [1, -1, 8, 12], steps: [1, -2, 3, 4] }))).toEqual([1, 3, 3, 3]);
    expect(infer(node('pad', { pads: [0, 1, -1, 2, 0, 1, 0, 0], mode: 'constant', value: 0 }))).toEqual([1, 8, 7, 14]);
    expect(infer(node('concat', { axis: 1 }, ['x', 'z']), [x, t('z', [1, 2, 8, 12])])).toEqual([1, 8, 8, 12]);
    expect(infer(node('reduce', { kind: 'mean', axes: [1, 2], keepdims: true }))).toEqual([1, 1, 1, 12]);
    expect(infer(node('reduce', { kind: 'max', axes: [3], keepdims: false }))).toEqual([1, 6, 8]);
    expect(infer(node('resize', { mode: 'linear', coord: 'half_pixel', scales: [2, 1.5], size: [12, 12] }))).toEqual([1, 12, 12, 12]);
    expect(infer(node('softmax', { axis: 1 }))).toEqual([1, 6, 8, 12]);
  });

  it('refuses malformed attributes with BranchyFormatError naming the node', () => {
    const bad: [Node, RegExp][] = [
      [node('transpose', { perm: [0, 1, 1, 2] }), /not a permutation/],
      [node('transpose', { perm: [0, 1, 2] }), /does not permute/],
      [node('transpose', { perm: [0, 1], view: [5, 5] }), /does not hold input/],
      [node('slice', { starts: [0, 0, 0, 0], ends: [1, 6, 8, 12], steps: [1, 0, 1, 1] }), /non-zero/],
      [node('slice', { starts: [0, 6, 0, 0], ends: [1, 7, 8, 12], steps: [1, 1, 1, 1] }), /axis 1 .*empty slices/],
      [node('slice', { starts: [0, 2, 0, 0], ends: [1, 3, 8, 12], steps: [1, -1, 1, 1] }), /axis 1/],
      [node('pad', { pads: [0, 0, 0, 0], mode: 'constant', value: 0 }), /want 8/],
      [node('pad', { pads: [0, 6, 0, 0, 0, 0, 0, 0], mode: 'reflect', value: 0 }), /smaller than axis 1/],
      [node('pad', { pads: [0, -3, 0, 0, 0, -3, 0, 0], mode: 'edge', value: 0 }), /to nothing/],
      [node('pad', { pads: [0, 0, 0, 0, 0, 0, 0, 0], mode: 'wrap', value: 0 }), /attrs.mode/],
      [node('pad', { pads: [0, 0, 0, 0, 0, 0, 0, 0], mode: 'constant', value: 1e999 }), /finite/],
      [node('concat', { axis: 4 }), /attrs.axis/],
      [node('softmax', { axis: -5 }), /attrs.axis/],
      [node('reduce', { kind: 'mean', axes: [2, 1], keepdims: true }), /ascending/],
      [node('reduce', { kind: 'prod', axes: [1], keepdims: true }), /attrs.kind/],
      [node('reduce', { kind: 'sum', axes: [0, 1, 2, 3], keepdims: false }), /no axis/],
      [node('reduce', { kind: 'sum', axes: [4], keepdims: false }), /outside input/],
      [node('resize', { mode: 'cubic', coord: 'half_pixel', scales: [2, 2], size: [12, 16] }), /attrs.mode/],
      [node('resize', { mode: 'linear', coord: 'tf_crop_and_resize', scales: [2, 2], size: [12, 16] }), /attrs.coord/],
      [node('resize', { mode: 'linear', coord: 'half_pixel', scales: [NaN, 2], size: [12, 16] }), /attrs.scales/],
      [node('resize', { mode: 'linear', coord: 'half_pixel', scales: [2, 2], size: [0, 16] }), /attrs.size/],
    ];
    for (const [n, msg] of bad) {
      expect(() => infer(n), JSON.stringify(n.attrs)).toThrow(BranchyFormatError);
      expect(() => infer(n), JSON.stringify(n.attrs)).toThrow(msg);
    }
  });
});

// Importer unit tests on small hand-built ONNX models: attribute defaults, layouts,
// fusion and folding (checked numerically against the same model with folding blocked),
// and the errors for what branchy cannot run.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { BranchyUnsupportedError } from '../../src/errors.js';
import { Rng } from '../helpers/rng.js';
import { buildModel, float, importAndRun, int, ints, maxRelErr, str } from './helpers.js';
import type { ModelSpec, NodeSpec } from './helpers.js';

const rng = new Rng(7);
const rand = (n: number, lo = -1, hi = 1): number[] => Array.from(rng.f32(n, lo, hi));
const ops = (spec: ModelSpec): string[] =>
  importOnnx(buildModel(spec)).graph.nodes.map((n) => n.op + (n.act ? `+${n.act.kind}` : ''));

/** Runs `spec` and the same model with `extra` outputs (which blocks fusion); both must agree. */
function sameAsUnfused(spec: ModelSpec, extra: string[], shape: number[]) {
  const x = Float32Array.from(rand(shape.reduce((a, b) => a * b, 1)));
  const a = importAndRun(buildModel(spec), { x });
  const b = importAndRun(buildModel({ ...spec, outputs: [...spec.outputs, ...extra] }), { x });
  for (const o of spec.outputs) expect(maxRelErr(a.out[o], b.out[o]), o).toBeLessThan(1e-5);
  return { fused: a.res.graph, unfused: b.res.graph };
}

const bnInits = (p: string, c: number) => ({
  [`${p}.g`]: { dims: [c], data: rand(c, 0.5, 1.5) }, [`${p}.b`]: { dims: [c], data: rand(c) },
  [`${p}.m`]: { dims: [c], data: rand(c) }, [`${p}.v`]: { dims: [c], data: rand(c, 0.5, 2) },
});
const bn = (x: string, p: string, y: string): NodeSpec => ({
  op: 'BatchNormalization', inputs: [x, `${p}.g`, `${p}.b`, `${p}.m`, `${p}.v`], outputs: [y], attrs: { epsilon: float(1e-3) },
});

describe('ONNX import: folding and fusion', () => {
  it('folds BatchNormalization into a Conv with no bias, then fuses Relu', () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'x', shape: [1, 3, 6, 5] }], outputs: ['y'],
      inits: { w: { dims: [4, 3, 3, 3], data: rand(108) }, ...bnInits('bn', 4) },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: ints([1, 0, 1, 2]), strides: ints([2, 1]) } },
        bn('c', 'bn', 'b'), { op: 'Relu', inputs: ['b'], outputs: ['y'] },
      ],
    };
    const { fused, unfused } = sameAsUnfused(spec, ['c', 'b'], [1, 3, 6, 5]);
    expect(fused.nodes.map((n) => `${n.op}+${n.act?.kind}`)).toEqual(['conv2d+relu']);
    expect(fused.nodes[0].inputs.length).toBe(3); // a bias was created
    expect(unfused.nodes.map((n) => n.op)).toEqual(['conv2d', 'mul', 'add', 'activation']);
  });

  it('folds BatchNormalization into a depthwise Conv with channel multiplier 2 (a grouped conv2d)', () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'x', shape: [1, 3, 5, 5] }], outputs: ['y'],
      inits: { w: { dims: [6, 1, 3, 3], data: rand(54) }, bias: { dims: [6], data: rand(6) }, ...bnInits('bn', 6) },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w', 'bias'], outputs: ['c'], attrs: { group: int(3), auto_pad: str('SAME_UPPER'), dilations: ints([2, 2]) } },
        bn('c', 'bn', 'y'),
      ],
    };
    const { fused } = sameAsUnfused(spec, ['c'], [1, 3, 5, 5]);
    expect(fused.nodes).toHaveLength(1);
    expect(fused.nodes[0]).toMatchObject({ op: 'conv2d', attrs: { groups: 3, pads: [2, 2, 2, 2] } });
  });

  it('folds MatMul + Add into one gemm with a bias, and BatchNormalization after it', () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'x', shape: [2, 5] }], outputs: ['y'],
      inits: { w: { dims: [5, 3], data: rand(15) }, b: { dims: [3], data: rand(3) }, ...bnInits('bn', 3) },
      nodes: [
        { op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] }, { op: 'Add', inputs: ['b', 'm'], outputs: ['a'] },
        bn('a', 'bn', 'y'),
      ],
    };
    const { fused } = sameAsUnfused(spec, ['m', 'a'], [2, 5]);
    expect(fused.nodes.map((n) => n.op)).toEqual(['gemm']);
  });

  it('merges Relu then Clip(0, 6) into relu6 and turns x * HardSigmoid(x) into hardswish', () => {
    const spec: ModelSpec = {
      opset: 13, inputs: [{ name: 'x', shape: [1, 2, 3, 3] }], outputs: ['y'],
      inits: { w: { dims: [2, 2, 1, 1], data: rand(4) }, lo: { dims: [], data: [0] }, hi: { dims: [], data: [6] } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] },
        { op: 'HardSigmoid', inputs: ['c'], outputs: ['h'], attrs: { alpha: float(1 / 6) } },
        { op: 'Mul', inputs: ['c', 'h'], outputs: ['s'] },
        { op: 'Relu', inputs: ['s'], outputs: ['r'] }, { op: 'Clip', inputs: ['r', 'lo', 'hi'], outputs: ['y'] },
      ],
    };
    expect(ops(spec)).toEqual(['conv2d+hardswish', 'activation+relu6']);
    sameAsUnfused(spec, ['s', 'r'], [1, 2, 3, 3]);
  });

  it('reads Clip bounds from attributes before opset 11 and from inputs after', () => {
    const clip = (opset: number, attrs: NodeSpec['attrs'], extra: string[] = []): ModelSpec => ({
      opset, inputs: [{ name: 'x', shape: [1, 4] }], outputs: ['y'],
      inits: { lo: { dims: [], data: [-0.5] } },
      nodes: [{ op: 'Clip', inputs: ['x', ...extra], outputs: ['y'], attrs }],
    });
    const act = (s: ModelSpec) => importOnnx(buildModel(s)).graph.nodes[0].act;
    expect(act(clip(7, { min: float(-0.5), max: float(0.5) }))).toEqual({ kind: 'clip', min: -0.5, max: 0.5 });
    expect(act(clip(7, { min: float(0) }))).toEqual({ kind: 'relu' });
    expect(act(clip(12, {}, ['lo']))).toEqual({ kind: 'clip', min: -0.5, max: 3.4028234663852886e38 });
    expect(act(clip(12, {}, ['', '']))).toMatchObject({ kind: 'clip' });
  });

  it('keeps BatchNormalization as mul + add when the producer already has an activation', () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'x', shape: [1, 2, 3, 3] }], outputs: ['y'],
      inits: { w: { dims: [2, 2, 1, 1], data: rand(4) }, ...bnInits('bn', 2) },
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] }, { op: 'Relu', inputs: ['c'], outputs: ['r'] }, bn('r', 'bn', 'y')],
    };
    expect(ops(spec)).toEqual(['conv2d+relu', 'mul', 'add']);
  });
});

describe('ONNX import: layouts', () => {
  it('weights move to OHWI and images to NHWC; outputs keep ONNX names and order', () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'img', shape: ['N', 2, 4, 4] }], outputs: ['z', 'a'],
      inits: { w: { dims: [3, 2, 1, 2], data: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] } },
      nodes: [{ op: 'Conv', inputs: ['img', 'w'], outputs: ['a'] }, { op: 'Relu', inputs: ['a'], outputs: ['z'] }],
    };
    const { graph, weights } = importOnnx(buildModel(spec));
    expect(graph.outputs).toEqual(['z', 'a']);
    expect(graph.tensors.find((t) => t.name === 'img')).toMatchObject({ shape: [1, 4, 4, 2], sourceLayout: 'NCHW' });
    expect(graph.tensors.find((t) => t.name === 'w')!.shape).toEqual([3, 1, 2, 2]);
    // W[o][i][0][k] -> OHWI[o][0][k][i]
    expect(Array.from(weights.get('w')!)).toEqual([0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11]);
    expect(graph.nodes.map((n) => n.op)).toEqual(['conv2d', 'activation']); // 'a' is an output: no fusion
  });

  it('x.view(x.size(0), -1) through Shape/Gather/Unsqueeze/Concat is a flatten; the Gemm weights are permuted', () => {
    const spec: ModelSpec = {
      opset: 11, inputs: [{ name: 'x', shape: [2, 3, 2, 2] }], outputs: ['y'],
      inits: {
        i0: { dims: [], data: [0], int64: true }, m1: { dims: [1], data: [-1], int64: true },
        w: { dims: [4, 12], data: rand(48) }, b: { dims: [4], data: rand(4) },
      },
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] }, { op: 'Gather', inputs: ['s', 'i0'], outputs: ['n'] },
        { op: 'Unsqueeze', inputs: ['n'], outputs: ['n1'], attrs: { axes: ints([0]) } },
        { op: 'Concat', inputs: ['n1', 'm1'], outputs: ['shape'], attrs: { axis: int(0) } },
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['f'] },
        { op: 'Gemm', inputs: ['f', 'w', 'b'], outputs: ['y'], attrs: { transB: int(1), alpha: float(0.5), beta: float(2) } },
      ],
    };
    const x = Float32Array.from(rand(24));
    const { res, out } = importAndRun(buildModel(spec), { x });
    expect(res.graph.nodes.map((n) => n.op)).toEqual(['flatten', 'gemm']);
    // The same Gemm applied to the NCHW-ordered flatten, by hand:
    const w = buildSpecInit(spec, 'w'), b = buildSpecInit(spec, 'b');
    const want = new Float32Array(8);
    for (let n = 0; n < 2; n++) for (let o = 0; o < 4; o++) {
      let s = 0;
      for (let k = 0; k < 12; k++) s += x[n * 12 + k] * w[o * 12 + k];
      want[n * 4 + o] = 0.5 * s + 2 * b[o];
    }
    expect(maxRelErr(out.y, want)).toBeLessThan(1e-5);
  });

  it('absorbs NHWC inputs read through Transpose(0,3,1,2) and Transpose(0,2,3,1) before a flatten', () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'x', shape: [1, 4, 4, 2] }], outputs: ['y'],
      inits: { w: { dims: [3, 2, 3, 3], data: rand(54) } },
      nodes: [
        { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: ints([0, 3, 1, 2]) } },
        { op: 'Conv', inputs: ['t', 'w'], outputs: ['c'], attrs: { pads: ints([1, 1, 1, 1]) } },
        { op: 'Transpose', inputs: ['c'], outputs: ['u'], attrs: { perm: ints([0, 2, 3, 1]) } },
        { op: 'Flatten', inputs: ['u'], outputs: ['y'] },
      ],
    };
    const { graph } = importOnnx(buildModel(spec));
    expect(graph.nodes.map((n) => n.op)).toEqual(['conv2d', 'reshape']);
    expect(graph.tensors.find((t) => t.name === 'x')).toEqual({ name: 'x', shape: [1, 4, 4, 2], dtype: 'f32' });
  });

  it('Squeeze and Unsqueeze of 1x1 maps, Identity and Dropout, Softmax over channels', () => {
    const spec: ModelSpec = {
      opset: 13, inputs: [{ name: 'x', shape: [1, 3, 4, 4] }], outputs: ['y', 'p'],
      inits: { ax: { dims: [2], data: [2, 3], int64: true } },
      nodes: [
        { op: 'GlobalAveragePool', inputs: ['x'], outputs: ['g'] }, { op: 'Squeeze', inputs: ['g', 'ax'], outputs: ['s'] },
        { op: 'Dropout', inputs: ['s'], outputs: ['d'] }, { op: 'Identity', inputs: ['d'], outputs: ['i'] },
        { op: 'Unsqueeze', inputs: ['i', 'ax'], outputs: ['y'] }, { op: 'Softmax', inputs: ['x'], outputs: ['p'], attrs: { axis: int(1) } },
      ],
    };
    const x = Float32Array.from(rand(48));
    const { res, out } = importAndRun(buildModel(spec), { x });
    expect(res.graph.nodes.map((n) => n.op)).toEqual(['globalavgpool', 'reshape', 'reshape', 'softmax']);
    for (let c = 0; c < 3; c++) {
      const mean = x.slice(c * 16, c * 16 + 16).reduce((a, b) => a + b, 0) / 16;
      expect(out.y[c]).toBeCloseTo(mean, 5);
    }
    expect(out.p[0] + out.p[16] + out.p[32]).toBeCloseTo(1, 5);
  });

  it('reads branchy.normalize from metadata_props', () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'x', shape: [1, 3, 2, 2] }], outputs: ['y'], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
      metadata: { 'branchy.normalize': JSON.stringify({ mean: [0.1, 0.2, 0.3], std: [1, 2, 3], scale: 255 }) },
    };
    expect(importOnnx(buildModel(spec)).graph.normalize).toEqual({ mean: [0.1, 0.2, 0.3], std: [1, 2, 3], scale: 255 });
    spec.metadata = { 'branchy.normalize': '{"mean": 3}' };
    expect(() => importOnnx(buildModel(spec))).toThrow(/branchy.normalize/);
  });
});

function buildSpecInit(spec: ModelSpec, name: string): number[] {
  return Array.from(spec.inits![name].data);
}

describe('ONNX import: errors name the op, the node and a way out', () => {
  const one = (node: NodeSpec, inits: ModelSpec['inits'] = {}, opset = 13, shape: (number | string)[] = [1, 4, 5, 5]): Uint8Array =>
    buildModel({ opset, inputs: [{ name: 'x', shape }], outputs: [node.outputs[0]], inits, nodes: [node] });
  const fails = (bytes: Uint8Array, ...parts: RegExp[]) => {
    let err: unknown;
    try {
      importOnnx(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BranchyUnsupportedError);
    for (const p of parts) expect((err as Error).message).toMatch(p);
  };

  it('an unsupported operator', () => {
    fails(one({ op: 'Resize', name: 'up1', inputs: ['x', '', 's'], outputs: ['y'], attrs: { mode: str('cubic') } }, { s: { dims: [4], data: [1, 1, 2, 2] } }),
      /Resize node 'up1'/, /mode 'cubic'/, /nearest or \(bi\)linear/);
    fails(one({ op: 'Einsum', name: 'e', inputs: ['x'], outputs: ['y'] }), /operator Einsum is not supported/, /branchy imports Conv/);
  });

  it('a group that does not divide the channels', () => {
    fails(one({ op: 'Conv', name: 'g3', inputs: ['x', 'w'], outputs: ['y'], attrs: { group: int(3) } }, { w: { dims: [6, 2, 3, 3], data: rand(108) } }),
      /Conv node 'g3'/, /group=3/, /group must divide/);
  });

  it('weights that are computed, not constant', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 4, 5, 5] }, { name: 'w', shape: [4, 4, 3, 3] }], outputs: ['y'],
      nodes: [{ op: 'Conv', name: 'c', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    fails(bytes, /weight W \('w'\) is computed/, /initializer/);
  });

  it('opsets outside 1-21, foreign domains, symbolic sizes, non-float inputs', () => {
    fails(one({ op: 'Relu', inputs: ['x'], outputs: ['y'] }, {}, 22), /opset 22/, /opset_version between 1 and 21/);
    fails(one({ op: 'FusedConv', domain: 'com.microsoft', inputs: ['x'], outputs: ['y'] }), /domain 'com.microsoft'/);
    fails(one({ op: 'Relu', inputs: ['x'], outputs: ['y'] }, {}, 13, [1, 3, 'H', 'W']), /symbolic size 'H'/, /inputShapes/);
    const given = importOnnx(one({ op: 'Relu', inputs: ['x'], outputs: ['y'] }, {}, 13, ['N', 3, 'H', 'W']), { inputShapes: { x: [1, 3, 8, 8] } });
    expect(given.graph.tensors[0].shape).toEqual([1, 8, 8, 3]);
  });

  it('attributes: pad modes and sizes, resizing channels, empty slices, broadcasting, slopes, GELU', () => {
    fails(one({ op: 'Pad', name: 'p', inputs: ['x', 'p'], outputs: ['y'], attrs: { mode: str('wrap') } }, { p: { dims: [8], data: [0, 0, 1, 1, 0, 0, 1, 1], int64: true } }), /Pad node 'p'/, /mode 'wrap'/);
    fails(one({ op: 'Pad', inputs: ['x', 'p'], outputs: ['y'], attrs: { mode: str('reflect') } }, { p: { dims: [8], data: [0, 0, 5, 0, 0, 0, 0, 0], int64: true } }), /smaller than the axis/);
    fails(one({ op: 'Resize', inputs: ['x', '', 's'], outputs: ['y'] }, { s: { dims: [4], data: [1, 2, 2, 2] } }), /H and W axes/);
    fails(one({ op: 'Slice', inputs: ['x', 'a', 'b'], outputs: ['y'] }, { a: { dims: [1], data: [3], int64: true }, b: { dims: [1], data: [3], int64: true } }), /empty slice/);
    fails(one({ op: 'Add', inputs: ['x', 'c'], outputs: ['y'] }, { c: { dims: [3], data: rand(3) } }), /Add node.*shapes \[1, 4, 5, 5\] and \[3\] do not broadcast/);
    fails(one({ op: 'PRelu', inputs: ['x', 'c'], outputs: ['y'] }, { c: { dims: [5], data: rand(5) } }), /slope of shape \[5\]/, /a slope per channel/);
    fails(one({ op: 'Gelu', inputs: ['x'], outputs: ['y'], attrs: { approximate: str('tanh') } }, {}, 20), /approximate=tanh/);
  });

  it('opsets 1-6: read as opset 7 where the meaning is the same, refused where it is not', () => {
    const x = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i));
    // Reshape-4's shape attribute, Relu-1's consumed_inputs, Cast-5's type name.
    const reshaped = buildModel({ opset: 4, inputs: [{ name: 'x', shape: [1, 4, 5, 5] }], outputs: ['y'], nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'], attrs: { consumed_inputs: ints([0]) } },
      { op: 'Reshape', inputs: ['r'], outputs: ['y'], attrs: { shape: ints([1, 100]) } },
    ] });
    expect(Array.from(importAndRun(reshaped, { x }).out.y)).toEqual(Array.from(x, (v) => Math.max(0, v)));
    const bn = (isTest?: number) => one({ op: 'BatchNormalization', name: 'bn', inputs: ['x', 's', 'b', 'm', 'v'], outputs: ['y'], attrs: isTest === undefined ? {} : { is_test: int(isTest) } },
      Object.fromEntries(['s', 'b', 'm', 'v'].map((k) => [k, { dims: [4], data: [1, 2, 3, 4] }])), 6);
    expect(() => importOnnx(bn(1))).not.toThrow();
    fails(bn(), /BatchNormalization node 'bn'/, /is_test is not 1/, /eval mode/);
    fails(one({ op: 'Dropout', name: 'd', inputs: ['x'], outputs: ['y'] }, {}, 6), /Dropout node 'd'/, /training mode/);
    fails(one({ op: 'Upsample', name: 'u', inputs: ['x'], outputs: ['y'], attrs: { height_scale: float(2), width_scale: float(2) } }, {}, 6), /Upsample node 'u'/, /opset 9 or later/);
    // Legacy broadcasting: B aligned at axis 1 of A (not numpy's last axes), and the suffix case that is numpy's.
    const add = (axis: number) => one({ op: 'Add', name: 'a', inputs: ['x', 'c'], outputs: ['y'], attrs: { broadcast: int(1), axis: int(axis) } }, { c: { dims: [4], data: [1, 2, 3, 4] } }, 6, [1, 4, 5, 4]);
    fails(add(1), /Add node 'a'/, /broadcast=1 with axis=1/);
    expect(() => importOnnx(add(3))).not.toThrow();
  });

  it('is not fooled by garbage bytes', () => {
    expect(() => importOnnx(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(BranchyUnsupportedError);
  });
});

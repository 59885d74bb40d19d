// Transposed convolution (convtranspose2d, ONNX ConvTranspose): every build against the
// reference evaluator's scatter form of ONNX's definition — f32 within rounding, int8 bit for
// bit — over strides 1..3, kernels 1..4, pads, output paddings, groups and depthwise.
import { describe, expect, it } from 'vitest';
import type { Graph, TensorInfo, Weights } from '../../src/ir/types.js';
import { fromGraph } from '../../src/runtime/model.js';
import { evalGraph, evalQuantGraph } from '../reference/ir-eval.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';

interface Case { h: number; w: number; groups: number; cg: number; og: number; k: [number, number]; s: [number, number]; pads: [number, number, number, number]; op: [number, number] }

function randomCase(rng: Rng): Case {
  const s: [number, number] = [rng.int(1, 3), rng.int(1, 3)];
  const k: [number, number] = [rng.int(s[0], 4), rng.int(s[1], 4)];
  const depthwise = rng.next() < 0.25;
  const groups = depthwise ? rng.int(2, 6) : rng.next() < 0.3 ? rng.int(2, 3) : 1;
  return {
    h: rng.int(1, 7), w: rng.int(1, 7), groups, cg: depthwise ? 1 : rng.int(1, 6), og: depthwise ? rng.int(1, 2) : rng.int(1, 7), k, s,
    pads: [rng.int(0, k[0] - 1), rng.int(0, k[1] - 1), rng.int(0, k[0] - 1), rng.int(0, k[1] - 1)], op: [rng.int(0, s[0] - 1), rng.int(0, s[1] - 1)],
  };
}

const outSize = (c: Case): [number, number] => [
  (c.h - 1) * c.s[0] - c.pads[0] - c.pads[2] + c.k[0] + c.op[0], (c.w - 1) * c.s[1] - c.pads[1] - c.pads[3] + c.k[1] + c.op[1],
];

function graphOf(c: Case, rng: Rng, int8: boolean): { graph: Graph; weights: Weights; x: Float32Array } {
  const C = c.groups * c.cg, O = c.groups * c.og;
  const [oh, ow] = outSize(c);
  const wn = O * c.k[0] * c.k[1] * c.cg;
  const attrs = { kernel: c.k, strides: c.s, dilations: [1, 1], pads: c.pads, outputPadding: c.op, groups: c.groups };
  const x = rng.f32(c.h * c.w * C, -2, 2);
  const weights: Weights = new Map();
  if (!int8) {
    weights.set('w', rng.f32(wn, -1, 1)).set('b', rng.f32(O, -1, 1));
    const tensors: TensorInfo[] = [{ name: 'x', shape: [1, c.h, c.w, C], dtype: 'f32' }, { name: 'w', shape: [O, c.k[0], c.k[1], c.cg], dtype: 'f32', constant: true },
      { name: 'b', shape: [O], dtype: 'f32', constant: true }, { name: 'y', shape: [1, oh, ow, O], dtype: 'f32' }];
    return { graph: { tensors, inputs: ['x'], outputs: ['y'], nodes: [{ name: 'up', op: 'convtranspose2d', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs } as never] }, weights, x };
  }
  weights.set('w', rng.i8(wn, -127, 127)).set('b', rng.i32(O, -2000, 2000));
  const tensors: TensorInfo[] = [
    { name: 'x', shape: [1, c.h, c.w, C], dtype: 'f32' },
    { name: 'xq', shape: [1, c.h, c.w, C], dtype: 'i8', quant: { kind: 'tensor', scale: 0.02, zeroPoint: rng.int(-20, 20) } },
    { name: 'w', shape: [O, c.k[0], c.k[1], c.cg], dtype: 'i8', constant: true, quant: { kind: 'channel', axis: 0, scales: Array.from({ length: O }, () => 0.004 + 0.01 * rng.next()) } },
    { name: 'b', shape: [O], dtype: 'i32', constant: true },
    { name: 'yq', shape: [1, oh, ow, O], dtype: 'i8', quant: { kind: 'tensor', scale: 0.05 + 0.1 * rng.next(), zeroPoint: rng.int(-30, 30) } },
    { name: 'y', shape: [1, oh, ow, O], dtype: 'f32' },
  ];
  const nodes = [
    { name: 'q', op: 'quantize', inputs: ['x'], outputs: ['xq'], attrs: {} },
    { name: 'up', op: 'convtranspose2d', inputs: ['xq', 'w', 'b'], outputs: ['yq'], attrs, act: { kind: 'relu' } },
    { name: 'dq', op: 'dequantize', inputs: ['yq'], outputs: ['y'], attrs: {} },
  ] as Graph['nodes'];
  return { graph: { tensors, inputs: ['x'], outputs: ['y'], nodes }, weights, x };
}

describe('convtranspose2d', () => {
  const rng = new Rng(20261207);
  const cases = [
    // output padding past the input's reach: a row and a column of bias-only outputs
    { h: 2, w: 3, groups: 1, cg: 3, og: 4, k: [2, 2], s: [2, 2], pads: [0, 0, 0, 0], op: [1, 1] } as Case,
    // PyTorch's usual 2x upsampling: k 3, stride 2, pad 1, output padding 1
    { h: 4, w: 5, groups: 1, cg: 5, og: 3, k: [3, 3], s: [2, 2], pads: [1, 1, 1, 1], op: [1, 1] } as Case,
    ...Array.from({ length: 300 }, () => randomCase(rng)).filter((c) => outSize(c).every((d) => d >= 1)).slice(0, 60),
  ];

  it('f32: every build matches ONNX ConvTranspose (reference scatter) within float rounding', async () => {
    for (const c of cases) {
      const { graph, weights, x } = graphOf(c, rng, false);
      const want = evalGraph(graph, weights, { x }).get('y')!;
      const scale = Math.max(1, ...Array.from(want, Math.abs));
      for (const build of TEST_BUILDS) {
        const got = (await fromGraph(graph, weights, { build })).run(x, { layout: 'NHWC' }).y.data as Float32Array;
        const err = Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i])));
        expect(err, `${build} ${JSON.stringify(c)}`).toBeLessThanOrEqual(1e-5 * scale);
      }
    }
  });

  it('int8: every build equals the integer reference bit for bit', async () => {
    for (const c of cases) {
      const { graph, weights, x } = graphOf(c, rng, true);
      const want = evalQuantGraph(graph, weights, { x }).get('y') as Float32Array;
      for (const build of TEST_BUILDS) {
        const got = (await fromGraph(graph, weights, { build })).run(x, { layout: 'NHWC' }).y.data;
        expect(Array.from(got), `${build} ${JSON.stringify(c)}`).toEqual(Array.from(want));
      }
    }
  });

  it('refuses what it does not run with a typed error naming the node', async () => {
    const { graph, weights } = graphOf({ h: 3, w: 3, groups: 1, cg: 2, og: 2, k: [2, 2], s: [3, 3], pads: [0, 0, 0, 0], op: [0, 0] }, rng, false);
    await expect(fromGraph(graph, weights)).rejects.toThrow(/node 'up' \(convtranspose2d\): stride \[3, 3\] larger than the kernel/);
  });
});

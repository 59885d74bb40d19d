// Grouped convolution (conv2d attrs.groups, ONNX Conv's group with 1 < group < C): every build
// against the reference evaluator written from ONNX's definition — f32 within rounding, int8
// bit for bit — over random shapes, strides, dilations, pads, odd channel counts and 1x1 /
// pointwise groups (the GEMM path over strided pixels).
import { describe, expect, it } from 'vitest';
import type { Graph, TensorInfo, Weights } from '../../src/ir/types.js';
import { fromGraph } from '../../src/runtime/model.js';
import { evalGraph, evalQuantGraph } from '../reference/ir-eval.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';

interface Case { h: number; w: number; groups: number; cg: number; og: number; k: [number, number]; s: [number, number]; d: [number, number]; pads: [number, number, number, number] }

function randomCase(rng: Rng): Case {
  const k: [number, number] = rng.next() < 0.3 ? [1, 1] : [rng.int(1, 3), rng.int(1, 3)];
  const pointwise = k[0] === 1 && k[1] === 1 && rng.next() < 0.6;
  return {
    h: rng.int(1, 9), w: rng.int(1, 9), groups: rng.int(2, 5), cg: rng.int(1, 7), og: rng.int(1, 9), k,
    s: pointwise ? [1, 1] : [rng.int(1, 2), rng.int(1, 2)], d: pointwise ? [1, 1] : [rng.int(1, 2), 1],
    pads: pointwise ? [0, 0, 0, 0] : [rng.int(0, 1), rng.int(0, 1), rng.int(0, 1), rng.int(0, 1)],
  };
}

const fits = (c: Case) => c.h + c.pads[0] + c.pads[2] - c.d[0] * (c.k[0] - 1) - 1 >= 0 && c.w + c.pads[1] + c.pads[3] - c.d[1] * (c.k[1] - 1) - 1 >= 0;

function graphOf(c: Case, rng: Rng, int8: boolean): { graph: Graph; weights: Weights; x: Float32Array } {
  const C = c.groups * c.cg, O = c.groups * c.og;
  const oh = Math.floor((c.h + c.pads[0] + c.pads[2] - c.d[0] * (c.k[0] - 1) - 1) / c.s[0]) + 1;
  const ow = Math.floor((c.w + c.pads[1] + c.pads[3] - c.d[1] * (c.k[1] - 1) - 1) / c.s[1]) + 1;
  const wn = O * c.k[0] * c.k[1] * c.cg;
  const attrs = { kernel: c.k, strides: c.s, dilations: c.d, pads: c.pads, groups: c.groups };
  const weights: Weights = new Map();
  const tensors: TensorInfo[] = [];
  if (!int8) {
    weights.set('w', rng.f32(wn, -1, 1)).set('b', rng.f32(O, -1, 1));
    tensors.push({ name: 'x', shape: [1, c.h, c.w, C], dtype: 'f32' }, { name: 'w', shape: [O, c.k[0], c.k[1], c.cg], dtype: 'f32', constant: true },
      { name: 'b', shape: [O], dtype: 'f32', constant: true }, { name: 'y', shape: [1, oh, ow, O], dtype: 'f32' });
    return { graph: { tensors, inputs: ['x'], outputs: ['y'], nodes: [{ name: 'conv', op: 'conv2d', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs, act: { kind: 'relu6' } }] }, weights, x: rng.f32(c.h * c.w * C, -2, 2) };
  }
  weights.set('w', rng.i8(wn, -127, 127)).set('b', rng.i32(O, -2000, 2000));
  tensors.push(
    { name: 'x', shape: [1, c.h, c.w, C], dtype: 'f32' },
    { name: 'xq', shape: [1, c.h, c.w, C], dtype: 'i8', quant: { kind: 'tensor', scale: 0.02, zeroPoint: rng.int(-20, 20) } },
    { name: 'w', shape: [O, c.k[0], c.k[1], c.cg], dtype: 'i8', constant: true, quant: { kind: 'channel', axis: 0, scales: Array.from({ length: O }, () => 0.004 + 0.01 * rng.next()) } },
    { name: 'b', shape: [O], dtype: 'i32', constant: true },
    { name: 'yq', shape: [1, oh, ow, O], dtype: 'i8', quant: { kind: 'tensor', scale: 0.05 + 0.1 * rng.next(), zeroPoint: rng.int(-30, 30) } },
    { name: 'y', shape: [1, oh, ow, O], dtype: 'f32' },
  );
  const nodes: Graph['nodes'] = [
    { name: 'q', op: 'quantize', inputs: ['x'], outputs: ['xq'], attrs: {} },
    { name: 'conv', op: 'conv2d', inputs: ['xq', 'w', 'b'], outputs: ['yq'], attrs, act: { kind: 'relu' } },
    { name: 'dq', op: 'dequantize', inputs: ['yq'], outputs: ['y'], attrs: {} },
  ];
  return { graph: { tensors, inputs: ['x'], outputs: ['y'], nodes }, weights, x: rng.f32(c.h * c.w * C, -2, 2) };
}

describe('grouped conv2d', () => {
  const rng = new Rng(2026_12_07);
  const cases = Array.from({ length: 400 }, () => randomCase(rng)).filter(fits).slice(0, 60);

  it('f32: every build matches ONNX Conv with group (reference evaluator) within float rounding', async () => {
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

  it('refuses groups that do not divide the channels, with the node named', async () => {
    const { graph, weights } = graphOf({ h: 4, w: 4, groups: 3, cg: 2, og: 2, k: [3, 3], s: [1, 1], d: [1, 1], pads: [1, 1, 1, 1] }, rng, false);
    (graph.nodes[0].attrs as { groups: number }).groups = 4;
    await expect(fromGraph(graph, weights)).rejects.toThrow(/node 'conv' \(conv2d\): weights expect 2 input channels per group \(4 groups\), input has 6/);
  });
});

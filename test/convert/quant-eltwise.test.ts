// int8 conversion of the element-wise ops and activations (quantizeGraph, minmax): every node of
// a float graph with a squeeze-excitation block, all six binary ops, prelu and every activation
// (fused into convs and standalone) runs in int8 — nothing left in float; the non-clamp
// activations become standalone int8 tables after their layer, each with its own calibrated
// input range; the int8 graph equals the integer reference exactly and is bit-identical across
// builds; and it stays close to the float graph.
import { describe, expect, it } from 'vitest';
import { quantizeGraph } from '../../src/convert/quantize.js';
import { runtimeObserve } from '../../src/cli/compress.js';
import { fromGraph } from '../../src/runtime/model.js';
import { isClampAct } from '../../src/ir/numerics.js';
import { evalGraph, evalQuantGraph } from '../reference/ir-eval.js';
import { eltwiseNet } from '../helpers/eltwise-net.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('int8 conversion of element-wise ops and activations', () => {
  it('leaves nothing in float, splits non-clamp activations into tables, equals the integer reference in every build', async () => {
    const { graph, weights } = eltwiseNet(7, false);
    const rng = new Rng(70);
    const calib = Array.from({ length: 16 }, () => rng.f32(6 * 5 * 16, -2, 2));
    const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: runtimeObserve(calib, '') });
    expect(q.float).toEqual([]);
    const dtype = new Map(q.graph.tensors.map((t) => [t.name, t.dtype]));
    const compute = q.graph.nodes.filter((n) => n.op !== 'quantize' && n.op !== 'dequantize');
    for (const n of compute) expect(dtype.get(n.inputs[0]), `${n.name} (${n.op}) reads int8`).toBe('i8');
    // Every fused activation left is a clamp; the others are int8 activation nodes of their own.
    expect(compute.filter((n) => n.op !== 'activation' && !isClampAct(n.act))).toEqual([]);
    const kinds = compute.filter((n) => n.op === 'activation').map((n) => n.act!.kind).sort();
    expect(kinds).toEqual(['elu', 'erf', 'gelu', 'hardsigmoid', 'hardswish', 'leakyrelu', 'sigmoid', 'sigmoid', 'silu', 'tanh']);
    for (const s of [0, 1]) {
      const x = rng.f32(6 * 5 * 16, -2, 2);
      const want = evalQuantGraph(q.graph, q.weights, { x }).get('y') as Float32Array;
      for (const build of TEST_BUILDS) {
        const got = (await fromGraph(q.graph, q.weights, { build })).run(x, { layout: 'NHWC' }).y.data as Float32Array;
        expect(bits(got), `${build}, sample ${s}`).toEqual(bits(want));
      }
      // Close to float: relative L2 error.
      const f = evalGraph(graph, weights, { x }).get('y')!;
      let num = 0, den = 0;
      for (let i = 0; i < f.length; i++) {
        num += (f[i] - want[i]) ** 2;
        den += f[i] ** 2;
      }
      expect(Math.sqrt(num / den), `sample ${s}: int8 against f32`).toBeLessThan(0.1);
    }
  });

  it('keepFloat keeps a layer and its fused activation together in f32', async () => {
    const { graph, weights } = eltwiseNet(8, false);
    const conv = graph.nodes.find((n) => n.op === 'conv2d' && n.act?.kind === 'silu')!;
    const calib = [new Rng(80).f32(6 * 5 * 16, -2, 2)];
    const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: runtimeObserve(calib, ''), keepFloat: [conv.name] });
    expect(q.float.map((f) => f.node)).toContain(conv.name);
    expect(q.graph.nodes.find((n) => n.name === conv.name)!.act).toEqual({ kind: 'silu' });
  });
});

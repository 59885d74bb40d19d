// uint8 graph inputs (src/convert/onnx/uint8-inputs.ts): a quantized model that takes pixels,
// against ONNX Runtime on the same uint8 values, in every build.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { importOnnx } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { BranchyUnsupportedError } from '../../src/errors.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import { buildModel, ints, maxRelErr, type ModelSpec } from './helpers.js';

const UINT8 = 2;

describe('uint8 graph inputs', () => {
  const rng = new Rng(161);
  const dims = [2, 3, 6, 5];
  const spec = (zp: boolean): ModelSpec => ({
    inputs: [{ name: 'x', shape: ['N', 3, 6, 5], elemType: UINT8 }], outputs: ['y'],
    inits: {
      s: { dims: [], data: [0.0173] }, ...(zp ? { z: { dims: [], data: [121], uint8: true } } : {}),
      w: { dims: [4, 3, 3, 3], data: Array.from({ length: 108 }, () => rng.next() - 0.5) }, b: { dims: [4], data: [0.1, 0, -0.1, 0.2] },
    },
    nodes: [
      { op: 'DequantizeLinear', inputs: zp ? ['x', 's', 'z'] : ['x', 's'], outputs: ['xf'] },
      { op: 'Conv', inputs: ['xf', 'w', 'b'], outputs: ['c'], attrs: { pads: ints([1, 1, 1, 1]) } },
      { op: 'Relu', inputs: ['c'], outputs: ['y'] },
    ],
  });
  const pixels = Uint8Array.from({ length: 180 }, () => rng.int(0, 255));

  for (const zp of [true, false]) {
    it(`a Uint8Array of pixels gives ONNX Runtime's output (zero point ${zp ? 121 : 'absent'})`, async () => {
      const model = buildModel(spec(zp));
      const s = await ort.InferenceSession.create(model);
      const want = (await s.run({ x: new ort.Tensor('uint8', pixels, dims) })).y.data as Float32Array;
      const { graph, weights } = importOnnx(model);
      expect(graph.normalize).toEqual({ mean: [zp ? 121 : 0], std: [1 / Math.fround(0.0173)], scale: 1 });
      for (const build of TEST_BUILDS) {
        const got = (await fromGraph(graph, weights, { build })).run(pixels).y.data;
        expect(maxRelErr(got, want), build).toBeLessThan(1e-5);
      }
    });
  }

  it('refuses a uint8 input read by anything but DequantizeLinear', () => {
    const m = buildModel({ inputs: [{ name: 'x', shape: [1, 3, 2, 2], elemType: UINT8 }], outputs: ['y'], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
    expect(() => importOnnx(m)).toThrow(BranchyUnsupportedError);
    expect(() => importOnnx(m)).toThrow(/graph input 'x' has type UINT8 and is read by Relu/);
  });
});

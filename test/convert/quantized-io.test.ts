// Quantized graph inputs and outputs against ONNX Runtime: a small QDQ conv net that takes uint8
// (or int8) pixels and ends with QuantizeLinear to uint8 (or int8), as ONNX Runtime's quantizer
// writes them; branchy's integers against ORT's, in every build, from the graph and from its
// .branchy file.
//
// Against which ORT: with its graph optimizations (the default), ORT fuses DQ -> Conv -> Q into
// QLinearConv, whose x86 uint8 x int8 kernels (AVX2 without VNNI: pairs of products summed in
// int16, VPMADDUBSW) saturate when the weights use the full int8 range: measured on this net with
// uint8 activations, 230 of 256 outputs differ from ORT's own unfused QDQ by up to 63 steps
// (ORT's quantizer offers reduce_range for this). So full-range weights are compared with ORT
// without optimizations (its reference DequantizeLinear -> float Conv -> QuantizeLinear), and
// 7-bit weights ([-63, 63], reduce_range) with ORT's fused kernels; both exactly.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { exportOnnx, importOnnx } from '../../src/convert/index.js';
import { fromGraph, load } from '../../src/runtime/model.js';
import { writeBranchy } from '../../src/format/branchy.js';
import { BranchyInputError } from '../../src/errors.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import { ORT_TYPE, qdqNet, qlinearConvNet, type IntType } from '../helpers/qdq-net.js';

const DIMS = [4, 3, 8, 8];
const pixels = (type: IntType, seed: number): Uint8Array | Int8Array => {
  const rng = new Rng(seed);
  const n = DIMS.reduce((a, b) => a * b);
  return type === 'u8' ? Uint8Array.from({ length: n }, () => rng.int(0, 255)) : Int8Array.from({ length: n }, () => rng.int(-128, 127));
};

/** Largest |a - b| and how many values differ. */
function steps(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; differ: number } {
  let max = 0, differ = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    max = Math.max(max, d);
    if (d) differ++;
  }
  return { max, differ };
}

describe('quantized inputs and outputs against ONNX Runtime', () => {
  const cases = [['u8', 'u8'], ['u8', 'i8'], ['i8', 'i8'], ['i8', 'u8']] as const;
  const variants = [[127, 'disabled', 'full-range weights, ORT unfused'], [63, 'all', '7-bit weights, ORT fused']] as const;
  for (const [input, output] of cases) for (const [wmax, level, what] of variants) {
    it(`${input} pixels in, ${output} out: ORT's integers (${what})`, async () => {
      const model = qdqNet(input, output, wmax);
      const x = pixels(input, 16);
      const s = await ort.InferenceSession.create(model, { graphOptimizationLevel: level });
      const want = (await s.run({ x: new ort.Tensor(ORT_TYPE[input], x, DIMS) })).y;
      expect(want.type).toBe(ORT_TYPE[output]);
      const { graph, weights } = importOnnx(model);
      const file = writeBranchy(graph, weights);
      for (const build of TEST_BUILDS) {
        for (const m of [await fromGraph(graph, weights, { build }), await load(file, { build })]) {
          expect(m.info.inputs[0]).toMatchObject({ dtype: input, quant: { scale: Math.fround(0.02), zeroPoint: input === 'u8' ? 120 : -8 } });
          expect(m.info.outputs[0]).toMatchObject({ dtype: output, quant: { scale: Math.fround(0.1), zeroPoint: output === 'u8' ? 128 : 3 } });
          const y = m.run(x).y;
          expect(y.data).toBeInstanceOf(output === 'u8' ? Uint8Array : Int8Array);
          expect(y.dims).toEqual(want.dims);
          expect(y.quant).toEqual({ scale: Math.fround(0.1), zeroPoint: output === 'u8' ? 128 : 3 });
          const d = steps(y.data, want.data as Uint8Array | Int8Array);
          expect(d, `${build}: ${d.differ} of ${y.data.length} values differ from ORT's, by at most ${d.max}`).toEqual({ max: 0, differ: 0 });
        }
      }
    });
  }

  it('a model that is one QLinearConv (uint8 in and out) gives ORT\'s integers', async () => {
    const model = qlinearConvNet();
    const rng = new Rng(3), dims = [2, 3, 6, 6];
    const x = Uint8Array.from({ length: 216 }, () => rng.int(0, 255));
    const s = await ort.InferenceSession.create(model);
    const want = (await s.run({ x: new ort.Tensor('uint8', x, dims) })).y.data as Uint8Array;
    const { graph, weights } = importOnnx(model);
    for (const build of TEST_BUILDS) {
      const y = (await fromGraph(graph, weights, { build })).run(x).y;
      expect(y.data).toBeInstanceOf(Uint8Array);
      expect(y.quant).toEqual({ scale: Math.fround(0.04), zeroPoint: 100 });
      expect(steps(y.data, want), build).toEqual({ max: 0, differ: 0 });
    }
  });

  it('exportOnnx keeps the integer input and output types (uint8 and int8 activations); ORT and the re-import give the same integers', async () => {
    for (const [input, output] of cases) for (const activations of ['uint8', 'int8'] as const) {
      const { graph, weights } = importOnnx(qdqNet(input, output, 63));
      const x = pixels(input, 18);
      const want = (await fromGraph(graph, weights, { build: 'scalar' })).run(x).y.data;
      const bytes = exportOnnx(graph, weights, { activations });
      const s = await ort.InferenceSession.create(bytes);
      const y = (await s.run({ x: new ort.Tensor(ORT_TYPE[input], x, DIMS) })).y;
      const what = `${input} -> ${output}, ${activations} activations`;
      expect(y.type, what).toBe(ORT_TYPE[output]);
      expect(steps(want, y.data as Uint8Array | Int8Array), what).toEqual({ max: 0, differ: 0 });
      const back = importOnnx(bytes);
      expect(back.graph.tensors.filter((t) => t.sourceDtype).map((t) => [t.name, t.sourceDtype]), what).toEqual([['x', input], ['y', output]]);
      const again = (await fromGraph(back.graph, back.weights, { build: 'scalar' })).run(x).y.data;
      expect(again.constructor, what).toBe(want.constructor);
      expect(steps(again, want), what).toEqual({ max: 0, differ: 0 });
    }
  });

  it('a Float32Array of dequantized values gives the same integers; the other integer type is refused', async () => {
    const model = qdqNet('i8', 'u8');
    const x = pixels('i8', 17) as Int8Array;
    const m = await fromGraph(importOnnx(model).graph, importOnnx(model).weights, { build: 'scalar' });
    const f = Float32Array.from(x, (v) => (v + 8) * Math.fround(0.02));
    expect(Array.from(m.run(f).y.data)).toEqual(Array.from(m.run(x).y.data));
    expect(() => m.run(Uint8Array.from(x))).toThrow(BranchyInputError);
    expect(() => m.run(Uint8Array.from(x))).toThrow(/input 'x' is int8 in the model: pass an Int8Array/);
    const u = await fromGraph(importOnnx(qdqNet('u8', 'u8')).graph, importOnnx(qdqNet('u8', 'u8')).weights, { build: 'scalar' });
    expect(() => u.run(x)).toThrow(/an Int8Array is for an int8 input, and this one is uint8: pass a Uint8Array/);
    await expect(fromGraph(importOnnx(model).graph, importOnnx(model).weights, { normalize: { scale: 255 } })).rejects.toThrow(/its dequantization is the model's normalisation/);
  });
});

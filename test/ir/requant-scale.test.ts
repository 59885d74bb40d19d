// The int8 multiplier's two arithmetics (src/ir/numerics.ts requantScale): `f64` (branchy's
// default) and `f32`, XNNPACK's (LiteRT's) float arithmetic, which the TFLite importer turns on;
// and the graph field that carries the choice through a .branchy file.
import { describe, expect, it } from 'vitest';
import { importTflite } from '../../src/convert/index.js';
import { BranchyFormatError } from '../../src/errors.js';
import { readBranchy, writeBranchy } from '../../src/format/index.js';
import { requantScale } from '../../src/ir/numerics.js';
import type { Graph } from '../../src/ir/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { dscnnSeededInputs, mlperfBytes } from '../helpers/mlperf.js';
import { evalQuantGraph } from '../reference/ir-eval.js';
import { TEST_BUILDS } from '../helpers/wasm.js';

const f32 = (bits: number) => new Float32Array(new Uint32Array([bits]).buffer)[0];

// (s_in, s_w, s_out) of three DS-CNN (MLPerf Tiny) channels, and the multiplier's bits as C
// computes them on f32 values (what XNNPACK's convolution-nhwc.c writes, `input_scale *
// kernel_scale[c] / output_scale`) and in double rounded once; gcc -ffp-contract=off.
const CASES = [
  { s: [0x3f15af17, 0x3aae914d, 0x3da13ac8], xnnpack: 0x3c221119, f64: 0x3c221118 }, // conv 0, stem
  { s: [0x3da13ac8, 0x3c52b6eb, 0x3da99aea], xnnpack: 0x3c484f16, f64: 0x3c484f15 }, // depthwise 1
  { s: [0x3da99aea, 0x3b1777fa, 0x3d75dd81], xnnpack: 0x3b50f9a2, f64: 0x3b50f9a3 }, // pointwise 2
];

describe('requantScale', () => {
  it.each(CASES)('f32 mode gives XNNPACK\'s multiplier where it differs from f64 ($xnnpack)', ({ s, xnnpack, f64 }) => {
    const [sIn, sW, sOut] = s.map(f32);
    expect(requantScale(sIn, sW, sOut, 'f32')).toBe(f32(xnnpack));
    expect(requantScale(sIn, sW, sOut, 'f64')).toBe(f32(f64));
    expect(requantScale(sIn, sW, sOut)).toBe(f32(f64));
  });
});

describe('graph.requantScale', () => {
  const dscnn = () => importTflite(mlperfBytes('kws_dscnn_int8.tflite'));

  it('the TFLite importer sets f32; a .branchy file keeps it', () => {
    const { graph, weights } = dscnn();
    expect(graph.requantScale).toBe('f32');
    expect(readBranchy(writeBranchy(graph, weights)).graph.requantScale).toBe('f32');
  });

  it('absent: the file carries no field (files written before it load unchanged)', () => {
    const { graph, weights } = dscnn();
    delete graph.requantScale;
    const bytes = writeBranchy(graph, weights);
    expect(new TextDecoder().decode(bytes)).not.toContain('requantScale');
    expect(readBranchy(bytes).graph.requantScale).toBeUndefined();
  });

  it('a value other than f64 or f32: BranchyFormatError naming the field', () => {
    const { graph, weights } = dscnn();
    const bytes = writeBranchy({ ...graph, requantScale: 'f16' } as unknown as Graph, weights);
    expect(() => readBranchy(bytes)).toThrow(BranchyFormatError);
    expect(() => readBranchy(bytes)).toThrow(/\.requantScale: expected 'f64' or 'f32'/);
  });
});

describe('DS-CNN (TFLite import) against the int8 reference, in each mode', () => {
  // Seeded input 1592: one where the two arithmetics give different outputs (tflite-import.test.ts).
  it.each(TEST_BUILDS)('%s build: the runtime equals test/reference/ir-eval.ts bit for bit with f32 and with f64 multipliers, which differ', async (build) => {
    const { graph, weights } = importTflite(mlperfBytes('kws_dscnn_int8.tflite'));
    const x = graph.tensors.find((t) => t.name === graph.inputs[0])!;
    // The input is f32; its quantize step's output carries the file's input quantization.
    const qt = graph.tensors.find((t) => t.name === graph.nodes[0].outputs[0])!.quant;
    const q = qt?.kind === 'tensor' ? qt : null;
    const [input] = dscnnSeededInputs(x.shape.reduce((a, d) => a * d, 1), [1592]);
    const feed = Float32Array.from(input, (v) => (v - q!.zeroPoint) * q!.scale);
    const out: Record<string, number[]> = {};
    for (const mode of ['f32', 'f64'] as const) {
      const g = { ...graph, requantScale: mode };
      const want = Array.from(evalQuantGraph(g, weights, { [x.name]: feed }).get(g.outputs[0]) as Float32Array);
      const got = Array.from(Object.values((await fromGraph(g, weights, { build })).run(feed))[0].data as Float32Array);
      expect(got, mode).toEqual(want);
      out[mode] = want;
    }
    expect(out.f32).not.toEqual(out.f64);
  });
});

// The input's writer against the quantize kernel over the whole input, bit for bit, in every
// build: the fused table path (uint8 pixels -> int8 through one table per channel, the quantize
// step skipped) and the staged writer (no f32 slot: in JS up to 1024 values, else in chunks of
// whole pixels through a staging buffer), for one- and three-channel models and made-up shapes,
// float and uint8 data, NCHW and NHWC, exact ties and clamps; and a model's answers for uint8
// pixels equal its answers for the same pixels normalised by hand.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { readBranchy } from '../../src/format/branchy.js';
import { compile, type Program } from '../../src/runtime/executor.js';
import { InputWriter } from '../../src/runtime/input.js';
import { LinearMemory } from '../../src/runtime/memory.js';
import { loadKernels } from '../../src/runtime/wasm.js';
import { fromGraph, load } from '../../src/runtime/model.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { kernels, TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import { programOf } from '../helpers/program.js';

const here = (p: string) => new URL(p, import.meta.url);
const BRANCHY_LENET = here('../../models/branchy-lenet-mnist.int8.branchy');

function models(): { name: string; graph: Graph; weights: Weights }[] {
  const lenet = readBranchy(new Uint8Array(readFileSync(BRANCHY_LENET)));
  const mobilenet = importOnnx(new Uint8Array(readFileSync(here('../fixtures/quant_mobilenet_qdq.onnx'))));
  // A made-up normalisation for the three-channel fixture (its input is quantized for [0, 1]):
  // different per channel, so that each channel needs its own table.
  mobilenet.graph.normalize = { scale: 255, mean: [0, 0.1, -0.05], std: [1, 1.25, 0.9] };
  return [
    { name: 'Branchy-LeNet int8 (1 channel)', ...lenet },
    { name: 'MobileNet-style QDQ (3 channels, NCHW)', ...mobilenet },
  ];
}

/** Images that hold every uint8 value in every channel, then random ones. */
function images(elements: number, channels: number): Uint8Array[] {
  const hw = elements / channels;
  const out: Uint8Array[] = [];
  for (let shift = 0; shift < 256; shift += hw) {
    out.push(Uint8Array.from({ length: elements }, (_, i) => (Math.floor(i / hw) * 37 + (i % hw) + shift) % 256));
  }
  const rng = new Rng(0x1a7);
  for (let k = 0; k < 3; k++) out.push(Uint8Array.from({ length: elements }, () => rng.int(0, 255)));
  return out;
}

function quantizeStep(program: Program, input: string) {
  return program.steps.find((s) => s.node.op === 'quantize' && s.node.inputs[0] === input)!;
}

describe('fused quantize-on-input', () => {
  for (const m of models()) {
    it(`${m.name}: the staged and table paths write the same int8 input as normalise + quantize, in every build`, async () => {
      const name = m.graph.inputs[0];
      for (const build of TEST_BUILDS) {
        // The reference: keepIntermediates keeps the f32 input slot (no staging): normalise, then the
        // quantize step. In its own instance (a LinearMemory of the shared one would reuse its bytes).
        const ref = compile(new LinearMemory(await loadKernels({ build })), m.graph, m.weights, { build, keepAll: true });
        const mem = new LinearMemory(await kernels(build));
        const program = compile(mem, m.graph, m.weights, { build });
        const fused = program.inputQuantize.get(name);
        expect(fused, 'the input feeds a quantize node only').toBeDefined();
        expect(fused!.staged, 'staged').toBeTruthy();
        expect(ref.inputQuantize.get(name)!.staged, 'not staged with keepAll').toBeFalsy();
        const slot = program.tensors.get(name)!;
        const out = program.tensors.get(fused!.output)!;
        const writer = new InputWriter(program, slot, name, m.graph.normalize, build);
        const refWriter = new InputWriter(ref, ref.tensors.get(name)!, name, m.graph.normalize, build);
        const refOut = ref.tensors.get(fused!.output)!;
        const channels = slot.info.shape[3];
        for (const img of images(slot.elements, channels)) {
          refWriter.write(img, 0, 'NCHW', false);
          expect(ref.inputQuantize.get(name)!.prequantized).toBe(false);
          quantizeStep(ref, name).run();
          const want = ref.mem.i8(refOut.ptr, refOut.elements).slice();
          // keepIntermediates' own table path (uint8 -> int8 in one kernel, the quantize step skipped).
          ref.mem.i8(refOut.ptr, refOut.elements).fill(0);
          refWriter.write(img, 0, 'NCHW');
          expect(ref.inputQuantize.get(name)!.prequantized).toBe(true);
          expect(Array.from(ref.mem.i8(refOut.ptr, refOut.elements)), `${m.name} (${build}) table`).toEqual(Array.from(want));
          // The staged writer (JS tables for LeNet's 784 values, the table kernel in one chunk for 32x32x3).
          mem.i8(out.ptr, out.elements).fill(0);
          writer.write(img, 0, 'NCHW');
          quantizeStep(program, name).run(); // skipped: leaves the writer's values
          const got = mem.i8(out.ptr, out.elements);
          const hw = slot.elements / channels;
          for (let i = 0; i < want.length; i++) {
            if (got[i] !== want[i]) {
              const p = Math.floor(i / channels), c = i % channels;
              throw new Error(`${m.name} (${build}): int8 input at pixel ${p} channel ${c} = ${got[i]}, want ${want[i]} (uint8 ${img[c * hw + p]})`);
            }
          }
        }
      }
    });
  }

  /** x f32 of `shape` -> quantize: the output is the int8 input. */
  function quantizeOnly(shape: number[], scale: number, zeroPoint: number): { graph: Graph; weights: Weights } {
    const graph: Graph = {
      tensors: [
        { name: 'x', shape, dtype: 'f32' },
        { name: 'y', shape, dtype: 'i8', quant: { kind: 'tensor', scale, zeroPoint } },
      ],
      nodes: [{ name: 'q', op: 'quantize', inputs: ['x'], outputs: ['y'], attrs: {} }] as Graph['nodes'],
      inputs: ['x'],
      outputs: ['y'],
    };
    return { graph, weights: new Map() };
  }

  it('staged float and uint8 inputs (in JS up to 1024 values, else in chunks of whole pixels) equal the quantize kernel over the whole input: ties, clamps, NCHW, every build', async () => {
    const rng = new Rng(0x57a9);
    // Values per sample: 640 and 300 (JS), 6000 (two chunks of 1365 pixels x 3), 9000 (three of 4096), 4900 (7 pixels of 700 channels per chunk).
    const shapes = [[1, 640], [1, 10, 10, 3], [1, 50, 40, 3], [1, 9000], [1, 1, 7, 700]];
    for (const shape of shapes) {
      const n = shape.slice(1).reduce((a, b) => a * b, 1);
      const scale = Math.fround(0.01 + 0.05 * rng.next()), zp = rng.int(-30, 30);
      const { graph, weights } = quantizeOnly(shape, scale, zp);
      const c = shape.length === 4 ? shape[3] : 1;
      graph.normalize = { scale: 255, mean: Array.from({ length: c }, () => rng.next() - 0.5), std: Array.from({ length: c }, () => 0.2 + rng.next()) };
      const xs: Float32Array[] = [];
      for (let k = 0; k < 3; k++) {
        xs.push(Float32Array.from({ length: n }, () => {
          const r = rng.next();
          // Exact ties of x / scale (k + 0.5), values past the clamp, and plain ones.
          if (r < 0.3) return Math.fround((rng.int(-140, 140) + 0.5) * scale);
          if (r < 0.4) return (rng.next() - 0.5) * 1000 * scale;
          return (rng.next() - 0.5) * 300 * scale;
        }));
      }
      const ties = xs[0].filter((v) => { const t = Math.fround(v / scale); return t - Math.floor(t) === 0.5; }).length;
      expect(ties, 'the inputs hold exact ties').toBeGreaterThan(n / 10);
      const pixels = Array.from({ length: 2 }, () => Uint8Array.from({ length: n }, () => rng.int(0, 255)));
      for (const build of TEST_BUILDS) {
        const staged = await fromGraph(graph, weights, { build });
        const whole = await fromGraph(graph, weights, { build, keepIntermediates: true });
        // Up to 1024 values the staging buffer (4 bytes a value) would be the peak beside the int8 output: JS.
        const chunk = programOf(staged).inputQuantize.get('x')!.staged!.chunk;
        expect(chunk, JSON.stringify(shape)).toBe(n <= 1024 ? 0 : Math.min(n, Math.floor(4096 / (shape.length === 4 ? shape[3] : 1)) * (shape.length === 4 ? shape[3] : 1)));
        for (const layout of shape.length === 4 ? (['NHWC', 'NCHW'] as const) : ([undefined] as const)) {
          for (const x of [...xs, ...pixels]) {
            const a = staged.run(x, { layout }).y.data, b = whole.run(x, { layout }).y.data;
            expect(Array.from(a), `${JSON.stringify(shape)} ${build} ${layout ?? ''} ${x.constructor.name}`).toEqual(Array.from(b));
          }
        }
        // A NaN anywhere is refused by name and index, whichever path.
        const bad = xs[1].slice();
        bad[n - 1] = NaN;
        expect(() => staged.run(bad), `${JSON.stringify(shape)} ${build}`).toThrow(new RegExp(`index ${n - 1} is not finite`));
      }
    }
  });
  it('a model answers uint8 pixels exactly as the same pixels normalised by hand', async () => {
    const bytes = new Uint8Array(readFileSync(BRANCHY_LENET));
    const model = await load(bytes, { build: 'simd' });
    const norm = model.info.normalize!;
    const rng = new Rng(0x5eed);
    for (let k = 0; k < 20; k++) {
      const px = Uint8Array.from({ length: 784 }, () => (rng.next() < 0.7 ? 0 : rng.int(0, 255)));
      const f32 = Float32Array.from(px, (v) => (v / norm.scale - norm.mean[0]) / norm.std[0]);
      for (const policy of [{ kind: 'full' as const }, { kind: 'entropy' as const }]) {
        const a = model.run(px, { policy });
        const b = model.run(f32, { policy });
        expect([a.exit, a.label, a.entropy, a.confidence, ...a.probs]).toEqual([b.exit, b.label, b.entropy, b.confidence, ...b.probs]);
      }
      const a = model.run(px), b = model.run(f32);
      for (const o of Object.keys(a)) expect(Array.from(a[o].data)).toEqual(Array.from(b[o].data));
    }
  });
});

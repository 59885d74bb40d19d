// The fused input step (uint8 pixels -> int8 through one table per channel, the quantize
// step skipped) against the unfused one (normalise to f32, then the quantize kernel), bit for
// bit, in every build, for one- and three-channel models; and a model's answers for uint8
// pixels equal its answers for the same pixels normalised by hand.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { readBranchy } from '../../src/format/branchy.js';
import { compile, type Program } from '../../src/runtime/executor.js';
import { InputWriter } from '../../src/runtime/input.js';
import { LinearMemory } from '../../src/runtime/memory.js';
import { load } from '../../src/runtime/model.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { kernels, TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';

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
    it(`${m.name}: the table path writes the same int8 input as normalise + quantize, in every build`, async () => {
      const name = m.graph.inputs[0];
      for (const build of TEST_BUILDS) {
        const mem = new LinearMemory(await kernels(build));
        const program = compile(mem, m.graph, m.weights, { build });
        const fused = program.inputQuantize.get(name);
        expect(fused, 'the input feeds a quantize node only').toBeDefined();
        const slot = program.tensors.get(name)!;
        const out = program.tensors.get(fused!.output)!;
        const writer = new InputWriter(program, slot, name, m.graph.normalize, build);
        const step = quantizeStep(program, name);
        const channels = slot.info.shape[3];
        for (const img of images(slot.elements, channels)) {
          writer.write(img, 0, 'NCHW', false);
          expect(fused!.prequantized).toBe(false);
          step.run();
          const want = mem.i8(out.ptr, out.elements).slice();
          mem.i8(out.ptr, out.elements).fill(0);
          writer.write(img, 0, 'NCHW');
          expect(fused!.prequantized).toBe(true);
          step.run(); // skipped: leaves the table's values
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

// No kernel stores past its buffers, which the arena relies on: buffers alive at one step may
// touch (planner.ts), so a store past one would land in its neighbour. Each model is compiled
// with CompileOptions.guard (16 sentinel bytes after every buffer, checked around every step)
// and run on seeded inputs in every build: the MLPerf Tiny files (int8 and f32), every shipped
// model, the model zoo in f32 and int8 (plain minmax) — the kernels over the shapes people bring.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importTflite } from '../../src/convert/index.js';
import { readBranchy } from '../../src/format/index.js';
import { compile, guardSteps, GUARD_BYTES, type Slot, type Step } from '../../src/runtime/executor.js';
import { InputWriter } from '../../src/runtime/input.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { MLPERF_FILES, mlperfBytes } from '../helpers/mlperf.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import { importZoo, quantizeZoo, readZoo } from '../zoo/harness.js';

/** Compiles with guard, writes two seeded samples, runs every step (a store past a buffer throws). */
async function guarded(name: string, graph: Graph, weights: Weights): Promise<number> {
  let steps = 0;
  for (const build of TEST_BUILDS) {
    const mem = await memoryFor(build);
    const p = compile(mem, graph, weights, { build, guard: true });
    const rng = new Rng(0x9a4d);
    for (let k = 0; k < 2; k++) {
      for (const input of graph.inputs) {
        const slot = p.tensors.get(input)!;
        const writer = new InputWriter(p, slot, input, graph.normalize, build);
        writer.write(rng.f32(slot.elements, -1.5, 1.5), 0, 'NHWC');
      }
      for (const s of p.steps) {
        try {
          s.run();
        } catch (e) {
          throw new Error(`${name} (${build}): ${(e as Error).message}`);
        }
      }
      steps += p.steps.length;
    }
  }
  return steps;
}

describe('no kernel stores past its buffers', () => {
  it('the guard: a step that writes one byte past its buffer throws, naming the step and the buffer', async () => {
    const mem = await memoryFor('simd');
    const at = mem.alloc(64 + GUARD_BYTES);
    const slot: Slot = { name: 'y', ptr: at, bytes: 64, first: 0, last: 0 };
    for (const [past, throws] of [[0, false], [1, true], [GUARD_BYTES, true]] as const) {
      const step = { node: { name: 'n', op: 'add' }, macs: 0, run: () => mem.u8(at, 64 + past).fill(1) } as unknown as Step;
      guardSteps(mem, [step], [slot]);
      if (throws) expect(() => step.run()).toThrow(/step 0 \(add 'n'\) wrote past 'y' \(64 bytes\), at byte 64/);
      else step.run();
    }
  });

  it('the MLPerf Tiny files and every shipped model', async () => {
    let steps = 0;
    for (const f of MLPERF_FILES) {
      const { graph, weights } = importTflite(mlperfBytes(f));
      steps += await guarded(f, graph, weights);
    }
    const dir = new URL('../../models/', import.meta.url);
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.branchy'))) {
      const { graph, weights } = readBranchy(new Uint8Array(readFileSync(new URL(f, dir))));
      steps += await guarded(f, graph, weights);
    }
    expect(steps).toBeGreaterThan(1000);
  }, 120_000);

  it('the model zoo, f32 and int8', async () => {
    let steps = 0;
    for (const m of readZoo().models) {
      const { graph, weights } = importZoo(m);
      steps += await guarded(`${m.name} f32`, graph, weights);
      const q = await quantizeZoo(m, graph, weights, false);
      steps += await guarded(`${m.name} int8`, q.graph, q.weights);
    }
    expect(steps).toBeGreaterThan(1000);
  }, 600_000);
});

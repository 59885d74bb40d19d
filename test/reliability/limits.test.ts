// Limits: a model that declares huge tensors is refused (BranchyLimitError) before anything
// is allocated; the memory cap and the MAC cap are honoured; every planned buffer is checked
// against linear memory before a kernel runs (planner.ts checkPlacement, called by compile).
import { describe, expect, it } from 'vitest';
import { BranchyLimitError } from '../../src/errors.js';
import { readBranchy } from '../../src/format/index.js';
import { validateGraph } from '../../src/ir/graph.js';
import type { Graph } from '../../src/ir/types.js';
import { compile } from '../../src/runtime/executor.js';
import { LinearMemory, READ_PAST } from '../../src/runtime/memory.js';
import { load } from '../../src/runtime/model.js';
import { checkPlacement, planArena, type PlacedBuffer } from '../../src/runtime/planner.js';
import { Rng } from '../helpers/rng.js';
import { kernels } from '../helpers/wasm.js';
import { branchyOf, editGraph, repoFile } from './edit.js';

const LENET = repoFile('models/mnist-lenet.int8.branchy');

/** The global-pool CNN fixture with its input k times larger on each side, every shape re-inferred. */
function scaledGap(k: number): Uint8Array {
  return editGraph(branchyOf('gap_op11.onnx'), (g) => {
    const computed = new Set((g.nodes as { outputs: string[] }[]).flatMap((n) => n.outputs));
    for (const t of g.tensors) {
      if (t.name === g.inputs[0]) t.shape = [t.shape[0], t.shape[1] * k, t.shape[2] * k, t.shape[3]];
      else if (computed.has(t.name)) t.shape = [];
    }
    validateGraph(g as Graph, { fillShapes: true });
  });
}

describe('memory cap', () => {
  it('a consistent model with a 1 GiB input is refused under the default cap, before any allocation', async () => {
    const bytes = scaledGap(2048); // 16384 x 16384 f32 input: 1 GiB per sample
    const t0 = performance.now();
    await expect(load(bytes, { build: 'scalar' })).rejects.toThrow(/needs at least \d+ bytes of wasm memory .* above the memory cap of 1073741824; raise memoryCap/);
    expect(performance.now() - t0).toBeLessThan(2000);

    const { graph, weights } = readBranchy(bytes);
    const mem = new LinearMemory(await kernels('scalar'), 1 << 30);
    const before = mem.buffer.byteLength;
    expect(() => compile(mem, graph, weights, { build: 'scalar' })).toThrow(BranchyLimitError);
    expect(mem.used).toBe(0);
    expect(mem.buffer.byteLength).toBe(before);
  });

  it('the same model at a size under the cap loads and runs', async () => {
    const model = await load(scaledGap(8), { build: 'scalar', memoryCap: 8 << 20 });
    const out = model.run(new Float32Array(64 * 64).fill(0.5));
    expect(out.logits.dims).toEqual([1, 3]);
    expect(model.memoryBytes).toBeLessThanOrEqual(8 << 20);
  });

  it('memoryCap is honoured: LeNet refused under 64 KiB, loads at the default', async () => {
    await expect(load(LENET, { build: 'simd', memoryCap: 1 << 16 })).rejects.toBeInstanceOf(BranchyLimitError);
    const m = await load(LENET, { build: 'simd' });
    expect(m.memoryBytes).toBeLessThan(4 << 20);
  });

  it('shapes whose byte size is not a safe integer: BranchyLimitError, not a RangeError', async () => {
    // Since issue 17 the conv's window over 2^27 rows is refused first (it spans more positions
    // than the kernels address): a BranchyLimitError either way.
    const attempt = async () => load(editGraph(branchyOf('gap_op11.onnx'), (g) => {
      const computed = new Set((g.nodes as { outputs: string[] }[]).flatMap((n) => n.outputs));
      for (const t of g.tensors) {
        if (t.name === g.inputs[0]) t.shape = [t.shape[0], 2 ** 27, 2 ** 27, 1];
        else if (computed.has(t.name)) t.shape = [];
      }
      validateGraph(g as Graph, { fillShapes: true });
    }), { build: 'scalar' });
    await expect(attempt()).rejects.toThrow(BranchyLimitError);
    await expect(attempt()).rejects.toThrow(/too large to address|spans more than/);
  });

  it('LinearMemory: a bad size, a request past the cap, and a grow the engine refuses are BranchyLimitErrors', async () => {
    const mod = await kernels('scalar');
    expect(() => new LinearMemory(mod).alloc(Number.NaN)).toThrow(BranchyLimitError);
    expect(() => new LinearMemory(mod).alloc(2 ** 60)).toThrow(BranchyLimitError);
    expect(() => new LinearMemory(mod, 1 << 20).alloc(2 << 20)).toThrow(/above the cap of 1048576; raise memoryCap/);
    // Past wasm32's 4 GiB the engine refuses to grow, whatever the cap says.
    expect(() => new LinearMemory(mod, 2 ** 40).alloc(5 * 2 ** 30)).toThrow(/cannot grow wasm memory/);
  });
});

describe('MAC cap', () => {
  it('macsCap refuses a model that needs more work per sample, and admits one that does not', async () => {
    await expect(load(LENET, { build: 'simd', macsCap: 1_000_000 })).rejects.toThrow(/2293000 multiply-accumulates per sample, above macsCap 1000000/);
    await expect(load(LENET, { build: 'simd', macsCap: 3_000_000 })).resolves.toBeTruthy();
  });
});

describe('every planned buffer is inside linear memory before a kernel runs', () => {
  const buf = (name: string, ptr: number, size: number, first: number, last: number): PlacedBuffer => ({ name, ptr, size, first, last });

  it('checkPlacement rejects a buffer outside memory, a misaligned one, and live buffers sharing bytes', () => {
    expect(() => checkPlacement([buf('a', 1024, 100, 0, 1)], 1024, 1024 + 100 + READ_PAST)).not.toThrow();
    expect(() => checkPlacement([buf('a', 1024, 100, 0, 1)], 1024, 1024 + 100)).toThrow(/'a' .* outside linear memory/);
    expect(() => checkPlacement([buf('a', 1008, 16, 0, 1)], 1024, 1 << 16)).toThrow(/outside/);
    expect(() => checkPlacement([buf('a', 1032, 16, 0, 1)], 1024, 1 << 16)).toThrow(/misaligned/);
    expect(() => checkPlacement([buf('a', 1024, 64, 0, 2), buf('b', 1056, 64, 2, 3)], 1024, 1 << 16)).toThrow(/'a' and 'b' share bytes/);
    // Dead by the time the other is written: sharing is the point of the plan.
    expect(() => checkPlacement([buf('a', 1024, 64, 0, 1), buf('b', 1024, 64, 2, 3)], 1024, 1 << 16)).not.toThrow();
  });

  it('planArena\'s plans always pass it (random lifetimes and sizes)', () => {
    const rng = new Rng(11);
    for (let t = 0; t < 300; t++) {
      const reqs = Array.from({ length: rng.int(1, 40) }, () => {
        const first = rng.int(0, 30);
        return { size: rng.int(0, 9000), first, last: first + rng.int(0, 12) };
      });
      const { offsets, size } = planArena(reqs);
      const base = 4096;
      // The allocator keeps READ_PAST bytes after the arena (memory.ts): a load past its last buffer reads them.
      checkPlacement(reqs.map((r, i) => buf(`t${i}`, base + offsets[i], r.size, r.first, r.last)), base, base + size + READ_PAST);
    }
  });

  it('every tensor of compiled real models lies inside the model\'s linear memory', async () => {
    for (const bytes of [LENET, branchyOf('tiny_cnn_op13.onnx'), branchyOf('quant_mobilenet_qdq.onnx')]) {
      const { graph, weights } = readBranchy(bytes);
      const mod = await kernels('simd');
      const mem = new LinearMemory(mod);
      mem.reset();
      const p = compile(mem, graph, weights, { build: 'simd' });
      for (const [name, s] of p.tensors) {
        if (p.inputQuantize.get(name)?.staged) continue; // a staged input's slot is its staging buffer, not its values (input.ts)
        const end = s.ptr + s.elements * (s.info.dtype === 'f32' ? 4 : 1) + READ_PAST;
        expect(s.ptr >= mod.heapBase && end <= mem.buffer.byteLength, name).toBe(true);
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { loadKernels } from '../src/runtime/wasm.js';
import { bestBuild, supportedBuilds } from '../src/runtime/features.js';
import { BranchyWasmError } from '../src/errors.js';

describe('wasm loader', () => {
  it('probes the engine: scalar and simd always, relaxed with the flag', () => {
    expect(supportedBuilds()).toEqual(['scalar', 'simd', 'relaxed']);
    expect(bestBuild()).toBe('relaxed');
  });

  it('picks the best build by default and says which', async () => {
    const m = await loadKernels();
    expect(m.build).toBe('relaxed');
    expect(m.heapBase).toBeGreaterThan(0);
  });

  it('honours an explicit build', async () => {
    for (const b of ['scalar', 'simd', 'relaxed'] as const) {
      expect((await loadKernels({ build: b })).build).toBe(b);
    }
  });

  it('each load is its own instance with its own memory', async () => {
    const a = await loadKernels({ build: 'simd' });
    const b = await loadKernels({ build: 'simd' });
    expect(a.memory).not.toBe(b.memory);
  });

  it('rejects an unknown build and unreadable bytes with a typed error', async () => {
    await expect(loadKernels({ build: 'avx' as never })).rejects.toBeInstanceOf(BranchyWasmError);
    await expect(loadKernels({ build: 'simd', source: { simd: new Uint8Array([1, 2, 3]) } })).rejects.toBeInstanceOf(
      BranchyWasmError,
    );
  });

  it('the scalar build exports no SIMD kernel', async () => {
    const m = await loadKernels({ build: 'scalar' });
    const names = Object.keys(m.exports);
    expect(names.filter((n) => n.includes('__wasm'))).toEqual([]);
  });
});

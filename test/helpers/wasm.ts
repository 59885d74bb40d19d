// Loads each build once per test file, and gives a fresh LinearMemory per case.
import { loadKernels, type KernelModule } from '../../src/runtime/wasm.js';
import { supportedBuilds, type Build } from '../../src/runtime/features.js';
import { LinearMemory } from '../../src/runtime/memory.js';

const cache = new Map<Build, Promise<KernelModule>>();

export function kernels(build: Build): Promise<KernelModule> {
  let p = cache.get(build);
  if (!p) cache.set(build, (p = loadKernels({ build })));
  return p;
}

/** The builds this Node runs: relaxed only with --experimental-wasm-relaxed-simd (vitest config sets it). */
export const TEST_BUILDS: Build[] = supportedBuilds();

/** A fresh bump allocator over a build's memory (resets what the last case left). */
export async function memoryFor(build: Build): Promise<LinearMemory> {
  return new LinearMemory(await kernels(build));
}

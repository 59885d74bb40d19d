// The measured peak of the int8 kernels' instruction mix on this machine: register-blocked
// loops of i32x4.dot_i16x8_s (8 MAC each) and of the relaxed i8×i7 dot (16 MAC each),
// with no loads, so it bounds what any int8 kernel built on them can reach. GMAC/s of the
// fastest of 1001 short runs.
import { kernelFn } from '../src/runtime/exports.js';
import type { LinearMemory } from '../src/runtime/memory.js';

function measure(fn: (...a: number[]) => void, macsPerIter: number, mem: LinearMemory): number {
  const x = mem.put(new Int8Array(64).map((_, i) => (i * 37) % 100 - 50));
  const out = mem.alloc(16);
  const iters = 200_000;
  for (let r = 0; r < 10; r++) fn(iters, x, out); // warm up: tier up to optimized code
  const times: number[] = [];
  for (let r = 0; r < 1001; r++) {
    const t = performance.now();
    fn(iters, x, out);
    times.push(performance.now() - t);
  }
  // The fastest of 1001 short runs (~0.3 ms each): the loop's own speed. (The machine is shared:
  // other jobs only ever slow a run down; the median of a loaded run says more about them.)
  return (iters * macsPerIter) / (Math.min(...times) * 1e6);
}

/** GMAC/s of the dot peaks a build has (simd: i16 dot; relaxed: both). */
export function peaks(mem: LinearMemory): { dot_i16x8?: number; relaxed_dot_i8x16?: number } {
  const mod = mem.mod;
  const out: { dot_i16x8?: number; relaxed_dot_i8x16?: number } = {};
  if (typeof mod.exports.peak_dot_i16x8__wasmsimd === 'function') {
    out.dot_i16x8 = measure(kernelFn(mod.exports, 'peak_dot_i16x8__wasmsimd'), 8 * 8, mem);
  }
  if (typeof mod.exports.peak_dot_i8x16_i7__wasmrelaxed === 'function') {
    out.relaxed_dot_i8x16 = measure(kernelFn(mod.exports, 'peak_dot_i8x16_i7__wasmrelaxed'), 8 * 16, mem);
  }
  return out;
}

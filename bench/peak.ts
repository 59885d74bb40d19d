// The measured peak of the int8 kernels' instruction mix on this machine: register-blocked
// loops of i32x4.dot_i16x8_s (8 MAC each) and of the relaxed i8×i7 dot (16 MAC each),
// with no loads, so it bounds what any int8 kernel built on them can reach.
import { kernelFn } from '../src/runtime/exports.js';
import type { LinearMemory } from '../src/runtime/memory.js';

function measure(fn: (...a: number[]) => void, macsPerIter: number, mem: LinearMemory): number {
  const x = mem.put(new Int8Array(32).map((_, i) => (i * 37) % 100 - 50));
  const out = mem.alloc(16);
  const iters = 2_000_000;
  fn(iters, x, out); // warm up: tier up to optimized code
  const times: number[] = [];
  for (let r = 0; r < 21; r++) {
    const t = performance.now();
    fn(iters, x, out);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return (iters * macsPerIter) / (times[10] * 1e6); // GMAC/s at the median
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

// What the element-wise kernel tests share: run a computation with every kernel of an op in
// every build (the table's choice and its scalar twin), compare with the reference, and compare
// the builds with each other byte for byte; outputs carry 16 sentinel bytes to catch writes past them.
import { memoryFor, TEST_BUILDS } from './wasm.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';
import type { LinearMemory } from '../../src/runtime/memory.js';

export const SENTINEL = 0x5a;

/** An output buffer of `bytes` followed by 16 sentinel bytes. */
export function sentinelOut(mem: LinearMemory, bytes: number): number {
  const y = mem.alloc(bytes);
  mem.u8(y, bytes + 16).fill(SENTINEL);
  return y;
}

export function spareIntact(mem: LinearMemory, y: number, bytes: number): boolean {
  return mem.u8(y + bytes, 16).every((b) => b === SENTINEL);
}

export type Check = (got: ArrayLike<number>, want: ArrayLike<number>, i: number) => boolean;

/** Bit-exact (NaN equals NaN; +0 equals -0 only where `exactZero` is off). */
export const exact: Check = (got, want, i) => Object.is(got[i], want[i]) || (got[i] === 0 && want[i] === 0);

export function mismatch(got: ArrayLike<number>, want: ArrayLike<number>, name: string, ok: Check = exact): string | null {
  if (got.length !== want.length) return `length ${got.length} != ${want.length} (${name})`;
  for (let i = 0; i < want.length; i++) if (!ok(got, want, i)) return `element ${i}: got ${got[i]}, want ${want[i]} (${name})`;
  return null;
}

/**
 * Run `fn` for every kernel of `op` in every build, check against `want` (with `ok`), and the
 * builds against each other bit for bit (f32: except a NaN's payload and sign, which wasm leaves
 * to the engine).
 */
export async function everyKernel(op: string, name: string, want: Int8Array | Float32Array,
  fn: (mem: LinearMemory, build: Build, kernel: string) => Int8Array | Float32Array | string, failures: string[], ok: Check = exact): Promise<void> {
  const outs: [string, Int8Array | Float32Array][] = [];
  for (const build of TEST_BUILDS) {
    for (const k of kernelsOf(op, build)) {
      const mem = await memoryFor(build);
      const got = fn(mem, build, k);
      if (typeof got === 'string') {
        failures.push(`${build} ${k}: ${got} (${name})`);
        continue;
      }
      const bad = mismatch(got, want, name, ok);
      if (bad) failures.push(`${build} ${k}: ${bad}`);
      outs.push([`${build} ${k}`, got]);
    }
  }
  const bits = (v: Int8Array | Float32Array) => (v instanceof Float32Array ? new Uint32Array(v.map((x) => (Number.isNaN(x) ? NaN : x)).buffer) : v);
  for (const [n, y] of outs.slice(1)) {
    const [p, q] = [bits(y), bits(outs[0][1])];
    if (p.length !== q.length || p.some((v, i) => v !== q[i])) failures.push(`${name}: ${n} differs from ${outs[0][0]}`);
  }
}

// The input check f32_vfinite (index of the first NaN / ±Infinity, or -1), every kernel of every
// build (the SIMD kernel and its scalar twin), against a JS reference from the definition
// (Number.isFinite per value): lengths around the 16-value SIMD step, one or two non-finite values
// at every position (tails included), -0, subnormals and the largest floats (finite).
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { kernelsOf } from '../../src/runtime/manifest.js';

const firstNonFiniteRef = (x: Float32Array): number => x.findIndex((v) => !Number.isFinite(v));

const BAD = [Number.NaN, Infinity, -Infinity];
/** Finite values at the edges of f32: -0, the smallest subnormals, the largest normals. */
const EDGE = [-0, 0, 1.401298464324817e-45, -1.401298464324817e-45, 1.1754942106924411e-38, 3.4028234663852886e38, -3.4028234663852886e38];

describe('f32_vfinite', () => {
  it('every kernel finds the first non-finite value at every position, as the reference', async () => {
    const rng = new Rng(7);
    const cases: Float32Array[] = [];
    for (const n of [0, 1, 3, 15, 16, 17, 31, 32, 33, 47, 64, 70]) {
      const base = rng.f32(n, -1e3, 1e3);
      for (let i = 0; i < n; i += 3) base[i] = rng.pick(EDGE);
      cases.push(base);
      for (let at = 0; at < n; at++) {
        const x = base.slice();
        x[at] = BAD[at % 3];
        cases.push(x);
        // A second one later: the first still wins.
        if (at + 5 < n) {
          const y = x.slice();
          y[at + 5] = BAD[(at + 1) % 3];
          cases.push(y);
        }
      }
    }
    // A NaN with a payload and a negative NaN (exponent all ones, any mantissa, either sign).
    const bits = new Uint32Array([0x3f800000, 0xffc00001, 0x7f800001, 0x00000001, 0x80000000]);
    cases.push(new Float32Array(bits.buffer));
    let checked = 0;
    for (const build of TEST_BUILDS) {
      const ks = kernelsOf('f32_finite', build);
      expect(ks.length).toBeGreaterThan(0);
      for (const k of ks) {
        const mem = await memoryFor(build);
        const f = mem.mod.exports[k] as unknown as (n: number, x: number) => number;
        for (const x of cases) {
          const ptr = mem.put(x);
          expect(f(x.length, ptr), `${k} (${build}) n=${x.length}`).toBe(firstNonFiniteRef(x));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(cases.length);
  });
});

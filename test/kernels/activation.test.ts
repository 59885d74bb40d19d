// Activation kernels: f32 (every activation; against the double-precision definitions of
// src/ir/activations.ts rounded to f32: exact for the clamps, leakyrelu, hardsigmoid and
// hardswish, within 1e-6 relative for the transcendental ones), the int8 table lookup (with
// tables from int8Table, against the per-element QuantizeLinear(act(DequantizeLinear(q)))
// reference), and PRelu per channel (int8 exact, f32 exact). Every kernel of every build, the
// builds bit-identical, sizes across the SIMD tails, in place, nothing written past the output.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { everyKernel, exact, sentinelOut, spareIntact, type Check } from '../helpers/elementwise.js';
import { f32ActRef, f32PreluRef, qs8ActRef, qs8PreluRef } from '../reference/activation.js';
import type { Quant } from '../reference/eltwise.js';
import { ACTIVATIONS, activationDef, int8Table, type ActivationKind } from '../../src/ir/activations.js';
import type { Activation } from '../../src/ir/types.js';
import { prepareF32Act, prepareLut, preparePrelu, runPrelu, runUnary } from '../../src/runtime/ops/nonlinear.js';
import { f32Range } from '../../src/runtime/ops/activation.js';
import { asClamp } from '../../src/ir/numerics.js';

const f32 = Math.fround;
const quant = (rng: Rng): Quant => ({ scale: f32(0.005 + 0.2 * rng.next()), zeroPoint: rng.int(-128, 127) });

/** The activations with their parameters as tests use them (alpha, beta f32). */
const ACTS: Activation[] = [
  { kind: 'relu' }, { kind: 'relu6' }, { kind: 'clip', min: -1.5, max: f32(0.1) }, { kind: 'none' },
  { kind: 'leakyrelu', alpha: f32(0.1) }, { kind: 'leakyrelu', alpha: f32(0.01) }, { kind: 'leakyrelu', alpha: -0.5 },
  { kind: 'hardsigmoid', alpha: f32(0.2), beta: 0.5 }, { kind: 'hardsigmoid', alpha: f32(1 / 6), beta: 0.5 },
  { kind: 'hardswish' }, { kind: 'sigmoid' }, { kind: 'silu' }, { kind: 'tanh' }, { kind: 'elu', alpha: 1 }, { kind: 'elu', alpha: f32(0.3) },
  { kind: 'gelu' }, { kind: 'erf' },
];

const EXACT = new Set(['none', 'relu', 'relu6', 'clip', 'leakyrelu', 'hardsigmoid', 'hardswish']);

/**
 * Within 1e-6 of the definition, relative, and 1e-42 absolute in the denormals (silu multiplies a
 * denormal sigmoid, rounded to 2^-149, by x up to 104).
 */
const close: Check = (got, want, i) => exact(got, want, i) || Math.abs(got[i] - want[i]) <= 1e-6 * Math.abs(want[i]) + 1e-42;

/** Inputs that exercise every branch: the ranges of each formula, their boundaries, tiny and huge values. */
function inputs(rng: Rng): Float32Array {
  const edge = [0, -0, 1, -1, 0.5, -0.5, 0.0004, -0.0004, 0.00039, -0.001, -0.00099, 6, -6, 3, -3, 1e-6, -1e-6, 1e-30, -1e-30, 1e-40, -1e-40,
    17, -17, 87.3, -87.3, 88, -88, 90, -90, 103.9, -103.9, 104, -104, 110, -110, 710, -710, 3.4e38, -3.4e38, NaN];
  return Float32Array.from([...edge, ...rng.f32(300, -10, 10), ...rng.f32(100, -0.01, 0.01), ...rng.f32(60, -120, 120)]);
}

describe('activation kernels', () => {
  it('every activation has a definition, and the f32 kernel has each kind', () => {
    for (const a of ACTS) expect(activationDef(a.kind), a.kind).toBeDefined();
    expect(Object.keys(ACTIVATIONS).sort()).toEqual([...new Set(ACTS.map((a) => a.kind))].sort());
  });

  it('f32: every activation against its definition, every kernel and build, tails and in place', async () => {
    const rng = new Rng(0xac7);
    const failures: string[] = [];
    const x = inputs(rng);
    for (const act of ACTS) {
      const def = ACTIVATIONS[act.kind as ActivationKind];
      const { fmin, fmax } = def.kernel === 'clamp' ? f32Range(asClamp(act)!) : { fmin: -Infinity, fmax: Infinity };
      const xs = Float32Array.from([...x, Infinity, -Infinity]);
      for (const n of [0, 1, 2, 3, 5, 8, 9, xs.length]) {
        const v = xs.subarray(xs.length - n);
        const want = f32ActRef(v, act);
        const inPlace = n % 2 === 1;
        await everyKernel('f32_act', `f32 ${JSON.stringify(act)} n=${n}`, want, (mem, build, kernel) => {
          const L = prepareF32Act(mem, build, { n, op: def.kernel, alpha: act.alpha, beta: act.beta, fmin, fmax, kernel });
          const xp = mem.put(v), y = inPlace ? xp : sentinelOut(mem, 4 * n);
          runUnary(mem, L, xp, y);
          if (!inPlace && !spareIntact(mem, y, 4 * n)) return 'wrote past the output';
          return mem.f32(y, n).slice();
        }, failures, EXACT.has(act.kind) ? exact : close);
      }
    }
    expect(failures).toEqual([]);
  });

  it('int8: tables from int8Table through the lookup kernel equal QuantizeLinear(act(DequantizeLinear(q)))', async () => {
    const rng = new Rng(0x1a7);
    const failures: string[] = [];
    const all = Int8Array.from({ length: 256 }, (_, i) => i - 128);
    for (const act of ACTS) {
      for (let r = 0; r < 3; r++) {
        const qi = quant(rng), qo = quant(rng);
        const table = int8Table(act, qi, qo);
        for (const n of [0, 1, 15, 16, 17, 33, 256]) {
          const x = n === 256 ? all : rng.i8(n);
          const want = qs8ActRef(x, act, qi, qo);
          await everyKernel('x8_lut', `int8 ${act.kind} #${r} n=${n}`, want, (mem, build, kernel) => {
            const L = prepareLut(mem, build, { n, table, kernel });
            const xp = mem.put(x), y = n === 33 ? xp : sentinelOut(mem, n);
            runUnary(mem, L, xp, y);
            if (n !== 33 && !spareIntact(mem, y, n)) return 'wrote past the output';
            return mem.i8(y, n).slice();
          }, failures);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('PRelu per channel, int8 and f32 (one slope or one per channel, negative and above-one slopes)', async () => {
    const rng = new Rng(0x9e1);
    const failures: string[] = [];
    for (const channels of [1, 2, 3, 4, 5, 7, 15, 16, 17, 33, 64]) {
      for (const rows of [1, 3, 10]) {
        const per = rng.next() < 0.8;
        const slope = Float32Array.from({ length: per ? channels : 1 }, () => f32((rng.next() - 0.3) * 2.5));
        const name = `rows=${rows} channels=${channels} slopes=${slope.length}`;
        const xf = rng.f32(rows * channels, -3, 3);
        await everyKernel('f32_prelu', `f32 prelu ${name}`, f32PreluRef(xf, channels, slope), (mem, build, kernel) => {
          const L = preparePrelu(mem, build, { dtype: 'f32', rows, channels, slope, kernel });
          const x = mem.put(xf), y = sentinelOut(mem, 4 * rows * channels);
          runPrelu(mem, L, x, y);
          if (!spareIntact(mem, y, 4 * rows * channels)) return 'wrote past the output';
          return mem.f32(y, rows * channels).slice();
        }, failures);
        const xq = rng.i8(rows * channels), qi = quant(rng), qo = quant(rng);
        await everyKernel('qs8_prelu', `int8 prelu ${name}`, qs8PreluRef(xq, channels, slope, qi, qo), (mem, build, kernel) => {
          const L = preparePrelu(mem, build, { dtype: 'qs8', rows, channels, slope, input: qi, output: qo, kernel });
          const x = mem.put(xq), y = sentinelOut(mem, rows * channels);
          runPrelu(mem, L, x, y);
          if (!spareIntact(mem, y, rows * channels)) return 'wrote past the output';
          return mem.i8(y, rows * channels).slice();
        }, failures);
      }
    }
    expect(failures).toEqual([]);
  });
});

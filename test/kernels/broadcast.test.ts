// Element-wise binary ops with broadcasting (Add, Sub, Mul, Div, Max, Min), int8 and f32: every
// kernel of every build (the SIMD kernels and their scalar twins) against the reference written
// from the ONNX definitions (test/reference/broadcast.ts), bit for bit; builds bit-identical;
// random shapes and broadcast patterns (squeeze-excitation, scalars, rows, columns, rank 8 with
// host loops), sizes 1, odd lengths, SIMD tails, ties, saturation, division by zero, NaN, in
// place, and nothing written past the output.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { everyKernel, sentinelOut, spareIntact } from '../helpers/elementwise.js';
import { broadcastRef, f32BinaryRef, qs8BinaryRef, type BinaryOpName } from '../reference/broadcast.js';
import type { Quant } from '../reference/eltwise.js';
import { BINARY_OPS, planBroadcast, prepareBinary, runBinary } from '../../src/runtime/ops/broadcast.js';

const numel = (s: number[]) => s.reduce((p, d) => p * d, 1);
const quant = (rng: Rng): Quant => ({ scale: Math.fround(0.005 + 0.2 * rng.next()), zeroPoint: rng.int(-128, 127) });

interface Case { name: string; a: number[]; b: number[]; inPlace?: 'a' | 'b' }

/** Shapes: the patterns models make, then random ones. */
function cases(rng: Rng): Case[] {
  const out: Case[] = [
    { name: 'squeeze-excitation', a: [7, 7, 40], b: [1, 1, 40] },
    { name: 'squeeze-excitation, gate first', a: [1, 1, 24], b: [5, 5, 24] },
    { name: 'SE 1x1 map', a: [1, 1, 17], b: [1, 1, 17] },
    { name: 'spatial gate', a: [6, 5, 19], b: [6, 5, 1] },
    { name: 'scalar b', a: [5, 5, 16], b: [1] },
    { name: 'scalar a', a: [1], b: [3, 33] },
    { name: 'row', a: [9, 16], b: [16] },
    { name: 'column', a: [9, 1], b: [9, 31] },
    { name: 'outer product', a: [13, 1], b: [1, 17] },
    { name: 'both broadcast', a: [3, 1, 5], b: [1, 4, 1] },
    { name: 'scalar x scalar', a: [1, 1], b: [1] },
    { name: 'rank 8, alternating (host loops)', a: [2, 1, 3, 1, 2, 1, 3, 5], b: [1, 2, 1, 3, 1, 2, 1, 5] },
    { name: 'rank 7, inner broadcast', a: [2, 3, 1, 2, 1, 2, 1], b: [1, 1, 2, 1, 3, 1, 7] },
    { name: 'in place on a', a: [4, 4, 20], b: [1, 1, 20], inPlace: 'a' },
    { name: 'in place on b', a: [1, 33], b: [3, 33], inPlace: 'b' },
  ];
  for (const n of [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 255]) out.push({ name: `same shape n=${n}`, a: [n], b: [n] });
  const sizes = [1, 2, 3, 4, 5, 7, 16, 17, 33];
  for (let i = 0; i < 40; i++) {
    const y = Array.from({ length: rng.int(1, 5) }, () => rng.pick(sizes));
    const one = (s: number[]) => {
      const t = s.map((d) => (rng.next() < 0.4 ? 1 : d));
      return t.slice(rng.int(0, Math.max(0, t.length - 1)) * Number(rng.next() < 0.3));
    };
    const a = one(y), b = one(y);
    out.push({ name: `random [${a}] x [${b}]`, a: a.length ? a : [1], b: b.length ? b : [1] });
  }
  return out;
}

describe('binary element-wise ops with broadcasting', () => {
  it('planBroadcast collapses to an inner run of stride 0 or 1 per operand', () => {
    expect(planBroadcast([7, 7, 40], [1, 1, 40])).toEqual({ dims: [49, 40], a: [40, 1], b: [0, 1] });
    expect(planBroadcast([6, 5, 19], [6, 5, 1])).toEqual({ dims: [30, 19], a: [19, 1], b: [1, 0] });
    expect(planBroadcast([4, 5], [4, 5])).toEqual({ dims: [20], a: [1], b: [1] });
    expect(planBroadcast([5, 5, 16], [1])).toEqual({ dims: [400], a: [1], b: [0] });
    expect(planBroadcast([1, 1], [1])).toEqual({ dims: [1], a: [1], b: [1] });
    expect(() => planBroadcast([3, 4], [5, 4])).toThrow(RangeError);
  });

  for (const dtype of ['f32', 'qs8'] as const) {
    it(`${dtype}: every op, every broadcast pattern, every kernel and build`, async () => {
      const rng = new Rng(dtype === 'f32' ? 0xb1f : 0xb18);
      const failures: string[] = [];
      for (const c of cases(rng)) {
        const ys = broadcastRef(c.a, c.b), n = numel(ys), el = dtype === 'f32' ? 4 : 1;
        for (const op of BINARY_OPS) {
          const name = `${dtype} ${op} ${c.name} [${c.a}] x [${c.b}]`;
          if (dtype === 'f32') {
            const a = rng.f32(numel(c.a), -4, 4), b = rng.f32(numel(c.b), -4, 4);
            const [fmin, fmax] = rng.pick([[-Infinity, Infinity], [0, Infinity], [0, 6], [-1, 1]]);
            const want = f32BinaryRef(op, a, c.a, b, c.b, fmin, fmax);
            await everyKernel('f32_binary', name, want, (mem, build, kernel) => {
              const L = prepareBinary(mem, build, { dtype, op, a: c.a, b: c.b, fmin, fmax, kernel });
              const ap = mem.put(a), bp = mem.put(b);
              const y = c.inPlace === 'a' ? ap : c.inPlace === 'b' ? bp : sentinelOut(mem, n * el);
              runBinary(mem, L, ap, bp, y);
              if (!c.inPlace && !spareIntact(mem, y, n * el)) return 'wrote past the output';
              return mem.f32(y, n).slice();
            }, failures);
          } else {
            const qa = quant(rng), qb = quant(rng), qy = quant(rng);
            const a = rng.i8(numel(c.a)), b = rng.i8(numel(c.b));
            const relu = rng.next() < 0.3;
            const qmin = relu ? qy.zeroPoint : -128;
            const want = qs8BinaryRef(op, a, c.a, qa, b, c.b, qb, qy, qmin, 127);
            await everyKernel('qs8_binary', name, want, (mem, build, kernel) => {
              const L = prepareBinary(mem, build, { dtype, op, a: c.a, b: c.b, qa, qb, qy, qmin, qmax: 127, kernel });
              const ap = mem.put(a), bp = mem.put(b);
              const y = c.inPlace === 'a' ? ap : c.inPlace === 'b' ? bp : sentinelOut(mem, n);
              runBinary(mem, L, ap, bp, y);
              if (!c.inPlace && !spareIntact(mem, y, n)) return 'wrote past the output';
              return mem.i8(y, n).slice();
            }, failures);
          }
        }
      }
      expect(failures).toEqual([]);
    });
  }

  it('int8 edges: ties, saturation, division by zero (+-Infinity, 0/0 -> qmin), extreme zero points', async () => {
    const rng = new Rng(0xed9e);
    const failures: string[] = [];
    const all = Int8Array.from({ length: 256 }, (_, i) => i - 128);
    const edges: { name: string; qa: Quant; qb: Quant; qy: Quant; b: Int8Array }[] = [
      { name: 'ties (m = 0.5, 0.25)', qa: { scale: 0.5, zeroPoint: 3 }, qb: { scale: 0.25, zeroPoint: -1 }, qy: { scale: 1, zeroPoint: -7 }, b: rng.i8(256) },
      { name: 'saturating', qa: { scale: 1, zeroPoint: 0 }, qb: { scale: 1, zeroPoint: 0 }, qy: { scale: 0.01, zeroPoint: 0 }, b: rng.i8(256) },
      { name: 'divisor at its zero point', qa: { scale: 0.1, zeroPoint: 0 }, qb: { scale: 0.2, zeroPoint: 5 }, qy: { scale: 0.3, zeroPoint: -2 }, b: new Int8Array(256).fill(5) },
      { name: 'extreme zero points', qa: { scale: 0.1, zeroPoint: 127 }, qb: { scale: 0.07, zeroPoint: -128 }, qy: { scale: 0.2, zeroPoint: -128 }, b: rng.i8(256) },
    ];
    for (const e of edges) {
      for (const op of BINARY_OPS) {
        const want = qs8BinaryRef(op, all, [256], e.qa, e.b, [256], e.qb, e.qy);
        await everyKernel('qs8_binary', `qs8 ${op} ${e.name}`, want, (mem, build, kernel) => {
          const L = prepareBinary(mem, build, { dtype: 'qs8', op, a: [256], b: [256], qa: e.qa, qb: e.qb, qy: e.qy, kernel });
          const ap = mem.put(all), bp = mem.put(e.b), y = sentinelOut(mem, 256);
          runBinary(mem, L, ap, bp, y);
          return mem.i8(y, 256).slice();
        }, failures);
      }
    }
    expect(failures).toEqual([]);
  });

  it('f32 edges: NaN, infinities, signed zeros, division by zero', async () => {
    const failures: string[] = [];
    const v = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 3.4e38, -3.4e38, 1e-40];
    const a = Float32Array.from(v.flatMap((x) => v.map(() => x))), b = Float32Array.from(v.flatMap(() => v));
    for (const op of BINARY_OPS as readonly BinaryOpName[]) {
      const want = f32BinaryRef(op, a, [a.length], b, [b.length]);
      await everyKernel('f32_binary', `f32 ${op} edges`, want, (mem, build, kernel) => {
        const L = prepareBinary(mem, build, { dtype: 'f32', op, a: [a.length], b: [b.length], kernel });
        const ap = mem.put(a), bp = mem.put(b), y = sentinelOut(mem, 4 * a.length);
        runBinary(mem, L, ap, bp, y);
        return mem.f32(y, a.length).slice();
      }, failures);
    }
    expect(failures).toEqual([]);
  });
});

// Element-wise ops, int8 and f32: Add (residual, fused clamp), Requantize, QuantizeLinear,
// DequantizeLinear, Mul(+Add) by per-channel constants, channel Concat. Every kernel of
// every build (and the scalar twins inside the SIMD builds) against the ONNX-derived
// reference, bit-exact (the f32 ops here are single roundings, so exact too), all builds
// bit-identical, in-place runs where documented, and nothing written past an output.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import {
  concatRef, dequantizeRef, f32AddRef, f32MulChannelRef, qs8AddRef, qs8MulChannelRef, quantizeRef, requantizeRef, type Quant,
} from '../reference/eltwise.js';
import {
  prepareAdd, prepareConcat, prepareDequantize, prepareMulChannel, prepareQuantize, prepareRequantize,
  runAdd, runConcat, runConvert, runMulChannel,
} from '../../src/runtime/ops/eltwise.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';
import type { LinearMemory } from '../../src/runtime/memory.js';

const SENTINEL = 0x5a;

/** Every kernel of an op that a build has (the manifest's: the table's choice and its scalar twin). */
const kernelsFor = (op: string, build: Build): string[] => kernelsOf(op, build);

function sentinelOut(mem: LinearMemory, bytes: number): number {
  const y = mem.alloc(bytes);
  mem.u8(y, bytes + 16).fill(SENTINEL);
  return y;
}

function spareIntact(mem: LinearMemory, y: number, bytes: number): boolean {
  return mem.u8(y + bytes, 16).every((b) => b === SENTINEL);
}

function mismatch(got: ArrayLike<number>, want: ArrayLike<number>, shape: string): string | null {
  if (got.length !== want.length) return `length ${got.length} != ${want.length} (${shape})`;
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i]) && !(got[i] === 0 && want[i] === 0)) return `element ${i}: got ${got[i]}, want ${want[i]} (${shape})`;
  }
  return null;
}

/** Run `fn` for every kernel of every build, check against `want`, and the builds against each other. */
async function everyKernel(op: string, name: string, want: Int8Array | Float32Array,
  fn: (mem: LinearMemory, build: Build, kernel: string) => Int8Array | Float32Array | string, failures: string[]): Promise<void> {
  const outs: [string, Uint8Array][] = [];
  for (const build of TEST_BUILDS) {
    for (const k of kernelsFor(op, build)) {
      const mem = await memoryFor(build);
      const got = fn(mem, build, k);
      if (typeof got === 'string') {
        failures.push(`${build} ${k}: ${got} (${name})`);
        continue;
      }
      const bad = mismatch(got, want, name);
      if (bad) failures.push(`${build} ${k}: ${bad}`);
      outs.push([`${build} ${k}`, new Uint8Array(got.buffer.slice(got.byteOffset, got.byteOffset + got.byteLength))]);
    }
  }
  for (const [n, y] of outs.slice(1)) {
    if (!Buffer.from(y).equals(Buffer.from(outs[0][1]))) failures.push(`${name}: ${n} differs from ${outs[0][0]}`);
  }
}

const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 255, 1000];

function quant(rng: Rng): Quant {
  return { scale: Math.fround(0.005 + 0.2 * rng.next()), zeroPoint: rng.int(-128, 127) };
}

describe('element-wise', () => {
  it('qs8 add: random sizes and scales, ties, saturation, in place', async () => {
    const rng = new Rng(0xadd);
    const failures: string[] = [];
    const cases: { name: string; n: number; qa: Quant; qb: Quant; qy: Quant; a: Int8Array; b: Int8Array; qmin: number; qmax: number; inPlace: boolean }[] = [];
    for (const n of SIZES) {
      for (let r = 0; r < 3; r++) {
        const qa = quant(rng), qb = quant(rng), qy = quant(rng);
        const relu = rng.next() < 0.3;
        cases.push({ name: `n=${n}#${r}`, n, qa, qb, qy, a: rng.i8(n), b: rng.i8(n), qmin: relu ? qy.zeroPoint : -128, qmax: 127, inPlace: r === 2 });
      }
    }
    cases.push({ name: 'ties to even (a_mul = 0.5, b_mul = 0.25)', n: 77, qa: { scale: 0.5, zeroPoint: 3 }, qb: { scale: 0.25, zeroPoint: -1 }, qy: { scale: 1, zeroPoint: -7 }, a: rng.i8(77), b: rng.i8(77), qmin: -128, qmax: 127, inPlace: false });
    cases.push({ name: 'saturating', n: 50, qa: { scale: 1, zeroPoint: 0 }, qb: { scale: 1, zeroPoint: 0 }, qy: { scale: 0.01, zeroPoint: 0 }, a: rng.i8(50), b: rng.i8(50), qmin: -128, qmax: 127, inPlace: false });
    cases.push({ name: 'all-negative, extreme zero points', n: 40, qa: { scale: 0.1, zeroPoint: 127 }, qb: { scale: 0.07, zeroPoint: -128 }, qy: { scale: 0.2, zeroPoint: -128 }, a: rng.i8(40, -128, -1), b: rng.i8(40, -128, -1), qmin: -128, qmax: 127, inPlace: false });
    for (const t of cases) {
      const want = qs8AddRef(t.a, t.qa, t.b, t.qb, t.qy, t.qmin, t.qmax);
      await everyKernel('qs8_add', `qs8 add ${t.name}`, want, (mem, build, kernel) => {
        const layer = prepareAdd(mem, build, { dtype: 'qs8', n: t.n, a: t.qa, b: t.qb, y: t.qy, qmin: t.qmin, qmax: t.qmax, kernel });
        const a = mem.put(t.a), b = mem.put(t.b);
        const y = t.inPlace ? a : sentinelOut(mem, t.n);
        runAdd(mem, layer, a, b, y);
        if (!t.inPlace && !spareIntact(mem, y, t.n)) return 'wrote past the output';
        return mem.i8(y, t.n).slice();
      }, failures);
    }
    expect(failures).toEqual([]);
  });

  it('f32 add with clamp', async () => {
    const rng = new Rng(0xf32add);
    const failures: string[] = [];
    for (const n of SIZES) {
      const a = rng.f32(n, -10, 10), b = rng.f32(n, -10, 10);
      const [fmin, fmax] = rng.pick([[-Infinity, Infinity], [0, Infinity], [0, 6], [-1, 1]]);
      const want = f32AddRef(a, b, fmin, fmax);
      await everyKernel('f32_add', `f32 add n=${n} [${fmin}, ${fmax}]`, want, (mem, build, kernel) => {
        const layer = prepareAdd(mem, build, { dtype: 'f32', n, fmin, fmax, kernel });
        const ap = mem.put(a), bp = mem.put(b), y = sentinelOut(mem, 4 * n);
        runAdd(mem, layer, ap, bp, y);
        if (!spareIntact(mem, y, 4 * n)) return 'wrote past the output';
        return mem.f32(y, n).slice();
      }, failures);
    }
    expect(failures).toEqual([]);
  });

  it('requantize int8 -> int8', async () => {
    const rng = new Rng(0x7e9);
    const failures: string[] = [];
    const cases = SIZES.map((n) => ({ name: `n=${n}`, n, qi: quant(rng), qo: quant(rng), x: rng.i8(n) }));
    cases.push({ name: 'ties (m = 0.5)', n: 60, qi: { scale: 0.1, zeroPoint: 5 }, qo: { scale: 0.2, zeroPoint: -3 }, x: rng.i8(60) });
    cases.push({ name: 'saturating (m = 8)', n: 33, qi: { scale: 0.8, zeroPoint: 0 }, qo: { scale: 0.1, zeroPoint: 100 }, x: rng.i8(33) });
    for (const t of cases) {
      const want = requantizeRef(t.x, t.qi, t.qo);
      await everyKernel('qs8_requantize', `requantize ${t.name}`, want, (mem, build, kernel) => {
        const layer = prepareRequantize(mem, build, { n: t.n, input: t.qi, output: t.qo, kernel });
        const x = mem.put(t.x), y = sentinelOut(mem, t.n);
        runConvert(mem, layer, x, y);
        if (!spareIntact(mem, y, t.n)) return 'wrote past the output';
        return mem.i8(y, t.n).slice();
      }, failures);
    }
    expect(failures).toEqual([]);
  });

  it('QuantizeLinear f32 -> int8 (ties to even, saturation, infinities, in place) and DequantizeLinear', async () => {
    const rng = new Rng(0x9a7);
    const failures: string[] = [];
    const cases = SIZES.map((n) => ({ name: `n=${n}`, n, q: quant(rng), x: rng.f32(n, -30, 30), inPlace: n % 2 === 1 }));
    const ties = Float32Array.from({ length: 41 }, (_, i) => (i - 20) * 0.25); // x / 0.5 = k + 0.5 halves
    cases.push({ name: 'ties', n: ties.length, q: { scale: 0.5, zeroPoint: 0 }, x: ties, inPlace: false });
    const edge = Float32Array.from([NaN, Infinity, -Infinity, 1e30, -1e30, 0, -0, 3.4e38, -3.4e38, 1e-40, 127.5, -128.5, 126.5]);
    cases.push({ name: 'NaN (-> qmin), infinities and extremes', n: edge.length, q: { scale: 1, zeroPoint: 0 }, x: edge, inPlace: false });
    cases.push({ name: 'all-negative zp 127', n: 29, q: { scale: 0.05, zeroPoint: 127 }, x: rng.f32(29, -20, -0.01), inPlace: false });
    for (const t of cases) {
      const want = quantizeRef(t.x, t.q);
      await everyKernel('qs8_quantize', `quantize ${t.name}`, want, (mem, build, kernel) => {
        const layer = prepareQuantize(mem, build, { n: t.n, output: t.q, kernel });
        const x = mem.put(t.x);
        const y = t.inPlace ? x : sentinelOut(mem, t.n);
        runConvert(mem, layer, x, y);
        if (!t.inPlace && !spareIntact(mem, y, t.n)) return 'wrote past the output';
        return mem.i8(y, t.n).slice();
      }, failures);
      const xq = rng.i8(t.n);
      const wantF = dequantizeRef(xq, t.q);
      await everyKernel('qs8_dequantize', `dequantize ${t.name}`, wantF, (mem, build, kernel) => {
        const layer = prepareDequantize(mem, build, { n: t.n, input: t.q, kernel });
        const x = mem.put(xq), y = sentinelOut(mem, 4 * t.n);
        runConvert(mem, layer, x, y);
        if (!spareIntact(mem, y, 4 * t.n)) return 'wrote past the output';
        return mem.f32(y, t.n).slice();
      }, failures);
    }
    expect(failures).toEqual([]);
  });

  it('Mul (+Add) by per-channel constants, int8 and f32, with pixel strides', async () => {
    const rng = new Rng(0x3c);
    const failures: string[] = [];
    const chans = [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 64, 70];
    for (let i = 0; i < 40; i++) {
      const channels = chans[i % chans.length], rows = rng.pick([1, 2, 5, 13, 30]);
      const xPad = rng.next() < 0.3 ? rng.int(1, 6) : 0, yPad = rng.next() < 0.3 ? rng.int(1, 6) : 0;
      const xs = channels + xPad, ys = channels + yPad;
      const k = Array.from({ length: channels }, () => (rng.next() - 0.3) * 3);
      const bias = rng.next() < 0.5 ? Array.from({ length: channels }, () => (rng.next() - 0.5) * 2) : null;
      const name = `rows=${rows} channels=${channels} xStride=${xs} yStride=${ys} bias=${bias !== null}`;
      for (const dtype of ['qs8', 'f32'] as const) {
        const el = dtype === 'f32' ? 4 : 1;
        const dense = dtype === 'qs8' ? rng.i8(rows * channels) : rng.f32(rows * channels, -4, 4);
        const qi = quant(rng), qo = quant(rng);
        const relu = rng.next() < 0.3;
        const qmin = relu ? Math.max(-128, qo.zeroPoint) : -128, fmin = relu ? 0 : -Infinity;
        const want = dtype === 'qs8'
          ? qs8MulChannelRef(dense as Int8Array, rows, channels, k, bias, qi, qo, qmin, 127)
          : f32MulChannelRef(dense as Float32Array, rows, channels, k, bias, fmin, Infinity);
        await everyKernel(`${dtype}_mul_c`, `${dtype} mul ${name}`, want, (mem, build, kernel) => {
          const layer = prepareMulChannel(mem, build, {
            dtype, rows, channels, scale: k, bias, xStride: xs, yStride: ys, input: qi, output: qo, qmin, fmin, kernel,
          });
          const xBytes = rows * xs * el, yBytes = rows * ys * el;
          const x = mem.alloc(xBytes);
          const src = new Uint8Array(dense.buffer);
          for (let r = 0; r < rows; r++) mem.u8(x + r * xs * el, channels * el).set(src.subarray(r * channels * el, (r + 1) * channels * el));
          const y = sentinelOut(mem, yBytes);
          runMulChannel(mem, layer, x, y);
          const raw = mem.u8(y, yBytes + 16).slice();
          const out = new Uint8Array(rows * channels * el);
          for (let i2 = 0; i2 < raw.length; i2++) {
            const r = Math.floor(i2 / (ys * el)), c = i2 - r * ys * el;
            if (r < rows && c < channels * el) out[r * channels * el + c] = raw[i2];
            else if (raw[i2] !== SENTINEL) return `byte ${i2} outside the output written`;
          }
          return dtype === 'qs8' ? new Int8Array(out.buffer) : new Float32Array(out.buffer);
        }, failures);
      }
    }
    expect(failures).toEqual([]);
  });

  it('Concat along channels, int8 and f32', async () => {
    const rng = new Rng(0xca7);
    const failures: string[] = [];
    for (let i = 0; i < 30; i++) {
      const pixels = rng.pick([1, 2, 7, 16, 49]);
      const channels = Array.from({ length: rng.int(1, 4) }, () => rng.pick([1, 2, 3, 5, 8, 13, 16, 17, 24, 32, 40, 70]));
      for (const dtype of ['qs8', 'f32'] as const) {
        const el = dtype === 'f32' ? 4 : 1;
        const inputs = channels.map((c) => (dtype === 'qs8' ? rng.i8(pixels * c) : rng.f32(pixels * c)));
        const want = dtype === 'qs8'
          ? concatRef(inputs as Int8Array[], channels, pixels, (n) => new Int8Array(n))
          : concatRef(inputs as Float32Array[], channels, pixels, (n) => new Float32Array(n));
        const total = channels.reduce((s, c) => s + c, 0);
        await everyKernel('concat', `${dtype} concat pixels=${pixels} channels=${channels.join('+')}`, want, (mem, build, kernel) => {
          const layer = prepareConcat(mem, build, { dtype, pixels, channels, kernel });
          const ptrs = inputs.map((x) => mem.put(x));
          const y = sentinelOut(mem, pixels * total * el);
          runConcat(mem, layer, ptrs, y);
          if (!spareIntact(mem, y, pixels * total * el)) return 'wrote past the output';
          return dtype === 'qs8' ? mem.i8(y, pixels * total).slice() : mem.f32(y, pixels * total).slice();
        }, failures);
      }
    }
    expect(failures).toEqual([]);
  });
});

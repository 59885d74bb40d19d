// Element-wise ops, int8 and f32: Requantize, QuantizeLinear, DequantizeLinear, Mul(+Add) by
// per-channel constants, channel Concat (the binary ops with broadcasting: broadcast.test.ts). Every kernel of
// every build (and the scalar twins inside the SIMD builds) against the ONNX-derived
// reference, bit-exact (the f32 ops here are single roundings, so exact too), all builds
// bit-identical, in-place runs where documented, and nothing written past an output.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { everyKernel, SENTINEL, sentinelOut, spareIntact } from '../helpers/elementwise.js';
import {
  concatRef, dequantizeRef, f32MulChannelRef, qs8MulChannelRef, quantizeRef, requantizeRef, type Quant,
} from '../reference/eltwise.js';
import {
  prepareConcat, prepareDequantize, prepareMulChannel, prepareQuantize, prepareRequantize, runConcat, runConvert, runMulChannel,
} from '../../src/runtime/ops/eltwise.js';

const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 255, 1000];

function quant(rng: Rng): Quant {
  return { scale: Math.fround(0.005 + 0.2 * rng.next()), zeroPoint: rng.int(-128, 127) };
}

describe('element-wise', () => {
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

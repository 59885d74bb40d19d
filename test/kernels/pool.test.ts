// Pooling (MaxPool, AveragePool with and without count_include_pad, GlobalAveragePool),
// int8 and f32: every kernel of every build (and the scalar twins inside the SIMD builds)
// against the ONNX-derived reference (int8 exact, f32 within 1e-5; TFLite's int8 average,
// rounding half away from zero, against the TFLite-derived one), all builds bit-identical,
// and no byte written past an output or into the gaps of a strided output.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import {
  f32AvgPoolRef, f32GlobalAvgPoolRef, maxPoolRef, poolOutSize, qs8AvgPoolRef, qs8AvgPoolTfliteRef, qs8GlobalAvgPoolRef, type PoolRefArgs,
} from '../reference/pool.js';
import type { Quant } from '../reference/eltwise.js';
import {
  poolOutputSize, preparePool2d, prepareGlobalAvgPool, runGlobalAvgPool, runPool2d, type AvgRounding, type PoolDType,
} from '../../src/runtime/ops/pool.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';
import type { LinearMemory } from '../../src/runtime/memory.js';

const SENTINEL = 0x5a;

/** Every kernel of an op that a build has (the manifest's: the table's choice and its scalar twin). */
const kernelsFor = (op: string, build: Build): string[] => kernelsOf(op, build);


/** Allocate an output of `bytes`, fill it and its 16 spare bytes with the sentinel. */
function sentinelOut(mem: LinearMemory, bytes: number): number {
  const y = mem.alloc(bytes);
  mem.u8(y, bytes + 16).fill(SENTINEL);
  return y;
}

function intMismatch(got: ArrayLike<number>, want: ArrayLike<number>, shape: string): string | null {
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) return `element ${i}: got ${got[i]}, want ${want[i]} (${shape})`;
  }
  return null;
}

function f32Mismatch(got: Float32Array, want: number[], mag: number[] | null, shape: string): string | null {
  for (let i = 0; i < want.length; i++) {
    const w = want[i], g = got[i];
    if (g === w) continue;
    const tol = 1e-5 * Math.max(Math.abs(w), mag ? mag[i] : 0) + 1e-30;
    if (!(Math.abs(g - w) <= tol)) return `element ${i}: got ${g}, want ${w} (${shape})`;
  }
  return null;
}

// ----------------------------------------------------------------- windowed pools

interface PoolCase {
  name: string;
  op: 'max' | 'avg';
  dtype: PoolDType;
  a: PoolRefArgs;
  x: Int8Array | Float32Array;
  qi: Quant; qo: Quant;
  qmin: number; qmax: number; fmin: number; fmax: number;
  /** Output pixel stride > c: write into a wider tensor (a concat slice). */
  yPad: number;
  /** qs8 average: half_away is TFLite's (qo = qi), against qs8AvgPoolTfliteRef. */
  rounding?: AvgRounding;
}

function makePoolCase(rng: Rng, name: string, op: 'max' | 'avg', dtype: PoolDType, over: Partial<PoolRefArgs> = {},
  opts: { xlo?: number; xhi?: number; relu?: boolean; qi?: Quant; qo?: Quant; yPad?: number; away?: boolean } = {}): PoolCase {
  for (;;) {
    const kh = rng.int(1, 4), kw = rng.int(1, 4);
    const a: PoolRefArgs = {
      n: rng.int(1, 2), h: rng.int(1, 11), w: rng.int(1, 11),
      c: rng.pick([1, 2, 3, 4, 5, 7, 8, 12, 15, 16, 17, 20, 31, 32, 33, 48, 64, 67]),
      kh, kw, sh: rng.int(1, 3), sw: rng.int(1, 3), dh: rng.pick([1, 1, 2]), dw: rng.pick([1, 1, 2]),
      pt: rng.int(0, kh - 1), pl: rng.int(0, kw - 1), pb: rng.int(0, kh - 1), pr: rng.int(0, kw - 1),
      ceil: rng.next() < 0.4, includePad: rng.next() < 0.5,
      ...over,
    };
    const oh = poolOutSize(a.h, a.kh, a.sh, a.dh, a.pt, a.pb, a.ceil);
    const ow = poolOutSize(a.w, a.kw, a.sw, a.dw, a.pl, a.pr, a.ceil);
    if (oh < 1 || ow < 1) continue;
    const size = a.n * a.h * a.w * a.c;
    const x = dtype === 'qs8' ? rng.i8(size, opts.xlo ?? -128, opts.xhi ?? 127) : rng.f32(size, opts.xlo ?? -3, opts.xhi ?? 3);
    const qi = opts.qi ?? { scale: 0.01 + 0.1 * rng.next(), zeroPoint: rng.int(-128, 127) };
    const qo = opts.away ? qi : opts.qo ?? { scale: qi.scale * (0.5 + rng.next()), zeroPoint: rng.int(-128, 127) };
    const relu = opts.relu ?? rng.next() < 0.3;
    const zpOut = op === 'max' ? qi.zeroPoint : qo.zeroPoint;
    const qmin = relu ? Math.max(-128, zpOut) : -128, qmax = relu && rng.next() < 0.5 ? Math.min(127, zpOut + 50) : 127;
    const fmin = relu ? 0 : -Infinity, fmax = relu && rng.next() < 0.5 ? 1.5 : Infinity;
    return { name, op, dtype, a, x, qi, qo, qmin, qmax, fmin, fmax, yPad: opts.yPad ?? (rng.next() < 0.15 ? rng.int(1, 9) : 0), ...(opts.away && { rounding: 'half_away' as const }) };
  }
}

function poolCases(): PoolCase[] {
  const rng = new Rng(0x9001);
  const out: PoolCase[] = [];
  for (const op of ['max', 'avg'] as const)
    for (const dtype of ['qs8', 'f32'] as const) {
      const t = `${dtype} ${op}`;
      for (let i = 0; i < 30; i++) out.push(makePoolCase(rng, `${t} random#${i}`, op, dtype));
      const fix = { n: 1, dh: 1, dw: 1, ceil: false };
      out.push(makePoolCase(rng, `${t} 1x1 image`, op, dtype, { ...fix, h: 1, w: 1, kh: 1, kw: 1, sh: 1, sw: 1, pt: 0, pl: 0, pb: 0, pr: 0 }));
      out.push(makePoolCase(rng, `${t} 1x1 image 3x3 pad 1`, op, dtype, { ...fix, h: 1, w: 1, kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1, pb: 1, pr: 1, c: 19 }));
      out.push(makePoolCase(rng, `${t} 3x3/2 odd size pad 1`, op, dtype, { ...fix, h: 9, w: 7, kh: 3, kw: 3, sh: 2, sw: 2, pt: 1, pl: 1, pb: 1, pr: 1, c: 35 }));
      out.push(makePoolCase(rng, `${t} 3x3/2 ceil_mode odd size`, op, dtype, { ...fix, h: 8, w: 7, kh: 3, kw: 3, sh: 2, sw: 2, pt: 0, pl: 0, pb: 0, pr: 0, ceil: true, c: 17 }));
      out.push(makePoolCase(rng, `${t} asymmetric pads`, op, dtype, { ...fix, h: 6, w: 9, kh: 3, kw: 4, sh: 1, sw: 2, pt: 2, pl: 0, pb: 0, pr: 3, c: 21 }));
      out.push(makePoolCase(rng, `${t} dilation 2`, op, dtype, { ...fix, h: 10, w: 9, kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 2, pt: 2, pl: 1, pb: 2, pr: 2, c: 33 }));
      out.push(makePoolCase(rng, `${t} C=16 exactly`, op, dtype, { c: 16 }));
      // 2x2 windows: the SIMD max pool's unrolled path for full windows (partial ones at padded borders).
      for (const [c, sh, pad, dil, w] of [[20, 2, 0, 1, 12], [67, 2, 1, 1, 12], [8, 1, 1, 1, 12], [33, 1, 0, 2, 12], [64, 2, 1, 1, 12], [5, 3, 1, 1, 2], [17, 2, 1, 2, 2], [3, 1, 1, 1, 1]]) {
        out.push(makePoolCase(rng, `${t} 2x2/${sh} pad ${pad} dilation ${dil} C=${c} width ${w}`, op, dtype,
          { ...fix, h: 9, w, kh: 2, kw: 2, sh, sw: sh, dh: dil, dw: dil, pt: pad, pl: pad, pb: pad, pr: pad, c }));
      }
      out.push(makePoolCase(rng, `${t} C=1`, op, dtype, { c: 1 }));
      out.push(makePoolCase(rng, `${t} window 17x17 (> 256 positions)`, op, dtype, { ...fix, h: 20, w: 19, kh: 17, kw: 17, sh: 2, sw: 2, pt: 0, pl: 0, pb: 0, pr: 0, c: 18 }));
      out.push(makePoolCase(rng, `${t} all-negative inputs`, op, dtype, {}, { xlo: dtype === 'qs8' ? -128 : -5, xhi: dtype === 'qs8' ? -1 : -0.1, relu: false }));
      out.push(makePoolCase(rng, `${t} count_include_pad with big pads`, op, dtype, { ...fix, h: 5, w: 5, kh: 3, kw: 3, sh: 2, sw: 2, pt: 2, pl: 2, pb: 2, pr: 2, includePad: true, c: 9 }));
      out.push(makePoolCase(rng, `${t} strided output (concat slice)`, op, dtype, { c: 13 }, { yPad: 7 }));
      if (dtype === 'qs8') {
        out.push(makePoolCase(rng, `${t} saturating (s_out tiny)`, op, dtype, {}, { qi: { scale: 0.5, zeroPoint: -100 }, qo: { scale: 0.004, zeroPoint: 3 }, relu: false }));
        out.push(makePoolCase(rng, `${t} extreme zero points`, op, dtype, {}, { xlo: -128, xhi: -128, qi: { scale: 0.1, zeroPoint: 127 }, qo: { scale: 0.1, zeroPoint: -128 } }));
        out.push(makePoolCase(rng, `${t} ReLU`, op, dtype, { c: 40 }, { relu: true }));
      }
    }
  // TFLite's int8 average (rounding half away from zero): narrow input ranges and even windows
  // make ties common; zero points of both signs put the raw mean's sign against the real one's.
  const away = (name: string, over: Partial<PoolRefArgs> = {}, opts: Parameters<typeof makePoolCase>[5] = {}) =>
    out.push(makePoolCase(rng, `qs8 avg half_away ${name}`, 'avg', 'qs8', over, { ...opts, away: true }));
  for (let i = 0; i < 25; i++) away(`random#${i}`, {}, i % 2 ? { xlo: -4, xhi: 3 } : {});
  const fix = { n: 1, dh: 1, dw: 1, ceil: false, includePad: false };
  for (const [c, zp] of [[16, -128], [35, 5], [67, -3], [7, 100]]) {
    away(`2x2/2 ties C=${c} zp ${zp}`, { ...fix, h: 8, w: 9, kh: 2, kw: 2, sh: 2, sw: 2, pt: 0, pl: 0, pb: 0, pr: 0, c }, { xlo: zp - 3, xhi: Math.min(127, zp + 3), qi: { scale: 0.05, zeroPoint: zp }, relu: false });
  }
  away('8x8 global window (ResNet-8)', { ...fix, h: 8, w: 8, kh: 8, kw: 8, sh: 8, sw: 8, pt: 0, pl: 0, pb: 0, pr: 0, c: 64 }, { xlo: -128, xhi: -100, qi: { scale: 0.1, zeroPoint: -128 }, relu: false });
  away('window 17x17 (> 256 positions)', { ...fix, h: 20, w: 19, kh: 17, kw: 17, sh: 2, sw: 2, pt: 0, pl: 0, pb: 0, pr: 0, c: 18 });
  away('SAME padding 3x3/2', { ...fix, h: 7, w: 6, kh: 3, kw: 3, sh: 2, sw: 2, pt: 1, pl: 0, pb: 1, pr: 1, c: 33 }, { xlo: -2, xhi: 2 });
  away('count_include_pad', { ...fix, h: 5, w: 5, kh: 3, kw: 3, sh: 2, sw: 2, pt: 2, pl: 2, pb: 2, pr: 2, includePad: true, c: 9 });
  away('ReLU clamp', { c: 40 }, { relu: true, xlo: -5, xhi: 5 });
  return out;
}

function runPoolCase(mem: LinearMemory, build: Build, k: string, t: PoolCase): { y: Uint8Array; err: string | null } {
  const { a } = t;
  const ys = a.c + t.yPad;
  const layer = preparePool2d(mem, build, {
    op: t.op, dtype: t.dtype, n: a.n, h: a.h, w: a.w, c: a.c, kh: a.kh, kw: a.kw,
    strideH: a.sh, strideW: a.sw, dilationH: a.dh, dilationW: a.dw, pads: [a.pt, a.pl, a.pb, a.pr],
    ceilMode: a.ceil, countIncludePad: a.includePad, yStride: ys, rounding: t.rounding,
    input: t.qi, output: t.qo, qmin: t.qmin, qmax: t.qmax, fmin: t.fmin, fmax: t.fmax, kernel: k,
  });
  const el = t.dtype === 'f32' ? 4 : 1;
  const x = mem.put(t.x);
  const y = sentinelOut(mem, layer.outputBytes);
  runPool2d(mem, layer, x, y);
  const pixels = a.n * layer.oh * layer.ow;
  const raw = mem.u8(y, layer.outputBytes + 16).slice();
  // Gather the dense result and check that the gaps and the spare bytes are untouched.
  const dense = new Uint8Array(pixels * a.c * el);
  for (let p = 0; p < pixels; p++) dense.set(raw.subarray(p * ys * el, (p * ys + a.c) * el), p * a.c * el);
  for (let i = 0; i < raw.length; i++) {
    const p = Math.floor(i / (ys * el)), inPixel = i - p * ys * el;
    const written = p < pixels && inPixel < a.c * el;
    if (!written && raw[i] !== SENTINEL) return { y: dense, err: `byte ${i} past/between outputs overwritten (${JSON.stringify(a)})` };
  }
  return { y: dense, err: null };
}

function checkPool(t: PoolCase, got: Uint8Array): string | null {
  const shape = `${t.name}: ${JSON.stringify(t.a)}`;
  if (t.dtype === 'qs8') {
    const x = t.x as Int8Array;
    const want = t.op === 'max'
      ? Int8Array.from(maxPoolRef(t.a, x, t.qmin, t.qmax).y)
      : t.rounding === 'half_away' ? qs8AvgPoolTfliteRef(t.a, x, t.qi.zeroPoint, t.qmin, t.qmax).y : qs8AvgPoolRef(t.a, x, t.qi, t.qo, t.qmin, t.qmax).y;
    if (got.length !== want.length) return `length ${got.length} != ${want.length} (${shape})`;
    return intMismatch(new Int8Array(got.buffer, got.byteOffset, got.length), want, shape);
  }
  const x = t.x as Float32Array;
  const r = t.op === 'max' ? { ...maxPoolRef(t.a, x, t.fmin, t.fmax), mag: null } : f32AvgPoolRef(t.a, x, t.fmin, t.fmax);
  const g = new Float32Array(got.buffer.slice(got.byteOffset, got.byteOffset + got.byteLength));
  if (g.length !== r.y.length) return `length ${g.length} != ${r.y.length} (${shape})`;
  return f32Mismatch(g, r.y, r.mag, shape);
}

describe('pooling (windowed)', () => {
  const cases = poolCases();

  it('poolOutputSize follows ONNX (floor, ceil_mode, the last window starting in the right pad dropped)', () => {
    expect(poolOutputSize(4, 3, 2, 1, 0, 0, true)).toBe(2);
    expect(poolOutputSize(4, 3, 2, 1, 0, 0, false)).toBe(1);
    expect(poolOutputSize(5, 2, 2, 1, 1, 1, true)).toBe(3); // a 4th window would start in the right pad
    expect(poolOutputSize(32, 3, 2, 1, 0, 0, false)).toBe(15);
    expect(poolOutputSize(7, 3, 2, 2, 2, 2, false)).toBe(4);
  });

  it('ONNX test_averagepool_2d_ceil (pinned)', async () => {
    for (const build of TEST_BUILDS) {
      for (const k of kernelsFor('f32_avgpool', build)) {
        const mem = await memoryFor(build);
        const layer = preparePool2d(mem, build, { op: 'avg', dtype: 'f32', n: 1, h: 4, w: 4, c: 1, kh: 3, kw: 3, strideH: 2, strideW: 2, ceilMode: true, kernel: k });
        const x = mem.put(Float32Array.from({ length: 16 }, (_, i) => i + 1));
        const y = mem.alloc(layer.outputBytes);
        runPool2d(mem, layer, x, y);
        expect(Array.from(mem.f32(y, 4)), `${build} ${k}`).toEqual([6, 7.5, 12, 13.5]);
      }
    }
  });

  it(`${cases.length} cases: every kernel of every build equals the reference; builds bit-identical`, async () => {
    const failures: string[] = [];
    for (const t of cases) {
      const outs: [string, Uint8Array][] = [];
      for (const build of TEST_BUILDS) {
        for (const k of kernelsFor(`${t.dtype}_${t.op}pool${t.rounding === 'half_away' ? '_away' : ''}`, build)) {
          const mem = await memoryFor(build);
          const { y, err } = runPoolCase(mem, build, k, t);
          const bad = err ?? checkPool(t, y);
          if (bad) failures.push(`${build} ${k}: ${bad}`);
          outs.push([`${build} ${k}`, y]);
        }
      }
      for (const [name, y] of outs.slice(1)) {
        if (!Buffer.from(y).equals(Buffer.from(outs[0][1]))) failures.push(`${t.name}: ${name} differs from ${outs[0][0]}`);
      }
      if (failures.length > 5) break;
    }
    expect(failures).toEqual([]);
  });
});

// ---------------------------------------------------------------- global average pool

interface GapCase { name: string; dtype: PoolDType; n: number; h: number; w: number; c: number; x: Int8Array | Float32Array; qi: Quant; qo: Quant; qmin: number; qmax: number; fmin: number; fmax: number; yPad: number }

function gapCases(): GapCase[] {
  const rng = new Rng(0x9a9);
  const out: GapCase[] = [];
  const make = (name: string, dtype: PoolDType, over: Partial<GapCase> = {}, xr: [number, number] = dtype === 'qs8' ? [-128, 127] : [-2, 2]): GapCase => {
    const n = over.n ?? rng.int(1, 2), h = over.h ?? rng.int(1, 9), w = over.w ?? rng.int(1, 9);
    const c = over.c ?? rng.pick([1, 3, 4, 8, 15, 16, 17, 31, 32, 33, 64, 100]);
    const size = n * h * w * c;
    const x = dtype === 'qs8' ? rng.i8(size, xr[0], xr[1]) : rng.f32(size, xr[0], xr[1]);
    const qi = over.qi ?? { scale: 0.01 + 0.1 * rng.next(), zeroPoint: rng.int(-128, 127) };
    const qo = over.qo ?? { scale: qi.scale * (0.3 + rng.next()), zeroPoint: rng.int(-128, 127) };
    const relu = rng.next() < 0.3;
    return {
      name, dtype, n, h, w, c, x, qi, qo,
      qmin: relu ? Math.max(-128, qo.zeroPoint) : -128, qmax: 127, fmin: relu ? 0 : -Infinity, fmax: Infinity,
      yPad: over.yPad ?? (rng.next() < 0.2 ? rng.int(1, 5) : 0),
    };
  };
  for (const dtype of ['qs8', 'f32'] as const) {
    for (let i = 0; i < 25; i++) out.push(make(`${dtype} random#${i}`, dtype));
    out.push(make(`${dtype} 1x1 image`, dtype, { h: 1, w: 1 }));
    out.push(make(`${dtype} 4x4x1024 (MobileNet head)`, dtype, { n: 1, h: 4, w: 4, c: 1024 }));
    out.push(make(`${dtype} 20x20 (> 256 pixels)`, dtype, { h: 20, w: 20, c: 19 }));
    out.push(make(`${dtype} 17x17 all -128 (i16 chunk at the limit)`, dtype, { h: 16, w: 17, c: 18 }, dtype === 'qs8' ? [-128, -128] : [-1, -1]));
    out.push(make(`${dtype} all-negative`, dtype, {}, dtype === 'qs8' ? [-128, -1] : [-3, -0.01]));
    if (dtype === 'qs8') {
      out.push(make(`${dtype} saturating`, dtype, { qi: { scale: 1, zeroPoint: -128 }, qo: { scale: 0.01, zeroPoint: 0 } }));
      out.push(make(`${dtype} all 127 with zp -128`, dtype, { h: 16, w: 16, c: 33, qi: { scale: 0.02, zeroPoint: -128 }, qo: { scale: 0.02, zeroPoint: -128 } }, [127, 127]));
    }
  }
  return out;
}

describe('global average pool', () => {
  const cases = gapCases();
  it(`${cases.length} cases: every kernel of every build equals the reference; builds bit-identical`, async () => {
    const failures: string[] = [];
    for (const t of cases) {
      const el = t.dtype === 'f32' ? 4 : 1;
      const ys = t.c + t.yPad;
      const shape = `${t.name}: n=${t.n} h=${t.h} w=${t.w} c=${t.c} yStride=${ys}`;
      const outs: [string, Uint8Array][] = [];
      for (const build of TEST_BUILDS) {
        for (const k of kernelsFor(`${t.dtype}_gavgpool`, build)) {
          const mem = await memoryFor(build);
          const layer = prepareGlobalAvgPool(mem, build, {
            dtype: t.dtype, n: t.n, h: t.h, w: t.w, c: t.c, yStride: ys,
            input: t.qi, output: t.qo, qmin: t.qmin, qmax: t.qmax, fmin: t.fmin, fmax: t.fmax, kernel: k,
          });
          const x = mem.put(t.x);
          const y = sentinelOut(mem, layer.outputBytes);
          runGlobalAvgPool(mem, layer, x, y);
          const raw = mem.u8(y, layer.outputBytes + 16).slice();
          const dense = new Uint8Array(t.n * t.c * el);
          for (let b = 0; b < t.n; b++) dense.set(raw.subarray(b * ys * el, (b * ys + t.c) * el), b * t.c * el);
          for (let i = 0; i < raw.length; i++) {
            const b = Math.floor(i / (ys * el));
            if (!(b < t.n && i - b * ys * el < t.c * el) && raw[i] !== SENTINEL) {
              failures.push(`${build} ${k}: byte ${i} outside the output written (${shape})`);
              break;
            }
          }
          let bad: string | null;
          if (t.dtype === 'qs8') {
            const want = qs8GlobalAvgPoolRef(t.n, t.h * t.w, t.c, t.x as Int8Array, t.qi, t.qo, t.qmin, t.qmax);
            bad = intMismatch(new Int8Array(dense.buffer), want, shape);
          } else {
            const r = f32GlobalAvgPoolRef(t.n, t.h * t.w, t.c, t.x as Float32Array, t.fmin, t.fmax);
            bad = f32Mismatch(new Float32Array(dense.buffer), r.y, r.mag, shape);
          }
          if (bad) failures.push(`${build} ${k}: ${bad}`);
          outs.push([`${build} ${k}`, dense]);
        }
      }
      for (const [name, y] of outs.slice(1)) {
        if (!Buffer.from(y).equals(Buffer.from(outs[0][1]))) failures.push(`${t.name}: ${name} differs from ${outs[0][0]}`);
      }
      if (failures.length > 5) break;
    }
    expect(failures).toEqual([]);
  });
});


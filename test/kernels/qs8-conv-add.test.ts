// The int8 conv with the residual add in its epilogue (qs8_conv_add: assembly/qs8/conv_add.ts and
// its SIMD twin): every kernel in every build against the reference conv followed by the
// reference int8 add (test/reference), bit for bit; the residual before or after the output in
// memory; nothing written past the output.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { qs8ConvRef, convOutSize, type ConvRefArgs } from '../reference/qs8-conv.js';
import { qs8BinaryRef } from '../reference/broadcast.js';
import type { GemmQuant } from '../reference/qs8-gemm.js';
import type { Quant } from '../reference/eltwise.js';
import { canFuseResidualAdd, prepareQs8Conv, runQs8Conv } from '../../src/runtime/ops/qs8-conv.js';
import { binaryMultipliers } from '../../src/runtime/ops/broadcast.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';

interface Case {
  name: string;
  a: ConvRefArgs;
  x: Int8Array; w: Int8Array; bias: Int32Array | null; m: Float32Array; q: GemmQuant;
  /** The residual, the quantization of v (the conv's output: q.zpOut), r and y, y's clamp. */
  r: Int8Array; qv: Quant; qr: Quant; qy: Quant; qmin: number; qmax: number;
  /** The residual after the output in memory (else before). */
  rAfter: boolean;
  blockM?: number;
}

function makeCase(rng: Rng, name: string, over: Partial<ConvRefArgs> = {}, saturate = false): Case {
  for (;;) {
    const k = rng.pick([[1, 1], [1, 1], [3, 3], [3, 3], [5, 5], [1, 3]]);
    const a: ConvRefArgs = {
      n: rng.int(1, 2), h: rng.int(1, 9), w: rng.int(1, 9),
      cIn: rng.pick([1, 3, 5, 8, 16, 17, 32]), cOut: rng.pick([1, 3, 4, 5, 8, 16, 17, 24, 32]),
      kh: k[0], kw: k[1], sh: rng.int(1, 2), sw: rng.int(1, 2), dh: rng.pick([1, 1, 2]), dw: 1,
      pt: rng.int(0, 2), pl: rng.int(0, 2), pb: rng.int(0, 2), pr: rng.int(0, 2),
      ...over,
    };
    const [oh, ow] = convOutSize(a);
    if (oh < 1 || ow < 1) continue;
    const K = a.kh * a.kw * a.cIn, size = a.n * oh * ow * a.cOut;
    const m = Float32Array.from({ length: a.cOut }, () => Math.fround((0.5 + rng.next()) / (300 * Math.sqrt(K))));
    const zpOut = rng.int(-128, 127);
    const relu = rng.next() < 0.5;
    const q: GemmQuant = { zpIn: rng.int(-128, 127), zpOut, qmin: relu ? Math.max(-128, zpOut) : -128, qmax: 127 };
    const qy: Quant = { scale: 0.02 + rng.next() * 0.05, zeroPoint: rng.int(-128, 127) };
    const yRelu = rng.next() < 0.6;
    return {
      name, a, q, m,
      x: rng.i8(a.n * a.h * a.w * a.cIn), w: rng.i8(a.cOut * K, -127, 127),
      bias: rng.next() < 0.85 ? rng.i32(a.cOut, -20000, 20000) : null,
      r: rng.i8(size),
      qv: { scale: (saturate ? 0.5 : 0.01) + rng.next() * 0.05, zeroPoint: zpOut },
      qr: { scale: (saturate ? 0.5 : 0.01) + rng.next() * 0.05, zeroPoint: rng.int(-128, 127) },
      qy, qmin: yRelu ? Math.max(-128, qy.zeroPoint) : -128, qmax: yRelu && rng.next() < 0.5 ? Math.min(127, qy.zeroPoint + 60) : 127,
      rAfter: rng.next() < 0.5,
      blockM: rng.next() < 0.3 ? rng.int(1, 7) : undefined,
    };
  }
}

function cases(): Case[] {
  const rng = new Rng(0xadd5);
  const out: Case[] = [];
  for (let i = 0; i < 80; i++) out.push(makeCase(rng, `random#${i}`));
  const s1 = { sh: 1, sw: 1, dh: 1, dw: 1, n: 1 }, p0 = { pt: 0, pl: 0, pb: 0, pr: 0 }, p1 = { pt: 1, pl: 1, pb: 1, pr: 1 };
  out.push(makeCase(rng, 'MobileNetV2 project 1x1 (plain GEMM)', { ...s1, ...p0, kh: 1, kw: 1, h: 7, w: 6, cIn: 48, cOut: 24 }));
  out.push(makeCase(rng, 'ResNet 3x3 16 -> 16', { ...s1, ...p1, kh: 3, kw: 3, h: 8, w: 8, cIn: 16, cOut: 16 }));
  out.push(makeCase(rng, 'ResNet shortcut 1x1 / 2', { ...p0, kh: 1, kw: 1, sh: 2, sw: 2, dh: 1, dw: 1, n: 1, h: 8, w: 8, cIn: 16, cOut: 32 }));
  out.push(makeCase(rng, 'odd rows and a channel tail', { ...s1, ...p1, kh: 3, kw: 3, h: 3, w: 5, cIn: 8, cOut: 7 }));
  out.push(makeCase(rng, 'saturating add', { ...s1, ...p1, kh: 3, kw: 3, h: 4, w: 4, cIn: 8, cOut: 8 }, true));
  return out;
}

const SENTINEL = 0x5a;

async function runCase(build: Build, kernel: string, c: Case, hotMs = 0): Promise<Int8Array> {
  const mem = await memoryFor(build);
  const { m_a, m_b } = binaryMultipliers('add', c.qv, c.qr, c.qy);
  const layer = prepareQs8Conv(mem, build, {
    geom: { n: c.a.n, h: c.a.h, w: c.a.w, c: c.a.cIn, kh: c.a.kh, kw: c.a.kw, strideH: c.a.sh, strideW: c.a.sw,
      dilationH: c.a.dh, dilationW: c.a.dw, pads: [c.a.pt, c.a.pl, c.a.pb, c.a.pr] },
    cOut: c.a.cOut, weights: c.w, bias: c.bias, scale: c.m,
    zpIn: c.q.zpIn, zpOut: c.q.zpOut, qmin: c.q.qmin, qmax: c.q.qmax, kernel, blockM: c.blockM, allocScratch: false,
    residual: { zp: c.qr.zeroPoint, zpY: c.qy.zeroPoint, qmin: c.qmin, qmax: c.qmax, mV: m_a, mR: m_b },
  });
  const scratch = layer.pointwise ? 0 : mem.alloc(layer.scratchBytes);
  const inPtr = mem.put(c.x);
  const rFirst = c.rAfter ? 0 : mem.put(c.r);
  const outPtr = mem.alloc(layer.outputBytes);
  const rPtr = c.rAfter ? mem.put(c.r) : rFirst;
  mem.u8(outPtr, layer.outputBytes + 16).fill(SENTINEL);
  runQs8Conv(mem, layer, inPtr, outPtr, scratch, rPtr);
  for (const t0 = performance.now(); performance.now() - t0 < hotMs;) runQs8Conv(mem, layer, inPtr, outPtr, scratch, rPtr);
  const all = mem.i8(outPtr, layer.outputBytes + 16);
  for (let j = layer.outputBytes; j < all.length; j++) {
    if (all[j] !== SENTINEL) throw new Error(`${kernel} (${build}) wrote past the output's end [${c.name}]`);
  }
  expect(mem.i8(rPtr, c.r.length)).toEqual(c.r);
  return all.slice(0, layer.outputBytes);
}

describe('qs8 conv2d + residual add', () => {
  it('every kernel in every build equals the reference conv then add, bit for bit', async () => {
    let checked = 0;
    for (const c of cases()) {
      const [oh, ow] = convOutSize(c.a);
      const shape = [c.a.n, oh, ow, c.a.cOut];
      const v = qs8ConvRef(c.a, c.x, c.w, c.bias, c.m, c.q);
      const want = qs8BinaryRef('add', v, shape, c.qv, c.r, shape, c.qr, c.qy, c.qmin, c.qmax);
      // The add commutes, bit for bit: the conv may be either operand.
      expect(qs8BinaryRef('add', c.r, shape, c.qr, v, shape, c.qv, c.qy, c.qmin, c.qmax)).toEqual(want);
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf('qs8_conv_add', build)) {
          const got = await runCase(build, kernel, c);
          for (let i = 0; i < want.length; i++) {
            if (got[i] !== want[i]) throw new Error(`${kernel} (${build}): y[${i}] = ${got[i]}, want ${want[i]} (${JSON.stringify(c.a)}) [${c.name}]`);
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(85 * 2);
  });

  it('hot kernels (after V8 tiers them up from Liftoff to TurboFan) still equal the reference', async () => {
    const c = makeCase(new Rng(12), 'hot', { n: 1, h: 6, w: 7, cIn: 24, cOut: 20, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1 });
    const shape = [1, 6, 7, 20];
    const want = qs8BinaryRef('add', qs8ConvRef(c.a, c.x, c.w, c.bias, c.m, c.q), shape, c.qv, c.r, shape, c.qr, c.qy, c.qmin, c.qmax);
    for (const build of TEST_BUILDS) {
      for (const kernel of kernelsOf('qs8_conv_add', build)) expect(await runCase(build, kernel, c, 60), `${kernel} (${build}, hot)`).toEqual(want);
    }
  });

  it('is offered only where the im2col kernels run, and refuses the rest', async () => {
    const mem = await memoryFor('simd');
    // K = 27 with 3 input channels: the direct kernel's, which has no such epilogue.
    expect(canFuseResidualAdd({ n: 1, h: 8, w: 8, c: 3, kh: 3, kw: 3, pads: [1, 1, 1, 1] }, 16, 'simd')).toBe(false);
    expect(canFuseResidualAdd({ n: 1, h: 8, w: 8, c: 16, kh: 3, kw: 3, pads: [1, 1, 1, 1] }, 16, 'simd')).toBe(false); // K = 144: direct too
    expect(canFuseResidualAdd({ n: 1, h: 8, w: 8, c: 16, kh: 3, kw: 3, pads: [1, 1, 1, 1] }, 16, 'scalar')).toBe(true);
    // 3x3 stride 1, C_in 32: the Winograd kernel's by default (no such epilogue), the im2col GEMM's without it.
    expect(canFuseResidualAdd({ n: 1, h: 8, w: 8, c: 32, kh: 3, kw: 3, pads: [1, 1, 1, 1] }, 16, 'simd')).toBe(false);
    expect(canFuseResidualAdd({ n: 1, h: 8, w: 8, c: 32, kh: 3, kw: 3, pads: [1, 1, 1, 1] }, 16, 'simd', false, false)).toBe(true);
    const residual = { zp: 0, zpY: 0, qmin: -128, qmax: 127, mV: 0.5, mR: 0.5 };
    const base = { cOut: 16, weights: new Int8Array(16 * 27), scale: new Float32Array(16).fill(0.01), zpIn: 0, zpOut: 0, residual };
    expect(() => prepareQs8Conv(mem, 'simd', { ...base, geom: { n: 1, h: 8, w: 8, c: 3, kh: 3, kw: 3, pads: [1, 1, 1, 1] } })).toThrow(/residual/);
    expect(() => prepareQs8Conv(mem, 'simd', { ...base, weights: new Int8Array(16 * 288), geom: { n: 1, h: 8, w: 8, c: 32, kh: 3, kw: 3, pads: [1, 1, 1, 1] } })).toThrow(/residual/);
    const ok = prepareQs8Conv(mem, 'simd', { ...base, weights: new Int8Array(16 * 288), geom: { n: 1, h: 8, w: 8, c: 32, kh: 3, kw: 3, pads: [1, 1, 1, 1] }, winograd: false });
    expect(ok.kernel).toBe('qs8_conv_add_2x4c8__wasmsimd');
    expect(() => runQs8Conv(mem, ok, 64, 128)).toThrow(/residual/);
  });
});

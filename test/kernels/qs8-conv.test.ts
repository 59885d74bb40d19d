// qs8 conv2d (NHWC, groups = 1): every kernel (SIMD, relaxed, scalar twins) in every build
// against the ONNX-derived reference, int8 exact, and the builds against each other.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { qs8ConvRef, convOutSize, type ConvRefArgs } from '../reference/qs8-conv.js';
import type { GemmQuant } from '../reference/qs8-gemm.js';
import { prepareQs8Conv, runQs8Conv } from '../../src/runtime/ops/qs8-conv.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';

/** Kernels each build has (the manifest's): its own SIMD kernels plus every scalar twin. */
const convKernels = (build: Build): string[] => kernelsOf('qs8_conv', build);

interface Case {
  name: string;
  a: ConvRefArgs;
  x: Int8Array; w: Int8Array; bias: Int32Array | null; m: Float32Array; q: GemmQuant;
  blockM?: number;
}

interface Opts { xlo?: number; xhi?: number; mScale?: number; relu?: boolean; blockM?: number }

function makeCase(rng: Rng, name: string, over: Partial<ConvRefArgs> = {}, o: Opts = {}): Case {
  for (;;) {
    const k = rng.pick([[1, 1], [1, 1], [3, 3], [3, 3], [3, 3], [5, 5], [1, 3], [3, 1], [2, 2], [7, 7]]);
    const a: ConvRefArgs = {
      n: rng.int(1, 2), h: rng.int(1, 10), w: rng.int(1, 10),
      cIn: rng.pick([1, 2, 3, 4, 5, 8, 13, 16, 17, 32]),
      cOut: rng.pick([1, 3, 4, 5, 8, 9, 16, 17, 32]),
      kh: k[0], kw: k[1],
      sh: rng.int(1, 3), sw: rng.int(1, 3), dh: rng.pick([1, 1, 2]), dw: rng.pick([1, 1, 2]),
      pt: rng.int(0, 3), pl: rng.int(0, 3), pb: rng.int(0, 3), pr: rng.int(0, 3),
      ...over,
    };
    const [oh, ow] = convOutSize(a);
    if (oh < 1 || ow < 1) continue;
    const K = a.kh * a.kw * a.cIn;
    const x = rng.i8(a.n * a.h * a.w * a.cIn, o.xlo ?? -128, o.xhi ?? 127);
    const w = rng.i8(a.cOut * K, -127, 127);
    const bias = rng.next() < 0.85 ? rng.i32(a.cOut, -20000, 20000) : null;
    const m = new Float32Array(a.cOut);
    for (let c = 0; c < a.cOut; c++) m[c] = Math.fround(((o.mScale ?? 1) * (0.5 + rng.next())) / (300 * Math.sqrt(K)));
    const zpOut = rng.int(-128, 127);
    const relu = o.relu ?? rng.next() < 0.3;
    const q: GemmQuant = {
      zpIn: rng.int(-128, 127), zpOut,
      qmin: relu ? Math.max(-128, zpOut) : -128,
      qmax: relu && rng.next() < 0.5 ? Math.min(127, zpOut + 50) : 127,
    };
    return { name, a, x, w, bias, m, q, blockM: o.blockM ?? (rng.next() < 0.3 ? rng.int(1, 7) : undefined) };
  }
}

function cases(): Case[] {
  const rng = new Rng(0xc0a7);
  const out: Case[] = [];
  for (let i = 0; i < 120; i++) out.push(makeCase(rng, `random#${i}`));
  const s1 = { sh: 1, sw: 1, dh: 1, dw: 1 };
  const p0 = { pt: 0, pl: 0, pb: 0, pr: 0 };
  const p1 = { pt: 1, pl: 1, pb: 1, pr: 1 };
  out.push(makeCase(rng, '1x1 pointwise (plain GEMM)', { ...s1, ...p0, kh: 1, kw: 1, h: 6, w: 5, cIn: 19, cOut: 10 }));
  out.push(makeCase(rng, '1x1 pointwise batch 2', { ...s1, ...p0, kh: 1, kw: 1, n: 2, h: 3, w: 3, cIn: 8, cOut: 7 }));
  out.push(makeCase(rng, '1x1 stride 2 odd size', { ...p0, kh: 1, kw: 1, sh: 2, sw: 2, dh: 1, dw: 1, h: 7, w: 9, cIn: 16, cOut: 12 }));
  out.push(makeCase(rng, '1x1 with padding', { ...s1, kh: 1, kw: 1, pt: 1, pl: 0, pb: 2, pr: 1, h: 4, w: 4, cIn: 5, cOut: 6 }));
  out.push(makeCase(rng, 'first layer 3x3x3 -> 32 (K=27)', { ...s1, ...p1, kh: 3, kw: 3, h: 12, w: 12, cIn: 3, cOut: 32, n: 1 }));
  out.push(makeCase(rng, '1x1 image, 3x3 pad 1', { ...s1, ...p1, kh: 3, kw: 3, h: 1, w: 1, cIn: 7, cOut: 9 }));
  out.push(makeCase(rng, '1x1 image, 5x5 pad 2', { ...s1, kh: 5, kw: 5, pt: 2, pl: 2, pb: 2, pr: 2, h: 1, w: 1, cIn: 4, cOut: 5 }));
  out.push(makeCase(rng, 'stride 2 odd size', { kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, ...p1, h: 9, w: 7, cIn: 6, cOut: 11 }));
  out.push(makeCase(rng, 'asymmetric padding', { ...s1, kh: 3, kw: 3, pt: 0, pl: 2, pb: 3, pr: 1, h: 6, w: 5, cIn: 3, cOut: 4 }));
  out.push(makeCase(rng, 'dilation 2', { kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 2, pt: 2, pl: 2, pb: 2, pr: 2, h: 8, w: 8, cIn: 5, cOut: 6 }));
  out.push(makeCase(rng, 'dilation 3 x 1, stride 1 x 2', { kh: 3, kw: 2, sh: 1, sw: 2, dh: 3, dw: 1, pt: 3, pl: 0, pb: 1, pr: 1, h: 9, w: 8, cIn: 4, cOut: 5 }));
  out.push(makeCase(rng, 'kernel as large as the padded image', { ...s1, kh: 5, kw: 5, pt: 1, pl: 1, pb: 1, pr: 1, h: 3, w: 3, cIn: 2, cOut: 3 }));
  out.push(makeCase(rng, 'all-negative input', { ...s1, ...p1, kh: 3, kw: 3, h: 5, w: 5, cIn: 8, cOut: 8 }, { xhi: -1 }));
  out.push(makeCase(rng, 'saturating', { ...s1, ...p1, kh: 3, kw: 3, h: 4, w: 4, cIn: 8, cOut: 8 }, { mScale: 3000, relu: false }));
  out.push(makeCase(rng, 'blocks of 1 pixel', { ...s1, ...p1, kh: 3, kw: 3, h: 3, w: 4, cIn: 3, cOut: 5 }, { blockM: 1 }));
  out.push(makeCase(rng, 'odd blocks', { kh: 3, kw: 3, sh: 2, sw: 1, dh: 1, dw: 1, ...p1, h: 7, w: 5, cIn: 9, cOut: 10, n: 2 }, { blockM: 3 }));
  out.push(makeCase(rng, 'ResNet-like 3x3x64 -> 64', { ...s1, ...p1, kh: 3, kw: 3, h: 6, w: 6, cIn: 64, cOut: 64, n: 1 }));
  // K = 1152, 17 blocks of 4 channels (~77 KiB of weights): two weight chunks of the SIMD GEMM; 1 channel in the last block.
  out.push(makeCase(rng, 'two weight chunks', { ...s1, ...p1, kh: 3, kw: 3, h: 3, w: 3, cIn: 128, cOut: 65, n: 1 }));
  return out;
}

const SENTINEL = 0x5a;

async function runCase(build: Build, kernel: string, c: Case): Promise<Int8Array> {
  const mem = await memoryFor(build);
  const layer = prepareQs8Conv(mem, build, {
    geom: { n: c.a.n, h: c.a.h, w: c.a.w, c: c.a.cIn, kh: c.a.kh, kw: c.a.kw, strideH: c.a.sh, strideW: c.a.sw,
      dilationH: c.a.dh, dilationW: c.a.dw, pads: [c.a.pt, c.a.pl, c.a.pb, c.a.pr] },
    cOut: c.a.cOut, weights: c.w, bias: c.bias, scale: c.m,
    zpIn: c.q.zpIn, zpOut: c.q.zpOut, qmin: c.q.qmin, qmax: c.q.qmax, kernel, blockM: c.blockM, allocScratch: false,
  });
  // Scratch (im2col) with a sentinel tail: the kernel may read past it, never write.
  const scratch = mem.alloc(layer.scratchBytes + 16);
  mem.u8(scratch + layer.scratchBytes, 16).fill(SENTINEL);
  const inPtr = mem.put(c.x);
  const outPtr = mem.alloc(layer.outputBytes);
  mem.u8(outPtr, layer.outputBytes + 16).fill(SENTINEL);
  runQs8Conv(mem, layer, inPtr, outPtr, layer.pointwise ? 0 : scratch);
  const all = mem.i8(outPtr, layer.outputBytes + 16);
  for (let j = layer.outputBytes; j < all.length; j++) {
    if (all[j] !== SENTINEL) throw new Error(`${kernel} (${build}) wrote past the output's end [${c.name}]`);
  }
  if (mem.u8(scratch + layer.scratchBytes, 16).some((v) => v !== SENTINEL)) {
    throw new Error(`${kernel} (${build}) wrote past its scratch of ${layer.scratchBytes} bytes [${c.name}]`);
  }
  return all.slice(0, layer.outputBytes);
}

function expectSame(got: Int8Array, want: Int8Array, what: string, c: Case): void {
  const [oh, ow] = convOutSize(c.a);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      const o = i % c.a.cOut, px = Math.floor(i / c.a.cOut);
      const ox = px % ow, oy = Math.floor(px / ow) % oh, b = Math.floor(px / (ow * oh));
      throw new Error(`${what}: y[${b}][${oy}][${ox}][${o}] = ${got[i]}, want ${want[i]} (${JSON.stringify(c.a)} ` +
        `zpIn=${c.q.zpIn} zpOut=${c.q.zpOut} q=[${c.q.qmin},${c.q.qmax}] blockM=${c.blockM}) [${c.name}]`);
    }
  }
}

describe('qs8 conv2d', () => {
  const all = cases();

  it('every kernel in every build equals the reference, bit for bit, and builds agree', async () => {
    let checked = 0;
    for (const c of all) {
      const want = qs8ConvRef(c.a, c.x, c.w, c.bias, c.m, c.q);
      let first: Int8Array | null = null;
      for (const build of TEST_BUILDS) {
        for (const kernel of convKernels(build)) {
          const got = await runCase(build, kernel, c);
          expectSame(got, want, `${kernel} (${build})`, c);
          if (first) expectSame(got, first, `${kernel} (${build}) vs the first build`, c);
          else first = got;
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(all.length * 2);
  });

  it('a pointwise layer needs no scratch; others say how much', async () => {
    // The im2col GEMM kernel, named (the runtime would pick the direct one for these short K: qs8-conv-cin4.test.ts).
    const mem = await memoryFor('simd');
    const base = { cOut: 4, weights: new Int8Array(4 * 9 * 5), scale: new Float32Array(4), zpIn: 0, zpOut: 0, kernel: 'qs8_conv_2x4c8__wasmsimd' };
    const pw = prepareQs8Conv(mem, 'simd', { ...base, weights: new Int8Array(4 * 5), geom: { n: 1, h: 4, w: 4, c: 5, kh: 1, kw: 1 } });
    expect(pw.pointwise).toBe(true);
    expect(pw.scratchBytes).toBe(0);
    const c5 = prepareQs8Conv(mem, 'simd', { ...base, geom: { n: 1, h: 4, w: 4, c: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1] }, allocScratch: false });
    expect(c5.pointwise).toBe(false);
    expect(c5.direct).toBe(false);
    expect(c5.scratchBytes).toBe(c5.blockM * 45);
    expect(c5.scratch).toBe(0);
    expect(() => runQs8Conv(mem, c5, 0, 0)).toThrow(RangeError);
    expect(() => prepareQs8Conv(mem, 'simd', { ...base, geom: { n: 1, h: 4, w: 4, c: 5, kh: 3, kw: 3 }, cOut: 5 })).toThrow(RangeError);
  });
});

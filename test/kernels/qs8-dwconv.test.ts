// qs8 depthwise convolution: every kernel (fast paths, generic, scalar twins) in every
// build against the ONNX-derived reference, int8 exact, and the builds against each other.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { qs8DwconvRef, dwOutSize, type DwRefArgs } from '../reference/qs8-dwconv.js';
import { prepareQs8Dwconv, runQs8Dwconv, qs8DwconvOp } from '../../src/runtime/ops/qs8-dwconv.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';

interface Case {
  name: string;
  a: DwRefArgs;
  x: Int8Array;
  w: Int8Array;
  bias: Int32Array | null;
  m: Float32Array;
  zpIn: number; zpOut: number; qmin: number; qmax: number;
}

function makeCase(rng: Rng, name: string, over: Partial<DwRefArgs> = {}, opts: { xlo?: number; xhi?: number; mScale?: number; tie?: boolean; zpIn?: number; relu?: boolean } = {}): Case {
  for (;;) {
    const k = rng.pick([[1, 1], [2, 2], [3, 3], [3, 3], [5, 5], [5, 5], [1, 3], [3, 1], [7, 7], [2, 5]]);
    const a: DwRefArgs = {
      n: rng.int(1, 2), h: rng.int(1, 11), w: rng.int(1, 11),
      c: rng.pick([1, 2, 3, 4, 7, 8, 15, 16, 17, 24, 31, 32, 33, 48, 50, 64]),
      kh: k[0], kw: k[1],
      sh: rng.int(1, 3), sw: rng.int(1, 3), dh: rng.pick([1, 1, 2]), dw: rng.pick([1, 1, 2]),
      pt: rng.int(0, 3), pl: rng.int(0, 3), pb: rng.int(0, 3), pr: rng.int(0, 3),
      ...over,
    };
    const [oh, ow] = dwOutSize(a);
    if (oh < 1 || ow < 1) continue;
    const taps = a.kh * a.kw;
    const zpIn = opts.zpIn ?? rng.int(-128, 127);
    const zpOut = rng.int(-128, 127);
    const x = rng.i8(a.n * a.h * a.w * a.c, opts.xlo ?? -128, opts.xhi ?? 127);
    const w = rng.i8(taps * a.c, -127, 127);
    const bias = rng.next() < 0.8 ? rng.i32(a.c, -5000, 5000) : null;
    const m = new Float32Array(a.c);
    for (let c = 0; c < a.c; c++) {
      m[c] = opts.tie ? 0.5 : Math.fround((opts.mScale ?? 1) * (0.002 + 0.01 * rng.next()) / Math.sqrt(taps));
    }
    const relu = opts.relu ?? rng.next() < 0.3;
    const qmin = relu ? Math.max(-128, zpOut) : -128;
    const qmax = relu && rng.next() < 0.5 ? Math.min(127, zpOut + 60) : 127;
    return { name, a, x, w, bias, m, zpIn, zpOut, qmin, qmax };
  }
}

function cases(): Case[] {
  const rng = new Rng(0xd3c0);
  const out: Case[] = [];
  for (let i = 0; i < 70; i++) out.push(makeCase(rng, `random#${i}`));
  out.push(makeCase(rng, '1x1 image 3x3 pad 1', { h: 1, w: 1, kh: 3, kw: 3, pt: 1, pl: 1, pb: 1, pr: 1, sh: 1, sw: 1, dh: 1, dw: 1 }));
  out.push(makeCase(rng, '1x1 image 5x5 pad 2', { h: 1, w: 1, kh: 5, kw: 5, pt: 2, pl: 2, pb: 2, pr: 2, sh: 1, sw: 1, dh: 1, dw: 1 }));
  out.push(makeCase(rng, 'stride 2 odd size 3x3', { h: 9, w: 7, kh: 3, kw: 3, sh: 2, sw: 2, pt: 1, pl: 1, pb: 1, pr: 1, dh: 1, dw: 1, c: 19 }));
  out.push(makeCase(rng, 'stride 2 odd size 5x5 asym pad', { h: 11, w: 9, kh: 5, kw: 5, sh: 2, sw: 2, pt: 2, pl: 1, pb: 0, pr: 3, dh: 1, dw: 1, c: 35 }));
  out.push(makeCase(rng, 'dilation 2 3x3', { h: 10, w: 10, kh: 3, kw: 3, dh: 2, dw: 2, pt: 2, pl: 2, pb: 2, pr: 2, sh: 1, sw: 1, c: 20 }));
  out.push(makeCase(rng, 'C=1', { c: 1, kh: 3, kw: 3 }));
  out.push(makeCase(rng, 'C=16 exactly', { c: 16, kh: 3, kw: 3 }));
  out.push(makeCase(rng, 'C=512 small image', { c: 512, h: 3, w: 4, kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1, pb: 1, pr: 1, dh: 1, dw: 1 }));
  out.push(makeCase(rng, 'saturating', { kh: 3, kw: 3 }, { mScale: 40 }));
  out.push(makeCase(rng, 'all-negative inputs', { kh: 3, kw: 3 }, { xlo: -128, xhi: -1 }));
  out.push(makeCase(rng, 'extreme inputs zp -128', { kh: 5, kw: 5, c: 21 }, { xlo: -128, xhi: -128, zpIn: 127 }));
  out.push(makeCase(rng, 'ties to even (m = 0.5)', { kh: 3, kw: 3, c: 23 }, { tie: true }));
  out.push(makeCase(rng, 'ReLU', { kh: 3, kw: 3, c: 40 }, { relu: true }));
  // Long interior runs (tap pointers shifted from the row's first interior pixel) between borders.
  out.push(makeCase(rng, 'wide rows 3x3 stride 1 pad 1', { n: 2, h: 6, w: 37, c: 16, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1 }));
  out.push(makeCase(rng, 'wide rows 3x3 stride 2 pad 1, C=40', { h: 7, w: 33, c: 40, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1 }));
  out.push(makeCase(rng, 'wide rows 5x5 dilation 2 stride 3', { h: 12, w: 40, c: 17, kh: 5, kw: 5, sh: 3, sw: 3, dh: 2, dw: 2, pt: 3, pl: 4, pb: 1, pr: 2 }));
  // The 3x3 kernel's ring of pair rows: reused over tall images, reset per image, R = 2*dh + 2 slots.
  out.push(makeCase(rng, 'tall 3x3 stride 1, N=2, C=33', { n: 2, h: 19, w: 5, c: 33, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1 }));
  out.push(makeCase(rng, 'tall 3x3 stride 2 no padding', { h: 17, w: 6, c: 8, kh: 3, kw: 3, sh: 2, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0 }));
  out.push(makeCase(rng, '3x3 dilation 3 x 2, stride 2 x 3', { h: 16, w: 14, c: 18, kh: 3, kw: 3, sh: 2, sw: 3, dh: 3, dw: 2, pt: 3, pl: 2, pb: 1, pr: 0 }));
  // The SIMD 3x3 kernel's two-row passes (stride 1 or 2, dilation 1): odd output heights and
  // widths (a last single row / pixel), channel tails of 1..3 past a multiple of 4, N = 2.
  for (const [sh, sw, h, w, c] of [[1, 1, 7, 5, 5], [1, 2, 9, 9, 6], [1, 1, 4, 3, 13], [2, 2, 9, 7, 7], [2, 1, 11, 4, 18], [2, 2, 8, 8, 3], [2, 2, 13, 5, 35]]) {
    for (const pt of [0, 1]) {
      out.push(makeCase(rng, `two-row 3x3 s${sh},${sw} ${h}x${w}x${c} pad ${pt}`, { n: 2, h, w, c, kh: 3, kw: 3, sh, sw, dh: 1, dw: 1, pt, pl: 1, pb: 1 - pt, pr: 1 }));
    }
  }
  out.push(makeCase(rng, '3x3 padding larger than the image', { h: 2, w: 2, c: 5, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 3, pl: 2, pb: 3, pr: 3 }));
  out.push(makeCase(rng, 'no padding valid 7x7 generic', { kh: 7, kw: 7, h: 9, w: 8, pt: 0, pl: 0, pb: 0, pr: 0, sh: 1, sw: 1, dh: 1, dw: 1 }));
  return out;
}

/** Kernels to check in a build (the manifest's): the fast path for this size, the generic kernel, their scalar twins. */
function kernelsFor(build: Build, kh: number, kw: number): string[] {
  return [...new Set([...kernelsOf(qs8DwconvOp(kh, kw), build), ...kernelsOf('qs8_dwconv', build)])];
}

function firstMismatch(got: Int8Array, want: Int8Array, a: DwRefArgs): string | null {
  const [oh, ow] = dwOutSize(a);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      const c = i % a.c, p = Math.floor(i / a.c), ox = p % ow, oy = Math.floor(p / ow) % oh, n = Math.floor(p / (ow * oh));
      return `element [n=${n}, y=${oy}, x=${ox}, c=${c}] got ${got[i]} want ${want[i]}`;
    }
  }
  return null;
}

describe('qs8 depthwise conv', () => {
  const all = cases();
  const results = new Map<string, Int8Array>(); // case -> first build's output

  for (const build of TEST_BUILDS) {
    it(`${build}: every kernel equals the reference, int8 exact`, async () => {
      for (const tc of all) {
        const want = qs8DwconvRef(tc.a, tc.x, tc.w, tc.bias, tc.m, tc.zpIn, tc.zpOut, tc.qmin, tc.qmax);
        for (const kernel of kernelsFor(build, tc.a.kh, tc.a.kw)) {
          const mem = await memoryFor(build);
          const a = tc.a;
          const layer = prepareQs8Dwconv(mem, build, {
            geom: { n: a.n, h: a.h, w: a.w, c: a.c, kh: a.kh, kw: a.kw, strideH: a.sh, strideW: a.sw, dilationH: a.dh, dilationW: a.dw, pads: [a.pt, a.pl, a.pb, a.pr] },
            weights: tc.w, bias: tc.bias, scale: tc.m, zpIn: tc.zpIn, zpOut: tc.zpOut, qmin: tc.qmin, qmax: tc.qmax, kernel, allocScratch: false,
          });
          // Scratch with a sentinel tail: the kernel may read past it, never write.
          const scratch = mem.alloc(layer.scratchBytes + 16);
          mem.u8(scratch + layer.scratchBytes, 16).fill(0xa5);
          const xp = mem.put(tc.x);
          const yp = mem.alloc(layer.outputBytes + 16);
          mem.i8(yp, layer.outputBytes + 16).fill(0x5a);
          runQs8Dwconv(mem, layer, xp, yp, scratch);
          expect(mem.u8(scratch + layer.scratchBytes, 16).every((v) => v === 0xa5), `${build} ${kernel} ${tc.name}: wrote past its scratch`).toBe(true);
          const got = mem.i8(yp, layer.outputBytes).slice();
          const shape = `N${a.n} ${a.h}x${a.w}x${a.c} k${a.kh}x${a.kw} s${a.sh},${a.sw} d${a.dh},${a.dw} pads[${a.pt},${a.pl},${a.pb},${a.pr}]`;
          const bad = firstMismatch(got, want, a);
          expect(bad, `${build} ${kernel} case ${tc.name} (${shape}): ${bad}`).toBeNull();
          const guard = mem.u8(yp + layer.outputBytes, 16);
          expect([...guard].every((v) => v === 0x5a), `${build} ${kernel} ${tc.name}: wrote past the output`).toBe(true);
          const prev = results.get(tc.name);
          if (prev) expect(firstMismatch(got, prev, a), `${build} ${kernel} ${tc.name} differs from another build`).toBeNull();
          else results.set(tc.name, got);
        }
      }
    });
  }
});

// The direct int8 conv (qs8_conv_cin4_2x16c2__wasmsimd and its scalar twin; chosen for C_in <= 4
// and, in the SIMD builds, for K <= 256) against the ONNX-derived reference, int8 exact, in
// every build; the builds against each other; nothing written past the output or the scratch;
// the conv op's choice.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { qs8ConvRef, convOutSize, type ConvRefArgs } from '../reference/qs8-conv.js';
import type { GemmQuant } from '../reference/qs8-gemm.js';
import { canFuseMaxPool2x2, prepareQs8Conv, runQs8Conv } from '../../src/runtime/ops/qs8-conv.js';
import { chooseKernel } from '../../src/runtime/kernel-table.js';
import { kernelsOf as manifestKernels } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';

/** The direct kernels each build has (the manifest's): the scalar one, and the SIMD one in SIMD builds. */
const kernelsOf = (build: Build): string[] => manifestKernels('qs8_conv_cin4', build);
const [SCALAR, SIMD] = kernelsOf('simd');

interface Case {
  name: string;
  a: ConvRefArgs;
  x: Int8Array; w: Int8Array; bias: Int32Array | null; m: Float32Array; q: GemmQuant;
}

interface Opts { xlo?: number; xhi?: number; wlo?: number; whi?: number; mScale?: number; relu?: boolean }

function makeCase(rng: Rng, name: string, over: Partial<ConvRefArgs> = {}, o: Opts = {}): Case {
  for (;;) {
    const k = rng.pick([[1, 1], [3, 3], [3, 3], [5, 5], [5, 5], [7, 7], [1, 3], [3, 1], [2, 2], [2, 5], [11, 11]]);
    const a: ConvRefArgs = {
      n: rng.int(1, 2), h: rng.int(1, 13), w: rng.int(1, 13),
      cIn: rng.pick([1, 2, 3, 4, 1, 2, 3, 4, 5, 7, 8, 13, 16, 20, 32]),
      cOut: rng.pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 20, 31, 32, 33]),
      kh: k[0], kw: k[1],
      sh: rng.int(1, 3), sw: rng.int(1, 3), dh: rng.pick([1, 1, 2, 3]), dw: rng.pick([1, 1, 2, 3]),
      pt: rng.int(0, 3), pl: rng.int(0, 3), pb: rng.int(0, 3), pr: rng.int(0, 3),
      ...over,
    };
    const [oh, ow] = convOutSize(a);
    if (oh < 1 || ow < 1) continue;
    const K = a.kh * a.kw * a.cIn;
    const x = rng.i8(a.n * a.h * a.w * a.cIn, o.xlo ?? -128, o.xhi ?? 127);
    const w = rng.i8(a.cOut * K, o.wlo ?? -127, o.whi ?? 127);
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
    return { name, a, x, w, bias, m, q };
  }
}

function cases(): Case[] {
  const rng = new Rng(0xc14);
  const out: Case[] = [];
  for (let i = 0; i < 150; i++) out.push(makeCase(rng, `random#${i}`));
  const s1 = { sh: 1, sw: 1, dh: 1, dw: 1 };
  const p0 = { pt: 0, pl: 0, pb: 0, pr: 0 };
  const p1 = { pt: 1, pl: 1, pb: 1, pr: 1 };
  out.push(makeCase(rng, 'LeNet conv1 28x28x1 -> 20, 5x5', { ...s1, ...p0, n: 1, h: 28, w: 28, cIn: 1, cOut: 20, kh: 5, kw: 5 }));
  out.push(makeCase(rng, 'CIFAR first layer 32x32x3 -> 32, 3x3 pad 1', { ...s1, ...p1, n: 1, h: 32, w: 32, cIn: 3, cOut: 32, kh: 3, kw: 3 }));
  out.push(makeCase(rng, 'ImageNet-style 7x7 stride 2 pad 3, 3 -> 16', { sh: 2, sw: 2, dh: 1, dw: 1, pt: 3, pl: 3, pb: 3, pr: 3, n: 1, h: 17, w: 19, cIn: 3, cOut: 16, kh: 7, kw: 7 }));
  out.push(makeCase(rng, '1x1 image, 3x3 pad 1', { ...s1, ...p1, h: 1, w: 1, cIn: 3, cOut: 9, kh: 3, kw: 3 }));
  out.push(makeCase(rng, '1x1 image, 1x1 kernel', { ...s1, ...p0, h: 1, w: 1, cIn: 4, cOut: 5, kh: 1, kw: 1 }));
  out.push(makeCase(rng, '1x1 image, 5x5 pad 2', { ...s1, pt: 2, pl: 2, pb: 2, pr: 2, h: 1, w: 1, cIn: 1, cOut: 7, kh: 5, kw: 5 }));
  out.push(makeCase(rng, 'pointwise C_in 2', { ...s1, ...p0, h: 5, w: 7, cIn: 2, cOut: 13, kh: 1, kw: 1 }));
  // 1x1, stride 1, unpadded, even C_in, whole 16-channel blocks: the SIMD kernel reads the input, no pair image.
  // (Several blocks take that path only when the pair image would pass 256 KB: 66x64x16 makes 270 KB.)
  out.push(makeCase(rng, 'pointwise C_in 16 -> 32 over a 270 KB pair image', { ...s1, ...p0, h: 66, w: 64, cIn: 16, cOut: 32, kh: 1, kw: 1 }));
  out.push(makeCase(rng, 'pointwise C_in 4 -> 16, N=2, odd pixel count', { ...s1, ...p0, n: 2, h: 5, w: 7, cIn: 4, cOut: 16, kh: 1, kw: 1 }));
  out.push(makeCase(rng, 'pointwise C_in 8 -> 16, extreme values', { ...s1, ...p0, h: 3, w: 3, cIn: 8, cOut: 16, kh: 1, kw: 1 }, { xlo: -128, xhi: -128, wlo: -128, whi: -128, mScale: 0.001 }));
  out.push(makeCase(rng, 'pointwise C_in 6 -> 20 (a 4-channel tail: the pair image path)', { ...s1, ...p0, h: 4, w: 3, cIn: 6, cOut: 20, kh: 1, kw: 1 }));
  out.push(makeCase(rng, 'odd sizes, stride 2', { sh: 2, sw: 2, dh: 1, dw: 1, ...p1, h: 9, w: 11, cIn: 3, cOut: 11, kh: 3, kw: 3 }));
  out.push(makeCase(rng, 'stride 3 x 2, no padding', { sh: 3, sw: 2, dh: 1, dw: 1, ...p0, h: 13, w: 10, cIn: 1, cOut: 6, kh: 3, kw: 4 }));
  out.push(makeCase(rng, 'asymmetric padding', { ...s1, pt: 0, pl: 3, pb: 2, pr: 1, h: 6, w: 5, cIn: 3, cOut: 4, kh: 3, kw: 3 }));
  out.push(makeCase(rng, 'padding only on the right and bottom', { ...s1, pt: 0, pl: 0, pb: 3, pr: 3, h: 4, w: 4, cIn: 2, cOut: 5, kh: 4, kw: 4 }));
  out.push(makeCase(rng, 'dilation 2, pad 2', { ...s1, dh: 2, dw: 2, pt: 2, pl: 2, pb: 2, pr: 2, h: 8, w: 9, cIn: 1, cOut: 8, kh: 3, kw: 3 }));
  out.push(makeCase(rng, 'dilation 3 x 2, stride 2 x 3', { sh: 2, sw: 3, dh: 3, dw: 2, pt: 1, pl: 2, pb: 0, pr: 3, h: 12, w: 14, cIn: 3, cOut: 10, kh: 3, kw: 3 }));
  out.push(makeCase(rng, 'kernel as large as the padded image', { ...s1, pt: 1, pl: 1, pb: 1, pr: 1, h: 3, w: 3, cIn: 4, cOut: 3, kh: 5, kw: 5 }));
  out.push(makeCase(rng, 'odd KW*C_in (pair tail), C_out 1', { ...s1, ...p1, h: 6, w: 6, cIn: 3, cOut: 1, kh: 3, kw: 3 }));
  out.push(makeCase(rng, 'batch 2, C_out 5 (4x4 tail)', { ...s1, ...p1, n: 2, h: 7, w: 6, cIn: 1, cOut: 5, kh: 3, kw: 3 }));
  // C_in = 1, stride_w 1, dilation_w 1: the channels past the last full 16-block run with the
  // pixels in the lanes (8 per group; partial groups at every row end, read-past rows).
  for (const [cOut, w, kw, pads] of [[4, 1, 1, p0], [7, 9, 3, p1], [12, 13, 5, p0], [20, 8, 5, p0], [36, 17, 3, p1], [5, 3, 5, { pt: 2, pl: 0, pb: 0, pr: 3 }]] as const) {
    out.push(makeCase(rng, `pixel lanes: C_in 1, C_out ${cOut}, width ${w}`, { sh: rng.int(1, 2), sw: 1, dh: 1, dw: 1, ...pads, n: 2, h: rng.int(5, 9), w, cIn: 1, cOut, kh: 5, kw }));
  }
  // Larger images (pair images of 100-500 KB): many rows of tiles, odd widths, the 4x8 tail.
  out.push(makeCase(rng, 'large image: 3x3 stride 2, C_in 3 -> 8 (4x8 tail), vertical slots', { sh: 2, sw: 2, dh: 1, dw: 1, ...p1, n: 1, h: 121, w: 83, cIn: 3, cOut: 8, kh: 3, kw: 3 }));
  out.push(makeCase(rng, 'large image: 3x3 C_in 8 -> 16, odd width', { ...s1, ...p1, n: 2, h: 45, w: 61, cIn: 8, cOut: 16, kh: 3, kw: 3 }));
  out.push(makeCase(rng, 'large image: pixel lanes, C_in 1 -> 20, 5x5', { ...s1, ...p0, n: 1, h: 70, w: 203, cIn: 1, cOut: 20, kh: 5, kw: 5 }));
  out.push(makeCase(rng, 'large image: dilation 2, C_in 3 -> 28', { ...s1, dh: 2, dw: 2, pt: 2, pl: 2, pb: 2, pr: 2, n: 1, h: 50, w: 90, cIn: 3, cOut: 28, kh: 3, kw: 3 }));
  out.push(makeCase(rng, 'all-negative input', { ...s1, ...p1, h: 5, w: 5, cIn: 4, cOut: 8, kh: 3, kw: 3 }, { xhi: -1 }));
  out.push(makeCase(rng, 'saturating high and low', { ...s1, ...p1, h: 6, w: 6, cIn: 3, cOut: 12, kh: 3, kw: 3 }, { mScale: 3000, relu: false }));
  out.push(makeCase(rng, 'extreme values: x = -128, w = -128 (read as -127)', { ...s1, ...p1, h: 5, w: 5, cIn: 4, cOut: 9, kh: 7, kw: 7 }, { xlo: -128, xhi: -128, wlo: -128, whi: -128 }));
  out.push(makeCase(rng, 'extreme values: x = 127, w = 127', { ...s1, ...p0, h: 11, w: 11, cIn: 4, cOut: 6, kh: 11, kw: 11 }, { xlo: 127, xhi: 127, wlo: 127, whi: 127, mScale: 0.01 }));
  return out;
}

const SENTINEL = 0x5a;

const geomOf = (c: Case) => ({
  n: c.a.n, h: c.a.h, w: c.a.w, c: c.a.cIn, kh: c.a.kh, kw: c.a.kw, strideH: c.a.sh, strideW: c.a.sw,
  dilationH: c.a.dh, dilationW: c.a.dw, pads: [c.a.pt, c.a.pl, c.a.pb, c.a.pr] as [number, number, number, number],
});

async function runCase(build: Build, kernel: string, c: Case, pool = false): Promise<Int8Array> {
  const mem = await memoryFor(build);
  const layer = prepareQs8Conv(mem, build, {
    geom: geomOf(c),
    cOut: c.a.cOut, weights: c.w, bias: c.bias, scale: c.m,
    zpIn: c.q.zpIn, zpOut: c.q.zpOut, qmin: c.q.qmin, qmax: c.q.qmax, kernel, allocScratch: false, fuseMaxPool2x2: pool,
    bandScratch: Infinity, // one call over the whole image (bands: test/kernels/qs8-conv-bands.test.ts)
  });
  expect(layer.pooled).toBe(pool);
  expect(layer.direct).toBe(true);
  // Scratch with a sentinel tail: the kernel may read past it, never write.
  const scratch = mem.alloc(layer.scratchBytes + 16);
  mem.u8(scratch + layer.scratchBytes, 16).fill(SENTINEL);
  const inPtr = mem.put(c.x);
  const outPtr = mem.alloc(layer.outputBytes);
  mem.u8(outPtr, layer.outputBytes + 16).fill(SENTINEL);
  runQs8Conv(mem, layer, inPtr, outPtr, scratch);
  const all = mem.i8(outPtr, layer.outputBytes + 16);
  for (let j = layer.outputBytes; j < all.length; j++) {
    if (all[j] !== SENTINEL) throw new Error(`${kernel} (${build}) wrote past the output's end [${c.name}]`);
  }
  const tail = mem.u8(scratch + layer.scratchBytes, 16);
  if (tail.some((v) => v !== SENTINEL)) throw new Error(`${kernel} (${build}) wrote past its scratch of ${layer.scratchBytes} bytes [${c.name}]`);
  return all.slice(0, layer.outputBytes);
}

/** The reference on the weights as every qs8 packer reads them (-128 is -127, DESIGN.md). */
const reference = (c: Case): Int8Array => qs8ConvRef(c.a, c.x, c.w.map((v) => Math.max(v, -127)), c.bias, c.m, c.q);

function expectSame(got: Int8Array, want: Int8Array, what: string, c: Case): void {
  const [oh, ow] = convOutSize(c.a);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) {
      const o = i % c.a.cOut, px = Math.floor(i / c.a.cOut);
      const ox = px % ow, oy = Math.floor(px / ow) % oh, b = Math.floor(px / (ow * oh));
      throw new Error(`${what}: y[${b}][${oy}][${ox}][${o}] = ${got[i]}, want ${want[i]} (${JSON.stringify(c.a)} ` +
        `zpIn=${c.q.zpIn} zpOut=${c.q.zpOut} q=[${c.q.qmin},${c.q.qmax}]) [${c.name}]`);
    }
  }
}

/** 2×2 stride-2 max pool, floor mode, over an int8 NHWC batch (the reference for the fused pool). */
function maxPool2x2(y: Int8Array, n: number, oh: number, ow: number, c: number): Int8Array {
  const ph = oh >> 1, pw = ow >> 1;
  const out = new Int8Array(n * ph * pw * c);
  for (let b = 0; b < n; b++) for (let py = 0; py < ph; py++) for (let px = 0; px < pw; px++) for (let ch = 0; ch < c; ch++) {
    const at = (yy: number, xx: number) => y[((b * oh + yy) * ow + xx) * c + ch];
    out[((b * ph + py) * pw + px) * c + ch] = Math.max(at(2 * py, 2 * px), at(2 * py, 2 * px + 1), at(2 * py + 1, 2 * px), at(2 * py + 1, 2 * px + 1));
  }
  return out;
}

describe('qs8 direct conv', () => {
  const all = cases();

  it('with a fused 2×2/2 max pool: the pool of the reference conv, bit for bit, where canFuseMaxPool2x2 allows it', async () => {
    const rng = new Rng(0x9001);
    const s1 = { sh: 1, sw: 1, dh: 1, dw: 1 };
    const pooledCases = [
      ...all.filter((c) => convOutSize(c.a).every((d) => d >= 2)),
      makeCase(rng, 'pooled LeNet conv1', { ...s1, pt: 0, pl: 0, pb: 0, pr: 0, n: 1, h: 28, w: 28, cIn: 1, cOut: 20, kh: 5, kw: 5 }),
      makeCase(rng, 'pooled odd output 7x9, C_out 20', { ...s1, pt: 1, pl: 1, pb: 1, pr: 1, n: 2, h: 7, w: 9, cIn: 1, cOut: 20, kh: 3, kw: 3 }),
      makeCase(rng, 'pooled 16 channels, C_in 3, stride 2', { sh: 2, sw: 2, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1, n: 1, h: 13, w: 11, cIn: 3, cOut: 16, kh: 3, kw: 3 }),
      makeCase(rng, 'pooled 2x2 output, C_out 36', { ...s1, pt: 0, pl: 0, pb: 0, pr: 0, n: 1, h: 6, w: 6, cIn: 1, cOut: 36, kh: 5, kw: 5 }),
      makeCase(rng, 'pooled wide row, C_out 7', { ...s1, pt: 2, pl: 2, pb: 2, pr: 2, n: 1, h: 5, w: 23, cIn: 1, cOut: 7, kh: 5, kw: 5 }),
    ];
    let fused = 0, refused = 0;
    for (const c of pooledCases) {
      const [oh, ow] = convOutSize(c.a);
      const want = maxPool2x2(reference(c), c.a.n, oh, ow, c.a.cOut);
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf(build)) {
          if (!canFuseMaxPool2x2(geomOf(c), c.a.cOut, build, kernel)) {
            refused++;
            const mem = await memoryFor(build);
            expect(() => prepareQs8Conv(mem, build, { geom: geomOf(c), cOut: c.a.cOut, weights: c.w, scale: c.m, zpIn: 0, zpOut: 0, kernel, fuseMaxPool2x2: true }))
              .toThrow(/cannot fuse a 2×2 max pool/);
            continue;
          }
          const got = await runCase(build, kernel, c, true);
          expect(got.length).toBe(want.length);
          for (let i = 0; i < want.length; i++) {
            if (got[i] !== want[i]) throw new Error(`${kernel} (${build}) pooled: element ${i} = ${got[i]}, want ${want[i]} (${JSON.stringify(c.a)}) [${c.name}]`);
          }
          fused++;
        }
      }
    }
    expect(fused).toBeGreaterThan(pooledCases.length);
    expect(refused).toBeGreaterThan(0);
  });

  it('scalar twin and SIMD kernel equal the reference in every build, bit for bit, and builds agree', async () => {
    let checked = 0;
    for (const c of all) {
      const want = reference(c);
      let first: Int8Array | null = null;
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf(build)) {
          const got = await runCase(build, kernel, c);
          expectSame(got, want, `${kernel} (${build})`, c);
          if (first) expectSame(got, first, `${kernel} (${build}) vs the first build`, c);
          else first = got;
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(all.length * 3);
  });

  it('stays exact once the engine has optimised the kernel (hot loop)', async () => {
    const rng = new Rng(0x40f);
    const c = makeCase(rng, 'hot LeNet conv1', { sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0, n: 1, h: 28, w: 28, cIn: 1, cOut: 20, kh: 5, kw: 5 });
    const want = reference(c);
    for (const build of TEST_BUILDS) {
      for (const kernel of kernelsOf(build)) {
        const mem = await memoryFor(build);
        const layer = prepareQs8Conv(mem, build, {
          geom: { n: 1, h: 28, w: 28, c: 1, kh: 5, kw: 5 }, cOut: 20, weights: c.w, bias: c.bias, scale: c.m,
          zpIn: c.q.zpIn, zpOut: c.q.zpOut, qmin: c.q.qmin, qmax: c.q.qmax, kernel,
        });
        const x = mem.put(c.x);
        const y = mem.alloc(layer.outputBytes);
        for (let r = 0; r < 300; r++) runQs8Conv(mem, layer, x, y);
        expectSame(mem.i8(y, layer.outputBytes).slice(), want, `${kernel} (${build}, hot)`, c);
      }
    }
  });

  it('the conv op picks it for C_in <= 4, and for K <= 256 in the SIMD builds; the table names exported kernels', async () => {
    for (const build of TEST_BUILDS) {
      const mem = await memoryFor(build);
      const row = chooseKernel('qs8_conv_cin4', build);
      expect(typeof mem.mod.exports[row.kernel]).toBe('function');
      expect(typeof mem.mod.exports[row.packer!]).toBe('function');
      const spec = (c: number) => ({
        geom: { n: 1, h: 6, w: 6, c, kh: 3, kw: 3, pads: [1, 1, 1, 1] as [number, number, number, number] },
        cOut: 8, weights: new Int8Array(8 * 9 * c), scale: new Float32Array(8).fill(0.01), zpIn: 0, zpOut: 0,
        winograd: false, // (C_in 64 would run on the Winograd kernel: test/kernels/qs8-conv-wino.test.ts)
      });
      for (const c of [1, 2, 3, 4]) {
        const l = prepareQs8Conv(mem, build, spec(c));
        // (3x3x3 -> 8 in the SIMD builds: the im2row kernel, test/kernels/qs8-conv-im2row.test.ts)
        expect(l.kernel).toBe(build !== 'scalar' && c === 3 ? chooseKernel('qs8_conv_im2row', build).kernel : row.kernel);
        expect(l.direct).toBe(true);
        expect(l.scratchBytes).toBeGreaterThan(0);
      }
      // C_in > 4: the direct kernel in the SIMD builds while K = 9·C_in <= 256 (prefersDirect), the im2col GEMM above and in the scalar build.
      for (const c of [5, 20, 28, 29, 64]) {
        const l = prepareQs8Conv(mem, build, spec(c));
        const direct = build !== 'scalar' && 9 * c <= 256;
        expect(l.direct, `C_in ${c} (${build})`).toBe(direct);
        expect(l.kernel).toBe(direct ? row.kernel : chooseKernel('qs8_conv', build).kernel);
      }
      // A pair image over 1 MiB goes to the GEMM too (a 1×1 conv over 128×128×32: 2 MiB).
      const big = prepareQs8Conv(mem, build, {
        geom: { n: 1, h: 128, w: 128, c: 32, kh: 1, kw: 1 }, cOut: 8, weights: new Int8Array(8 * 32), scale: new Float32Array(8).fill(0.01), zpIn: 0, zpOut: 0,
      });
      expect(big.direct).toBe(false);
    }
  });

  it('refuses a build without the kernel and weights of the wrong size', async () => {
    const mem = await memoryFor('scalar');
    const spec = { geom: { n: 1, h: 4, w: 4, c: 5, kh: 3, kw: 3 }, cOut: 4, weights: new Int8Array(4 * 45), scale: new Float32Array(4), zpIn: 0, zpOut: 0 };
    expect(prepareQs8Conv(mem, 'scalar', { ...spec, kernel: SCALAR }).direct).toBe(true); // any C_in when asked for
    const spec1 = { ...spec, geom: { ...spec.geom, c: 1 }, weights: new Int8Array(4 * 9) };
    expect(() => prepareQs8Conv(mem, 'scalar', { ...spec1, kernel: SIMD })).toThrow(TypeError);
    expect(() => prepareQs8Conv(mem, 'scalar', { ...spec1, weights: new Int8Array(5) })).toThrow(RangeError);
  });
});

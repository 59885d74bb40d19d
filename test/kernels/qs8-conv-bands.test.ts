// The direct int8 conv run in bands of output rows (directBands in src/runtime/ops/qs8-conv.ts:
// one kernel call per band over the input rows its windows read, the scratch sized for one
// band's pair image): bit for bit the reference and the one-call run, in every build and with
// both direct kernels, fused 2×2 max pool included; nothing written past the output or the
// smaller scratch.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { qs8ConvRef, convOutSize, type ConvRefArgs } from '../reference/qs8-conv.js';
import type { GemmQuant } from '../reference/qs8-gemm.js';
import { canFuseMaxPool2x2, DIRECT_BAND_SCRATCH, prepareQs8Conv, runQs8Conv } from '../../src/runtime/ops/qs8-conv.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { Build } from '../../src/runtime/features.js';

interface Case {
  a: ConvRefArgs;
  x: Int8Array; w: Int8Array; bias: Int32Array; m: Float32Array; q: GemmQuant;
}

function makeCase(rng: Rng, over: Partial<ConvRefArgs> = {}): Case {
  for (;;) {
    const k = rng.pick([[1, 1], [1, 1], [3, 3], [3, 3], [5, 5], [7, 7], [10, 4], [3, 1], [2, 2]]);
    const a: ConvRefArgs = {
      n: 1, h: rng.int(6, 40), w: rng.int(1, 30),
      cIn: rng.pick([1, 2, 3, 4, 8, 16]), cOut: rng.pick([4, 5, 8, 16, 20, 32, 33]),
      kh: k[0], kw: k[1],
      sh: rng.int(1, 3), sw: rng.int(1, 2), dh: rng.pick([1, 1, 2]), dw: rng.pick([1, 1, 2]),
      pt: rng.int(0, 3), pl: rng.int(0, 2), pb: rng.int(0, 3), pr: rng.int(0, 2),
      ...over,
    };
    const [oh, ow] = convOutSize(a);
    if (oh < 2 || ow < 1) continue;
    const K = a.kh * a.kw * a.cIn;
    const m = new Float32Array(a.cOut);
    for (let c = 0; c < a.cOut; c++) m[c] = Math.fround((0.5 + rng.next()) / (300 * Math.sqrt(K)));
    return {
      a, x: rng.i8(a.h * a.w * a.cIn, -128, 127), w: rng.i8(a.cOut * K, -127, 127), bias: rng.i32(a.cOut, -20000, 20000), m,
      q: { zpIn: rng.int(-128, 127), zpOut: rng.int(-20, 20), qmin: -128, qmax: 127 },
    };
  }
}

const SENTINEL = 0x5a;
const geomOf = (c: Case) => ({
  n: 1, h: c.a.h, w: c.a.w, c: c.a.cIn, kh: c.a.kh, kw: c.a.kw, strideH: c.a.sh, strideW: c.a.sw,
  dilationH: c.a.dh, dilationW: c.a.dw, pads: [c.a.pt, c.a.pl, c.a.pb, c.a.pr] as [number, number, number, number],
});

/** One run; returns the output and how many kernel calls (bands) it took. */
async function run(build: Build, kernel: string, c: Case, bandScratch: number, pool: boolean): Promise<{ y: Int8Array; bands: number; scratchBytes: number }> {
  const mem = await memoryFor(build);
  const layer = prepareQs8Conv(mem, build, {
    geom: geomOf(c), cOut: c.a.cOut, weights: c.w, bias: c.bias, scale: c.m, zpIn: c.q.zpIn, zpOut: c.q.zpOut,
    kernel, allocScratch: false, fuseMaxPool2x2: pool, bandScratch,
  });
  const scratch = mem.alloc(layer.scratchBytes + 16);
  mem.u8(scratch + layer.scratchBytes, 16).fill(SENTINEL);
  const x = mem.put(c.x);
  const y = mem.alloc(layer.outputBytes);
  mem.u8(y, layer.outputBytes + 16).fill(SENTINEL);
  runQs8Conv(mem, layer, x, y, scratch);
  const out = mem.u8(y, layer.outputBytes + 16);
  if (out.subarray(layer.outputBytes).some((v) => v !== SENTINEL)) throw new Error(`${kernel} (${build}) in bands wrote past the output (${JSON.stringify(c.a)})`);
  if (mem.u8(scratch + layer.scratchBytes, 16).some((v) => v !== SENTINEL)) throw new Error(`${kernel} (${build}) wrote past its band scratch (${JSON.stringify(c.a)})`);
  return { y: mem.i8(y, layer.outputBytes).slice(), bands: layer.bands?.length ?? 1, scratchBytes: layer.scratchBytes };
}

function maxPool2x2(y: Int8Array, oh: number, ow: number, c: number): Int8Array {
  const ph = oh >> 1, pw = ow >> 1, out = new Int8Array(ph * pw * c);
  for (let py = 0; py < ph; py++) for (let px = 0; px < pw; px++) for (let ch = 0; ch < c; ch++) {
    const at = (yy: number, xx: number) => y[(yy * ow + xx) * c + ch];
    out[(py * pw + px) * c + ch] = Math.max(at(2 * py, 2 * px), at(2 * py, 2 * px + 1), at(2 * py + 1, 2 * px), at(2 * py + 1, 2 * px + 1));
  }
  return out;
}

describe('qs8 direct conv in bands of output rows', () => {
  it('equals the reference and the one-call run bit for bit, with a smaller scratch (random layers, every build, both kernels, pooled too)', async () => {
    const rng = new Rng(0xba4d);
    const cases = Array.from({ length: 60 }, () => makeCase(rng));
    // The MLPerf Tiny and MobileNetV2 first layers and a pointwise layer, at their sizes.
    cases.push(makeCase(rng, { h: 96, w: 96, cIn: 3, cOut: 8, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, pt: 0, pl: 0, pb: 1, pr: 1 }));
    cases.push(makeCase(rng, { h: 49, w: 10, cIn: 1, cOut: 64, kh: 10, kw: 4, sh: 2, sw: 2, dh: 1, dw: 1, pt: 4, pl: 1, pb: 5, pr: 1 }));
    cases.push(makeCase(rng, { h: 32, w: 32, cIn: 16, cOut: 16, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pl: 1, pb: 1, pr: 1 }));
    cases.push(makeCase(rng, { h: 56, w: 56, cIn: 16, cOut: 96, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0 }));
    let banded = 0, smaller = 0, checked = 0;
    for (const c of cases) {
      const [oh, ow] = convOutSize(c.a);
      const ref = qs8ConvRef(c.a, c.x, c.w, c.bias, c.m, c.q);
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf('qs8_conv_cin4', build)) {
          for (const pool of [false, true]) {
            if (pool && !canFuseMaxPool2x2(geomOf(c), c.a.cOut, build, kernel)) continue;
            const want = pool ? maxPool2x2(ref, oh, ow, c.a.cOut) : ref;
            const one = await run(build, kernel, c, Infinity, pool);
            expect(one.bands).toBe(1);
            for (const target of [1, 2048, DIRECT_BAND_SCRATCH]) {
              const got = await run(build, kernel, c, target, pool);
              for (let i = 0; i < want.length; i++) {
                if (got.y[i] !== want[i] || one.y[i] !== want[i]) {
                  throw new Error(`${kernel} (${build}) ${pool ? 'pooled ' : ''}in ${got.bands} bands (scratch ${target}): element ${i} = ${got.y[i]} ` +
                    `(one call ${one.y[i]}), want ${want[i]} (${JSON.stringify(c.a)})`);
                }
              }
              if (got.bands > 1) banded++;
              if (got.scratchBytes < one.scratchBytes) smaller++;
              expect(got.scratchBytes).toBeLessThanOrEqual(one.scratchBytes);
              checked++;
            }
          }
        }
      }
    }
    expect(banded).toBeGreaterThan(checked / 2);
    expect(smaller).toBe(banded);
  });
});

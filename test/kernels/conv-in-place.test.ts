// int8 convs written over their own input (the executor's allowInPlace): the SIMD 3x3 depthwise
// kernel over pair rows where dwInPlace says so, and the direct small-C_in conv, in one call or in
// bands, where convInPlace says so. Run with the output pointer at the input's first byte, they
// give the reference's bytes in every build and kernel the predicates accept; run so where the
// predicates refuse (the scalar 3x3 depthwise twin, a padded 3x3 conv in bands), they do not,
// which is why those stay apart.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { qs8DwconvRef, dwOutSize, type DwRefArgs } from '../reference/qs8-dwconv.js';
import { qs8ConvRef, convOutSize, type ConvRefArgs } from '../reference/qs8-conv.js';
import { dwInPlace, prepareQs8Dwconv, runQs8Dwconv } from '../../src/runtime/ops/qs8-dwconv.js';
import { convInPlace, DIRECT_BAND_SCRATCH, prepareQs8Conv, runQs8Conv } from '../../src/runtime/ops/qs8-conv.js';
import { kernelsOf } from '../../src/runtime/manifest.js';
import type { LinearMemory } from '../../src/runtime/memory.js';

/** x at a buffer that also holds the output; runs `kernel(at, at)`; returns the output's bytes. */
function inPlace(mem: LinearMemory, x: Int8Array, outBytes: number, run: (input: number, output: number) => void): Int8Array {
  const at = mem.alloc(Math.max(x.length, outBytes));
  mem.i8(at, x.length).set(x);
  run(at, at);
  return mem.i8(at, outBytes).slice();
}

const differs = (a: Int8Array, b: Int8Array) => a.some((v, i) => v !== b[i]);

describe('int8 convs in place', () => {
  it('3x3 depthwise: the SIMD pair-row kernel over its input equals the reference where dwInPlace allows it', async () => {
    const rng = new Rng(0x1e9d);
    let accepted = 0, refusedScalar = 0, scalarWrong = 0;
    for (let i = 0; i < 70; i++) {
      const sh = rng.pick([1, 1, 2]), pl = rng.int(0, 1);
      const a: DwRefArgs = {
        n: 1, h: rng.int(1, 13), w: rng.int(1, 13), c: rng.pick([1, 3, 8, 16, 19, 32, 40]), kh: 3, kw: 3,
        sh, sw: rng.pick([1, sh]), dh: rng.pick([1, 1, 1, 2]), dw: 1, pt: rng.int(0, 2), pl, pb: rng.int(0, 2), pr: 2 - pl - rng.int(0, 1 - pl),
      };
      const [oh, ow] = dwOutSize(a);
      if (oh < 1 || ow < 1 || oh * ow > a.h * a.w) continue;
      const x = rng.i8(a.h * a.w * a.c, -128, 127), w = rng.i8(9 * a.c, -127, 127), bias = rng.i32(a.c, -5000, 5000);
      const m = Float32Array.from({ length: a.c }, () => Math.fround(0.002 + 0.01 * rng.next()));
      const zpIn = rng.int(-128, 127), zpOut = rng.int(-20, 20);
      const want = qs8DwconvRef(a, x, w, bias, m, zpIn, zpOut, -128, 127);
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf('qs8_dwconv_3x3', build)) {
          const mem = await memoryFor(build);
          const layer = prepareQs8Dwconv(mem, build, {
            geom: { n: 1, h: a.h, w: a.w, c: a.c, kh: 3, kw: 3, strideH: a.sh, strideW: a.sw, dilationH: a.dh, dilationW: a.dw, pads: [a.pt, a.pl, a.pb, a.pr] },
            weights: w, bias, scale: m, zpIn, zpOut, kernel,
          });
          const got = inPlace(mem, x, layer.outputBytes, (xp, yp) => runQs8Dwconv(mem, layer, xp, yp));
          if (dwInPlace(layer)) {
            accepted++;
            expect(Array.from(got), `${kernel} (${build}) in place ${JSON.stringify(a)}`).toEqual(Array.from(want));
          } else if (kernel.endsWith('__scalar') && a.dh === 1 && a.sh === 1 && oh > 1) {
            refusedScalar++;
            if (differs(got, want)) scalarWrong++;
          }
        }
      }
    }
    expect(accepted).toBeGreaterThan(40);
    // The scalar twin reads its taps from the input: over it, it reads rows it has overwritten.
    expect(scalarWrong).toBeGreaterThan(refusedScalar / 2);
  });

  it('direct small-C_in conv: one call or bands over its input equal the reference where convInPlace allows it', async () => {
    const rng = new Rng(0xd1c7);
    let accepted = 0, acceptedBands = 0, paddedBandsWrong = 0, paddedBands = 0;
    const shapes: Partial<ConvRefArgs>[] = [
      // DS-CNN's pointwise layers and MobileNetV2-like projections (C_out < C_in), at their sizes.
      { h: 25, w: 5, cIn: 64, cOut: 64, kh: 1, kw: 1, sh: 1, sw: 1, pt: 0, pl: 0, pb: 0, pr: 0 },
      { h: 28, w: 28, cIn: 32, cOut: 8, kh: 1, kw: 1, sh: 1, sw: 1, pt: 0, pl: 0, pb: 0, pr: 0 },
      { h: 40, w: 6, cIn: 4, cOut: 4, kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1, pb: 1, pr: 1 },
    ];
    for (let i = 0; i < 50; i++) {
      const k = rng.pick([1, 1, 3]);
      const cIn = rng.pick([1, 2, 3, 4, 8, 16, 32]);
      shapes.push({
        h: rng.int(2, 40), w: rng.int(1, 24), cIn, cOut: rng.pick([4, 8, 16, cIn, cIn]), kh: k, kw: k, sh: rng.int(1, 2), sw: rng.int(1, 2),
        pt: k === 1 ? 0 : rng.int(0, 1), pl: k === 1 ? 0 : 1, pb: k === 1 ? 0 : 1, pr: k === 1 ? 0 : 1,
      });
    }
    for (const shape of shapes) {
      const a: ConvRefArgs = { n: 1, h: 8, w: 8, cIn: 4, cOut: 4, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0, ...shape };
      const [oh, ow] = convOutSize(a);
      if (oh < 1 || ow < 1 || oh * ow * a.cOut > a.h * a.w * a.cIn) continue;
      const K = a.kh * a.kw * a.cIn;
      const x = rng.i8(a.h * a.w * a.cIn, -128, 127), w = rng.i8(a.cOut * K, -127, 127), bias = rng.i32(a.cOut, -20000, 20000);
      const m = Float32Array.from({ length: a.cOut }, () => Math.fround((0.5 + rng.next()) / (300 * Math.sqrt(K))));
      const q = { zpIn: rng.int(-128, 127), zpOut: rng.int(-20, 20), qmin: -128, qmax: 127 };
      const want = qs8ConvRef(a, x, w, bias, m, q);
      for (const build of TEST_BUILDS) {
        for (const kernel of kernelsOf('qs8_conv_cin4', build)) {
          for (const bandScratch of [Infinity, 1024, DIRECT_BAND_SCRATCH]) {
            const mem = await memoryFor(build);
            const layer = prepareQs8Conv(mem, build, {
              geom: { n: 1, h: a.h, w: a.w, c: a.cIn, kh: a.kh, kw: a.kw, strideH: a.sh, strideW: a.sw, pads: [a.pt, a.pl, a.pb, a.pr] },
              cOut: a.cOut, weights: w, bias, scale: m, zpIn: q.zpIn, zpOut: q.zpOut, kernel, bandScratch,
            });
            const got = inPlace(mem, x, layer.outputBytes, (xp, yp) => runQs8Conv(mem, layer, xp, yp));
            const bands = layer.bands?.length ?? 1;
            if (convInPlace(layer)) {
              accepted++;
              if (bands > 1) acceptedBands++;
              expect(Array.from(got), `${kernel} (${build}) in ${bands} bands, in place ${JSON.stringify(a)}`).toEqual(Array.from(want));
            } else if (bands > 1 && a.kh === 3 && a.sh === 1 && a.pt === 1) {
              paddedBands++;
              if (differs(got, want)) paddedBandsWrong++;
            }
          }
        }
      }
    }
    expect(accepted).toBeGreaterThan(100);
    expect(acceptedBands).toBeGreaterThan(20);
    // A 3x3 band's first window row is the previous band's last output row, written over.
    expect(paddedBands).toBeGreaterThan(0);
    expect(paddedBandsWrong).toBe(paddedBands);
  });
});

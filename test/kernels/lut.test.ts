// The fused input step's kernel u8_qs8_lut (uint8 values -> int8 through one table per channel,
// NCHW or NHWC in, NHWC out) against its definition, in every build: every pixel count around
// the RGB path's 4-pixel steps, one to four channels, both layouts; nothing written past y.
import { describe, expect, it } from 'vitest';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import { kernelsOf } from '../../src/runtime/manifest.js';

describe('u8_qs8_lut', () => {
  it('y[p][c] = table[c][x(p, c)] for any pixel count, channels and layout', async () => {
    const rng = new Rng(0x107);
    let checked = 0;
    for (const build of TEST_BUILDS) {
      for (const kernel of kernelsOf('u8_qs8_lut', build)) {
        for (const channels of [1, 2, 3, 4]) {
          for (const pixels of [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 36864]) {
            for (const nchw of [true, false]) {
              const mem = await memoryFor(build);
              const n = pixels * channels;
              const x = Uint8Array.from({ length: n }, () => rng.int(0, 255));
              const table = Int8Array.from({ length: channels * 256 }, () => rng.int(-128, 127));
              const xp = mem.put(x), tp = mem.put(table), yp = mem.alloc(n + 16);
              mem.u8(yp, n + 16).fill(0x5a);
              const f = mem.mod.exports[kernel] as (...a: number[]) => void;
              f(pixels, channels, xp, nchw ? pixels : 1, nchw ? 1 : channels, tp, yp);
              const y = mem.i8(yp, n + 16);
              for (let p = 0; p < pixels; p++) {
                for (let c = 0; c < channels; c++) {
                  const v = x[nchw ? c * pixels + p : p * channels + c];
                  if (y[p * channels + c] !== table[c * 256 + v]) throw new Error(`${kernel} (${build}) ${channels} channels, ${pixels} pixels, ${nchw ? 'NCHW' : 'NHWC'}: y[${p}][${c}] = ${y[p * channels + c]}, want ${table[c * 256 + v]}`);
                }
              }
              expect(Array.from(y.subarray(n)).every((v) => v === 0x5a), `${kernel} wrote past y`).toBe(true);
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(104);
  });
});

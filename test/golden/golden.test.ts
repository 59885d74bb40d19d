// Every shipped model and ONNX fixture gives the outputs recorded in outputs.json, bit for bit,
// in every build (compute.ts says what is digested).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeGolden, ROOT, type Golden } from './compute.js';
import { TEST_BUILDS } from '../helpers/wasm.js';

const F32_SIGMOID = 'issue 16: Sigmoid runs on the f32 activation kernel (f32 exp, within 2.4e-7 of the definition), not Math.exp in double';
const INT8_TABLES = 'issue 16: the conv + Sigmoid / HardSwish / LeakyRelu layers convert to int8 (an int8 table after the conv) where they stayed f32';

/**
 * Digests that changed on purpose after outputs.json was recorded, each with the digest it has
 * now and the change that moved it (outputs.json itself is never re-recorded); checked as
 * strictly as the others. A key ending in `*` stands for every build.
 */
const CHANGED: [key: string, now: string, why: string][] = [
  ['test/fixtures/gap_op11.onnx run-f32 *', '1cc977772a99ea29add95c61', F32_SIGMOID],
  ['test/fixtures/gap_op11.onnx quantize', 'ce53957c283f8915cc27b135', INT8_TABLES],
  ['test/fixtures/gap_op11.onnx run-int8 *', '629c0110054ebfca02f1eeba', INT8_TABLES],
  ['test/fixtures/tiny_cnn_op13.onnx quantize', '9c2501f560e731054060807f', INT8_TABLES],
  ['test/fixtures/tiny_cnn_op13.onnx run-int8 *', '33526bf5c88bd16a574fc624', INT8_TABLES],
  ['test/fixtures/tiny_cnn_op9.onnx quantize', 'b8cd0e955c5768ca16d07f61', INT8_TABLES],
  ['test/fixtures/tiny_cnn_op9.onnx run-int8 *', 'ef05d490c09cb63e7fb02829', INT8_TABLES],
];

describe('golden outputs', () => {
  it('every model, fixture and conversion matches the recorded digests in every build', async () => {
    const want = JSON.parse(readFileSync(join(ROOT, 'test/golden/outputs.json'), 'utf8')) as Golden;
    for (const [key, now] of CHANGED) {
      for (const k of key.endsWith(' *') ? ['scalar', 'simd', 'relaxed'].map((b) => key.replace(/\*$/, b)) : [key]) if (k in want) want[k] = now;
    }
    const got = await computeGolden(TEST_BUILDS);
    const diff = Object.keys(want).filter((k) => k.split(' ').pop() === undefined || got[k] !== undefined)
      .filter((k) => got[k] !== want[k]).map((k) => `${k}: recorded ${want[k]}, now ${got[k]}`);
    expect(diff).toEqual([]);
    expect(Object.keys(got).filter((k) => !(k in want))).toEqual([]);
  }, 600_000);
});

// Every shipped model and ONNX fixture gives the outputs recorded in outputs.json, bit for bit,
// in every build (compute.ts says what is digested).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeGolden, ROOT, type Golden } from './compute.js';
import { TEST_BUILDS } from '../helpers/wasm.js';

/**
 * Digests that changed on purpose after outputs.json was recorded, each with the digest it has
 * now and the change that moved it (outputs.json itself is never re-recorded): checked as
 * strictly as the others, in every build.
 */
const CHANGED: Record<string, { now: string; why: string }> = Object.fromEntries(
  [
    ['test/fixtures/gap_op11.onnx run-f32', '1cc977772a99ea29add95c61', 'issue 16: Sigmoid runs on the f32 activation kernel (f32 exp, within 2.4e-7 of the definition), not Math.exp in double'],
  ].flatMap(([key, now, why]) => ['scalar', 'simd', 'relaxed'].map((b) => [`${key} ${b}`, { now, why }])),
);

describe('golden outputs', () => {
  it('every model, fixture and conversion matches the recorded digests in every build', async () => {
    const want = JSON.parse(readFileSync(join(ROOT, 'test/golden/outputs.json'), 'utf8')) as Golden;
    for (const [k, c] of Object.entries(CHANGED)) if (k in want) want[k] = c.now;
    const got = await computeGolden(TEST_BUILDS);
    const diff = Object.keys(want).filter((k) => k.split(' ').pop() === undefined || got[k] !== undefined)
      .filter((k) => got[k] !== want[k]).map((k) => `${k}: recorded ${want[k]}, now ${got[k]}`);
    expect(diff).toEqual([]);
    expect(Object.keys(got).filter((k) => !(k in want))).toEqual([]);
  }, 600_000);
});

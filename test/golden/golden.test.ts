// Every shipped model and ONNX fixture gives the outputs recorded in outputs.json, bit for bit,
// in every build (compute.ts says what is digested).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeGolden, ROOT, type Golden } from './compute.js';
import { TEST_BUILDS } from '../helpers/wasm.js';

describe('golden outputs', () => {
  it('every model, fixture and conversion matches the recorded digests in every build', async () => {
    const want = JSON.parse(readFileSync(join(ROOT, 'test/golden/outputs.json'), 'utf8')) as Golden;
    const got = await computeGolden(TEST_BUILDS);
    const diff = Object.keys(want).filter((k) => k.split(' ').pop() === undefined || got[k] !== undefined)
      .filter((k) => got[k] !== want[k]).map((k) => `${k}: recorded ${want[k]}, now ${got[k]}`);
    expect(diff).toEqual([]);
    expect(Object.keys(got).filter((k) => !(k in want))).toEqual([]);
  }, 600_000);
});

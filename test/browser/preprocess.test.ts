// The demo's drawing-to-MNIST preprocessing (examples/web/preprocess.js), in Node: the ink's
// box scaled to 20 px, the centre of mass at the centre of 28×28, mass kept by the area
// resampling, and the model still reads digits that went through it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { load } from '../../src/runtime/model.js';
// @ts-expect-error plain JS module of the demo
import { centreOfMass, inkBox, resample, toMnist } from '../../examples/web/preprocess.js';
// @ts-expect-error
import { parseDigits } from '../../examples/web/digits.js';
import { Rng } from '../helpers/rng.js';

const digits = parseDigits(readFileSync(new URL('../../examples/web/digits.bin', import.meta.url)));

/** A 28×28 digit drawn k times larger at an offset on a w×h pad (nearest neighbour). */
function onPad(d: Uint8Array, k: number, ox: number, oy: number, w = 280, h = 280): Uint8Array {
  const g = new Uint8Array(w * h);
  for (let y = 0; y < 28 * k; y++) for (let x = 0; x < 28 * k; x++) {
    const px = x + ox, py = y + oy;
    if (px < w && py < h) g[py * w + px] = d[Math.floor(y / k) * 28 + Math.floor(x / k)];
  }
  return g;
}

describe('drawing to MNIST input', () => {
  it('an empty pad gives null', () => {
    expect(toMnist(new Uint8Array(280 * 280), 280, 280)).toBeNull();
  });

  it('area resampling keeps the mass of the image', () => {
    const rng = new Rng(3);
    for (let t = 0; t < 20; t++) {
      const w = rng.int(1, 90), h = rng.int(1, 90), tw = rng.int(1, 30), th = rng.int(1, 30);
      const img = Uint8Array.from({ length: w * h }, () => rng.int(0, 256));
      const out = resample(img, 0, w, w, h, tw, th) as Float32Array;
      const sIn = img.reduce((a, b) => a + b, 0) / (w * h), sOut = out.reduce((a, b) => a + b, 0) / (tw * th);
      expect(sOut).toBeCloseTo(sIn, 2);
    }
  });

  it('the ink fits a 20-pixel box and its centre of mass lands at the centre, wherever it was drawn', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 40; i++) {
      const k = rng.int(3, 9);
      const g = onPad(digits.image(i), k, rng.int(0, 280 - 28 * k), rng.int(0, 280 - 28 * k));
      const x = toMnist(g, 280, 280)!;
      const b = inkBox(x, 28, 28)!;
      expect(Math.max(b.w, b.h)).toBeGreaterThanOrEqual(19);
      expect(Math.max(b.w, b.h)).toBeLessThanOrEqual(21);
      const c = centreOfMass(x, 28, 28);
      expect(Math.abs(c.x - 14)).toBeLessThanOrEqual(0.75);
      expect(Math.abs(c.y - 14)).toBeLessThanOrEqual(0.75);
    }
  });

  it('the bundled model reads preprocessed, re-scaled test digits as well as the originals', async () => {
    const model = await load(new Uint8Array(readFileSync(new URL('../../models/mnist-lenet.int8.branchy', import.meta.url))));
    const rng = new Rng(7);
    let right = 0;
    for (let i = 0; i < digits.count; i++) {
      const k = rng.int(4, 10);
      const x = toMnist(onPad(digits.image(i), k, rng.int(0, 280 - 28 * k), rng.int(0, 280 - 28 * k)), 280, 280)!;
      const logits = Array.from(Object.values(model.run(x))[0].data);
      if (logits.indexOf(Math.max(...logits)) === digits.labels[i]) right++;
    }
    expect(right / digits.count).toBeGreaterThan(0.97);
  });
});

import { describe, expect, it } from 'vitest';
import { planArena, type BufferRequest } from '../../src/runtime/planner.js';
import { Rng } from '../helpers/rng.js';

function overlapsInTime(a: BufferRequest, b: BufferRequest): boolean {
  return a.first <= b.last && b.first <= a.last;
}

describe('arena planner', () => {
  it('reuses memory of buffers that are dead', () => {
    // A chain a -> b -> c: a and c never live together, so c can take a's place.
    const plan = planArena([
      { size: 1000, first: 0, last: 1 },
      { size: 1000, first: 1, last: 2 },
      { size: 1000, first: 2, last: 3 },
    ]);
    expect(plan.offsets[0]).toBe(plan.offsets[2]);
    expect(plan.size).toBeLessThan(3 * 1000);
  });

  it('never overlaps live buffers, keeps alignment and read-past bytes (random plans)', () => {
    const rng = new Rng(7);
    for (let t = 0; t < 200; t++) {
      const n = rng.int(1, 30);
      const reqs: BufferRequest[] = [];
      for (let i = 0; i < n; i++) {
        const first = rng.int(0, 20);
        reqs.push({ size: rng.int(0, 5000), first, last: first + rng.int(0, 10) });
      }
      const { offsets, size } = planArena(reqs);
      for (let i = 0; i < n; i++) {
        expect(offsets[i] % 16).toBe(0);
        expect(offsets[i] + reqs[i].size).toBeLessThanOrEqual(size);
        for (let j = i + 1; j < n; j++) {
          if (!overlapsInTime(reqs[i], reqs[j])) continue;
          const disjoint =
            offsets[i] + reqs[i].size <= offsets[j] || offsets[j] + reqs[j].size <= offsets[i];
          expect(disjoint, `buffers ${i} and ${j} overlap`).toBe(true);
        }
      }
    }
  });

  it('rejects a lifetime that ends before it starts', () => {
    expect(() => planArena([{ size: 4, first: 3, last: 1 }])).toThrow(RangeError);
  });
});

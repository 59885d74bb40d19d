// Bun (npm `bun`: the real binary from @oven/bun-<os>-<arch>) runs examples/bun/main.js: the
// package's default entry finds its kernels itself, the model comes in as a Bun.file() Blob.
// Its answers equal Node's bit for bit.
import { describe, expect, it } from 'vitest';
import { answerOf, bunBin, comparable, needBuilt, nodeAnswer, run } from './helpers.js';

describe('bun', () => {
  it('examples/bun: the digits, bit-identical to Node', async () => {
    needBuilt('dist/index.js');
    const r = await run(bunBin(), ['examples/bun/main.js'], { NO_COLOR: '1' });
    const got = answerOf(r, 'bun');
    expect(got.runtime).toMatch(/^bun 1\./);
    expect(['scalar', 'simd', 'relaxed']).toContain(got.build);
    expect(got.accuracy).toBeGreaterThan(0.98);
    expect(comparable(got)).toEqual(comparable(await nodeAnswer(got.build)));
  });
});

// Conv + 2×2/2 max pool fusion in the executor (fusablePool): where the direct small-C_in conv
// (int8 or binary weights) takes the pool into its kernel, the pool's step does nothing and the conv's output is never
// materialised; the answers are bit for bit those of the unfused program (keepIntermediates
// compiles without fusion, since it promises every tensor), in every build.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { load } from '../../src/runtime/model.js';
import { loadMnist } from '../../src/cli/datasets.js';
import { loadDetection } from '../../src/cli/detect-data.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { programOf } from '../helpers/program.js';

const bytes = (f: string) => new Uint8Array(readFileSync(new URL(`../../models/${f}`, import.meta.url)));

describe('conv + max pool fusion', () => {
  for (const file of ['mnist-lenet.int8.branchy', 'branchy-lenet-mnist.int8.branchy']) {
    it(`${file}: conv1 writes the pooled tensor; outputs and early exits equal the unfused program on 300 digits`, async () => {
      const ds = await loadMnist('test');
      for (const build of TEST_BUILDS) {
        const fused = await load(bytes(file), { build });
        const plain = await load(bytes(file), { build, keepIntermediates: true });
        const pf = programOf(fused), pp = programOf(plain);
        // conv1's output (24×24×20) has no slot in the fused program, and its arena is smaller.
        const conv1 = pf.steps.find((s) => s.node.name === '/conv1/Conv')!.node.outputs[0];
        expect(pf.tensors.has(conv1)).toBe(false);
        expect(pp.tensors.has(conv1)).toBe(true);
        expect(pf.arenaBytes).toBeLessThan(pp.arenaBytes);
        for (let i = 0; i < 300; i++) {
          const img = ds.images.subarray(i * 784, (i + 1) * 784);
          const a = fused.run(img), b = plain.run(img);
          for (const k of Object.keys(b)) expect(a[k].data, `${build} ${k} digit ${i}`).toEqual(b[k].data);
          if (fused.info.exits) {
            const ea = fused.run(img, { policy: { kind: 'entropy' } }), eb = plain.run(img, { policy: { kind: 'entropy' } });
            expect([ea.exit, ea.label, ea.macs, Array.from(ea.probs)]).toEqual([eb.exit, eb.label, eb.macs, Array.from(eb.probs)]);
          }
        }
      }
    });
  }

  it('yolo-subtitles-bwn.branchy: the binary-weight convs 8→16 and 16→32 write the pooled tensors (SIMD builds); outputs equal the unfused program', async () => {
    const frames = await loadDetection(new URL('../../examples/web/frames', import.meta.url).pathname);
    const size = 3 * frames.height * frames.width;
    for (const build of TEST_BUILDS) {
      const fused = await load(bytes('yolo-subtitles-bwn.branchy'), { build });
      const plain = await load(bytes('yolo-subtitles-bwn.branchy'), { build, keepIntermediates: true });
      const pf = programOf(fused), pp = programOf(plain);
      for (const conv of ['/features/features.3/Conv', '/features/features.7/Conv']) {
        const y = pf.steps.find((s) => s.node.name === conv)!.node.outputs[0];
        expect(pf.tensors.has(y), `${build} ${conv}`).toBe(build === 'scalar');
        expect(pp.tensors.has(y)).toBe(true);
      }
      if (build !== 'scalar') expect(pf.arenaBytes).toBeLessThan(pp.arenaBytes);
      for (let i = 0; i < frames.count; i++) {
        const img = frames.images.subarray(i * size, (i + 1) * size);
        const a = fused.run(img), b = plain.run(img);
        for (const k of Object.keys(b)) expect(a[k].data, `${build} ${k} frame ${i}`).toEqual(b[k].data);
        expect(fused.detect(img)).toEqual(plain.detect(img));
      }
    }
  });

  it('leaves a conv alone when its kernel cannot take the pool (C_in > 4: the im2col GEMM)', async () => {
    const m = await load(bytes('mnist-lenet.int8.branchy'), { build: 'simd' });
    const p = programOf(m);
    const conv2 = p.steps.find((s) => s.node.name === '/conv2/Conv')!.node.outputs[0];
    expect(p.tensors.has(conv2)).toBe(true);
  });
});

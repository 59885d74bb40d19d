// `branchy/bundle` (dist/bundle/branchy.js, one esbuild module for the fastest cold start)
// is the same runtime as `branchy`: the same answers on real inputs, its worker entry beside
// it, and nothing imported at all (the wasm is found next to the package, as from dist/).
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { load } from '../../src/runtime/model.js';
import { fileURLToPath } from 'node:url';
import { loadCifar10, loadMnist } from '../../src/cli/datasets.js';

const at = (p: string) => new URL(`../../${p}`, import.meta.url);
const built = existsSync(at('dist/bundle/branchy.js')) && existsSync(at('dist/bundle/entry.js'));

describe.skipIf(!built)('branchy/bundle', () => {
  it('package.json exports it, with the runtime types', () => {
    const pkg = JSON.parse(readFileSync(at('package.json'), 'utf8'));
    expect(pkg.exports['./bundle']).toEqual({ types: './dist/index.d.ts', default: './dist/bundle/branchy.js' });
  });

  it('imports no module: no static import, only the guarded dynamic node: imports of a computed name', () => {
    for (const f of ['dist/bundle/branchy.js', 'dist/bundle/entry.js']) {
      const src = readFileSync(at(f), 'utf8');
      expect(src, f).not.toMatch(/(^|[;}\s])import\s*[{*\w]/);
      expect(src, f).not.toMatch(/import\(\s*["'`]/); // a literal specifier would be a real dependency
      expect(src, f).not.toMatch(/require\(/);
    }
  });

  it('answers like the unbundled runtime: int8 LeNet on 300 MNIST digits, every output bit-equal', async () => {
    const bundle = await import(at('dist/bundle/branchy.js').href);
    const file = new Uint8Array(readFileSync(at('models/mnist-lenet.int8.branchy')));
    const [a, b] = [await bundle.load(file), await load(file)];
    expect(a.info).toEqual(b.info);
    const digits = (await loadMnist('test')).images.subarray(0, 300 * 784);
    const [ya, yb] = [a.run(digits), b.run(digits)];
    expect(Object.keys(ya)).toEqual(Object.keys(yb));
    for (const k of Object.keys(yb)) expect(Array.from(ya[k].data)).toEqual(Array.from(yb[k].data));
  });

  it('early exits on the trained MobileNet: the file policy gives the same exits, labels and MACs', async () => {
    const bundle = await import(at('dist/bundle/branchy.js').href);
    const file = new Uint8Array(readFileSync(at('models/mobilenet-exits-cifar10.int8.branchy')));
    const [a, b] = [await bundle.load(file), await load(file)];
    const policy = { kind: 'predicted', then: { kind: 'entropy' } } as const;
    const test = await loadCifar10(fileURLToPath(new URL('../../../shared/data/cifar10/test.bin', import.meta.url)));
    for (let i = 0; i < 40; i++) {
      const x = test.images.slice(i * 3072, (i + 1) * 3072);
      const [ra, rb] = [a.run(x, { policy }), b.run(x, { policy })];
      expect([ra.exit, ra.label, ra.macs, Array.from(ra.probs)]).toEqual([rb.exit, rb.label, rb.macs, Array.from(rb.probs)]);
    }
  });

  it('loadInWorker from the bundle starts its own worker entry (dist/bundle/entry.js)', async () => {
    const bundle = await import(at('dist/bundle/branchy.js').href);
    const file = new Uint8Array(readFileSync(at('models/mnist-lenet.int8.branchy')));
    const w = await bundle.loadInWorker(file);
    try {
      const digits = (await loadMnist('test')).images.subarray(0, 20 * 784);
      const local = await load(file);
      const [got, want] = [await w.run(digits), local.run(digits)];
      for (const k of Object.keys(want)) expect(Array.from(got[k].data)).toEqual(Array.from(want[k].data));
    } finally {
      await w.terminate();
    }
  });
});

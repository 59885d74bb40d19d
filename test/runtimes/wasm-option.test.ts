// load(bytes, { wasm }) in Node: any subset of the three builds, as WebAssembly.Modules (this
// realm or another), bytes, paths or URLs; `auto` takes the best one supplied that compiles;
// every way it can go wrong is a BranchyWasmError that says what it got. Workers take the same
// option. (workerd.test.ts and edge-runtime.test.ts run the same in hosts without import.meta.url.)
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { load } from '../../src/runtime/model.js';
import { loadKernels, type WasmBuilds } from '../../src/runtime/wasm.js';
import { loadInWorker } from '../../src/worker/index.js';
import { BranchyWasmError } from '../../src/errors.js';
import { at } from './helpers.js';

const BUILDS = ['scalar', 'simd', 'relaxed'] as const;
const bytesOf = (b: string) => readFileSync(at(`build/branchy.${b}.wasm`));
const modules: Record<string, WebAssembly.Module> = {};
let model: Uint8Array;

beforeAll(() => {
  for (const b of BUILDS) modules[b] = new WebAssembly.Module(bytesOf(b));
  model = readFileSync(at('models/mnist-lenet.int8.branchy'));
});

const buildWith = async (wasm: WasmBuilds, build?: 'scalar' | 'simd' | 'relaxed') => (await loadKernels({ wasm, build })).build;

describe('options.wasm', () => {
  it('auto picks the best build supplied, for every subset', async () => {
    const subsets: [WasmBuilds, string][] = [
      [{ scalar: modules.scalar }, 'scalar'],
      [{ simd: modules.simd }, 'simd'],
      [{ relaxed: modules.relaxed }, 'relaxed'],
      [{ scalar: modules.scalar, simd: modules.simd }, 'simd'],
      [{ scalar: modules.scalar, relaxed: modules.relaxed }, 'relaxed'],
      [{ simd: modules.simd, relaxed: modules.relaxed }, 'relaxed'],
      [modules, 'relaxed'],
    ];
    for (const [wasm, want] of subsets) expect(await buildWith(wasm), Object.keys(wasm).join('+')).toBe(want);
  });

  it('a build can be named; each source kind works: Module, another realm\'s Module, Buffer, ArrayBuffer, path, file URL', async () => {
    const otherRealm = runInNewContext('new WebAssembly.Module(bytes)', { bytes: bytesOf('simd') }) as WebAssembly.Module;
    expect(otherRealm instanceof WebAssembly.Module).toBe(false);
    expect(await buildWith({ simd: otherRealm })).toBe('simd');
    expect(await buildWith({ scalar: bytesOf('scalar') })).toBe('scalar');
    expect(await buildWith({ scalar: new Uint8Array(bytesOf('scalar')).buffer })).toBe('scalar');
    expect(await buildWith({ simd: at('build/branchy.simd.wasm') })).toBe('simd');
    expect(await buildWith({ relaxed: pathToFileURL(at('build/branchy.relaxed.wasm')) })).toBe('relaxed');
    expect(await buildWith(modules, 'simd')).toBe('simd');
  });

  it('the model runs the same on supplied builds as on the defaults (int8 outputs, every build)', async () => {
    const x = new Uint8Array(784 * 3).map((_, i) => (i * 37) % 256);
    for (const build of BUILDS) {
      const [a, b] = [await load(model, { build, wasm: { [build]: modules[build] } }), await load(model, { build })];
      expect(a.info.build).toBe(build);
      expect(Object.values(a.run(x)).map((t) => Array.from(t.data))).toEqual(Object.values(b.run(x)).map((t) => Array.from(t.data)));
    }
  });

  it('auto skips a supplied build that does not compile and takes the next best', async () => {
    expect(await buildWith({ relaxed: new Uint8Array([0, 97, 115, 109, 9, 9]), simd: modules.simd })).toBe('simd');
  });

  it('the old option name `source` still works; `wasm` wins when both are given', async () => {
    expect((await loadKernels({ source: { scalar: modules.scalar } })).build).toBe('scalar');
    expect((await loadKernels({ source: { scalar: modules.scalar }, wasm: { simd: modules.simd } })).build).toBe('simd');
  });

  it('typed errors', async () => {
    const fails = (o: Parameters<typeof loadKernels>[0], msg: RegExp) => expect(loadKernels(o)).rejects.toThrow(expect.objectContaining({ name: 'BranchyWasmError', message: expect.stringMatching(msg) }));
    await fails({ wasm: { simd: modules.scalar } }, /wasm\.simd is the 'scalar' build; pass each build under its own name/);
    await fails({ wasm: { simd: modules.simd }, build: 'relaxed' }, /asked for, but options\.wasm supplies only simd/);
    await fails({ wasm: { scalar: new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])) } }, /wasm\.scalar is a wasm module without branchy kernels/);
    await fails({ wasm: { simd: 42 as never } }, /wasm\.simd: expected a WebAssembly\.Module, bytes or a URL, got \[object Number\]/);
    await fails({ wasm: 'simd' as never }, /options\.wasm must be an object of builds/);
    await fails({ wasm: { avx: modules.simd } as never }, /'avx', which is not a build/);
    await fails({ wasm: {} }, /supplies no build/);
    await fails({ wasm: { simd: at('build/none.wasm') } }, /cannot read .*none\.wasm/);
    await fails({ wasm: { simd: new Uint8Array([1, 2, 3]), scalar: new Uint8Array([4]) } }, /no kernel build loads on this engine.*'simd'.*'scalar'/);
    await expect(load(model, { wasm: { simd: modules.scalar } })).rejects.toBeInstanceOf(BranchyWasmError);
  });

  it('loadInWorker takes the same option: modules and bytes cross to the worker', async () => {
    const workerUrl = new URL('../worker/tsx-entry.mjs', import.meta.url);
    for (const wasm of [{ simd: modules.simd }, { scalar: bytesOf('scalar') }] as WasmBuilds[]) {
      const w = await loadInWorker(new Blob([model]), { workerUrl, wasm });
      try {
        expect(w.info.build).toBe(Object.keys(wasm)[0]);
      } finally {
        await w.terminate();
      }
    }
    await expect(loadInWorker(model, { workerUrl, wasm: { simd: modules.scalar } })).rejects.toThrow(/is the 'scalar' build/);
  });
});

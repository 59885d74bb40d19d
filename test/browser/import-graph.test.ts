// `import 'branchy'` must load in a browser as it is: no node: module, no protobuf, no
// package at all (no runtime dependencies), nothing from the converter or the CLI, in the
// TypeScript sources and in the compiled dist/ that package.json exports.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { importGraph } from './import-graph.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const at = (p: string) => `${root}${p}`;

describe('the browser entry imports nothing Node-only', () => {
  it('src/index.ts and the worker entry reach only relative modules of the runtime', () => {
    const g = importGraph([at('src/index.ts'), at('src/worker/entry.ts')], root);
    expect(g.external).toEqual([]);
    expect(g.files.filter((f) => /^src\/(convert|cli)\//.test(f))).toEqual([]);
    expect(g.files).toContain('src/runtime/model.ts');
    expect(g.files).toContain('src/exit/policy.ts');
    expect(g.files).toContain('src/worker/client.ts');
    // The Node-only paths are guarded dynamic imports of a computed name (fs, worker_threads).
    for (const f of g.computed) expect(f).toMatch(/^src\/(runtime\/bytes|worker\/(endpoint|entry))\.ts$/);
  });

  it('the workerd and deno entries reach the same runtime and, besides it, only the three kernel builds', () => {
    for (const entry of ['src/entry/workerd.js', 'src/entry/deno.js']) {
      const g = importGraph([at(entry)], root);
      expect(g.external, entry).toEqual([]);
      expect(g.files.filter((f) => /^src\/(convert|cli)\//.test(f)), entry).toEqual([]);
      expect(g.wasm, entry).toEqual(['scalar', 'simd', 'relaxed'].map((b) => `${entry} -> ../../build/branchy.${b}.wasm`));
    }
  });

  it.skipIf(!existsSync(at('dist/index.js')))('dist/index.js and dist/worker/entry.js (what the package exports) too', () => {
    const g = importGraph([at('dist/index.js'), at('dist/worker/entry.js')].filter(existsSync), root);
    expect(g.external).toEqual([]);
    expect(g.files.filter((f) => /^dist\/(convert|cli)\//.test(f))).toEqual([]);
  });

  it('the scan sees what it must reject: the converter imports protobuf and node: modules', () => {
    const g = importGraph([at('src/cli/datasets.ts'), at('src/convert/onnx/onnx-proto.ts')], root);
    expect(g.external.some((e) => e.endsWith('-> onnx-proto'))).toBe(true);
    expect(g.external.some((e) => / -> node:/.test(e))).toBe(true);
  });

  it('package.json: runtime entry for every engine, branchy/convert only under the node condition, types shipped', () => {
    const pkg = JSON.parse(readFileSync(at('package.json'), 'utf8'));
    expect(pkg.exports['.']).toMatchObject({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(pkg.exports['./convert']).toEqual({ types: './dist/node/index.d.ts', node: './dist/node/index.js' });
    expect(pkg.exports['./worker-entry']).toBe('./dist/worker/entry.js');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'build/*.wasm']));
  });

  it.skipIf(!existsSync(at('dist/index.d.ts')))('the shipped types compile in a browser project (DOM lib, no @types/node)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'branchy-types-'));
    try {
      const file = path.join(dir, 'use.ts');
      writeFileSync(
        file,
        `import { load, loadInWorker, createPool, parsePolicy, type ExitResult } from ${JSON.stringify(at('dist/index.js'))};
const m = await load(new URL('https://example.org/m.branchy'));
const r: ExitResult = m.run(new Uint8Array(784), { policy: parsePolicy('entropy:0.1') });
const w = await loadInWorker('m.branchy');
const p = await createPool('m.branchy', { size: 2 });
export const used = [r.label, (await w.run(new Float32Array(784), { policy: { kind: 'full' } })).exit, p.size];
`,
      );
      const program = ts.createProgram([file], {
        strict: true, noEmit: true, skipLibCheck: false, types: [],
        target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      });
      const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(errors).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

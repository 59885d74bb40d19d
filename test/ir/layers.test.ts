// Layers point one way (docs/architecture.md, "Layers"): no module of the converter imports the
// runtime (the CLI hands it a runtime-backed observe callback; loadModel lives in src/node, above
// both; the op registry in src/ir, which holds each op's runtime step, is what both share), and
// the IR, the file format, the runtime and the exit policies reach nothing of the converter or
// the CLI. Checked on the compiled imports (type-only imports are erased).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import ts from 'typescript';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importGraph } from '../browser/import-graph.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(path.join(root, p)).isDirectory() ? filesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('layers', () => {
  it('no module of src/convert imports src/runtime, src/cli or src/node', () => {
    const bad: string[] = [];
    for (const f of filesUnder('src/convert')) {
      const js = ts.transpileModule(readFileSync(path.join(root, f), 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext } }).outputText;
      for (const m of js.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
        const target = path.relative(root, path.resolve(path.dirname(path.join(root, f)), m[1]));
        if (/^src\/(runtime|cli|node)\//.test(target)) bad.push(`${f} -> ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('src/ir, src/format, src/runtime and src/exit reach nothing in src/convert, src/cli or src/node', () => {
    const entries = ['src/ir', 'src/format', 'src/runtime', 'src/exit'].flatMap(filesUnder).map((f) => path.join(root, f));
    const g = importGraph(entries, root);
    expect(g.files.filter((f) => /^src\/(convert|cli|node)\//.test(f))).toEqual([]);
  });
});

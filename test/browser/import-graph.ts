// Walks the module graph of an entry file the way an engine would load it: only imports
// that survive compilation count (type-only imports are erased first), relative ones are
// followed, everything else is reported.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface ImportGraph {
  /** Files reached, relative to the root directory. */
  files: string[];
  /** Every import that is not a relative path: `file -> specifier`. */
  external: string[];
  /** Dynamic imports whose specifier is computed (not a string literal): `file`. */
  computed: string[];
  /** Relative imports of .wasm files (modules a host binds: the workerd and deno entries), not followed: `file -> specifier`. */
  wasm: string[];
}

const STATIC = /(?:^|[;\s}])(?:import|export)\s+(?:[\w*\s{},$]*?\s+from\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\s*\(\s*(['"`]?)([^'"`)]*)\1\s*[,)]/g;

function javascript(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.ts')) return text;
  return ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
}

/** The source of a relative specifier: `x.js` is `x.ts` when walking TypeScript sources. */
function resolve(from: string, spec: string): string {
  const p = path.resolve(path.dirname(from), spec);
  if (existsSync(p)) return p;
  const ts = p.replace(/\.js$/, '.ts');
  if (existsSync(ts)) return ts;
  throw new Error(`${from}: cannot resolve '${spec}'`);
}

export function importGraph(entries: string[], rootDir: string): ImportGraph {
  const seen = new Set<string>();
  const external: string[] = [];
  const computed: string[] = [];
  const wasm: string[] = [];
  const todo = entries.map((e) => path.resolve(e));
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const js = javascript(file).replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
    const rel = path.relative(rootDir, file);
    const specs = [...js.matchAll(STATIC)].map((m) => m[1]);
    for (const m of js.matchAll(DYNAMIC)) {
      if (m[1]) specs.push(m[2]);
      else computed.push(rel);
    }
    for (const s of specs) {
      if (s.endsWith('.wasm')) wasm.push(`${rel} -> ${s}`);
      else if (s.startsWith('./') || s.startsWith('../')) todo.push(resolve(file, s));
      else external.push(`${rel} -> ${s}`);
    }
  }
  return { files: [...seen].map((f) => path.relative(rootDir, f)).sort(), external, computed, wasm };
}

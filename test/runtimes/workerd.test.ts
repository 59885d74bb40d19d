// Cloudflare's workerd (npm `workerd`), started on 127.0.0.1 and a free port and stopped by PID:
// examples/workerd/ answers the 300 digits bit-identically to Node, and the plain runtime, where
// wasm may only come from modules bound at deploy time, fails only with typed errors.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { comparable, freePort, needBuilt, nodeAnswer, root, workerdBin, type Answer } from './helpers.js';

const stops: (() => Promise<void>)[] = [];
afterAll(() => Promise.all(stops.map((s) => s())));

/** Serve a workerd config; resolves with its base URL once it answers. */
async function serve(config: string): Promise<{ url: string; log: () => string }> {
  const port = await freePort();
  const child = spawn(workerdBin(), ['serve', config, '--socket-addr', `http=127.0.0.1:${port}`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exit = new Promise<void>((r) => child.once('exit', () => r()));
  stops.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(child.pid!, 'SIGKILL'), 3000);
    await exit;
    clearTimeout(timer);
  });
  const died = exit.then(() => {
    throw new Error(`workerd exited (${child.exitCode}) before serving ${config}:\n${log}`);
  });
  const url = `http://127.0.0.1:${port}`;
  for (const t0 = Date.now(); Date.now() - t0 < 20_000; await new Promise((r) => setTimeout(r, 50))) {
    // Any other path answers 404 at once: the server is up.
    if (await Promise.race([fetch(`${url}/up`).then(() => true, () => false), died])) return { url, log: () => log };
  }
  throw new Error(`workerd did not listen on ${url} within 20 s:\n${log}`);
}

/** Serve a config and GET / from it: the worker's JSON answer. */
async function answerOf(config: string): Promise<Record<string, unknown>> {
  const { url, log } = await serve(config);
  const res = await fetch(`${url}/`);
  const text = await res.text();
  expect(res.status, `${text.slice(0, 2000)}\n${log()}`).toBe(200);
  return JSON.parse(text);
}

describe('workerd (Cloudflare Workers runtime)', () => {
  it('examples/workerd: the digits through the workerd entry (kernels as wasm modules), bit-identical to Node', async () => {
    needBuilt('dist/bundle/workerd.js');
    const got = (await answerOf('examples/workerd/config.capnp')) as unknown as Answer;
    expect(got.runtime).toBe('workerd');
    expect(['simd', 'relaxed']).toContain(got.build);
    expect(got.accuracy).toBeGreaterThan(0.98);
    expect(comparable(got)).toEqual(comparable(await nodeAnswer(got.build)));
  });

  it('the plain runtime there: typed errors without wasm modules (no import.meta.url, no code generation), one module is enough', async () => {
    needBuilt('dist/bundle/branchy.js');
    const r = (await answerOf('test/runtimes/workerd-probe.capnp')) as Record<string, { message: string }>;
    expect(r.importMetaUrl).toBe('undefined');
    expect(r.noWasm).toMatchObject({ ok: false, name: 'BranchyWasmError', typed: true });
    expect(r.noWasm.message).toMatch(/no URL \(import\.meta\.url is undefined\).*options\.wasm/);
    expect(r.bytes).toMatchObject({ ok: false, name: 'BranchyWasmError', typed: true });
    expect(r.bytes.message).toMatch(/disallowed by embedder.*bound at deploy time/);
    expect(r.oneModule).toEqual({ ok: true, value: 'simd' });
    expect(r.oldOption).toEqual({ ok: true, value: 'simd' });
    expect(r.worker).toMatchObject({ ok: false, name: 'BranchyWasmError', typed: true });
  });
});

// The demo's static server (examples/web/serve.mjs): Range requests, the --data mount (served
// read-only in place of the repository's own path) and its directory resolution.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS modules of the demo
import { startServer, cifarDir, CIFAR_URL_PATH } from '../../examples/web/serve.mjs';
// @ts-expect-error
import { byteRange } from '../../examples/web/range.mjs';

describe('byteRange', () => {
  it('reads one range, clamps its end, and takes suffix ranges', () => {
    expect(byteRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(byteRange('bytes=990-2000', 1000)).toEqual({ start: 990, end: 999 });
    expect(byteRange('bytes=10-', 1000)).toEqual({ start: 10, end: 999 });
    expect(byteRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
  });
  it('ignores what it cannot serve as one range, and refuses ranges past the end', () => {
    for (const h of [undefined, '', 'items=0-1', 'bytes=0-1,5-6', 'bytes=5-1', 'bytes=-', 'bytes=a-b']) expect(byteRange(h, 1000)).toBeNull();
    expect(byteRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(byteRange('bytes=-0', 1000)).toBe('unsatisfiable');
    expect(byteRange('bytes=0-0', 0)).toBe('unsatisfiable');
  });
});

describe('serve.mjs', () => {
  let server: Server, url: string, dir: string;
  const bytes = Uint8Array.from({ length: 3 * 3073 }, (_, i) => (i * 7 + 3) & 255);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'branchy-serve-'));
    mkdirSync(path.join(dir, 'cifar10'));
    writeFileSync(path.join(dir, 'cifar10', 'test.bin'), bytes);
    writeFileSync(path.join(dir, 'secret.txt'), 'not under the mount');
    const s = await startServer({ port: 0, mounts: { [CIFAR_URL_PATH]: cifarDir(dir) } });
    server = s.server;
    url = s.url.replace(/\/$/, '');
  });
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--data finds test.bin in DIR/cifar10 or DIR, and says where it looked otherwise', () => {
    expect(cifarDir(dir)).toBe(path.join(dir, 'cifar10'));
    expect(cifarDir(path.join(dir, 'cifar10'))).toBe(path.join(dir, 'cifar10'));
    expect(() => cifarDir(path.join(dir, 'nowhere'))).toThrow(/no test\.bin/);
  });

  it('answers a Range request with 206 and exactly those bytes', async () => {
    const res = await fetch(`${url}${CIFAR_URL_PATH}test.bin`, { headers: { range: 'bytes=3073-6145' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 3073-6145/${bytes.length}`);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytes.subarray(3073, 6146)))).toBe(true);
  });

  it('sends the whole file without a Range header, and 416 for a range past its end', async () => {
    const whole = await fetch(`${url}${CIFAR_URL_PATH}test.bin`);
    expect(whole.status).toBe(200);
    expect(Number(whole.headers.get('content-length'))).toBe(bytes.length);
    expect(Buffer.from(await whole.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    const past = await fetch(`${url}${CIFAR_URL_PATH}test.bin`, { headers: { range: `bytes=${bytes.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
  });

  it('serves the mount read-only and nothing outside it; the repository stays served elsewhere', async () => {
    expect((await fetch(`${url}${CIFAR_URL_PATH}test.bin`, { method: 'PUT', body: 'x' })).status).toBe(405);
    expect((await fetch(`${url}${CIFAR_URL_PATH}..%2fsecret.txt`)).status).toBe(403);
    expect((await fetch(`${url}${CIFAR_URL_PATH}missing.bin`)).status).toBe(404);
    const page = await fetch(`${url}/examples/web/index.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
  });
});

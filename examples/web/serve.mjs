// A static file server for the demo: serves the repository root on localhost only, so the
// page can import /dist/index.js and fetch /build/*.wasm and /models/*.branchy.
//   node examples/web/serve.mjs [--port 8080] [--data DIR]      then open http://127.0.0.1:8080/
// --data DIR serves a CIFAR-10 directory (DIR/cifar10/ or DIR itself, whichever holds test.bin)
// read-only under /data/cifar10/, where the page looks for test.bin.
// Sends COOP/COEP so the page is cross-origin isolated (performance.now() at 5 µs, not 100 µs),
// and answers single-range Range requests (the page fetches only the CIFAR records it shows).
import { createServer } from 'node:http';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { byteRange } from './range.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.csv': 'text/csv; charset=utf-8',
};

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the page looks for CIFAR-10's test.bin. */
export const CIFAR_URL_PATH = '/data/cifar10/';

/** The CIFAR-10 directory that --data DIR names: DIR/cifar10 or DIR, whichever holds test.bin. */
export function cifarDir(dir) {
  for (const d of [path.join(dir, 'cifar10'), dir]) if (existsSync(path.join(d, 'test.bin'))) return path.resolve(d);
  throw new Error(`--data ${dir}: no test.bin in ${path.join(dir, 'cifar10')} or in ${dir} (CIFAR-10 binary layout)`);
}

/**
 * Start serving `root` on host:port (port 0: any free port). `mounts` maps URL prefixes ending in
 * '/' to directories served in their place (e.g. { [CIFAR_URL_PATH]: cifarDir(dir) }).
 * Resolves to { server, url }.
 */
export function startServer({ root = REPO_ROOT, host = '127.0.0.1', port = 0, mounts = {} } = {}) {
  const dirs = [...Object.entries(mounts).map(([prefix, dir]) => [prefix, path.resolve(dir)]), ['/', path.resolve(root)]];
  const server = createServer(async (req, res) => {
    const send = (code, text) => res.writeHead(code, { 'content-type': 'text/plain' }).end(text);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'GET only');
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(400, 'bad URL');
    }
    if (pathname === '/') return res.writeHead(302, { location: '/examples/web/' }).end();
    const [prefix, base] = dirs.find(([p]) => pathname.startsWith(p)) ?? dirs.at(-1);
    let file = path.join(base, pathname.slice(prefix.length - 1));
    if (file !== base && !file.startsWith(base + path.sep)) return send(403, 'outside the served directory');
    try {
      let s = await stat(file);
      if (s.isDirectory()) {
        if (!pathname.endsWith('/')) return res.writeHead(302, { location: `${pathname}/` }).end();
        file = path.join(file, 'index.html');
        s = await stat(file);
      }
      const headers = {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'accept-ranges': 'bytes',
        'cache-control': 'no-store',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
        'cross-origin-resource-policy': 'same-origin',
      };
      const range = byteRange(req.headers.range, s.size);
      if (range === 'unsatisfiable') return res.writeHead(416, { ...headers, 'content-range': `bytes */${s.size}` }).end();
      const { start, end } = range ?? { start: 0, end: s.size - 1 };
      res.writeHead(range ? 206 : 200, {
        ...headers,
        'content-length': Math.max(0, end - start + 1),
        ...(range ? { 'content-range': `bytes ${start}-${end}/${s.size}` } : {}),
      });
      if (req.method === 'HEAD' || s.size === 0) return res.end();
      createReadStream(file, { start, end }).pipe(res);
    } catch {
      send(404, `not found: ${pathname}`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address();
      resolve({ server, url: `http://${host}:${a.port}/` });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const port = Number(arg('--port') ?? process.env.PORT ?? 8080);
  const data = arg('--data');
  let mounts = {};
  try {
    if (data) mounts = { [CIFAR_URL_PATH]: cifarDir(data) };
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  const { url } = await startServer({ port, mounts });
  console.log(`branchy demo: ${url}examples/web/  (serving ${REPO_ROOT}; Ctrl-C to stop)`);
  if (data) console.log(`CIFAR-10: ${mounts[CIFAR_URL_PATH]} at ${url.replace(/\/$/, '')}${CIFAR_URL_PATH}`);
}

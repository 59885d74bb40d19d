// A static file server for the demo: serves the repository root on localhost only, so the
// page can import /dist/index.js and fetch /build/*.wasm and /models/*.branchy.
//   node examples/web/serve.mjs [--port 8080]      then open http://127.0.0.1:8080/
// Sends COOP/COEP so the page is cross-origin isolated (performance.now() at 5 µs, not 100 µs).
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Start serving `root` on host:port (port 0: any free port). Resolves to { server, url }. */
export function startServer({ root = REPO_ROOT, host = '127.0.0.1', port = 0 } = {}) {
  const base = path.resolve(root);
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
    let file = path.join(base, pathname);
    if (file !== base && !file.startsWith(base + path.sep)) return send(403, 'outside the served directory');
    try {
      let s = await stat(file);
      if (s.isDirectory()) {
        if (!pathname.endsWith('/')) return res.writeHead(302, { location: `${pathname}/` }).end();
        file = path.join(file, 'index.html');
        s = await stat(file);
      }
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-length': s.size,
        'cache-control': 'no-store',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
        'cross-origin-resource-policy': 'same-origin',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
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
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : Number(process.env.PORT ?? 8080);
  const { url } = await startServer({ port });
  console.log(`branchy demo: ${url}examples/web/  (serving ${REPO_ROOT}; Ctrl-C to stop)`);
}

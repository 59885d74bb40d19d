// Bytes an application ships per engine: its JavaScript bundled and minified by esbuild
// (browser, ESM, only what the benchmark imports) and the one wasm file it downloads on a
// SIMD engine, raw and gzip -9. Model files are counted apart.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkgDir = (p: string): string => path.join(ROOT, 'node_modules', p);

export interface Shipped {
  engine: string;
  js: number;
  jsGz: number;
  wasm: number;
  wasmGz: number;
  what: string;
}

async function bundle(contents: string): Promise<Uint8Array> {
  const r = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'js' },
    bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent',
    external: ['node:*'],
  });
  return r.outputFiles[0].contents;
}

const gz = (b: Uint8Array): number => gzipSync(b, { level: 9 }).length;

export async function shipped(): Promise<Shipped[]> {
  const rows: [string, string, string, string][] = [
    ['branchy', `export { load } from './dist/index.js';`, path.join(ROOT, 'build', 'branchy.simd.wasm'),
      'dist/index.js (load) + build/branchy.simd.wasm (the relaxed and scalar builds are the same size class; one is fetched)'],
    ['ORT Web 1.30 (wasm EP)', `export { InferenceSession, Tensor, env } from 'onnxruntime-web/wasm';`,
      path.join(pkgDir('onnxruntime-web'), 'dist', 'ort-wasm-simd-threaded.wasm'), "onnxruntime-web/wasm + ort-wasm-simd-threaded.wasm (the package's only plain wasm build)"],
    ['tfjs-core + tfjs-backend-wasm 4.22', `export { tensor1d, tensor2d, tensor4d, fused, relu, clipByValue, maxPool, avgPool, mean, reshape, add, tidy, keep, setBackend, ready, env, getBackend } from '@tensorflow/tfjs-core'; export { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';`,
      path.join(pkgDir('@tensorflow/tfjs-backend-wasm'), 'wasm-out', 'tfjs-backend-wasm-simd.wasm'), 'the tfjs-core ops the builder uses + tfjs-backend-wasm (registers all its kernels) + tfjs-backend-wasm-simd.wasm'],
    // LiteRT.js loads its Emscripten glue as a second script (importScripts), counted with the JS.
    ['LiteRT.js 2.5.3', `export { loadLiteRt, loadAndCompile, Tensor } from '@litertjs/core';`,
      path.join(pkgDir('@litertjs/core'), 'wasm', 'litert_wasm_internal.wasm'), '@litertjs/core (loadLiteRt, loadAndCompile, Tensor) + wasm/litert_wasm_internal.js (its glue, fetched apart) + litert_wasm_internal.wasm (the build without threads)'],
  ];
  const glue: Record<string, string> = { 'LiteRT.js 2.5.3': path.join(pkgDir('@litertjs/core'), 'wasm', 'litert_wasm_internal.js') };
  const out: Shipped[] = [];
  for (const [engine, entry, wasmFile, what] of rows) {
    const js = await bundle(entry);
    const extra = glue[engine] ? readFileSync(glue[engine]) : new Uint8Array(0);
    const wasm = readFileSync(wasmFile);
    out.push({ engine, js: js.length + extra.length, jsGz: gz(js) + (extra.length ? gz(extra) : 0), wasm: wasm.length, wasmGz: gz(wasm), what });
  }
  return out;
}

export function fileSizes(files: string[]): { file: string; bytes: number; gz: number }[] {
  return files.map((f) => {
    const b = readFileSync(f);
    return { file: path.relative(ROOT, f), bytes: b.length, gz: gz(b) };
  });
}

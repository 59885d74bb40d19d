// Loads one of the three kernel builds. No module-level mutable state: every call
// returns its own instance with its own memory.
import { BranchyWasmError } from '../errors.js';
import { type Build, BUILDS, bestBuild, supportedBuilds } from './features.js';
import type { KernelExports } from './exports.js';

/** Where a build's bytes come from. A string is a URL or, in Node, a file path. */
export type WasmSource = ArrayBuffer | ArrayBufferView | URL | string | WebAssembly.Module;

export interface LoadKernelsOptions {
  /** Which build to run; `auto` (default) picks relaxed > simd > scalar by feature probes. */
  build?: Build | 'auto';
  /** Override where the wasm comes from, per build. Defaults to `build/branchy.<build>.wasm` in this package. */
  source?: Partial<Record<Build, WasmSource>>;
}

export interface KernelModule {
  /** The build that is running. */
  readonly build: Build;
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  /** First byte above the module's static data; the host owns everything from here up. */
  readonly heapBase: number;
}

export function defaultWasmUrl(build: Build): URL {
  return new URL(`../../build/branchy.${build}.wasm`, import.meta.url);
}

async function readSource(src: WasmSource): Promise<WebAssembly.Module> {
  if (src instanceof WebAssembly.Module) return src;
  let bytes: ArrayBuffer | ArrayBufferView;
  if (src instanceof ArrayBuffer || ArrayBuffer.isView(src)) {
    bytes = src;
  } else {
    const url = typeof src === 'string' ? toUrl(src) : src;
    if (url.protocol === 'file:') {
      // Node-only path; a browser never takes it (its URLs are http(s) or blob).
      const fsName = 'node:fs/promises';
      const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
      bytes = await fs.readFile(url);
    } else {
      const res = await fetch(url);
      if (!res.ok) throw new BranchyWasmError(`fetching ${url.href} failed: HTTP ${res.status}`);
      bytes = await res.arrayBuffer();
    }
  }
  return WebAssembly.compile(bytes as BufferSource);
}

function toUrl(s: string): URL {
  try {
    return new URL(s);
  } catch {
    // A plain path: resolve it as a file. (Only meaningful in Node.)
    const abs = s.startsWith('/') ? s : `${globalThis.process?.cwd?.() ?? ''}/${s}`;
    return new URL(`file://${abs}`);
  }
}

/** Compile and instantiate a kernel build. */
export async function loadKernels(options: LoadKernelsOptions = {}): Promise<KernelModule> {
  const want = options.build ?? 'auto';
  if (want !== 'auto' && !BUILDS.includes(want)) {
    throw new BranchyWasmError(`unknown build '${String(want)}': use one of ${BUILDS.join(', ')} or 'auto'`);
  }
  const build = want === 'auto' ? bestBuild() : want;
  if (!supportedBuilds().includes(build)) {
    throw new BranchyWasmError(
      `this engine cannot run the '${build}' build (it supports ${supportedBuilds().join(', ')}); ` +
        `pass build: 'auto' to pick the best one it can run` +
        (build === 'relaxed' ? ' (Node 20 needs --experimental-wasm-relaxed-simd)' : ''),
    );
  }
  const src = options.source?.[build] ?? defaultWasmUrl(build);
  let module: WebAssembly.Module;
  try {
    module = await readSource(src);
  } catch (e) {
    if (e instanceof BranchyWasmError) throw e;
    throw new BranchyWasmError(`cannot load the '${build}' kernels: ${(e as Error).message}`);
  }
  const instance = await WebAssembly.instantiate(module, {});
  const exports = instance.exports as unknown as KernelExports;
  return { build, exports, memory: exports.memory, heapBase: exports.heap_base() };
}

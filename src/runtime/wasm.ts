// Loads one of the three kernel builds. No module-level mutable state: every call
// returns its own instance with its own memory.
//
// Where the wasm comes from: by default this package's build/branchy.<build>.wasm, found from
// import.meta.url (fetched, or read from the file system in Node, Deno and Bun). A host that
// binds wasm at deploy time (Cloudflare Workers, Vercel's edge, Deno Deploy) supplies the builds
// it has as `wasm: { simd, scalar, … }` (WebAssembly.Modules from any realm, bytes or URLs); then
// nothing here looks at import.meta.url or the file system, and `auto` picks the best supplied
// build that this engine runs.
import { BranchyWasmError } from '../errors.js';
import { type Build, BUILDS, supportedBuilds } from './features.js';
import type { KernelExports } from './exports.js';
import type { UrlLike, WasmMemoryLike, WasmModuleLike } from './host-types.js';
import { asBytes, isUrl, locate, readLocation, tagOf } from './bytes.js';

/** One build's wasm: a compiled WebAssembly.Module (any realm), its bytes, or a URL (a string: URL or, in Node/Deno/Bun, a path). */
export type WasmSource = WasmModuleLike | ArrayBuffer | ArrayBufferView | UrlLike | string;

/** The kernel builds a host supplies, any subset. */
export type WasmBuilds = Partial<Record<Build, WasmSource>>;

export interface LoadKernelsOptions {
  /** Which build to run; `auto` (default) picks relaxed > simd > scalar among those this engine runs (and, with `wasm`, those supplied). */
  build?: Build | 'auto';
  /**
   * The builds, supplied by the host (any subset): where wasm may only come from modules bound at
   * deploy time (Cloudflare Workers, Vercel's edge), or to skip the default lookup. Default: this
   * package's `build/branchy.<build>.wasm`, found from the module's URL.
   */
  wasm?: WasmBuilds;
  /** The older name of `wasm` (used when `wasm` is not given). */
  source?: WasmBuilds;
}

export interface KernelModule {
  /** The build that is running. */
  readonly build: Build;
  readonly exports: KernelExports;
  readonly memory: WasmMemoryLike;
  /** First byte above the module's static data; the host owns everything from here up. */
  readonly heapBase: number;
}

const BIND_HINT = "or use an entry that binds them ('branchy-wasm/workerd', 'branchy-wasm/deno'; README: Every runtime)";

/** This package's copy of a build, next to the compiled module. Throws a BranchyWasmError where the runtime gives modules no URL. */
export function defaultWasmUrl(build: Build): UrlLike {
  const base = (import.meta as { url?: unknown }).url;
  try {
    return new URL(`../../build/branchy.${build}.wasm`, base as string);
  } catch {
    throw new BranchyWasmError(
      `cannot find branchy's kernels (the '${build}' build): this runtime gives branchy's module no URL (import.meta.url is ${String(base)}); ` +
        `pass the builds in options.wasm ({ scalar, simd, relaxed }: WebAssembly.Modules, bytes or URLs), ${BIND_HINT}`,
    );
  }
}

// Not a type guard: WebAssembly.Module is an empty interface, so every object would pass for one.
const isModule = (x: unknown): boolean => tagOf(x) === '[object WebAssembly.Module]';

/** Which build a module's exports make it (SIMD kernels end in __wasmsimd, relaxed ones in __wasmrelaxed), or why it is none. */
function buildOf(module: WebAssembly.Module): Build | string {
  const names = WebAssembly.Module.exports(module).map((e) => e.name);
  if (!names.includes('heap_base') || !names.includes('memory')) return 'a wasm module without branchy kernels (no heap_base and memory exports)';
  if (names.some((n) => n.endsWith('__wasmrelaxed'))) return 'relaxed';
  return names.some((n) => n.endsWith('__wasmsimd')) ? 'simd' : 'scalar';
}

async function compileSource(build: Build, src: WasmSource): Promise<WebAssembly.Module> {
  if (isModule(src)) return src as WebAssembly.Module;
  let bytes = asBytes(src);
  if (!bytes) {
    const where = typeof src === 'string' ? locate(src) : isUrl(src) ? src.href : null;
    if (where === null) throw new BranchyWasmError(`wasm.${build}: expected a WebAssembly.Module, bytes or a URL, got ${tagOf(src)}`);
    bytes = await readLocation(where, BranchyWasmError, `the '${build}' kernels`);
  }
  try {
    return await WebAssembly.compile(bytes as BufferSource);
  } catch (e) {
    const msg = (e as Error).message;
    const hint = /disallow/i.test(msg) ? `: this host runs only wasm bound at deploy time; pass WebAssembly.Modules (the .wasm files bound as modules), ${BIND_HINT}` : '';
    throw new BranchyWasmError(`cannot compile the '${build}' kernels (${msg})${hint}`);
  }
}

/** A module under the wrong name would call kernels it does not have: refuse it. */
function checkBuild(build: Build, module: WebAssembly.Module): void {
  const is = buildOf(module);
  if (is !== build) throw new BranchyWasmError(`wasm.${build} is ${BUILDS.includes(is as Build) ? `the '${is}' build` : is}; pass each build under its own name`);
}

async function instantiate(build: Build, module: WebAssembly.Module): Promise<KernelModule> {
  checkBuild(build, module);
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, {});
  } catch (e) {
    throw new BranchyWasmError(`cannot instantiate the '${build}' kernels: ${(e as Error).message}`);
  }
  const exports = instance.exports as unknown as KernelExports;
  return { build, exports, memory: exports.memory, heapBase: exports.heap_base() };
}

const listed = (bs: readonly string[]): string => bs.join(', ') || 'none';

/** Compile and instantiate a kernel build. */
export async function loadKernels(options: LoadKernelsOptions = {}): Promise<KernelModule> {
  const want = options.build ?? 'auto';
  if (want !== 'auto' && !BUILDS.includes(want)) {
    throw new BranchyWasmError(`unknown build '${String(want)}': use one of ${BUILDS.join(', ')} or 'auto'`);
  }
  const supplied = options.wasm ?? options.source;
  if (supplied !== undefined && (typeof supplied !== 'object' || supplied === null)) {
    throw new BranchyWasmError(`options.wasm must be an object of builds ({ scalar, simd, relaxed }), got ${tagOf(supplied)}`);
  }
  const given = supplied ? BUILDS.filter((b) => supplied[b] !== undefined && supplied[b] !== null) : null;
  if (given) {
    const unknown = Object.keys(supplied!).filter((k) => !BUILDS.includes(k as Build));
    if (unknown.length) throw new BranchyWasmError(`options.wasm has '${unknown[0]}', which is not a build: use ${BUILDS.join(', ')}`);
    if (!given.length) throw new BranchyWasmError(`options.wasm supplies no build; give at least one of ${BUILDS.join(', ')}`);
  }
  const runs = supportedBuilds();
  if (want !== 'auto') {
    if (!runs.includes(want)) {
      throw new BranchyWasmError(
        `this engine cannot run the '${want}' build (it runs ${runs.join(', ')}); pass build: 'auto' to pick the best one it can run` +
          (want === 'relaxed' ? ' (Node 20 needs --experimental-wasm-relaxed-simd)' : ''),
      );
    }
    if (given && !given.includes(want)) throw new BranchyWasmError(`build '${want}' was asked for, but options.wasm supplies only ${listed(given)}; supply it or pass build: 'auto'`);
    return instantiate(want, await compileSource(want, given ? supplied![want]! : defaultWasmUrl(want)));
  }
  const candidates = (given ?? BUILDS).filter((b) => runs.includes(b)).reverse();
  if (!candidates.length) {
    throw new BranchyWasmError(`options.wasm supplies ${listed(given!)}, and this engine runs only ${runs.join(', ')}; supply one of those`);
  }
  const sources = new Map(candidates.map((b) => [b, given ? supplied![b]! : defaultWasmUrl(b)]));
  // The best build that compiles here; a module under the wrong name stops the search.
  const failures: string[] = [];
  for (const b of candidates) {
    let module: WebAssembly.Module;
    try {
      module = await compileSource(b, sources.get(b)!);
    } catch (e) {
      failures.push((e as Error).message);
      continue;
    }
    return instantiate(b, module);
  }
  throw new BranchyWasmError(
    failures.length === 1 ? failures[0] : `no kernel build loads on this engine (it runs ${runs.join(', ')}): ${failures.join('; ')}`,
  );
}

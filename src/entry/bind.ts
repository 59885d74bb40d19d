// The API with kernel builds bound in, for the entries of hosts that import .wasm files as
// modules (branchy-wasm/workerd, branchy-wasm/deno). A call's own `wasm` (or `source`) wins.
import { fromGraph, load, loadKernels, loadInWorker, createPool } from '../index.js';
import type { LoadKernelsOptions, WasmBuilds } from '../index.js';

export function bindWasm(wasm: WasmBuilds) {
  const withWasm = <T extends LoadKernelsOptions>(o: T | undefined): T => (o?.wasm || o?.source ? o : { ...o, wasm }) as T;
  return {
    load: ((source, options) => load(source, withWasm(options))) as typeof load,
    fromGraph: ((graph, weights, options) => fromGraph(graph, weights, withWasm(options))) as typeof fromGraph,
    loadKernels: ((options) => loadKernels(withWasm(options))) as typeof loadKernels,
    loadInWorker: ((source, options) => loadInWorker(source, withWasm(options))) as typeof loadInWorker,
    createPool: ((source, options) => createPool(source, withWasm(options))) as typeof createPool,
  };
}

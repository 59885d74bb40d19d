// branchy-wasm for Deno and Deno Deploy: the API of 'branchy-wasm' with the three kernel builds
// imported as WebAssembly.Modules (source phase imports), so that loading the kernels needs no
// --allow-read and no fetch. esbuild makes it dist/bundle/deno.js, one module; the .wasm files
// stay where these paths point (build/).
import source scalar from '../../build/branchy.scalar.wasm';
import source simd from '../../build/branchy.simd.wasm';
import source relaxed from '../../build/branchy.relaxed.wasm';
import { bindWasm } from './bind.js';

export * from '../index.js';
export const { load, fromGraph, loadKernels, loadInWorker, createPool } = bindWasm({ scalar, simd, relaxed });

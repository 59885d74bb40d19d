// branchy-wasm for Cloudflare Workers (workerd) and for bundlers where `import m from './x.wasm'`
// gives a WebAssembly.Module (wrangler; workerd's own config, whose `wasm` modules are bound at
// deploy time): the API of 'branchy-wasm' with the three kernel builds bound in. esbuild makes
// it dist/bundle/workerd.js, one module; the .wasm files stay where these paths point (build/).
// The package's `workerd` export condition picks it for `import { load } from 'branchy-wasm'`.
import scalar from '../../build/branchy.scalar.wasm';
import simd from '../../build/branchy.simd.wasm';
import relaxed from '../../build/branchy.relaxed.wasm';
import { bindWasm } from './bind.js';

export * from '../index.js';
export const { load, fromGraph, loadKernels, loadInWorker, createPool } = bindWasm({ scalar, simd, relaxed });

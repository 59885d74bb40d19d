// Run by workerd (test/runtimes/workerd-probe.capnp): what the plain runtime does where wasm
// may only come from modules bound at deploy time, one case per entry of the JSON it answers.
import * as branchy from '../../dist/bundle/branchy.js';
import simd from '../../build/branchy.simd.wasm';
import simdBytes from './simd.wasm.bin';
import modelFile from '../../models/branchy-lenet-mnist.int8.branchy';

async function outcome(f) {
  try {
    const v = await f();
    return { ok: true, value: v };
  } catch (e) {
    return { ok: false, name: e?.constructor?.name ?? typeof e, typed: e instanceof branchy.BranchyError, message: String(e?.message ?? e) };
  }
}

export default {
  async fetch(request) {
    if (new URL(request.url).pathname !== '/') return new Response('', { status: 404 });
    return Response.json({
      importMetaUrl: String(import.meta.url),
      noWasm: await outcome(() => branchy.load(modelFile)),
      bytes: await outcome(() => branchy.load(modelFile, { wasm: { simd: simdBytes } })),
      oneModule: await outcome(async () => (await branchy.load(modelFile, { wasm: { simd } })).info.build),
      oldOption: await outcome(async () => (await branchy.load(modelFile, { source: { simd } })).info.build),
      worker: await outcome(() => branchy.loadInWorker(modelFile, { wasm: { simd } })),
    });
  },
};

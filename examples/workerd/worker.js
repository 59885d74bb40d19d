// A Cloudflare Worker that classifies MNIST digits with the bundled Branchy-LeNet (int8, two
// exits). `import { load } from 'branchy-wasm'` resolves, under the `workerd` export condition
// that wrangler and workerd use, to the entry whose three kernel builds are .wasm modules bound
// at deploy time: Workers may not compile wasm from bytes. The model and the digits are Data
// modules (ArrayBuffers). Run it with `npx workerd serve examples/workerd/config.capnp` or
// `npx wrangler dev` (wrangler.toml), then GET http://127.0.0.1:8787/.
import { load } from 'branchy-wasm';
import modelFile from '../../models/branchy-lenet-mnist.int8.branchy';
import digitsFile from '../web/digits.bin';
import { classifyDigits, readDigits } from '../digits.js';

let model; // loaded on the first request (a Worker may not do async work at startup)

export default {
  async fetch(request) {
    if (new URL(request.url).pathname !== '/') return new Response('GET / classifies the digits\n', { status: 404 });
    model ??= load(modelFile);
    return Response.json({ runtime: 'workerd', ...classifyDigits(await model, readDigits(digitsFile)) });
  },
};

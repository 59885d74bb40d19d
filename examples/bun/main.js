// Bun: classify MNIST digits with the bundled Branchy-LeNet (int8, two exits).
// 'branchy-wasm' finds its kernels next to itself (Bun reads them like Node); Bun.file() is a
// Blob, which load() reads as it is.
//   bun examples/bun/main.js
import { load } from 'branchy-wasm';
import { classifyDigits, readDigits } from '../digits.js';

const model = await load(Bun.file(new URL('../../models/branchy-lenet-mnist.int8.branchy', import.meta.url)));
const digits = readDigits(await Bun.file(new URL('../web/digits.bin', import.meta.url)).arrayBuffer());
console.log(JSON.stringify({ runtime: `bun ${Bun.version}`, ...classifyDigits(model, digits) }));

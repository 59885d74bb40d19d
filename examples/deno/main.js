// Deno: classify MNIST digits with the bundled Branchy-LeNet (int8, two exits).
// 'branchy-wasm/deno' imports the three kernel builds as WebAssembly.Modules (source phase
// imports), so the only permission this needs is reading the two files it opens:
//   deno run --allow-read=models/branchy-lenet-mnist.int8.branchy,examples/web/digits.bin examples/deno/main.js
import { load } from 'branchy-wasm/deno';
import { classifyDigits, readDigits } from '../digits.js';

const model = await load(await Deno.readFile(new URL('../../models/branchy-lenet-mnist.int8.branchy', import.meta.url)));
const digits = readDigits(await Deno.readFile(new URL('../web/digits.bin', import.meta.url)));
console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, ...classifyDigits(model, digits) }));

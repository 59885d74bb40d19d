// Weights in memory against weights in the file, per model (issue 21: ≤ 1.1×).
//   node --experimental-wasm-relaxed-simd --import tsx bench/memory.mts [MODEL.branchy ...] [--build simd]
// File weight bytes: every tensor the .branchy file stores (int8 weights, int32 biases, f32
// scales; `int8` column: the int8 ones alone). In memory: `model.info.weightBytes`, what the
// runtime allocates at load before the activation arena (packed weights with their biases and
// scales, params blocks, the depthwise kernels' zero rows). Default models: every .branchy
// in models/ and bench/out/mobilenet_v2_224.int8.branchy when present (bench/RESULTS.md says
// how to make it).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { readBranchy } from '../src/format/index.js';
import { load } from '../src/runtime/model.js';
import type { Build } from '../src/runtime/features.js';
import { machine } from './machine.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values, positionals } = parseArgs({ allowPositionals: true, options: { build: { type: 'string', default: 'simd' } } });
const extra = path.join(ROOT, 'bench/out/mobilenet_v2_224.int8.branchy');
const files = positionals.length
  ? positionals
  : [...readdirSync(path.join(ROOT, 'models')).filter((f) => f.endsWith('.branchy')).map((f) => path.join(ROOT, 'models', f)), ...(existsSync(extra) ? [extra] : [])];

console.log(`# build ${values.build}, ${machine()}\n`);
console.log('| model | file weight bytes | of them int8 | in memory (info.weightBytes) | memory ÷ file |');
console.log('|---|---:|---:|---:|---:|');
for (const f of files) {
  const bytes = new Uint8Array(readFileSync(f));
  const { weights } = readBranchy(bytes);
  let all = 0, i8 = 0;
  for (const t of weights.values()) {
    all += t.byteLength;
    if (t instanceof Int8Array) i8 += t.byteLength;
  }
  const model = await load(bytes, { build: values.build as Build });
  const mem = model.info.weightBytes;
  console.log(`| ${path.relative(ROOT, f)} | ${all} | ${i8} | ${mem} | ${(mem / all).toFixed(2)} |`);
}

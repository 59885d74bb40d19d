// Soak test (not in the test suite): many inferences on one loaded model, checking that
// every output equals the first pass's for the same digit and that neither the JS heap nor
// the wasm memory grows.
//
//   node --experimental-wasm-relaxed-simd --expose-gc --import tsx bench/soak.ts
//        [--runs 100000] [--every 5000] [--build auto|scalar|simd|relaxed] [--model models/mnist-lenet.int8.branchy]
//
// Runs cycle through the first 1000 MNIST test digits, one sample per run() call (the way a
// server answers requests). Prints one row per sample point and a summary; exits 1 on any
// mismatch or on wasm memory growth after the first pass.
import { loadMnist } from '../src/cli/datasets.js';
import { load } from '../src/runtime/model.js';
import type { Build } from '../src/runtime/features.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

const runs = Number(arg('runs', '100000'));
const every = Number(arg('every', '5000'));
const build = arg('build', 'auto') as Build | 'auto';
const file = arg('model', 'models/mnist-lenet.int8.branchy');
const DIGITS = 1000;

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (b: number) => (b / 2 ** 20).toFixed(2);

const model = await load(file, { build });
const images = (await loadMnist('test')).images;
const digit = (i: number) => images.subarray(i * 784, (i + 1) * 784);
const first: Float32Array[] = [];
let mismatches = 0;
let firstMismatch = '';

console.log(`soak: ${runs} runs of ${file} (${model.info.build} build), ${DIGITS} digits in turn, sampled every ${every}${gc ? ', gc before each sample' : ''}`);
console.log('| runs | heap used MiB | rss MiB | array buffers MiB | wasm memory MiB | runs/s (last interval) | mismatches |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
const rows: { runs: number; heap: number; rss: number; ab: number; wasm: number; rate: number }[] = [];
let t = performance.now();
const sample = (n: number) => {
  const now = performance.now();
  const rate = n === 0 ? 0 : every / ((now - t) / 1000);
  gc?.();
  const m = process.memoryUsage();
  rows.push({ runs: n, heap: m.heapUsed, rss: m.rss, ab: m.arrayBuffers, wasm: model.memoryBytes, rate });
  console.log(`| ${n} | ${mib(m.heapUsed)} | ${mib(m.rss)} | ${mib(m.arrayBuffers)} | ${mib(model.memoryBytes)} | ${rate.toFixed(0)} | ${mismatches} |`);
  t = performance.now();
};

sample(0);
const t0 = performance.now();
for (let n = 0; n < runs; n++) {
  const i = n % DIGITS;
  const y = model.run(digit(i)).logits.data as Float32Array;
  if (n < DIGITS) first.push(y);
  else {
    const want = first[i];
    for (let k = 0; k < y.length; k++) {
      if (Object.is(y[k], want[k])) continue;
      mismatches++;
      firstMismatch ||= `run ${n} (digit ${i}) logit ${k}: ${y[k]} != ${want[k]}`;
      break;
    }
  }
  if ((n + 1) % every === 0) sample(n + 1);
}
const seconds = (performance.now() - t0) / 1000;

const afterFirst = rows.filter((r) => r.runs >= DIGITS);
const wasmGrew = afterFirst.some((r) => r.wasm !== afterFirst[0].wasm);
const heaps = rows.slice(1).map((r) => r.heap);
console.log(`\n${runs} runs in ${seconds.toFixed(1)} s (${(runs / seconds).toFixed(0)} runs/s, ${((seconds * 1000) / runs).toFixed(3)} ms/run)`);
console.log(`outputs differing from the first pass: ${mismatches}${firstMismatch ? ` (first: ${firstMismatch})` : ''}`);
console.log(`wasm memory: ${mib(rows[0].wasm)} MiB at start, ${mib(rows.at(-1)!.wasm)} MiB at the end${wasmGrew ? ' (GREW)' : ', constant'}`);
console.log(`heap used after sample points: min ${mib(Math.min(...heaps))} MiB, max ${mib(Math.max(...heaps))} MiB, last ${mib(heaps.at(-1)!)} MiB`);
if (mismatches || wasmGrew) process.exit(1);

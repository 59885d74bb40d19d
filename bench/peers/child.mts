// One cold start, in a fresh process: import the engine's library, instantiate its wasm, load
// the model and answer the first image; then 20 more images, and the peak resident memory
// above what the process held before the engine was touched. Prints one JSON line.
//   node --experimental-wasm-relaxed-simd bench/out/peers-child.mjs ENGINE FILES.json SAMPLE.bin [--unbundled]
// (main.mts bundles this file and the engine adapters into bench/out/peers-child.mjs first;
// branchy is imported from dist/bundle/branchy.js, ORT Web and tfjs from their packages'
// single-file bundles. --unbundled: branchy from dist/ module by module.)
import { readFileSync } from 'node:fs';
import { openEngine, type EngineId, type ModelFiles } from './engines.mjs';

/**
 * Peak resident memory of this process: VmHWM (Linux; the high-water mark of this program's
 * own address space, unlike getrusage's maxrss, which keeps the parent's peak across exec),
 * else the RSS now.
 */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
}

const [id, filesJson, sampleBin, flag] = process.argv.slice(2) as [EngineId, string, string, string?];
const files = JSON.parse(readFileSync(filesJson, 'utf8')) as ModelFiles;
const raw = readFileSync(sampleBin);
const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const size = all.length / 2;
const s = { nchw: [all.slice(0, size)], nhwc: [all.slice(size)], labels: new Uint8Array(1) };

const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const engine = await openEngine(id, files, s, { unbundled: flag === '--unbundled' });
const t1 = performance.now();
const first = await engine.run(0);
const t2 = performance.now();
for (let i = 0; i < 20; i++) await engine.run(0);
const peak = peakRss();
console.log(JSON.stringify({ id, openMs: t1 - t0, firstMs: t2 - t0, label: first.label, rssDeltaBytes: peak - rss0, peakRssBytes: peak }));

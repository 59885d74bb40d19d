// npm run bench:peers -- [--model M.onnx[:M.int8.branchy]]... [--rounds 15] [--round-ms 200]
//                        [--images 1000] [--cold 5] [--engines a,b,...] [--cifar-test PATH]
//                        [--mlperf all|none|ic_resnet8,vww_mobilenet,kws_dscnn,ad_autoencoder]
// (--model none: only the MLPerf Tiny models.)
//
// The same weights in every engine, one process, interleaved: branchy int8 and f32 (full
// depth, and with the early-exit policy stored in the file), ONNX Runtime Web's wasm backend
// on the f32 ONNX and on the QDQ int8 export of branchy's int8 model, and TensorFlow.js's
// wasm backend built from the f32 ONNX, and LiteRT.js (TFLite + XNNPACK) on branchy's int8 and
// f32 models exported as .tflite. One thread, batch 1, real test images. Then the four MLPerf
// Tiny .tflite files (./mlperf.mts): branchy on each converted to .branchy, LiteRT.js on the
// file itself, int8 and f32.
// Per model: latency (median and p10/p90 over rounds; in each round every engine runs the
// same images back to back, engines in a rotating order), the ratio to branchy int8, GMAC/s
// against the measured int8 dot peak (bench/peak.ts), top-1 agreement between engines and
// accuracy on the images; cold start and peak RSS in fresh child processes; bytes shipped.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadKernels } from '../../src/runtime/wasm.js';
import { LinearMemory } from '../../src/runtime/memory.js';
import { machine } from '../machine.js';
import { peaks } from '../peak.js';
import { ENGINES, LABEL, openEngine, type EngineId, type ModelFiles, type Runner, type Samples } from './engines.mjs';
import { prepare, samples } from './prepare.mjs';
import { MLPERF, prepareMlperf } from './mlperf.mjs';
import { fileSizes, shipped } from './sizes.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = path.join(ROOT, 'bench', 'out');

const { values: opt } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '15' },
    'round-ms': { type: 'string', default: '200' },
    images: { type: 'string', default: '1000' },
    cold: { type: 'string', default: '5' },
    engines: { type: 'string' },
    'cifar-test': { type: 'string' },
    mlperf: { type: 'string', default: 'all' },
  },
});
// The CIFAR-10 MobileNet: the trained model once train/cifar_mobilenet_exits.py has written
// it, else an export of its current checkpoint (bench/peers/export_checkpoint.py).
const mobilenet = ['models/mobilenet-exits-cifar10.onnx', 'bench/out/mobilenet-exits-cifar10.onnx'].find((f) => existsSync(path.join(ROOT, f)));
const models = opt.model ?? [
  'models/branchy-lenet-mnist.onnx:models/branchy-lenet-mnist.int8.branchy',
  'models/mnist-lenet.onnx:models/mnist-lenet.int8.branchy',
  ...(mobilenet ? [mobilenet.startsWith('models/') ? `${mobilenet}:models/mobilenet-exits-cifar10.int8.branchy` : mobilenet] : []),
  // The MobileNet with light exit heads (train/cifar_mobilenet_exits.py --head light --distill 3).
  ...(existsSync(path.join(ROOT, 'models/mobilenet-exits-cifar10-light.int8.branchy'))
    ? ['models/mobilenet-exits-cifar10-light.onnx:models/mobilenet-exits-cifar10-light.int8.branchy'] : []),
  // The CIFAR-10 BNN (binary layers named by the .branchy file, binarized at import; no QDQ row).
  'models/bnn-kd-cifar10-w0.5.onnx:models/bnn-kd-cifar10-w0.5.branchy',
];
const ROUNDS = Number(opt.rounds), ROUND_MS = Number(opt['round-ms']), IMAGES = Number(opt.images), COLD = Number(opt.cold);
const only = opt.engines?.split(',') as EngineId[] | undefined;

const q = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * p, lo = Math.floor(i), hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
};
const us = (ms: number): string => (ms * 1000 >= 100 ? (ms * 1000).toFixed(0) : (ms * 1000).toFixed(1));
const kb = (b: number): string => `${(b / 1024).toFixed(b < 10240 ? 1 : 0)} KiB`;
const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

console.log(`# Peer benchmark — ${machine()}\n`);
console.log(`command: npm run bench:peers -- ${process.argv.slice(2).join(' ')}`);
console.log(`rounds ${ROUNDS} × ~${ROUND_MS} ms per engine, ${IMAGES} test images, ${COLD} cold starts per engine\n`);
// The cold-start child as plain JavaScript (no TypeScript loader in the timed process). Every
// engine's library stays outside it and is imported inside the timed span: branchy from
// `branchy/bundle` (dist/bundle/branchy.js, built by `npm run build`), ORT Web and tfjs from
// the single-file bundles their packages ship.
const CHILD = path.join(OUT, 'peers-child.mjs');
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: [path.join(ROOT, 'bench', 'peers', 'child.mts')], outfile: CHILD, bundle: true, format: 'esm',
  platform: 'node', packages: 'external', logLevel: 'warning',
});

const mem = new LinearMemory(await loadKernels({ build: 'simd' }));
console.log(`measured int8 peak (i32x4.dot_i16x8_s loop, bench/peak.ts), before the runs: ${peaks(mem).dot_i16x8!.toFixed(1)} GMAC/s\n`);

const mlperf = opt.mlperf === 'none' ? [] : opt.mlperf === 'all' ? [...MLPERF] : (opt.mlperf.split(',') as (typeof MLPERF)[number][]);
const jobs: (() => Promise<{ files: ModelFiles; s: Samples; dataset: string }>)[] = [
  ...models.filter((m) => m !== 'none').map((spec) => async () => {
    const [onnxRel, int8Rel] = spec.split(':');
    const onnx = path.resolve(ROOT, onnxRel);
    const { files, dataset, normalize } = prepare(onnx, int8Rel ? path.resolve(ROOT, int8Rel) : undefined);
    return { files, dataset, s: await samples(normalize, dataset, IMAGES, opt['cifar-test']) };
  }),
  ...mlperf.map((name) => async () => {
    const p = await prepareMlperf(name, IMAGES, opt['cifar-test']);
    return { files: p.files, dataset: p.dataset, s: p.samples };
  }),
];
for (const job of jobs) {
  const { files, dataset, s } = await job();
  // An MLPerf Tiny model has no ONNX file: no ORT or tfjs rows.
  const ids = ENGINES.filter((e) => (files.multiExit || !e.endsWith('-early')) && (files.qdq || e !== 'ort-qdq') && (files.onnx || (e !== 'ort-f32' && e !== 'tfjs-f32')) &&
    (files.tfliteInt8 || e !== 'litert-int8') && (files.tfliteF32 || e !== 'litert-f32') && (!only || only.includes(e)));
  const runners = new Map<EngineId, Runner>();
  for (const id of ids) runners.set(id, await openEngine(id, files, s));
  const n = s.nchw.length;

  // Answers on every image: accuracy, agreement with ORT f32 (the source network) and branchy int8, mean MACs.
  const labels = new Map<EngineId, number[]>();
  const macs = new Map<EngineId, number>();
  for (const id of ids) {
    const r = runners.get(id)!;
    const ls: number[] = [];
    let m = 0;
    for (let i = 0; i < n; i++) {
      const a = await r.run(i);
      ls.push(a.label);
      m += a.macs ?? 0;
    }
    labels.set(id, ls);
    if (m > 0) macs.set(id, m / n);
  }
  const fullMacs = macs.get('branchy-int8') ?? macs.get('branchy-f32')!;
  const agree = (a: EngineId, b: EngineId): string => {
    const x = labels.get(a), y = labels.get(b);
    if (!x || !y) return '—';
    return `${((100 * x.filter((v, i) => v === y[i]).length) / n).toFixed(1)}%`;
  };
  const acc = (id: EngineId): string => (s.labels.length ? `${((100 * labels.get(id)!.filter((v, i) => v === s.labels[i]).length) / n).toFixed(2)}%` : '—');

  // Warm-up (tier-up, caches), then the images per round for ~ROUND_MS each.
  const per = new Map<EngineId, number>();
  for (const id of ids) {
    const r = runners.get(id)!;
    const t = performance.now();
    let k = 0;
    while (k < 50 || performance.now() - t < 500) await r.run(k++ % n);
    const each = (performance.now() - t) / k;
    per.set(id, Math.max(3, Math.min(n, Math.round(ROUND_MS / each))));
  }
  const times = new Map<EngineId, number[]>(ids.map((id) => [id, []]));
  const roundPeaks: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    roundPeaks.push(peaks(mem).dot_i16x8!); // the peak under this round's load
    const order = ids.map((_, i) => ids[(i + round) % ids.length]);
    const start = (round * 97) % n;
    for (const id of order) {
      const r = runners.get(id)!, count = per.get(id)!;
      const t = performance.now();
      for (let k = 0; k < count; k++) await r.run((start + k) % n);
      times.get(id)!.push((performance.now() - t) / count);
    }
  }

  // Cold start and peak memory: a fresh process per run, engines interleaved.
  const filesJson = path.join(OUT, `${files.name}.files.json`);
  const sampleBin = path.join(OUT, `${files.name}.sample.bin`);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(filesJson, JSON.stringify(files));
  const both = new Float32Array(s.nchw[0].length * 2);
  both.set(s.nchw[0]);
  both.set(s.nhwc[0], s.nchw[0].length);
  writeFileSync(sampleBin, both);
  const cold = new Map<EngineId, { openMs: number; firstMs: number; rssDeltaBytes: number; label: number }[]>(ids.map((id) => [id, []]));
  const unbundled: { openMs: number; firstMs: number }[] = [];
  const coldRun = (id: EngineId, flags: string[] = []) => {
    const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', CHILD, id, filesJson, sampleBin, ...flags], { cwd: ROOT, encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{')) throw new Error(`cold start of ${id} failed:\n${r.stderr}`);
    return JSON.parse(line);
  };
  for (let c = 0; c < COLD; c++) {
    for (const id of ids) {
      cold.get(id)!.push(coldRun(id));
      // branchy int8 once more, imported from dist/ file by file (Node without a bundler)
      if (id === 'branchy-int8') unbundled.push(coldRun(id, ['--unbundled']));
    }
  }

  const ref = q(times.get('branchy-int8')!, 0.5);
  const peak = q(roundPeaks, 0.5);
  console.log(`## ${files.name} (${dataset}, ${n} test images, final output ${files.final}, ${fullMacs} MACs at full depth)\n`);
  console.log(`int8 peak measured once per round (bench/peak.ts): median ${peak.toFixed(1)} GMAC/s (p10–p90 ${q(roundPeaks, 0.1).toFixed(1)}–${q(roundPeaks, 0.9).toFixed(1)})\n`);
  if (!files.onnx) console.log(`files: LiteRT.js ${[files.tfliteInt8!, files.tfliteF32!].map((f) => path.relative(ROOT, f)).join(', ')} (as they are); branchy ${[files.int8, files.f32].map((f) => path.relative(ROOT, f)).join(', ')} (branchy convert of the .tflite files)\n`);
  else console.log(`files: f32 ONNX ${path.relative(ROOT, files.onnx)}, branchy int8 ${path.relative(ROOT, files.int8)}, branchy f32 ${path.relative(ROOT, files.f32)}, QDQ ${files.qdq ? path.relative(ROOT, files.qdq) : '— (binary layers: no QDQ export)'}${files.binarize ? `, binarized at import: ${files.binarize.join(', ')}` : ''}\n`);
  console.log('| engine | median µs (p10–p90) | × branchy int8 | mean MACs | GMAC/s | % of int8 peak | top-1 acc. | agrees with ORT f32 | with branchy int8 | cold start ms: open / first result (median) | peak RSS Δ (median) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const id of ids) {
    const t = times.get(id)!;
    const med = q(t, 0.5);
    const m = macs.get(id) ?? fullMacs;
    const gmacs = m / (med * 1e6);
    const cs = cold.get(id)!;
    console.log(`| ${LABEL[id]} | ${us(med)} (${us(q(t, 0.1))}–${us(q(t, 0.9))}) | ${(med / ref).toFixed(2)} | ${(m / 1e6).toFixed(2)} M | ${gmacs.toFixed(2)} | ${((100 * gmacs) / peak).toFixed(0)}% | ${acc(id)} | ${agree(id, 'ort-f32')} | ${agree(id, 'branchy-int8')} | ${cs.length ? `${q(cs.map((x) => x.openMs), 0.5).toFixed(0)} / ${q(cs.map((x) => x.firstMs), 0.5).toFixed(0)} | ${mb(q(cs.map((x) => x.rssDeltaBytes), 0.5))}` : '— | —'} |`);
  }
  console.log('');
  const firstMs = (id: EngineId) => q(cold.get(id)!.map((x) => x.firstMs), 0.5);
  if (cold.get('branchy-int8')?.length && cold.get('ort-f32')?.length) {
    const ub = q(unbundled.map((x) => x.firstMs), 0.5);
    console.log(`cold start to the first answer, branchy int8 ÷ ORT Web f32: ${(firstMs('branchy-int8') / firstMs('ort-f32')).toFixed(3)} bundled (${firstMs('branchy-int8').toFixed(0)} ms, the rows above), ${(ub / firstMs('ort-f32')).toFixed(3)} imported from dist/ file by file (${ub.toFixed(0)} ms)\n`);
  }
  for (const id of ids) console.log(`- ${LABEL[id]}: ${runners.get(id)!.info}; ${per.get(id)} images per round`);
  const sizes = fileSizes([...(files.onnx ? [files.onnx] : []), ...(files.qdq ? [files.qdq] : []), files.int8, files.f32, ...(files.onnx ? [] : [files.tfliteInt8!, files.tfliteF32!])]);
  console.log(`\nmodel files: ${sizes.map((f) => `${f.file} ${kb(f.bytes)} (gzip ${kb(f.gz)})`).join(', ')}\n`);
}

console.log('## Bytes shipped (esbuild --bundle --minify, browser ESM; one wasm build)\n');
console.log('| engine | JS | JS gzip | wasm | wasm gzip | total gzip | what |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const r of await shipped()) console.log(`| ${r.engine} | ${kb(r.js)} | ${kb(r.jsGz)} | ${kb(r.wasm)} | ${kb(r.wasmGz)} | ${kb(r.jsGz + r.wasmGz)} | ${r.what} |`);
console.log(`\nmeasured int8 peak at the end: ${peaks(mem).dot_i16x8!.toFixed(1)} GMAC/s; ${machine()}`);

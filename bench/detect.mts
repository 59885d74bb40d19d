// node --experimental-wasm-relaxed-simd --import tsx bench/detect.mts [--onnx F.onnx] [--model NAME=F.branchy]...
//      [--data data/subtitles/test] [--frames 50] [--rounds 15] [--build simd]
//
// Time per frame of the subtitle/logo detectors (docs/detection.md): each branchy file's
// detect() (run + decoding + NMS) against ONNX Runtime Web's wasm backend on the float ONNX
// (session.run only, no decoding: the comparison leaves ORT the decoding for free), one
// thread, batch 1, the same test frames, interleaved: in every round each engine runs the
// frames back to back, engines in a rotating order; medians over rounds (and p10/p90) of the
// wall time and of the process CPU time per frame (steadier on a shared machine: another
// process's time slices do not count; every engine runs on this one thread), and the median
// over rounds of each round's ORT / engine CPU-time ratio (the engines of one round run
// back to back, so a load that changes from round to round cancels out of it).
// Also the weight bytes of each file against Tiny-YOLOv2's in float (15.9 M parameters).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { load } from '../src/runtime/model.js';
import { readBranchy } from '../src/format/index.js';
import { loadDetection } from '../src/cli/detect-data.js';
import type { Build } from '../src/runtime/features.js';
import { machine } from './machine.js';

const { values: opt } = parseArgs({
  options: {
    onnx: { type: 'string', default: 'models/yolo-subtitles.onnx' },
    model: { type: 'string', multiple: true },
    data: { type: 'string', default: 'data/subtitles/test' },
    frames: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '15' },
    build: { type: 'string', default: 'simd' },
  },
});
const models = (opt.model ?? [
  'branchy f32=models/yolo-subtitles.branchy', // convert models/yolo-subtitles.onnx --detect … (docs/detection.md)
  'branchy int8=models/yolo-subtitles.int8.branchy',
  'branchy binary weights=models/yolo-subtitles-bwn.branchy',
]).map((s) => {
  const eq = s.indexOf('=');
  return { name: s.slice(0, eq), file: s.slice(eq + 1) };
});
const FRAMES = Number(opt.frames), ROUNDS = Number(opt.rounds);
// Tiny-YOLOv2 (VOC, darknet yolov2-tiny-voc.cfg): 15,867,885 parameters, f32.
const TINY_YOLO_V2_BYTES = 15_867_885 * 4;

const data = await loadDetection(opt.data, FRAMES);
const size = 3 * data.height * data.width;
const frames = Array.from({ length: data.count }, (_, i) => data.images.slice(i * size, (i + 1) * size));

interface Engine { name: string; run(x: Uint8Array): unknown | Promise<unknown>; note: string; weightBytes?: number }
const engines: Engine[] = [];
for (const m of models) {
  const bytes = new Uint8Array(readFileSync(m.file));
  const model = await load(bytes, { build: opt.build as Build });
  const { weights } = readBranchy(bytes);
  const weightBytes = [...weights.values()].reduce((a, w) => a + w.byteLength, 0);
  engines.push({ name: m.name, run: (x) => model.detect(x, { scoreThreshold: 0.25 }), note: `${m.file}, build ${model.info.build}, detect()`, weightBytes });
}
// ORT Web on the float ONNX: the normalised float frame, prepared outside the timed call.
const ort = await import('onnxruntime-web');
ort.env.wasm.numThreads = 1;
ort.env.wasm.simd = true;
const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(opt.onnx)), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
const norm = JSON.parse(readFileSync(opt.onnx).includes('branchy.normalize') ? metadataNormalize(opt.onnx) : '{"mean":[0],"std":[1],"scale":1}');
const floats = frames.map((f) => Float32Array.from(f, (v, i) => (v / norm.scale - norm.mean[Math.floor(i / (size / 3))]) / norm.std[Math.floor(i / (size / 3))]));
const floatOf = new Map(frames.map((f, i) => [f, floats[i]]));
const onnxWeights = readFileSync(opt.onnx).byteLength;
engines.push({
  name: 'ORT Web f32', note: `${opt.onnx}, onnxruntime-web wasm, 1 thread, SIMD, session.run only`, weightBytes: onnxWeights,
  run: (x) => session.run({ [session.inputNames[0]]: new ort.Tensor('float32', floatOf.get(x)!, [1, 3, data.height, data.width]) }),
});

function metadataNormalize(file: string): string {
  // the branchy.normalize metadata string of an ONNX file: the JSON object after the key
  const text = readFileSync(file).toString('latin1');
  const at = text.indexOf('branchy.normalize');
  const start = text.indexOf('{', at), end = text.indexOf('}', start);
  return text.slice(start, end + 1);
}

// warm up, then rounds
for (const e of engines) for (const f of frames.slice(0, 3)) await e.run(f);
const times = new Map(engines.map((e) => [e.name, [] as number[]]));
const cpu = new Map(engines.map((e) => [e.name, [] as number[]]));
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < engines.length; k++) {
    const e = engines[(k + r) % engines.length];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const f of frames) await e.run(f);
    times.get(e.name)!.push((performance.now() - t0) / frames.length);
    const c = process.cpuUsage(c0);
    cpu.get(e.name)!.push((c.user + c.system) / 1000 / frames.length);
  }
}
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * p, lo = Math.floor(i), hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
};
const ortMs = q(times.get('ORT Web f32')!, 0.5), ortCpu = q(cpu.get('ORT Web f32')!, 0.5);
console.log(`# Detectors, time per frame — ${machine()}\n`);
console.log(`command: node --experimental-wasm-relaxed-simd --import tsx bench/detect.mts ${process.argv.slice(2).join(' ')}`);
console.log(`${data.count} frames of ${opt.data} (${data.width}×${data.height}), ${ROUNDS} interleaved rounds, one thread, batch 1\n`);
console.log('| engine | CPU ms per frame, median (p10–p90) | vs ORT Web f32 (CPU) | per-round ratio, median (p10–p90) | wall ms, median | vs ORT (wall) | weight bytes | vs Tiny-YOLOv2 f32 (63.5 MB) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
const ortRounds = cpu.get('ORT Web f32')!;
for (const e of engines) {
  const t = times.get(e.name)!, c = cpu.get(e.name)!;
  const med = q(t, 0.5), cm = q(c, 0.5);
  const ratios = c.map((v, r) => ortRounds[r] / v);
  console.log(`| ${e.name} | ${cm.toFixed(2)} (${q(c, 0.1).toFixed(2)}–${q(c, 0.9).toFixed(2)}) | ${(ortCpu / cm).toFixed(2)}× | ` +
    `${q(ratios, 0.5).toFixed(2)}× (${q(ratios, 0.1).toFixed(2)}–${q(ratios, 0.9).toFixed(2)}) | ${med.toFixed(2)} | ${(ortMs / med).toFixed(2)}× | ` +
    `${e.weightBytes!.toLocaleString('en')} | ${(TINY_YOLO_V2_BYTES / e.weightBytes!).toFixed(0)}× smaller |`);
}
console.log('');
for (const e of engines) console.log(`- ${e.name}: ${e.note}`);
console.log('- weight bytes: the tensors stored in the .branchy file (packed bits, int8, f32); for ORT the whole ONNX file');

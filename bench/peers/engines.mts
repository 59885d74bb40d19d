// The engines of the peer benchmark, each behind one small interface: open it on a model
// (import the library, instantiate its wasm, load the weights) and run one sample at a time,
// answering with the final exit's top-1 (or the early-exit answer for branchy's policy rows).
// Libraries are imported inside open() so that a cold-start child times their loading too.
// Every engine runs one thread, batch 1, and gets the normalised float image in its own
// layout (NCHW for branchy and ONNX Runtime as for the ONNX model, NHWC for tfjs).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export const ENGINES = ['branchy-int8', 'branchy-int8-early', 'branchy-f32', 'branchy-f32-early', 'ort-f32', 'ort-qdq', 'tfjs-f32', 'litert-int8', 'litert-f32'] as const;
export type EngineId = (typeof ENGINES)[number];

export const LABEL: Record<EngineId, string> = {
  'branchy-int8': 'branchy int8, full depth',
  'branchy-int8-early': 'branchy int8, early exit (file policy)',
  'branchy-f32': 'branchy f32, full depth',
  'branchy-f32-early': 'branchy f32, early exit (file policy)',
  'ort-f32': 'ORT Web 1.30 wasm, f32 ONNX',
  'ort-qdq': 'ORT Web 1.30 wasm, QDQ int8 ONNX',
  'tfjs-f32': 'tfjs 4.22 wasm (XNNPACK), f32',
  'litert-int8': 'LiteRT.js 2.5.3 (XNNPACK), int8 .tflite (export, or the MLPerf file)',
  'litert-f32': 'LiteRT.js 2.5.3 (XNNPACK), f32 .tflite (export, or the MLPerf file)',
};

/** The files of one model, as the engines read them. */
export interface ModelFiles {
  name: string;
  /** The float ONNX model (ORT f32, tfjs). */
  onnx: string;
  /** branchy files: int8 and f32 (thresholds written by `branchy calibrate` for multi-exit models). */
  int8: string;
  f32: string;
  /** The int8 model exported as QDQ ONNX (ORT int8). */
  /** QDQ int8 export of the int8 file; absent for a binary network (ONNX has no binary layers to export). */
  qdq?: string;
  /** The int8 and f32 files exported as .tflite (`branchy export -o X.tflite`, float edges); absent when the exporter refuses the graph. */
  tfliteInt8?: string;
  tfliteF32?: string;
  /** tfliteInt8 takes int8 (an MLPerf Tiny int8 file as it is): its input's quantization; the runner quantizes each sample. */
  tfliteInt8Input?: { scale: number; zeroPoint: number };
  /** Binary networks: the nodes the ONNX import binarizes (`--binarize`). */
  binarize?: string[];
  /** The output that answers at full depth (the deepest exit). */
  final: string;
  multiExit: boolean;
  /** MACs of the whole graph (every exit head and predictor): what ONNX Runtime executes. */
  graphMacs: number;
  /** [C, H, W] of one input image. */
  chw: [number, number, number];
}

export interface Samples {
  /** Normalised float images, NCHW and NHWC, one array per sample. */
  nchw: Float32Array[];
  nhwc: Float32Array[];
  labels: Uint8Array;
}

export interface Answer {
  label: number;
  /** MACs this sample cost (branchy reports them; ORT: the whole graph; tfjs: left out = full depth). */
  macs?: number;
}

export interface Runner {
  run(i: number): Answer | Promise<Answer>;
  /** Facts worth printing: the build that runs, wasm memory… */
  info: string;
}

const argmax = (v: ArrayLike<number>): number => {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
  return b;
};

const ROOT = new URL('../../', import.meta.url);

/** unbundled: import branchy from dist/ module by module instead of its bundle (cold-start child). */
export async function openEngine(id: EngineId, m: ModelFiles, s: Samples, opts: { unbundled?: boolean } = {}): Promise<Runner> {
  switch (id) {
    case 'branchy-int8':
    case 'branchy-int8-early':
    case 'branchy-f32':
    case 'branchy-f32-early':
      return openBranchy(id, m, s, opts.unbundled ?? false);
    case 'ort-f32':
    case 'ort-qdq':
      return openOrt(id === 'ort-f32' ? m.onnx : m.qdq!, m, s);
    case 'tfjs-f32':
      return openTfjs(m, s);
    case 'litert-int8':
    case 'litert-f32':
      return openLitertEngine(id === 'litert-int8' ? m.tfliteInt8! : m.tfliteF32!, m, s);
  }
}

async function openBranchy(id: EngineId, m: ModelFiles, s: Samples, unbundled: boolean): Promise<Runner> {
  // The built package as one file (`branchy/bundle`, dist/bundle/branchy.js, as ORT Web and
  // tfjs ship theirs), imported here so that a cold start reads and compiles it inside the
  // timed span as it does theirs. Unbundled (the cold-start child's `--unbundled`): `branchy`,
  // dist/ module by module, as Node resolves the package's main entry.
  const { load } = await import(new URL(unbundled ? 'dist/index.js' : 'dist/bundle/branchy.js', ROOT).href);
  const model = await load(new Uint8Array(await readFile(id.startsWith('branchy-int8') ? m.int8 : m.f32)));
  const early = id.endsWith('-early');
  const info = `build ${model.info.build}, wasm memory ${(model.memoryBytes / 1024).toFixed(0)} KiB`;
  if (!m.multiExit) {
    if (early) throw new Error(`${m.name} has no early exits`);
    // One output (an MLPerf Tiny pair names it differently in its int8 and f32 files).
    const only = (r: Record<string, { data: ArrayLike<number> }>) => r[m.final] ?? Object.values(r)[0];
    return { info, run: (i) => ({ label: argmax(only(model.run(s.nchw[i])).data), macs: model.info.macs }) };
  }
  const t = model.info.exits?.[0]?.thresholds ?? {};
  const kind = t.entropy !== undefined ? 'entropy' : t.maxprob !== undefined ? 'maxprob' : undefined;
  if (early && !kind) throw new Error(`${m.name}: the file has no calibrated thresholds; run branchy calibrate`);
  // The file's policy: with predictor gates calibrated (`branchy calibrate` on a model with
  // predictors), the predicted policy; else the confidence rule alone.
  const gated = t.predictor !== undefined;
  const policy = !early ? { kind: 'full' } : gated ? { kind: 'predicted', then: { kind } } : { kind };
  const exits = model.info.exits.slice(0, -1) as { thresholds?: Record<string, number> }[];
  const shown = (k: string) => exits.map((e) => e.thresholds?.[k]?.toPrecision(3)).join(', ');
  return {
    info: `${info}${early ? `, policy ${gated ? `predicted (gates ${shown('predictor')}) then ` : ''}${kind} (thresholds ${shown(kind!)})` : ''}`,
    run: (i) => {
      const r = model.run(s.nchw[i], { policy });
      return { label: r.label, macs: r.macs };
    },
  };
}

async function openOrt(file: string, m: ModelFiles, s: Samples): Promise<Runner> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  const session = await ort.InferenceSession.create(new Uint8Array(await readFile(file)), {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all',
  });
  const [c, h, w] = m.chw;
  const input = session.inputNames[0];
  return {
    info: `graph optimization 'all', 1 thread, SIMD`,
    run: async (i) => {
      const out = await session.run({ [input]: new ort.Tensor('float32', s.nchw[i], [1, c, h, w]) }, [m.final]);
      // ORT executes the whole graph whatever the fetches (measured: fetching exit0 alone is no faster).
      return { label: argmax(out[m.final].data as Float32Array), macs: m.graphMacs };
    },
  };
}

async function openLitertEngine(file: string, m: ModelFiles, s: Samples): Promise<Runner> {
  // The Node shim and LiteRT.js are imported here, inside a cold start's timed span.
  // Its wasm bindings (openLitertRaw), as bench/mlperf-litert.mts times it, rather than the
  // public API, which wraps every call in Tensor objects: the leaner of the two paths.
  const { openLitertRaw } = await import('./litert.mjs');
  const model = await openLitertRaw(new Uint8Array(await readFile(file)));
  const q = file === m.tfliteInt8 ? m.tfliteInt8Input : undefined;
  const buf = new Int8Array(q ? s.nhwc[0].length : 0);
  const feed = (x: Float32Array): Float32Array | Int8Array => {
    if (!q) return x;
    for (let k = 0; k < x.length; k++) buf[k] = Math.max(-128, Math.min(127, Math.round(x[k] / q.scale) + q.zeroPoint));
    return buf;
  };
  // One output: that one (an MLPerf Tiny file names it by its signature, not by its tensor).
  const out = model.outputs.length === 1 ? 0 : model.outputs.findIndex((o) => o.name === m.final);
  if (out < 0) throw new Error(`${file}: no output ${m.final}`);
  return {
    info: `wasm bindings, 1 thread (cpuOptions.numThreads 1), NHWC ${q ? 'int8 input, the float sample quantized in JS inside the timed call' : `float input${file === m.tfliteInt8 ? ' (the int8 file quantizes it inside: float edges)' : ''}`}`,
    // LiteRT runs the whole graph (every exit), as ORT does.
    run: async (i) => ({ label: argmax((await model.run([feed(s.nhwc[i])]))[out]), macs: m.graphMacs }),
  };
}

async function openTfjs(m: ModelFiles, s: Samples): Promise<Runner> {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out') + path.sep);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // the SIMD build without threads: one thread
  await tf.setBackend('wasm');
  await tf.ready();
  const { buildTfjsModel } = await import('./tfjs-onnx.mjs');
  const model = buildTfjsModel(tf, new Uint8Array(await readFile(m.onnx)));
  const [c, h, w] = m.chw;
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return {
    info: `backend ${tf.getBackend()}, SIMD ${simd}, 1 thread`,
    run: (i) => {
      const x = tf.tensor4d(s.nhwc[i], [1, h, w, c]);
      const [y] = model.run(x, [m.final]);
      const label = argmax(y.dataSync());
      y.dispose();
      x.dispose();
      return { label };
    },
  };
}

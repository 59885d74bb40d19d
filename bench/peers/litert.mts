// LiteRT.js (@litertjs/core: TFLite + XNNPACK compiled to wasm) as a reference and a peer, in
// Node, on one thread. Used by the tests (test/helpers/litert.ts re-exports it) and the
// benchmarks.
//
// Node shim. LiteRT.js loads its wasm glue the browser way: wasm-utils runs the glue script
// with importScripts() when that exists (a worker) or a <script> tag, then reads
// self.ModuleFactory. In Node we define `self` (= globalThis) and an importScripts that
// evaluates the file with vm, handing the Emscripten glue the CommonJS `require` and
// `__dirname` it uses in Node (it then reads its .wasm beside itself with node:fs). A
// `self.Module` object set beforehand reaches the factory as its module argument, which is
// how print/printErr are routed (LiteRT logs INFO lines for every model). loadLiteRt also
// tries to open a WebGPU device and warns when there is none (no `navigator` in Node 20);
// that one warning is dropped.
//
// One thread: loadLiteRt without { threads: true } loads a build without pthreads
// (litert_wasm_internal.wasm with relaxed SIMD — Node 20 needs --experimental-wasm-relaxed-simd,
// which the tests and benchmarks pass — else litert_wasm_compat_internal.wasm), and every
// model is compiled with cpuOptions { numThreads: 1 } for XNNPACK.
//
// Two ways to run a model:
// - openLitert: LiteRT.js's public API (loadAndCompile, Tensor, run), which feeds and returns
//   float32, int32 and uint8 tensors only. An int8-I/O file needs float edges first
//   (withFloatEdges in src/convert/tflite/float-io.ts: QUANTIZE in, DEQUANTIZE out).
// - openLitertRaw: the same compiled model through LiteRT.js's wasm bindings
//   (liteRt.liteRtWasm: loadModel, compileModel, LiteRtTensorBuffer), which take tensors of
//   any fixed-size type, int8 included, so the int8 file runs as it is. These bindings are
//   typed in the package's index.d.ts but not documented; the public API is built on them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type * as LiteRtJs from '@litertjs/core';

export type LitertArray = Float32Array | Int32Array | Uint8Array | Int8Array | Int16Array;

export interface LitertTensorInfo {
  name: string;
  dtype: string;
  shape: number[];
}

export interface LitertModel {
  inputs: LitertTensorInfo[];
  outputs: LitertTensorInfo[];
  /** One sample through the model: one array per input, in order; one per output. */
  run(inputs: LitertArray[]): Promise<LitertArray[]>;
  delete(): void;
}

const WASM_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('@litertjs/core')), '../wasm/');

let loading: Promise<{ lt: typeof LiteRtJs; build: string }> | undefined;

/** Loads LiteRT.js once per process; build: the wasm file it picked. */
export function loadLitert(): Promise<{ lt: typeof LiteRtJs; build: string }> {
  loading ??= (async () => {
    const g = globalThis as Record<string, unknown>;
    let build = '';
    g.self ??= globalThis;
    g.importScripts ??= (url: string) => {
      const file = url.startsWith('file:') ? fileURLToPath(url) : url;
      build = path.basename(file, '.js');
      const wrapped = vm.runInThisContext(`(function (require, __dirname, __filename) {${readFileSync(file, 'utf8')}\nreturn ModuleFactory;\n})`, { filename: file });
      g.ModuleFactory = wrapped(createRequire(file), path.dirname(file), file);
    };
    const quiet = (line: string) => {
      if (!/^(INFO|WARNING): /.test(line)) console.warn(line);
    };
    g.Module = { print: quiet, printErr: quiet };
    const lt = await import('@litertjs/core');
    const warn = console.warn;
    console.warn = (...a: unknown[]) => {
      if (!String(a[0]).startsWith('Failed to create default WebGPU device')) warn(...a);
    };
    try {
      await lt.loadLiteRt(WASM_DIR);
    } finally {
      console.warn = warn;
    }
    return { lt, build };
  })();
  return loading;
}

const COMPILE = { accelerator: 'wasm', cpuOptions: { numThreads: 1 } } as const;

/** A model through LiteRT.js's public API (float32, int32 and uint8 inputs and outputs). */
export async function openLitert(bytes: Uint8Array): Promise<LitertModel> {
  const { lt } = await loadLitert();
  const compiled = await lt.loadAndCompile(bytes, COMPILE);
  const info = (d: LiteRtJs.TensorDetails) => ({ name: d.name, dtype: d.dtype, shape: Array.from(d.shape) });
  const inputs = compiled.getInputDetails().map(info);
  return {
    inputs,
    outputs: compiled.getOutputDetails().map(info),
    async run(xs) {
      const tensors = xs.map((x, i) => new lt.Tensor(x as Float32Array, inputs[i].shape));
      try {
        const outs = await compiled.run(tensors);
        const data = outs.map((o) => o.toTypedArray() as LitertArray);
        for (const o of outs) o.delete();
        return data;
      } finally {
        for (const t of tensors) t.delete();
      }
    },
    delete: () => compiled.delete(),
  };
}

// LiteRT's ElementType numbers (litert_model_types.h, reproduced in @litertjs/core's d.ts).
const ELEMENT: Record<number, { dtype: string; array: new (b: ArrayBuffer) => LitertArray }> = {
  1: { dtype: 'float32', array: Float32Array },
  2: { dtype: 'int32', array: Int32Array },
  3: { dtype: 'uint8', array: Uint8Array },
  7: { dtype: 'int16', array: Int16Array },
  9: { dtype: 'int8', array: Int8Array },
};

/** A model through LiteRT.js's wasm bindings: int8 (and int16) tensors in and out as well. */
export async function openLitertRaw(bytes: Uint8Array): Promise<LitertModel> {
  const { lt } = await loadLitert();
  const liteRt = lt.getGlobalLiteRt();
  const wasm = liteRt.liteRtWasm;
  const env = liteRt.getDefaultEnvironment();
  const ptr = wasm._malloc(bytes.byteLength);
  wasm.HEAPU8.set(bytes, ptr);
  const model = wasm.loadModel(env.liteRtEnvironment, ptr, bytes.byteLength);
  const compiled = await wasm.compileModel(env.liteRtEnvironment, model, { ...COMPILE, environment: env, gpuOptions: {}, webNNOptions: {} } as never);
  const signature = model.getSignature(0);
  const names = (v: { size(): number; get(i: number): string }) => Array.from({ length: v.size() }, (_, i) => v.get(i));
  const describe = (type: ReturnType<typeof model.getInputTensorType>, name: string) => {
    const layout = type.layout();
    const dims = layout.dimensions();
    const shape = Array.from({ length: dims.size() }, (_, i) => dims.get(i));
    const code = type.elementType().value;
    dims.delete();
    layout.delete();
    type.delete();
    if (!ELEMENT[code]) throw new Error(`LiteRT tensor ${name}: element type ${code} has no typed array here`);
    return { name, dtype: ELEMENT[code].dtype, shape };
  };
  const inputs = names(signature.inputNames()).map((n, i) => describe(model.getInputTensorType(0, i), n));
  const outputs = names(signature.outputNames()).map((n, i) => describe(model.getOutputTensorType(0, i), n));
  signature.delete();
  return {
    inputs,
    outputs,
    async run(xs) {
      const buffers = xs.map((x, i) => {
        const type = model.getInputTensorType(0, i);
        const buffer = wasm.LiteRtTensorBuffer.createManaged(env.liteRtEnvironment, wasm.LiteRtTensorBufferType.HOST_MEMORY, type, x.byteLength);
        type.delete();
        const at = buffer.lock(wasm.LiteRtTensorBufferLockMode.WRITE);
        wasm.HEAPU8.set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), at);
        buffer.unlock();
        return buffer;
      });
      try {
        const outs = await compiled.run(0, buffers);
        return outs.map((o, i) => {
          const at = o.lock(wasm.LiteRtTensorBufferLockMode.READ);
          const data = new ELEMENT_OF[outputs[i].dtype](wasm.HEAPU8.slice(at, at + o.packedSize()).buffer);
          o.unlock();
          o.delete();
          return data;
        });
      } finally {
        for (const b of buffers) b.delete();
      }
    },
    delete() {
      compiled.delete();
      model.delete();
      wasm._free(ptr);
    },
  };
}

const ELEMENT_OF: Record<string, new (b: ArrayBuffer) => LitertArray> = Object.fromEntries(Object.values(ELEMENT).map((e) => [e.dtype, e.array]));

/** One run of a model on one sample through the public API; the model is freed after. */
export async function runLitert(bytes: Uint8Array, inputs: LitertArray[]): Promise<LitertArray[]> {
  const m = await openLitert(bytes);
  try {
    return await m.run(inputs);
  } finally {
    m.delete();
  }
}

// The public runtime API: load a .branchy model, run it, read named outputs.
//
//   const model = await load(bytes);              // bytes (any view or buffer) | Blob | Response | URL | path
//   const out = model.run(input);                 // Float32Array NCHW (as ONNX), or uint8 pixels
//   out.logits.data; out.logits.dims;             // (a quantized output: Uint8Array / Int8Array, and .quant)
import { BranchyInputError, BranchyFormatError, BranchyLimitError } from '../errors.js';
import { nodeMacs, nodeWork } from '../ir/macs.js';
import { readBranchy } from '../format/branchy.js';
import type { Graph, TensorInfo, Weights } from '../ir/types.js';
import { intQuant, validateGraph, type IntQuant } from '../ir/graph.js';
import { compile, type Program, type TensorSlot } from './executor.js';
import { checkNormalize, InputWriter } from './input.js';
import { LinearMemory } from './memory.js';
import { loadKernels, type KernelModule, type LoadKernelsOptions, type WasmSource } from './wasm.js';
import { asBytes, isBody, isUrl, locate, readBody, readLocation, tagOf } from './bytes.js';
import type { BodyLike, BytesLike, UrlLike } from './host-types.js';
import type { Build } from './features.js';
import { checkExitPlan, exitOrder, findExits, isMultiExit, type ExitPlan } from '../ir/exits.js';
import { ExitScheduler, type ExitResult } from './scheduler.js';
import type { ExitPolicy } from '../exit/policy.js';
import { BranchyUnsupportedError } from '../errors.js';
import { checkDetect, imageInput, type DetectSpec } from '../ir/detect.js';
import { detectOutputs, decodeDetections, type Detection, type DetectOptions } from './detect/index.js';

export interface LoadOptions extends LoadKernelsOptions {
  /** Refuse models whose weights and arena need more wasm memory than this (default 1 GiB). */
  memoryCap?: number;
  /** Keep every intermediate tensor readable after a run (see Model.trace); costs memory. */
  keepIntermediates?: boolean;
  /**
   * Run a node and the reader it can take into its own kernel as one step (a conv and its 2x2
   * max pool; default true). false: every node its own step, the same outputs bit for bit
   * (for tests and benchmarks).
   */
  fuse?: boolean;
  /**
   * Also run an int8 conv and the residual add it feeds as one step, the add in the conv's
   * epilogue (default false: measured slower on Zen 3, see bench/RESULTS.md). The same outputs.
   */
  fuseResidualAdd?: boolean;
  /**
   * Let 3x3 stride-1 convs (int8 or binary weights) run on the Winograd F(2x2, 3x3) kernel in the
   * SIMD builds (default true): 2.25x fewer multiplies, the same outputs bit for bit. Its int8
   * weights are held as i16 transforms, 3.6x their bytes; false keeps every int8 weight int8 in
   * memory (for memory-bound targets) at the direct kernels' speed.
   */
  winograd?: boolean;
  /**
   * Refuse models that need more multiply-accumulates per sample than this (default: no limit).
   * For services that load untrusted files: the memory cap bounds memory, this bounds work.
   */
  macsCap?: number;
  /**
   * Refuse models whose one sample takes more element operations than this (MACs, plus every
   * element each op reads and writes, plus a pool's window taps; default: no limit). Unlike
   * macsCap it bounds pools, activations and copies too: with macsCap, the bound on a run's time.
   */
  workCap?: number;
  /**
   * How uint8 pixels become the model's float input, (x / scale - mean[c]) / std[c], instead of
   * the file's own normalisation (or where it has none): e.g. { scale: 255 } for a model that
   * takes [0, 1], { scale: 1 } for raw 0..255. mean and std: one value or one per channel.
   */
  normalize?: { scale?: number; mean?: number | number[]; std?: number | number[] };
}

export interface RunOptions {
  /**
   * Layout of the input data, float or uint8 pixels: 'NCHW' or 'NHWC'. Default: the source
   * model's (NCHW for a PyTorch export, NHWC for one that takes NHWC, e.g. tf2onnx's).
   */
  layout?: 'NCHW' | 'NHWC';
}

export interface ClassifyOptions extends RunOptions {
  /** How deep each sample runs (multi-exit models); default { kind: 'full' }. */
  policy?: ExitPolicy;
}

export type { IntQuant };

export interface OutputTensor {
  /** f32 values; a quantized output's integers (uint8 or int8, as the source model typed it). */
  data: Float32Array | Int8Array | Uint8Array;
  dims: number[];
  /** For integer data: its scale and zero point (real value = scale * (q - zeroPoint)). */
  quant?: IntQuant;
}

export interface TensorDesc {
  name: string;
  /** Shape per the source model (NCHW for images), batch first. */
  dims: number[];
  /** 'f32'; 'u8' or 'i8' for a quantized input or output (the source model's type). */
  dtype: string;
  /** An integer input's or output's scale and zero point (in its own type). */
  quant?: IntQuant;
}

export interface ModelInfo {
  inputs: TensorDesc[];
  outputs: TensorDesc[];
  /** The kernel build that runs: scalar, simd or relaxed. */
  build: Build;
  /** Bytes of the activation arena (one sample). */
  arenaBytes: number;
  /** Bytes of packed weights and kernel params. */
  weightBytes: number;
  /** Multiply-accumulates of one sample at full depth. */
  macs: number;
  /** The model's input normalisation, if it has one: (x / scale - mean[c]) / std[c]. */
  normalize?: Graph['normalize'];
  /** Early exits of a multi-exit model: per exit its output, MACs and default thresholds. */
  exits?: { output: string; macs: { stage: number; head: number; predictor: number }; predictor: boolean; thresholds?: { entropy?: number; maxprob?: number; predictor?: number } }[];
  /** A detector's decoding (format, classes, anchors or strides): what detect() uses. */
  detect?: DetectSpec;
}

export type ModelInput = Float32Array | Uint8Array | Int8Array | Record<string, Float32Array | Uint8Array | Int8Array>;

const FULL: ExitPolicy = { kind: 'full' };

function checkLayout(layout: RunOptions['layout']): 'NCHW' | 'NHWC' | undefined {
  if (layout === undefined) return undefined;
  if (layout !== 'NCHW' && layout !== 'NHWC') throw new BranchyInputError(`layout must be 'NCHW' or 'NHWC', got ${String(layout)}`);
  return layout;
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** A shape as the source model saw it (NHWC -> NCHW for image tensors). */
function sourceDims(t: TensorInfo): number[] {
  const s = t.shape;
  return t.sourceLayout === 'NCHW' && s.length === 4 ? [s[0], s[3], s[1], s[2]] : s.slice();
}

export class Model {
  readonly info: ModelInfo;
  private readonly program: Program;
  private readonly graph: Graph;
  private scheduler: ExitScheduler | null;
  private readonly writers: ReadonlyMap<string, InputWriter>;
  /** Each integer output's scale and zero point (in its own type). */
  private readonly outputQuant: ReadonlyMap<string, IntQuant | undefined>;

  /** Bytes of wasm linear memory this model holds now (weights, params, arena). */
  get memoryBytes(): number {
    return this.program.mem.buffer.byteLength;
  }

  /** @internal Use load(). */
  constructor(graph: Graph, program: Program, build: Build, plan: ExitPlan | null) {
    this.graph = graph;
    this.program = program;
    this.scheduler = plan ? new ExitScheduler(program, plan, build) : null;
    this.writers = new Map(graph.inputs.map((name) => [name, new InputWriter(program, program.tensors.get(name)!, name, graph.normalize, build)]));
    this.outputQuant = new Map(graph.outputs.map((name) => [name, intQuant(graph, program.tensors.get(name)!.info)]));
    const desc = (name: string): TensorDesc => {
      const t = graph.tensors.find((x) => x.name === name)!;
      const quant = intQuant(graph, t);
      return { name, dims: sourceDims(t), dtype: t.sourceDtype ?? t.dtype, ...(quant ? { quant } : {}) };
    };
    this.info = {
      inputs: graph.inputs.map(desc),
      outputs: graph.outputs.map(desc),
      build,
      arenaBytes: program.arenaBytes,
      weightBytes: program.weightBytes,
      macs: program.steps.reduce((a, s) => a + s.macs, 0),
      normalize: graph.normalize,
      exits: plan?.exits.map((e, i) => ({ output: e.output, macs: this.scheduler!.costs(i), predictor: Boolean(e.predictor), thresholds: e.thresholds })),
      detect: graph.detect && checkDetect(graph.detect, graph),
    };
  }

  /**
   * The boxes a detector finds in one image (a model converted with `--detect`), in input
   * pixels, best first (src/runtime/detect, docs/detection.md).
   */
  detect(image: ModelInput, options: DetectOptions & RunOptions = {}): Detection[] {
    const spec = this.info.detect;
    if (!spec) throw new BranchyUnsupportedError('this model has no detection decoding; convert it with --detect yolov2|yolov8 (docs/detection.md)');
    const slot = spec.format === 'yolov2' ? this.program.tensors.get(spec.output)! : null;
    if (spec.format === 'yolov2' && slot && slot.info.dtype === 'f32' && slot.info.sourceLayout === 'NCHW' && slot.info.shape.length === 4) {
      // A YOLOv2 grid in f32: decoded where the kernels left it (NHWC, strides [1, C]), without
      // run()'s copy into NCHW (15 us of the detector's ~2 ms per frame, bench/RESULTS.md).
      const feeds = this.feeds(image);
      if (feeds[0].batch !== 1) throw new BranchyInputError(`detect() takes one image, got a batch of ${feeds[0].batch}`);
      this.write(feeds, 0, checkLayout(options.layout));
      for (const step of this.program.steps) step.run();
      const [, h, w, c] = slot.info.shape;
      const grid = { dims: [1, c, h, w], data: this.program.mem.f32(slot.ptr, slot.elements), strides: [1, c] as [number, number] };
      return decodeDetections(spec, { [spec.output]: grid }, imageInput(this.graph), options);
    }
    const out = this.run(image, { layout: options.layout });
    const f32: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (const name of detectOutputs(spec)) {
      const o = out[name];
      if (o.dims[0] !== 1) throw new BranchyInputError(`detect() takes one image, got a batch of ${o.dims[0]}`);
      const q = o.quant;
      f32[name] = { dims: o.dims, data: o.data instanceof Float32Array ? o.data : Float32Array.from(o.data, (v) => (q ? (v - q.zeroPoint) * q.scale : v)) };
    }
    return decodeDetections(spec, f32, imageInput(this.graph), options);
  }

  /**
   * Classify a batch with early exits: each sample runs only as deep as `policy` needs (a model
   * with one output of logits answers at its only exit). Returns one result per sample (batch
   * results equal one-by-one results).
   */
  classify(input: ModelInput, options: ClassifyOptions = {}): ExitResult[] {
    const scheduler = this.exitScheduler();
    const feeds = this.feeds(input);
    const layout = checkLayout(options.layout);
    const out: ExitResult[] = [];
    for (let b = 0; b < feeds[0].batch; b++) {
      this.write(feeds, b, layout);
      out.push(scheduler.run(options.policy ?? FULL));
    }
    return out;
  }

  /** Measured milliseconds of each exit's stage, head and predictor (measures on `input`). */
  measureExits(input: ModelInput, options: RunOptions = {}): { stage: number; head: number; predictor: number }[] {
    const scheduler = this.exitScheduler();
    const feeds = this.feeds(input);
    const layout = checkLayout(options.layout);
    this.write(feeds, 0, layout);
    scheduler.measure();
    return scheduler.measuredMs();
  }

  /**
   * Run the model on a batch; returns every graph output by name (full depth, as ONNX Runtime).
   * With `policy` (multi-exit models, one sample): the early-exit answer, as classify() gives it.
   */
  run(input: ModelInput, options: ClassifyOptions & { policy: ExitPolicy }): ExitResult;
  run(input: ModelInput, options?: RunOptions): Record<string, OutputTensor>;
  run(input: ModelInput, options: ClassifyOptions = {}): Record<string, OutputTensor> | ExitResult {
    if (options.policy) {
      const scheduler = this.exitScheduler();
      const feeds = this.feeds(input);
      if (feeds[0].batch !== 1) throw new BranchyInputError(`run() with a policy takes one sample, got ${feeds[0].batch}; use classify() for a batch`);
      const layout = checkLayout(options.layout);
      this.write(feeds, 0, layout);
      return scheduler.run(options.policy);
    }
    const feeds = this.feeds(input);
    const layout = checkLayout(options.layout);
    const batch = feeds[0].batch;
    const outs = this.graph.outputs.map((name) => {
      const slot = this.program.tensors.get(name)!, n = batch * slot.elements;
      const t = slot.info;
      return { name, slot, data: t.sourceDtype === 'u8' ? new Uint8Array(n) : t.dtype === 'i8' ? new Int8Array(n) : new Float32Array(n) };
    });
    const mem = this.program.mem;
    for (let b = 0; b < batch; b++) {
      this.write(feeds, b, layout);
      for (const step of this.program.steps) step.run();
      for (const o of outs) this.readOutput(o.slot, o.data, b, mem);
    }
    const result: Record<string, OutputTensor> = {};
    for (const o of outs) {
      const dims = sourceDims(o.slot.info);
      dims[0] = batch;
      const quant = this.outputQuant.get(o.name);
      result[o.name] = quant ? { data: o.data, dims, quant } : { data: o.data, dims };
    }
    return result;
  }

  /**
   * Run one batch and hand every computed tensor of every sample to `visit` (f32 values,
   * dequantized if int8; NHWC). Needs `keepIntermediates` at load. Used for calibration.
   */
  trace(input: ModelInput, visit: (name: string, values: Float32Array) => void, options: RunOptions = {}): void {
    const feeds = this.feeds(input);
    const layout = checkLayout(options.layout);
    const mem = this.program.mem;
    for (let b = 0; b < feeds[0].batch; b++) {
      // Through the f32 input slot (no fused quantize), so that visit() sees the input too.
      this.write(feeds, b, layout, false);
      for (const step of this.program.steps) step.run();
      for (const [name, slot] of this.program.tensors) {
        const t = slot.info;
        if (t.dtype === 'f32') visit(name, mem.f32(slot.ptr, slot.elements).slice());
        else if (t.dtype === 'i8' && t.quant?.kind === 'tensor') {
          const q = mem.i8(slot.ptr, slot.elements), { scale, zeroPoint } = t.quant;
          visit(name, Float32Array.from(q, (v) => (v - zeroPoint) * scale));
        }
      }
    }
  }

  /**
   * The exit scheduler; a single-output classifier gets a one-exit plan on first use, so that
   * classify() and run(x, { policy }) answer at its only exit.
   */
  private exitScheduler(): ExitScheduler {
    if (this.scheduler) return this.scheduler;
    const plan = onlyExit(this.graph, this.program);
    if (!plan) {
      const outs = this.info.outputs.map((o) => `'${o.name}' ${o.dtype} [${o.dims.join(', ')}]`).join(', ');
      throw new BranchyUnsupportedError(
        `classify() needs early exits (outputs exit0 … exitN) or one output of f32 logits per sample; this model outputs ${outs}: use run()`,
      );
    }
    return (this.scheduler = new ExitScheduler(this.program, plan, this.info.build));
  }

  private feeds(input: ModelInput) {
    const single = ArrayBuffer.isView(input) || Array.isArray(input);
    if (single && this.graph.inputs.length !== 1) {
      throw new BranchyInputError(`this model has ${this.graph.inputs.length} inputs (${this.graph.inputs.join(', ')}): pass an object of named inputs`);
    }
    if (!single && (typeof input !== 'object' || input === null)) {
      throw new BranchyInputError(`expected a Float32Array, Uint8Array pixels or an object of named inputs (${this.graph.inputs.join(', ')}), got ${String(input)}`);
    }
    const named = (single ? null : input) as Record<string, unknown> | null;
    if (named) {
      const unknown = Object.keys(named).filter((k) => !this.graph.inputs.includes(k));
      if (unknown.length) throw new BranchyInputError(`unknown input '${unknown[0]}'; the model's inputs are ${this.graph.inputs.join(', ')}`);
    }
    let batch = -1;
    return this.graph.inputs.map((name) => {
      const data = named ? named[name] : input;
      const slot = this.program.tensors.get(name)!;
      if (data === undefined || data === null) throw new BranchyInputError(`input '${name}' is missing; the model's inputs are ${this.graph.inputs.join(', ')}`);
      const ty = slot.info.sourceDtype;
      if (!(data instanceof Float32Array) && !(data instanceof Uint8Array) && !(data instanceof Int8Array)) {
        throw new BranchyInputError(`input '${name}': expected a Float32Array (or ${ty === 'i8' ? 'an Int8Array' : 'Uint8Array pixels'}), got ${Object.prototype.toString.call(data)}`);
      }
      // Another thread may write a shared buffer while the kernels read it (after the NaN check).
      if (typeof SharedArrayBuffer !== 'undefined' && data.buffer instanceof SharedArrayBuffer) {
        throw new BranchyInputError(`input '${name}' is backed by a SharedArrayBuffer, which another thread may change during the run; pass a copy (new ${data.constructor.name}(x))`);
      }
      if (data.length === 0 && data.buffer.byteLength === 0) {
        throw new BranchyInputError(`input '${name}' is empty: its buffer is detached (transferred with postMessage?) or has no bytes; expected ${slot.elements} values per sample`);
      }
      // An integer input takes its own type (or dequantized floats); int8 data only such an input.
      if (ty === 'i8' ? data instanceof Uint8Array : data instanceof Int8Array) {
        throw new BranchyInputError(ty === 'i8'
          ? `input '${name}' is int8 in the model: pass an Int8Array (or a Float32Array of dequantized values)`
          : `input '${name}': an Int8Array is for an int8 input, and this one is ${ty === 'u8' ? 'uint8: pass a Uint8Array' : 'float: pass a Float32Array (or Uint8Array pixels)'}`);
      }
      if (data instanceof Uint8Array && !this.graph.normalize) {
        throw new BranchyInputError(`input '${name}': uint8 pixels need a normalisation, and this model has none; pass a Float32Array, or load with { normalize: { scale, mean, std } }`);
      }
      if (data.length === 0 || data.length % slot.elements !== 0) {
        throw new BranchyInputError(
          `input '${name}': ${data.length} values is not a whole number of samples of ${sourceDims(slot.info).slice(1).join('×')} (${slot.elements} values each)`,
        );
      }
      const b = data.length / slot.elements;
      if (batch >= 0 && b !== batch) throw new BranchyInputError(`input '${name}': batch ${b} differs from the other inputs' ${batch}`);
      batch = b;
      // One sample of the only input: checked in wasm after its copy (write()), before any step runs.
      const deferred = data instanceof Float32Array && b === 1 && this.graph.inputs.length === 1;
      if (data instanceof Float32Array && !deferred) checkFinite(name, data);
      // int8 values q are the pixels q + 128 of the input's normalisation (uint8-inputs.ts).
      const pixels = data instanceof Int8Array ? Uint8Array.from(data, (v) => v + 128) : data;
      return { name, slot, data: pixels, batch: b, writer: this.writers.get(name)!, deferred };
    });
  }

  /** Writes sample b of each input into the arena, checking a deferred float input there (feeds()). */
  private write(feeds: ReturnType<Model['feeds']>, b: number, layout: 'NCHW' | 'NHWC' | undefined, fuse = true): void {
    for (const f of feeds) {
      f.writer.write(f.data, b, layout, fuse);
      if (f.deferred && f.writer.hasNonFinite()) checkFinite(f.name, f.data as Float32Array);
    }
  }

  private readOutput(slot: TensorSlot, out: Float32Array | Int8Array | Uint8Array, b: number, mem: LinearMemory): void {
    const t = slot.info;
    const n = slot.elements;
    // A uint8 output is stored as int8 (zero point - 128): its bytes, each + 128 (the top bit flipped).
    const u8 = t.sourceDtype === 'u8';
    const src = u8 ? mem.u8(slot.ptr, n) : t.dtype === 'i8' ? mem.i8(slot.ptr, n) : mem.f32(slot.ptr, n);
    const dst = out.subarray(b * n, (b + 1) * n);
    if (t.sourceLayout === 'NCHW' && t.shape.length === 4) {
      const c = t.shape[3], hw = n / c;
      for (let ch = 0; ch < c; ch++) for (let p = 0; p < hw; p++) dst[ch * hw + p] = src[p * c + ch];
    } else {
      dst.set(src);
    }
    if (u8) for (let i = 0; i < n; i++) dst[i] ^= 0x80;
  }
}

/** Throws the input error that names the first NaN or ±Infinity of x, if it has one. */
function checkFinite(name: string, x: Float32Array): void {
  const i = firstNonFinite(x);
  if (i >= 0) throw new BranchyInputError(`input '${name}': value ${x[i]} at index ${i} is not finite`);
}

/**
 * Index of the first NaN or ±Infinity in x, or -1. x * 0 is 0 for every finite x and NaN
 * otherwise, so four running sums of it stay 0 on a finite input: one multiply-add per value
 * in a loop V8 keeps monomorphic (a Number.isFinite per value cost 60-77 µs on a 96×96×3
 * input, 14% of an int8 MobileNet's run; this ~15 µs). Only a non-finite input is scanned again.
 */
function firstNonFinite(x: Float32Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n4 = x.length & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    s0 += x[i] * 0;
    s1 += x[i + 1] * 0;
    s2 += x[i + 2] * 0;
    s3 += x[i + 3] * 0;
  }
  for (; i < x.length; i++) s0 += x[i] * 0;
  if (s0 + s1 + s2 + s3 === 0) return -1;
  for (i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
}

/** A single-output classifier (one f32 vector of logits per sample) as a plan with one exit: the whole program. */
function onlyExit(graph: Graph, program: Program): ExitPlan | null {
  if (graph.outputs.length !== 1) return null;
  const t = program.tensors.get(graph.outputs[0])!.info;
  if (t.dtype !== 'f32' || t.shape.slice(1).filter((d) => d > 1).length !== 1) return null;
  const stage = program.steps.reduce((a, s) => a + s.macs, 0);
  return { stages: [program.steps.map((s) => s.node.name)], exits: [{ output: graph.outputs[0], head: [], macs: { stage, head: 0, predictor: 0 } }] };
}

/** Compile an in-memory graph (what `branchy/convert` produces) into a runnable model. */
export async function fromGraph(graph: Graph, weights: Weights, options: LoadOptions = {}): Promise<Model> {
  validateGraph(graph, { weights });
  return compileModel(graph, weights, options, startKernels(options));
}

/**
 * Starts compiling the kernels (off the main thread) while the caller goes on checking and
 * parsing. The rejection handler keeps an error that is thrown first (a bad file, a MACs cap)
 * from leaving this promise unhandled; compileModel awaits it and rethrows its own error.
 */
function startKernels(options: LoadOptions): Promise<KernelModule> {
  const p = loadKernels(options);
  p.catch(() => {});
  return p;
}

/** fromGraph on a graph already validated (readBranchy validates what it reads). */
async function compileModel(graph: Graph, weights: Weights, options: LoadOptions, kernelsLoading: Promise<KernelModule>): Promise<Model> {
  for (const name of graph.inputs) {
    const t = graph.tensors.find((x) => x.name === name)!;
    if (t.dtype !== 'f32') throw new BranchyFormatError(`input '${name}' is ${t.dtype}; branchy models take f32 inputs (quantize inside the graph)`);
  }
  const infos = new Map(graph.tensors.map((t) => [t.name, t]));
  const macs = graph.nodes.reduce((a, n) => a + nodeMacs(graph, n, infos), 0);
  if (options.macsCap !== undefined && !(macs <= options.macsCap)) {
    throw new BranchyLimitError(`the model needs ${macs} multiply-accumulates per sample, above macsCap ${options.macsCap}; raise macsCap to run it`);
  }
  if (options.workCap !== undefined) {
    const work = graph.nodes.reduce((a, n) => a + nodeWork(graph, n, infos), 0);
    if (!(work <= options.workCap)) {
      throw new BranchyLimitError(`the model needs ${work} element operations per sample, above workCap ${options.workCap}; raise workCap to run it`);
    }
  }
  if (options.normalize !== undefined) {
    const t = graph.tensors.find((x) => x.name === graph.inputs[0])!;
    const int = graph.tensors.find((x) => x.sourceDtype && graph.inputs.includes(x.name));
    if (int) throw new BranchyInputError(`input '${int.name}' is ${int.sourceDtype === 'u8' ? 'uint8' : 'int8'}: its dequantization is the model's normalisation; load it without { normalize }`);
    graph = { ...graph, normalize: checkNormalize(options.normalize, t.shape.length === 4 ? t.shape[3] : 1) };
  }
  const kernels = await kernelsLoading;
  const mem = new LinearMemory(kernels, options.memoryCap);
  let plan: ExitPlan | null = null;
  if (isMultiExit(graph)) {
    if (graph.exits) checkExitPlan(graph, graph.exits);
    plan = graph.exits ?? findExits(graph);
  }
  const order = plan ? exitOrder(plan) : undefined;
  const program = compile(mem, graph, weights, { build: kernels.build, keepAll: options.keepIntermediates, order, fuse: options.fuse, fuseResidualAdd: options.fuseResidualAdd, winograd: options.winograd });
  return new Model(graph, program, kernels.build, plan);
}

/**
 * Where load() takes a model from: its bytes (Uint8Array, Node Buffer, DataView or any view,
 * ArrayBuffer, SharedArrayBuffer), a Blob or a fetch Response, a URL, or a string (a URL, or in
 * Node, Deno and Bun a file path).
 */
export type ModelSource = BytesLike | BodyLike | UrlLike | string;

/** Load a .branchy model from bytes, a Blob or Response, a URL, or (Node, Deno, Bun) a file path. */
export async function load(source: ModelSource, options: LoadOptions = {}): Promise<Model> {
  const kernelsLoading = startKernels(options);
  const bytes = await readBytes(source);
  const { graph, weights } = readBranchy(bytes);
  return compileModel(graph, weights, options, kernelsLoading);
}

/** @internal The bytes of a model source, as load() reads them. */
export async function readBytes(source: ModelSource): Promise<Uint8Array> {
  const bytes = asBytes(source);
  if (bytes) return bytes;
  if (typeof source === 'string') return readLocation(locate(source), BranchyInputError, 'the model');
  if (isUrl(source)) return readLocation(source.href, BranchyInputError, 'the model');
  if (isBody(source)) return readBody(source, BranchyInputError, 'the model');
  throw new BranchyInputError(
    `load() takes the model as bytes (Uint8Array, Buffer, ArrayBuffer, any view), a Blob or Response, a URL or a path; got ${tagOf(source)}`,
  );
}

export type { WasmSource };

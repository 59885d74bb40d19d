// One fuzz case: load a (mutated) model file and run it. The only acceptable outcomes are
// "loaded and ran, with the declared output shapes" or a typed branchy error (a subclass of
// BranchyError). Anything else (RangeError, TypeError, SyntaxError, a wasm trap, a case
// slower than the time limit, wasm memory above the cap) is a finding, thrown as FuzzFailure.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BranchyError } from '../../src/errors.js';
import { fromGraph, load, type LoadOptions, type Model } from '../../src/runtime/model.js';
import { defaultWasmUrl } from '../../src/runtime/wasm.js';
import { supportedBuilds, type Build } from '../../src/runtime/features.js';
import { importOnnx } from '../../src/convert/index.js';
import { readBranchy, writeBranchy } from '../../src/format/index.js';
import type { Rng } from '../helpers/rng.js';

export type FileKind = 'branchy' | 'onnx';

export interface Limits {
  /** LoadOptions.memoryCap for every case. */
  memoryCap: number;
  /** LoadOptions.macsCap: a legitimate-looking model too slow to fuzz is refused, not run. */
  macsCap: number;
  /** A case that takes longer is a finding (a hang, or work not bounded by the limits). */
  caseMs: number;
}

export const DEFAULT_LIMITS: Limits = { memoryCap: 64 << 20, macsCap: 50_000_000, caseMs: 5_000 };

export class FuzzFailure extends Error {
  constructor(message: string, readonly cause?: unknown) {
    super(message);
    this.name = 'FuzzFailure';
  }
}

/** Compiled once: every case instantiates a fresh module (its own memory) from these. */
const modules = new Map<Build, WebAssembly.Module>();
function source(build: Build): WebAssembly.Module {
  let m = modules.get(build);
  if (!m) modules.set(build, (m = new WebAssembly.Module(readFileSync(fileURLToPath(defaultWasmUrl(build).href)))));
  return m;
}

export const FUZZ_BUILDS: Build[] = supportedBuilds();

export interface Outcome {
  /** 'ok' or the branchy error class that refused the file. */
  outcome: string;
  ms: number;
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Load and run one file; returns how it ended, throws FuzzFailure on a finding. */
export async function runCase(bytes: Uint8Array, kind: FileKind, build: Build, rng: Rng, limits: Limits = DEFAULT_LIMITS): Promise<Outcome> {
  const t0 = performance.now();
  const opts: LoadOptions = { build, source: { [build]: source(build) }, memoryCap: limits.memoryCap, macsCap: limits.macsCap };
  let outcome = 'ok';
  try {
    const model = kind === 'branchy' ? await load(bytes, opts) : await fromOnnx(bytes, opts);
    exercise(model, rng, limits);
  } catch (e) {
    if (e instanceof FuzzFailure) throw e;
    if (!(e instanceof BranchyError)) {
      const name = e instanceof Error ? e.constructor.name : typeof e;
      throw new FuzzFailure(`untyped ${name}: ${e instanceof Error ? e.message : String(e)}`, e);
    }
    outcome = e.constructor.name;
  }
  const ms = performance.now() - t0;
  if (ms > limits.caseMs) throw new FuzzFailure(`case took ${ms.toFixed(0)} ms (limit ${limits.caseMs}): unbounded work (outcome ${outcome})`);
  return { outcome, ms };
}

/** ONNX files: import, round-trip through the file format (what convert does), then load. */
async function fromOnnx(bytes: Uint8Array, opts: LoadOptions): Promise<Model> {
  const { graph, weights } = importOnnx(bytes);
  const file = readBranchy(writeBranchy(graph, weights));
  return fromGraph(file.graph, file.weights, opts);
}

/** Runs one sample with random inputs of the declared shapes; checks the outputs' shapes and the memory cap. */
function exercise(model: Model, rng: Rng, limits: Limits): void {
  // One sample: the runtime takes any batch (the input's length / the sample size).
  const inputs: Record<string, Float32Array> = {};
  for (const t of model.info.inputs) inputs[t.name] = rng.f32(numel(t.dims.slice(1)), 0, 1);
  const out = model.run(inputs);
  for (const t of model.info.outputs) {
    const o = out[t.name];
    const dims = [1, ...t.dims.slice(1)];
    if (!o) throw new FuzzFailure(`output '${t.name}' is missing from the run's result`);
    if (o.dims.join() !== dims.join() || o.data.length !== numel(dims)) {
      throw new FuzzFailure(`output '${t.name}' has dims [${o.dims}] (${o.data.length} values), declared [${t.dims}]`);
    }
  }
  if (model.info.exits) model.classify(inputs, { policy: { kind: 'full' } });
  if (model.memoryBytes > limits.memoryCap) throw new FuzzFailure(`wasm memory ${model.memoryBytes} above the cap ${limits.memoryCap}`);
}

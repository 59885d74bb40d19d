// One fuzz case: load a (mutated) model file and use it. The acceptable outcomes are "loaded,
// ran with the declared output shapes, gave the same bits in a second build, and refused every
// bad input with a BranchyInputError", or a typed branchy error at load (a subclass of
// BranchyError, with a message of sane length). Anything else is a finding, thrown as a
// FuzzFailure of one of FINDING_KINDS. Hangs and aborts cannot be caught in-process: the case
// runner (pool.ts) runs cases in a child process and turns a timeout or a dead child into those.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BranchyError } from '../../src/errors.js';
import { load, type LoadOptions, type Model, type ModelInput } from '../../src/runtime/model.js';
import { defaultWasmUrl } from '../../src/runtime/wasm.js';
import { supportedBuilds, type Build } from '../../src/runtime/features.js';
import { importOnnx } from '../../src/convert/index.js';
import { writeBranchy } from '../../src/format/index.js';
import type { Rng } from '../helpers/rng.js';
import { badInputs } from './inputs.js';
import { FuzzFailure, classify, classifyKind, describe } from './findings.js';

export type FileKind = 'branchy' | 'onnx';

export interface Limits {
  /** LoadOptions.memoryCap for every case. */
  memoryCap: number;
  /** LoadOptions.macsCap: a legitimate-looking model too slow to fuzz is refused, not run. */
  macsCap: number;
  /** LoadOptions.workCap: bounds the element work MACs do not count (pools, activations, copies). */
  workCap: number;
  /**
   * A step of a case (one build's load and runs, an import) that takes more CPU time than this
   * is a finding: work not bounded by the caps. CPU time, not wall time, so that a busy machine
   * does not make findings.
   */
  caseMs: number;
  /** The case runner kills a case process that has used this much CPU time (or 10x it in wall time) without answering: a hang. */
  hangMs: number;
  /** Peak RSS of a case process past this is a finding (host allocations sized by the file). */
  rssCap: number;
}

export const DEFAULT_LIMITS: Limits = { memoryCap: 64 << 20, macsCap: 50_000_000, workCap: 100_000_000, caseMs: 5_000, hangMs: 30_000, rssCap: 1536 << 20 };

/** Compiled once: every case instantiates a fresh module (its own memory) from these. */
const modules = new Map<Build, WebAssembly.Module>();
function source(build: Build): WebAssembly.Module {
  let m = modules.get(build);
  if (!m) modules.set(build, (m = new WebAssembly.Module(readFileSync(fileURLToPath(defaultWasmUrl(build).href)))));
  return m;
}

export const FUZZ_BUILDS: Build[] = supportedBuilds();

export interface CaseResult {
  /** 'ok' or the branchy error class that refused the file. */
  outcome: string;
  ms: number;
  /** The outputs were compared with a second build's. */
  compared: boolean;
  /** Bad inputs refused with a BranchyInputError. */
  badInputs: number;
}

type Loaded = { model: Model; refused?: undefined } | { model?: undefined; refused: string; message: string };

async function tryLoad(file: Uint8Array, build: Build, limits: Limits): Promise<Loaded> {
  const opts: LoadOptions = { build, source: { [build]: source(build) }, memoryCap: limits.memoryCap, macsCap: limits.macsCap, workCap: limits.workCap };
  try {
    return { model: await load(file, opts) };
  } catch (e) {
    return { refused: classify(e), message: (e as Error).message };
  }
}

/** ONNX files: import and write a .branchy file (what convert does), once for both builds. */
function convert(bytes: Uint8Array): Uint8Array {
  const { graph, weights } = importOnnx(bytes);
  return writeBranchy(graph, weights);
}

/** Load and use one file; returns how it ended, throws FuzzFailure on a finding. */
export async function runCase(bytes: Uint8Array, kind: FileKind, build: Build, rng: Rng, limits: Limits = DEFAULT_LIMITS): Promise<CaseResult> {
  const t0 = performance.now();
  let phase = cpuMs();
  const timed = (what: string) => {
    const ms = cpuMs() - phase;
    if (ms > limits.caseMs) throw new FuzzFailure('hang', `${what} took ${ms.toFixed(0)} ms of CPU (limit ${limits.caseMs}): work not bounded by the caps`);
    phase = cpuMs();
  };
  const other = FUZZ_BUILDS.length > 1 ? rng.pick(FUZZ_BUILDS.filter((b) => b !== build)) : null;
  let file = bytes;
  if (kind === 'onnx') {
    try {
      file = convert(bytes);
    } catch (e) {
      timed('import');
      return { outcome: classify(e), ms: performance.now() - t0, compared: false, badInputs: 0 };
    }
  }
  const a = await tryLoad(file, build, limits);
  if (a.refused !== undefined) {
    timed(`[${build}] load`);
    // Refusals come from checks that do not depend on the build; verify it on a share of them.
    if (other && rng.next() < 0.1) {
      const b = await tryLoad(file, other, limits);
      if (b.refused !== a.refused) throw new FuzzFailure('disagreement', `${build} refuses the file (${a.refused}: ${a.message.slice(0, 200)}), ${other} ${b.refused ? `with ${b.refused}: ${b.message.slice(0, 200)}` : 'loads it'}`);
    }
    return { outcome: a.refused, ms: performance.now() - t0, compared: false, badInputs: 0 };
  }
  const model = a.model;
  const inputs = validInputs(model, rng);
  const want = inputs.map((x) => answers(model, x, `[${build}]`));
  checkMemory(model, limits, build);
  timed(`[${build}] load and ${inputs.length} runs`);
  let compared = false;
  if (other) {
    const b = await tryLoad(file, other, limits);
    if (b.refused !== undefined) throw new FuzzFailure('disagreement', `${build} loads the file, ${other} refuses it with ${b.refused}: ${b.message.slice(0, 300)}`);
    inputs.forEach((x, i) => compare(want[i], answers(b.model, x, `[${other}]`), `${build} vs ${other}, input ${i}`));
    checkMemory(b.model, limits, other);
    timed(`[${other}] load and runs`);
    compared = true;
  }
  const refused = badInputs(model, rng, inputs[0]);
  if (rng.next() < 0.3) compare(want[0], answers(model, inputs[0], `[${build}] after bad inputs`), `${build} before and after ${refused} bad inputs`);
  timed(`[${build}] bad inputs`);
  return { outcome: 'ok', ms: performance.now() - t0, compared, badInputs: refused };
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** CPU milliseconds this process has used (all its threads: the JIT, the GC, wasm compilation). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One or two valid inputs: f32 values (unit, wide, or at f32's edges), and (half the time) uint8 pixels when the model normalises. */
function validInputs(model: Model, rng: Rng): ModelInput[] {
  const batch = rng.next() < 0.2 ? 2 : 1;
  const f32 = (n: number): Float32Array => {
    const kind = rng.int(0, 2);
    if (kind === 0) return rng.f32(n, 0, 1);
    if (kind === 1) return rng.f32(n, -1000, 1000);
    const edge = [0, -0, 1, -1, 1e-40, -1e-40, 3.4e38, -3.4e38, 1e-7];
    return Float32Array.from({ length: n }, () => (rng.next() < 0.5 ? rng.pick(edge) : rng.next()));
  };
  const named = (make: (n: number) => Float32Array | Uint8Array): ModelInput => {
    const ins = model.info.inputs.map((t) => [t.name, make(batch * numel(t.dims.slice(1)))] as const);
    return ins.length === 1 ? ins[0][1] : Object.fromEntries(ins);
  };
  const out = [named(f32)];
  if (model.info.normalize && rng.next() < 0.5) out.push(named((n) => Uint8Array.from({ length: n }, () => rng.int(0, 255))));
  return out;
}

interface Answer {
  outputs: Map<string, { dims: number[]; data: Float32Array | Int8Array }>;
  exits?: { label: number; exit: number; probs: Float32Array | number[] }[];
}

/** Every output of one run (shapes checked), and the early-exit decisions of a multi-exit model. */
function answers(model: Model, x: ModelInput, who: string): Answer {
  let out;
  try {
    out = model.run(x);
  } catch (e) {
    throw new FuzzFailure(e instanceof BranchyError ? 'run' : classifyKind(e), `${who} run on a valid input: ${describe(e)}`, e);
  }
  const first = (ArrayBuffer.isView(x) ? x : Object.values(x)[0]) as Float32Array | Uint8Array;
  const batch = first.length / numel(model.info.inputs[0].dims.slice(1));
  const outputs = new Map<string, { dims: number[]; data: Float32Array | Int8Array }>();
  for (const t of model.info.outputs) {
    const o = out[t.name];
    if (!o) throw new FuzzFailure('run', `${who} output '${t.name}' is missing from the run's result`);
    const dims = [batch, ...t.dims.slice(1)];
    if (o.dims.join() !== dims.join() || o.data.length !== numel(dims)) {
      throw new FuzzFailure('run', `${who} output '${t.name}' has dims [${o.dims}] (${o.data.length} values), declared [${t.dims}]`);
    }
    outputs.set(t.name, { dims: o.dims, data: o.data });
  }
  if (!model.info.exits) return { outputs };
  const thresholds = model.info.exits.slice(0, -1).map((e) => e.thresholds?.entropy ?? 0.5);
  try {
    const r = model.classify(x, { policy: { kind: 'entropy', thresholds } });
    return { outputs, exits: r.map((e) => ({ label: e.label, exit: e.exit, probs: e.probs })) };
  } catch (e) {
    throw new FuzzFailure(e instanceof BranchyError ? 'run' : classifyKind(e), `${who} classify on a valid input: ${describe(e)}`, e);
  }
}


/**
 * Bit-for-bit equality of two builds' answers. int8 outputs must be identical (README); f32
 * outputs too: the f32 kernels and their scalar twins accumulate in the same order, multiply
 * then add, never fused (assembly/f32/gemm.ts), so the builds' f32 bits agree as well, NaN
 * payloads aside (any NaN equals any NaN).
 */
function compare(a: Answer, b: Answer, what: string): void {
  for (const [name, x] of a.outputs) {
    const y = b.outputs.get(name)!;
    const i = firstDifference(x.data, y.data);
    if (i >= 0) throw new FuzzFailure('disagreement', `${what}: output '${name}' differs at ${i}: ${x.data[i]} vs ${y.data[i]}`);
  }
  a.exits?.forEach((e, s) => {
    const f = b.exits![s];
    if (e.label !== f.label || e.exit !== f.exit || firstDifference(Float32Array.from(e.probs), Float32Array.from(f.probs)) >= 0) {
      throw new FuzzFailure('disagreement', `${what}: sample ${s} leaves at exit ${e.exit} with label ${e.label} vs exit ${f.exit} with label ${f.label}`);
    }
  });
}

function firstDifference(x: Float32Array | Int8Array, y: Float32Array | Int8Array): number {
  if (x.length !== y.length) return 0;
  if (x instanceof Int8Array) return x.findIndex((v, i) => v !== y[i]);
  const xb = new Uint32Array(x.buffer, x.byteOffset, x.length), yb = new Uint32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < x.length; i++) if (xb[i] !== yb[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) return i;
  return -1;
}

function checkMemory(model: Model, limits: Limits, build: Build): void {
  if (model.memoryBytes > limits.memoryCap) throw new FuzzFailure('memory', `[${build}] wasm memory ${model.memoryBytes} above the cap ${limits.memoryCap}`);
}

// The model zoo's harness, shared by zoo.test.ts, inventory.ts and bench/zoo.mts: reading the
// models make_zoo.py wrote, seeded inputs, ONNX Runtime's answers, branchy's f32 and int8 runs
// and how far they are from each other.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { importOnnx, quantizeGraph, type QuantizeResult } from '../../src/convert/index.js';
import { runtimeObserve } from '../../src/cli/compress.js';
import { fromGraph, type LoadOptions } from '../../src/runtime/model.js';
import type { Build } from '../../src/runtime/features.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { Rng } from '../helpers/rng.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const ZOO_DIR = join(ROOT, 'test', 'zoo', 'models');
const GENERATOR = join(ROOT, 'test', 'zoo', 'make_zoo.py');
export const GENERATE = '/usr/bin/python3 test/zoo/make_zoo.py';

export interface ZooModel {
  name: string;
  file: string;
  input: { name: string; shape: number[] };
  outputs: string[];
  /** Default-domain opset of the file. */
  opset: number;
  bytes: number;
  /** Values in the initializers. */
  params: number;
  sha256: string;
  /** ONNX op -> nodes of that op. */
  ops: Record<string, number>;
}

export interface Manifest {
  opset: number;
  torch: string;
  /** sha256 of the make_zoo.py that wrote the folder (a changed generator means a stale zoo). */
  generator: string;
  models: ZooModel[];
}

/** The zoo's manifest; throws (never skips) when make_zoo.py has not run or ran in an older version. */
export function readZoo(): Manifest {
  const file = join(ZOO_DIR, 'manifest.json');
  if (!existsSync(file)) {
    throw new Error(`the model zoo is missing (${file}): generate it with \`${GENERATE}\` (Debian's python3-torch and python3-torchvision; .ci/run does this in CI)`);
  }
  const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  const now = createHash('sha256').update(readFileSync(GENERATOR)).digest('hex');
  if (m.generator !== now) throw new Error(`the model zoo in ${ZOO_DIR} was written by another version of make_zoo.py: regenerate it with \`${GENERATE}\``);
  return m;
}

/** A zoo model's ONNX bytes, checked against the manifest. */
export function zooBytes(m: ZooModel): Uint8Array {
  const bytes = new Uint8Array(readFileSync(join(ZOO_DIR, m.file)));
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== m.sha256) throw new Error(`${m.file} does not match the manifest: regenerate the zoo with \`${GENERATE}\``);
  return bytes;
}

const sampleSize = (m: ZooModel): number => m.input.shape.reduce((a, b) => a * b, 1);

/** `count` seeded inputs of one sample each, uniform in [-1.5, 1.5] (what a normalised image spans). */
export function zooInputs(m: ZooModel, seed: number, count: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => rng.f32(sampleSize(m), -1.5, 1.5));
}

export const TEST_SEED = 7;
export const CALIB_SEED = 3;
export const CALIB_COUNT = 32;

export type Outputs = Record<string, Float32Array>;

/**
 * ONNX Runtime (onnxruntime-node, CPU): one run per sample (the zoo's models take batch 1), outputs
 * joined. `exact`: graph optimisation off, so a QDQ model runs as its ONNX definition says
 * (dequantize, float op, quantize) instead of through ONNX Runtime's fused int8 kernels.
 */
export async function ortRun(bytes: Uint8Array, m: ZooModel, xs: Float32Array[], exact = false): Promise<Outputs> {
  const sess = await ort.InferenceSession.create(bytes, exact ? { graphOptimizationLevel: 'disabled' } : {});
  try {
    const runs: Outputs[] = [];
    for (const x of xs) {
      const r = await sess.run({ [m.input.name]: new ort.Tensor('float32', x, m.input.shape) });
      runs.push(Object.fromEntries(m.outputs.map((o) => [o, r[o].data as Float32Array])));
    }
    return Object.fromEntries(m.outputs.map((o) => [o, joined(runs.map((r) => r[o]))]));
  } finally {
    await sess.release();
  }
}

function joined(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** branchy through the runtime (wasm kernels) in one build: the samples as one batch. */
export async function branchyRun(graph: Graph, weights: Weights, build: Build, xs: Float32Array[], options: LoadOptions = {}): Promise<Outputs> {
  const model = await fromGraph(graph, weights, { ...options, build });
  const out = model.run(joined(xs));
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Float32Array.from(v.data)]));
}

/** Largest |got - want| relative to the largest |want| (the zoo's f32 measure); Infinity on a length mismatch. */
export function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let scale = 0, err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    err = Math.max(err, Math.abs(got[i] - want[i]));
  }
  return err / Math.max(scale, 1e-30);
}

/** ‖got − want‖₂ / ‖want‖₂ (the zoo's int8 measure); Infinity on a length mismatch. */
export function relL2(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let d = 0, w = 0;
  for (let i = 0; i < want.length; i++) {
    d += (got[i] - want[i]) ** 2;
    w += want[i] ** 2;
  }
  return Math.sqrt(d / Math.max(w, 1e-30));
}

/** Samples [from, to) of outputs that hold `of` samples each. */
export function samples(o: Outputs, from: number, to: number, of: number): Outputs {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.subarray((v.length / of) * from, (v.length / of) * to)]));
}

/** The worst of `measure` over every output of a model. */
export function worst(got: Outputs, want: Outputs, measure: (g: ArrayLike<number>, w: ArrayLike<number>) => number): number {
  return Math.max(...Object.keys(want).map((k) => (got[k] ? measure(got[k], want[k]) : Infinity)));
}

export function importZoo(m: ZooModel): { graph: Graph; weights: Weights } {
  return importOnnx(zooBytes(m));
}

/**
 * minmax int8 with CALIB_COUNT seeded calibration inputs, observed by the runtime, with bias
 * correction (as `branchy convert --quant int8 --bias-correct`); `biasCorrect: false` for plain minmax.
 */
export function quantizeZoo(m: ZooModel, graph: Graph, weights: Weights, biasCorrect = true): Promise<QuantizeResult> {
  return quantizeGraph(graph, weights, {
    method: 'minmax', observe: runtimeObserve(zooInputs(m, CALIB_SEED, CALIB_COUNT), ''), outputError: false, biasCorrect,
  });
}

/**
 * What of an int8 graph still runs in float: the nodes quantizeGraph left in f32 (with its
 * reason), and every conv / depthwise conv / gemm whose input is not int8.
 */
export function floatLeft(q: QuantizeResult): string[] {
  const dtype = new Map(q.graph.tensors.map((t) => [t.name, t.dtype]));
  const left = q.float.map((f) => `${f.node} (${f.op}): ${f.why}`);
  for (const n of q.graph.nodes) {
    if ((n.op === 'conv2d' || n.op === 'dwconv2d' || n.op === 'gemm') && dtype.get(n.inputs[0]) !== 'i8') {
      left.push(`${n.name} (${n.op}): reads ${dtype.get(n.inputs[0])}`);
    }
  }
  return [...new Set(left)];
}

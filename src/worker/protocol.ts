// Messages between a WorkerModel (main thread) and its worker (entry.ts). Everything here
// must survive structured clone: no URL objects, no class instances, errors as plain data.
import {
  BranchyError,
  BranchyFormatError,
  BranchyInputError,
  BranchyLimitError,
  BranchyUnsupportedError,
  BranchyWasmError,
} from '../errors.js';
import type { ClassifyOptions, LoadOptions, ModelInfo, ModelInput, OutputTensor, RunOptions } from '../runtime/model.js';
import type { ExitResult } from '../runtime/scheduler.js';
import type { Detection, DetectOptions } from '../runtime/detect/index.js';

/** A model's bytes, or where to fetch them (URL href, or a file path in Node). */
export type ModelSource = Uint8Array | ArrayBuffer | string;

export type Request =
  | { id: number; type: 'load'; source: ModelSource; options: LoadOptions }
  | { id: number; type: 'run'; input: ModelInput; options: ClassifyOptions }
  | { id: number; type: 'classify'; input: ModelInput; options: ClassifyOptions }
  | { id: number; type: 'detect'; input: ModelInput; options: DetectOptions & RunOptions };

/** A request before it is numbered. */
export type RequestBody = Request extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

export type RunValue = ExitResult | Record<string, OutputTensor>;

export type Reply =
  | { type: 'ready' }
  | { id: number; ok: true; value: ModelInfo | RunValue | ExitResult[] | Detection[] }
  | { id: number; ok: false; error: { name: string; message: string } };

const ERRORS: Record<string, new (message: string) => Error> = {
  BranchyError,
  BranchyFormatError,
  BranchyInputError,
  BranchyLimitError,
  BranchyUnsupportedError,
  BranchyWasmError,
};

export function encodeError(e: unknown): { name: string; message: string } {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
}

/** The same error class on this side of the worker boundary, so `instanceof` still works. */
export function decodeError(e: { name: string; message: string }): Error {
  const Cls = ERRORS[e.name];
  if (Cls) return new Cls(e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/**
 * The buffers of these arrays that can move instead of being copied: arrays that own their
 * whole buffer (never a view into wasm memory, which cannot be detached), each buffer once.
 */
export function ownedBuffers(arrays: Iterable<ArrayBufferView>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) {
    const b = a.buffer;
    if (b instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === b.byteLength) out.add(b);
  }
  return [...out];
}

/** Every typed array inside a run's answer. */
export function resultArrays(v: RunValue | ExitResult[] | ModelInfo | Detection[]): ArrayBufferView[] {
  if (Array.isArray(v)) return v.flatMap((r) => ('probs' in r ? [r.probs] : []));
  if ('probs' in v && ArrayBuffer.isView(v.probs)) return [v.probs];
  if ('inputs' in v) return [];
  return Object.values(v as Record<string, OutputTensor>).map((t) => t.data);
}

/** Every typed array of a model input. */
export function inputArrays(input: ModelInput): ArrayBufferView[] {
  return ArrayBuffer.isView(input) ? [input] : Object.values(input);
}

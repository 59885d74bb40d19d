// What counts as a finding of the fuzzer, and how a thrown error is judged: a branchy error
// (typed, with a message of sane length) is an outcome; anything else is a finding.
import { BranchyError } from '../../src/errors.js';

/** What counts as a finding, by kind (the report's columns). */
export const FINDING_KINDS = {
  untyped: 'an error that is not a branchy error (RangeError, TypeError, …)',
  trap: 'a wasm trap (WebAssembly.RuntimeError) after a successful load',
  hang: 'a case over the time limit (slow, or killed as hung)',
  abort: 'the case process died (heap out of memory, a fatal error)',
  disagreement: 'two builds load the file differently or give different outputs, or a model answers differently after bad inputs',
  memory: "wasm memory past memoryCap, or the case process's peak RSS past rssCap",
  run: 'a loaded model fails on a valid input, or its outputs are missing or not of the declared shapes',
  'bad-input': 'a bad input that is not refused with a BranchyInputError',
  message: 'a typed error whose message is empty or longer than MAX_MESSAGE',
} as const;
export type FindingKind = keyof typeof FINDING_KINDS;

/** A typed error's message longer than this floods logs (a hostile value rendered whole). */
export const MAX_MESSAGE = 4096;

export class FuzzFailure extends Error {
  constructor(readonly kind: FindingKind, message: string, readonly cause?: unknown) {
    super(message);
    this.name = 'FuzzFailure';
  }
}

/** The finding an error stands for, or the typed class name when it is a branchy error. */
export function classify(e: unknown): string {
  if (e instanceof FuzzFailure) throw e;
  if (e instanceof BranchyError) {
    if (!e.message || e.message.length > MAX_MESSAGE) throw new FuzzFailure('message', `${e.constructor.name} with a message of ${e.message.length} characters: ${e.message.slice(0, 200)}…`, e);
    return e.constructor.name;
  }
  const name = e instanceof Error ? e.constructor.name : typeof e;
  const msg = e instanceof Error ? e.message : String(e);
  throw new FuzzFailure(classifyKind(e), `${name}: ${msg.slice(0, 500)}`, e);
}

export const describe = (e: unknown): string => (e instanceof Error ? `${e.constructor.name}: ${e.message.slice(0, 300)}` : String(e));

/** The finding kind of an error that is not a branchy error. */
export const classifyKind = (e: unknown): FindingKind => (e instanceof WebAssembly.RuntimeError ? 'trap' : 'untyped');

// Bad inputs for a model that loaded: wrong sizes, NaN and ±Infinity, wrong dtypes and
// containers, unknown and missing names, shared and detached buffers, an unknown layout. Each
// must end in a BranchyInputError (README: "Inputs are checked before a kernel runs").
import { BranchyError, BranchyInputError } from '../../src/errors.js';
import type { Model, ModelInput } from '../../src/runtime/model.js';
import type { Rng } from '../helpers/rng.js';
import { FuzzFailure, classify } from './findings.js';

type Bad = [name: string, make: () => [input: unknown, options?: unknown] | null];

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** The bad inputs of one model, built lazily; `valid` is an input the model ran on. */
function catalogue(model: Model, rng: Rng, valid: ModelInput): Bad[] {
  const ins = model.info.inputs;
  const name = ins[0].name, n = numel(ins[0].dims.slice(1));
  const named = ArrayBuffer.isView(valid) ? null : (valid as Record<string, Float32Array | Uint8Array>);
  const wrap = (x: unknown): [unknown] => [named ? { ...named, [name]: x } : x];
  const f32 = (len: number) => Float32Array.from({ length: len }, () => rng.next());
  const poison = (v: number): [unknown] => {
    const x = f32(n);
    x[rng.int(0, n - 1)] = v;
    return wrap(x);
  };
  return [
    ['one value too many', () => wrap(f32(n + 1))],
    ['one value too few', () => (n > 1 ? wrap(f32(n - 1)) : null)],
    ['half a batch more', () => (n > 1 ? wrap(f32(n + Math.floor(n / 2))) : null)],
    ['empty', () => wrap(new Float32Array(0))],
    ['NaN', () => poison(NaN)],
    ['Infinity', () => poison(Infinity)],
    ['-Infinity', () => poison(-Infinity)],
    ['Float64Array', () => wrap(new Float64Array(n))],
    ['Int8Array', () => wrap(new Int8Array(n))],
    ['Int32Array', () => wrap(new Int32Array(n))],
    ['plain array', () => wrap(Array.from({ length: n }, () => 0.5))],
    ['a number', () => wrap(3)],
    ['null', () => wrap(null)],
    ['a string', () => wrap('x'.repeat(n))],
    ['uint8 pixels of the wrong count', () => wrap(new Uint8Array(n + 1))],
    ['uint8 pixels without a normalisation', () => (model.info.normalize ? null : wrap(new Uint8Array(n)))],
    ['an unknown input name', () => [{ ...(named ?? { [name]: valid }), 'no such input': f32(n) }]],
    ['no inputs', () => [{}]],
    ['a SharedArrayBuffer', () => wrap(new Float32Array(new SharedArrayBuffer(4 * n)))],
    ['a detached buffer', () => {
      const x = f32(n);
      structuredClone(x.buffer, { transfer: [x.buffer] });
      return wrap(x);
    }],
    ['an unknown layout', () => [valid, { layout: rng.pick(['NCWH', 'nchw', '', 7]) }]],
    ['batches that differ between inputs', () => (named && ins.length > 1 ? [{ ...named, [name]: f32(2 * n) }] : null)],
  ];
}

/** Runs 3 random bad inputs (run, or classify for a multi-exit model); returns how many were refused, throws a finding otherwise. */
export function badInputs(model: Model, rng: Rng, valid: ModelInput): number {
  const all = catalogue(model, rng, valid);
  let refused = 0;
  for (let k = 0; k < 3; k++) {
    const [what, make] = rng.pick(all);
    const args = make();
    if (!args) continue;
    const useClassify = model.info.exits && rng.next() < 0.5;
    let err: unknown = null;
    try {
      if (useClassify) model.classify(args[0] as ModelInput, args[1] as object);
      else model.run(args[0] as ModelInput, args[1] as object);
    } catch (e) {
      err = e;
    }
    if (err instanceof BranchyInputError) refused++;
    else if (err === null) throw new FuzzFailure('bad-input', `${useClassify ? 'classify' : 'run'} accepted ${what}`);
    else if (err instanceof BranchyError) throw new FuzzFailure('bad-input', `${what}: ${err.constructor.name} instead of BranchyInputError: ${err.message.slice(0, 200)}`, err);
    else classify(err);
  }
  return refused;
}

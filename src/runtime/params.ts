// Params blocks, defined once (XNNPACK's microparams.h + xnn_init_*_params): a kernel's
// params block is a description here, and both sides come from it.
//   - The kernels read it through named offsets, `load<i32>(params, QS8_CONV_BLOCK_M)`:
//     scripts/gen-kernels.mts writes them to assembly/common/params.ts (BLOCK_FIELD, byte
//     offsets, plus BLOCK_BYTES).
//   - The host writes it by field name, `writeParams(mem, QS8_CONV, { zp_out, ... })`: every
//     field required, none unknown, each value checked to be what the kernel will read.
// Every field is 4 bytes, little endian, in the order written. The descriptions themselves
// are in param-blocks.ts.
import { BranchyFormatError, BranchyLimitError } from '../errors.js';
import type { LinearMemory } from './memory.js';

/**
 * What a field holds: `i32` an int32; `ptr` a wasm address (u32, read as usize); `f32` a finite
 * f32; `bound` an f32 clamp bound (±Infinity allowed: no clamp); `table` a trailing f32 array
 * of any length (last field only); `pad` 4 bytes written 0 that the host never sets.
 */
export type FieldKind = 'i32' | 'ptr' | 'f32' | 'bound' | 'table' | 'pad';

export interface Field<K extends FieldKind = FieldKind> {
  readonly kind: K;
  /** What the kernel reads there (goes into the generated AssemblyScript). */
  readonly doc: string;
  /** Another reading of an earlier field's 4 bytes (a union): the host sets one of the two. */
  readonly alias?: string;
}

export const i32 = (doc: string): Field<'i32'> => ({ kind: 'i32', doc });
export const ptr = (doc: string): Field<'ptr'> => ({ kind: 'ptr', doc });
export const f32 = (doc: string): Field<'f32'> => ({ kind: 'f32', doc });
export const bound = (doc: string): Field<'bound'> => ({ kind: 'bound', doc });
export const table = (doc: string): Field<'table'> => ({ kind: 'table', doc });
export const pad = (doc: string): Field<'pad'> => ({ kind: 'pad', doc });
/** The bytes of field `of`, read as another kind. */
export const alias = <K extends FieldKind, A extends string>(of: A, f: Field<K>): Field<K> & { readonly alias: A } => ({ ...f, alias: of });

export type Fields = Readonly<Record<string, Field>>;

export interface ParamsBlock<F extends Fields = Fields> {
  /** Lower-case name; the AssemblyScript constants are its upper-case, e.g. QS8_CONV_BLOCK_M. */
  readonly name: string;
  readonly doc: string;
  readonly fields: F;
  /** Byte offset of every field (an alias: its target's). */
  readonly offset: { readonly [K in keyof F]: number };
  /** Bytes before the trailing table (the whole block when there is none). */
  readonly bytes: number;
}

/** Lay out a block: fields in order, 4 bytes each (an alias takes none; a table comes last). */
export function block<F extends Fields>(name: string, doc: string, fields: F): ParamsBlock<F> {
  const offset: Record<string, number> = {};
  let at = 0, tail = false;
  for (const [k, f] of Object.entries(fields)) {
    if (tail) throw new TypeError(`params ${name}: '${k}' follows the table; a table must be the last field`);
    if (f.alias !== undefined) {
      if (!(f.alias in offset) || fields[f.alias].alias !== undefined) throw new TypeError(`params ${name}: '${k}' aliases '${f.alias}', which is not an earlier plain field`);
      offset[k] = offset[f.alias];
      continue;
    }
    offset[k] = at;
    if (f.kind === 'table') tail = true;
    else at += 4;
  }
  return { name, doc, fields, offset: offset as ParamsBlock<F>['offset'], bytes: at };
}

type Aliased<F extends Fields> = { [K in keyof F]: F[K] extends { alias: infer A } ? A : never }[keyof F];
type Value<T> = T extends Field<'table'> ? ArrayLike<number> : number;
/** Plain fields: required by name. */
type Plain<F extends Fields> = {
  [K in keyof F as F[K] extends Field<'pad'> | { alias: string } ? never : K extends Aliased<F> ? never : K]: Value<F[K]>;
};
/** A union (a field and its aliases): exactly one of them (checked when written). */
type Union<F extends Fields> = {
  [K in keyof F as F[K] extends { alias: string } ? K : K extends Aliased<F> ? K : never]?: number;
};
/** What writeParams takes for a block: every field by name. */
export type ParamValues<F extends Fields> = Plain<F> & Union<F>;

const INT32_MIN = -(2 ** 31), INT32_MAX = 2 ** 31 - 1, U32_MAX = 2 ** 32 - 1;

function fail(b: ParamsBlock, k: string, v: unknown, what: string, limit: boolean): never {
  const msg = `${b.name} params: field '${k}' = ${String(v)} ${what}`;
  throw limit ? new BranchyLimitError(`${msg}; the model's sizes or attributes are too large for the kernels`) : new BranchyFormatError(`${msg}; check the model's attributes and quantization parameters`);
}

/** The value to store for field `k` (checked against its kind), or a typed error. */
function check(b: ParamsBlock, k: string, kind: FieldKind, v: number): number {
  if (typeof v !== 'number') throw new TypeError(`${b.name} params: field '${k}' must be a number, got ${typeof v}`);
  if (kind === 'i32' || kind === 'ptr') {
    if (!Number.isInteger(v)) fail(b, k, v, 'is not an integer', false);
    const [lo, hi] = kind === 'i32' ? [INT32_MIN, INT32_MAX] : [0, U32_MAX];
    if (v < lo || v > hi) fail(b, k, v, `is outside the ${kind === 'i32' ? 'int32' : 'u32 address'} range`, true);
    return v;
  }
  const x = Math.fround(v);
  if (Number.isNaN(x) || (kind !== 'bound' && !Number.isFinite(x))) fail(b, k, v, 'is not a finite f32', false);
  return x;
}

/** One checked 4-byte store. */
interface Slot { at: number; kind: FieldKind; v: number }

/**
 * Allocate a params block in linear memory and write `values` into it by name. Throws a
 * TypeError for a missing or unknown field (a bug), BranchyLimitError for an integer past
 * int32 (or an address past u32), BranchyFormatError for a non-integer where an integer
 * goes or a NaN / non-finite f32 (±Infinity only in `bound` fields), all before allocating.
 * Returns the pointer.
 */
export function writeParams<F extends Fields>(mem: LinearMemory, b: ParamsBlock<F>, values: ParamValues<F>): number {
  const given = values as Readonly<Record<string, number | ArrayLike<number> | undefined>>;
  const fields: Fields = b.fields;
  for (const k of Object.keys(given)) {
    if (!(k in fields) || fields[k].kind === 'pad') throw new TypeError(`${b.name} params: unknown field '${k}'`);
  }
  const slots: Slot[] = [];
  for (const [k, f] of Object.entries(fields)) {
    const at = b.offset[k];
    if (f.alias !== undefined) continue; // written with the field it aliases
    if (f.kind === 'pad') {
      slots.push({ at, kind: 'i32', v: 0 });
    } else if (f.kind === 'table') {
      const rows = given[k] as ArrayLike<number> | undefined;
      if (rows === undefined) throw new TypeError(`${b.name} params: missing field '${k}'`);
      for (let i = 0; i < rows.length; i++) slots.push({ at: at + 4 * i, kind: 'f32', v: check(b, `${k}[${i}]`, 'f32', rows[i]) });
    } else {
      // A field and its aliases: exactly one of them is given.
      const names = [k, ...Object.keys(fields).filter((n) => fields[n].alias === k)];
      const set = names.filter((n) => given[n] !== undefined);
      if (set.length !== 1) {
        throw new TypeError(`${b.name} params: ${names.length > 1 ? `give exactly one of ${names.join(', ')}` : `missing field '${k}'`}`);
      }
      const kind = fields[set[0]].kind;
      slots.push({ at, kind, v: check(b, set[0], kind, given[set[0]] as number) });
    }
  }
  const bytes = slots.reduce((end, s) => Math.max(end, s.at + 4), b.bytes);
  const p = mem.alloc(bytes);
  const dv = new DataView(mem.buffer, p, bytes);
  for (const { at, kind, v } of slots) {
    if (kind === 'i32') dv.setInt32(at, v, true);
    else if (kind === 'ptr') dv.setUint32(at, v, true);
    else dv.setFloat32(at, v, true);
  }
  return p;
}

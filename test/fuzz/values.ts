// The values a hostile file puts where a number, a name or a list belongs: int32 and
// float32 edges (2^31 wraps to a negative int32, 1e-310 is 0 in f32, 1e308 is Infinity),
// the wrong JSON type, nesting deep enough to overflow any recursive walk, huge arrays.
// Shared by the .branchy and ONNX mutators.
import type { Rng } from '../helpers/rng.js';

/** Integers at and past the int32 / uint32 / f64-exact edges, and the small ones that divide by zero. */
export const EXTREME_INTS = [0, -1, 1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53, 2 ** 53 + 2, 2 ** 22, 65536];

/** Floats that f32 cannot hold (denormal, underflow to 0, overflow to Infinity), signed zero, f32's own edges. */
export const EXTREME_FLOATS = [1e-310, 1e-45, 1e-40, 1.1754943508222875e-38, 3.4028235677973366e38, 3.5e38, 1e308, -1e308, -0, 0, -1, 1e300, 2 ** 31];

/** In JSON text these parse to Infinity / -Infinity (JSON has no NaN: it reaches a reader only as binary data). */
export const JSON_INFINITIES = ['1e400', '-1e400'];

/** Non-finite values for binary data (weights, F64 scales, ONNX float fields). */
export const NON_FINITE = [NaN, Infinity, -Infinity];

/** Wrong JSON types where a number (or a list of numbers) belongs. */
export const WRONG_TYPES: unknown[] = ['1', '', 'NaN', null, true, false, [], [1], {}, { length: 2 }];

/** Nesting depth of the deep-JSON mutations: deeper than any recursive walk's stack. */
export const NEST_DEPTH = 100_000;

/** A placeholder that the writer replaces with deeply nested JSON text after JSON.stringify. */
export const NESTED_MARK = '\u0000nested\u0000';

/** JSON text nested NEST_DEPTH deep: arrays or objects, as a value. */
export function nestedJson(rng: Rng): string {
  return rng.next() < 0.5 ? '['.repeat(NEST_DEPTH) + ']'.repeat(NEST_DEPTH) : '{"a":'.repeat(NEST_DEPTH) + '1' + '}'.repeat(NEST_DEPTH);
}

/** JSON.stringify that swaps the nested placeholder (and ±Infinity placeholders) for their raw text. */
export function stringifyHostile(v: unknown, rng: Rng): string {
  const text = JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? (Number.isNaN(x) ? 'NaN!' : x > 0 ? 'Inf!' : '-Inf!') : x));
  return text
    .replace(/"NaN!"/g, 'NaN')
    .replace(/"Inf!"/g, JSON_INFINITIES[0])
    .replace(/"-Inf!"/g, JSON_INFINITIES[1])
    .replace(JSON.stringify(NESTED_MARK), () => nestedJson(rng));
}

/** A number from the int or float edges, or (sometimes) a wrong type or ±Infinity. */
export function extremeNumber(rng: Rng, ints = 0.6): unknown {
  const r = rng.next();
  if (r < ints) return rng.pick(EXTREME_INTS);
  if (r < 0.9) return rng.pick(EXTREME_FLOATS);
  if (r < 0.95) return rng.pick([Infinity, -Infinity]);
  return rng.pick(WRONG_TYPES);
}

/** A huge array of one value: 10^5 entries, sometimes 10^6. */
export function hugeArray(rng: Rng, fill: unknown = 1): unknown[] {
  return new Array(rng.next() < 0.8 ? 100_000 : 1_000_000).fill(fill);
}

/** Every path to a leaf (number, string, boolean, null) or array inside `v`, depth-first. */
export function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(v)) {
    out.push(prefix);
    v.forEach((x, i) => paths(x, [...prefix, i], out));
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  } else out.push(prefix);
  return out;
}

/** Sets the value at `path` inside `root` (the path must exist). */
export function setPath(root: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let o = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]] = value;
}

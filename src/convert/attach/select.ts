// `--at auto`: which trained heads to keep, by the mean MACs the calibration replay
// (src/exit/calibrate.ts, calibrateMaxDrop) expects at the accuracy floor on the held-out samples.
// First each candidate alone (exit + final): per point only its better head kind is kept, and only
// heads that save MACs at all. Then greedily, from none: add the head that lowers the expected
// MACs most, until none lowers them by at least 0.5% or `maxExits` are chosen. With `everyPoint`
// (points named by the caller) every point keeps its better head.
// For speed the replays run on the held-out confidences rounded to 128 quantiles per exit
// (thresholds between two quantiles behave alike); the final thresholds are calibrated again on
// the built model.
import { calibrateMaxDrop, type ExitStats, type Replay, type Rule } from '../../exit/calibrate.js';

/** One trained head's answers on the held-out samples. */
export interface Scored {
  /** The point's MACs (the stages up to it) and the head's own. */
  pointMacs: number;
  headMacs: number;
  /** Execution order of the point (heads on the same point exclude each other). */
  order: number;
  entropy: Float64Array;
  top1: Float64Array;
  label: Int32Array;
}

export interface SelectOptions {
  rule: Rule;
  maxDrop: number;
  confidence?: number;
  maxExits: number;
  /** Keep a head at every point (its better kind) instead of choosing points (`--at` names them). */
  everyPoint?: boolean;
}

export interface Selected<T extends Scored> {
  chosen: T[];
  thresholds: number[];
  result: Replay;
  full: Replay;
  /** Each candidate alone: expected mean MACs (Infinity where it was not evaluated). */
  alone: Map<T, number>;
}

/** Rounds each value up to the nearest of `levels` quantiles (a monotone map). */
function coarse(v: Float64Array, levels = 128): Float64Array {
  const sorted = Float64Array.from(v).sort();
  const q = Array.from({ length: levels }, (_, k) => sorted[Math.min(sorted.length - 1, Math.ceil(((k + 1) * sorted.length) / levels) - 1)]);
  return Float64Array.from(v, (x) => {
    let lo = 0, hi = q.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (q[mid] >= x) hi = mid;
      else lo = mid + 1;
    }
    return q[lo];
  });
}

/** The statistics of exits `set` (in order) and the final exit, as calibrateMaxDrop reads them. */
export function statsOf(set: Scored[], final: Scored, truth: Int32Array, totalMacs: number): ExitStats {
  let heads = 0;
  const cost = set.map((c) => c.pointMacs + (heads += c.headMacs));
  return {
    entropy: [...set.map((c) => c.entropy), final.entropy],
    top1: [...set.map((c) => c.top1), final.top1],
    label: [...set.map((c) => c.label), final.label],
    truth,
    costToExit: [...cost, totalMacs + heads],
  };
}

export function selectExits<T extends Scored>(cands: T[], final: Scored, truth: Int32Array, totalMacs: number, opts: SelectOptions): Selected<T> {
  const quick = new Map<Scored, Scored>();
  const q = (c: Scored): Scored => {
    let r = quick.get(c);
    if (!r) quick.set(c, (r = { ...c, entropy: coarse(c.entropy), top1: coarse(c.top1) }));
    return r;
  };
  const expected = (set: T[]): number => calibrateMaxDrop(statsOf(set.map(q), q(final), truth, totalMacs), opts.rule, opts.maxDrop, opts.confidence).result.meanMacs;
  const alone = new Map<T, number>(cands.map((c) => [c, expected([c])]));
  // Per point the better head, and (choosing) only heads that save something.
  const best = new Map<number, T>();
  for (const c of cands) {
    const b = best.get(c.order);
    if ((opts.everyPoint || alone.get(c)! < totalMacs) && (!b || alone.get(c)! < alone.get(b)!)) best.set(c.order, c);
  }
  const pool = [...best.values()].sort((a, b) => a.order - b.order);
  let chosen: T[] = opts.everyPoint ? pool : [];
  let current = totalMacs;
  while (!opts.everyPoint && chosen.length < opts.maxExits) {
    let pick: T | undefined, pickMacs = current;
    for (const c of pool) {
      if (chosen.includes(c)) continue;
      const set = [...chosen, c].sort((a, b) => a.order - b.order);
      const m = expected(set);
      if (m < pickMacs) (pick = c), (pickMacs = m);
    }
    if (!pick || pickMacs > current * 0.995) break;
    chosen = [...chosen, pick].sort((a, b) => a.order - b.order);
    current = pickMacs;
  }
  const r = calibrateMaxDrop(statsOf(chosen, final, truth, totalMacs), opts.rule, opts.maxDrop, opts.confidence);
  return { chosen, thresholds: r.thresholds, result: r.result, full: r.full, alone };
}

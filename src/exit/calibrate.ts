// Threshold calibration for confidence policies, on labelled data (never the test split).
// Every exit is run once per sample (the full graph gives all exits' logits); what a
// policy would do with any thresholds is then replayed from those statistics, so
// searching thresholds costs no inference.

export interface ExitStats {
  /** Per sample, per exit: softmax entropy (nats), top-1 probability, top-1 label. */
  entropy: Float64Array[];
  top1: Float64Array[];
  label: Int32Array[];
  /** True labels. */
  truth: Int32Array;
  /** MACs to answer at exit i when earlier heads ran and said no: Σ stages ≤ i + Σ heads ≤ i. */
  costToExit: number[];
  /** Models with predictors: per early exit, per sample, sigmoid of the predictor's logit (NaN: no predictor). */
  gate?: Float64Array[];
  /** Models with predictors: each exit's stage, head and predictor MACs. */
  parts?: { stage: number; head: number; predictor: number }[];
}

export type Rule = 'entropy' | 'maxprob';

export interface Replay {
  accuracy: number;
  meanMacs: number;
  /** Fraction of samples answered at each exit. */
  histogram: number[];
  /** Fractions of samples that full depth gets right and this setting wrong (lost), and the reverse (gained). */
  lost: number;
  gained: number;
}

/** Per-sample statistics from per-exit softmax rows. */
export function exitStats(
  perSample: { entropy: number; top1: number; label: number }[][],
  truth: ArrayLike<number>,
  costToExit: number[],
): ExitStats {
  const exits = costToExit.length;
  const n = perSample.length;
  const mk = <T>(f: () => T) => Array.from({ length: exits }, f);
  const s: ExitStats = {
    entropy: mk(() => new Float64Array(n)),
    top1: mk(() => new Float64Array(n)),
    label: mk(() => new Int32Array(n)),
    truth: Int32Array.from(truth),
    costToExit,
  };
  perSample.forEach((row, j) =>
    row.forEach((e, i) => {
      s.entropy[i][j] = e.entropy;
      s.top1[i][j] = e.top1;
      s.label[i][j] = e.label;
    }),
  );
  return s;
}

const passes = (rule: Rule, s: ExitStats, i: number, j: number, t: number): boolean =>
  rule === 'entropy' ? s.entropy[i][j] < t : s.top1[i][j] > t;

/** Counts, sample by sample, the exit that answered and whether it was right, against full depth. */
function tally(s: ExitStats) {
  const last = s.costToExit.length - 1;
  const n = s.truth.length;
  const hist = new Array<number>(last + 1).fill(0);
  let correct = 0, lost = 0, gained = 0;
  return {
    add(j: number, at: number): void {
      hist[at]++;
      const right = s.label[at][j] === s.truth[j];
      if (right) correct++;
      if (right !== (s.label[last][j] === s.truth[j])) right ? gained++ : lost++;
    },
    result(macs: number): Replay {
      return { accuracy: correct / n, meanMacs: macs / n, histogram: hist.map((h) => h / n), lost: lost / n, gained: gained / n };
    },
  };
}

/** What a confidence policy with these per-early-exit thresholds does on the samples. */
export function replay(s: ExitStats, rule: Rule, thresholds: readonly number[]): Replay {
  const exits = s.costToExit.length;
  const n = s.truth.length;
  const t = tally(s);
  let macs = 0;
  for (let j = 0; j < n; j++) {
    let at = exits - 1;
    for (let i = 0; i < exits - 1; i++) {
      if (passes(rule, s, i, j, thresholds[i])) {
        at = i;
        break;
      }
    }
    macs += s.costToExit[at];
    t.add(j, at);
  }
  return t.result(macs);
}

/** Thresholds that never exit early, and that always do (finite, so they survive JSON). */
export const NEVER: Record<Rule, number> = { entropy: -1, maxprob: 2 };
export const ALWAYS: Record<Rule, number> = { entropy: 1e30, maxprob: -1 };

/** Candidate thresholds for exit i: just above/below each observed value, in order from strict to permissive. */
function candidates(s: ExitStats, rule: Rule, i: number): number[] {
  const v = Array.from(rule === 'entropy' ? s.entropy[i] : s.top1[i]);
  const uniq = [...new Set(v)].sort((a, b) => (rule === 'entropy' ? a - b : b - a));
  // entropy < t: t just above a value admits it; maxprob > t: t just below.
  const nudge = (x: number) => (rule === 'entropy' ? x + 1e-9 * Math.max(1, Math.abs(x)) : x - 1e-9 * Math.max(1, Math.abs(x)));
  return [NEVER[rule], ...uniq.map(nudge)];
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 for erf, |error| < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** The z with Φ(z) = p, 0 < p < 1 (bisection on normalCdf; |error| < 1e-6 for p in [0.5, 0.9999]). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`a probability strictly between 0 and 1 is needed, got ${p}`);
  let lo = -10, hi = 10;
  for (let k = 0; k < 80; k++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * One-sided upper confidence bound (fraction, not points) of the accuracy drop that a setting
 * replayed on n samples would show on new samples from the same distribution: the paired
 * difference d = [full right] − [answer right] has mean lost − gained and variance
 * (lost + gained) − (lost − gained)², so the bound is mean + z·sd/√n (z = 0: the drop itself).
 */
export function dropUpperBound(r: Replay, n: number, z: number): number {
  const mean = r.lost - r.gained;
  if (z === 0) return mean;
  return mean + z * Math.sqrt(Math.max(0, r.lost + r.gained - mean * mean) / n);
}

/**
 * The thresholds with the fewest mean MACs whose accuracy stays ≥ full-depth accuracy − maxDrop
 * (points, e.g. 0.5) on these samples; with `confidence` (e.g. 0.95), whose drop's one-sided
 * upper confidence bound (dropUpperBound) stays ≤ maxDrop instead, so that the drop on new
 * data (the test split) exceeds maxDrop with probability ≈ 1 − confidence rather than ≈ ½ —
 * a search that spends the allowance exactly on the calibration samples overshoots on new
 * ones about half the time. Three steps, each keeping the best so far:
 * 1. greedy from the shallowest exit: each takes the most permissive threshold that keeps the
 *    floor while the deeper ones are still "never" (shallow exits take all the slack);
 * 2. every combination of up to 64 candidates per early exit (quantiles of the observed values,
 *    at most ~4096 combinations in all): spending the slack at a deeper exit can save more, e.g.
 *    when exit 0's few confident mistakes would keep exit 1 shut;
 * 3. exit by exit, the cheapest of all observed values that keeps the floor, the others fixed.
 * Replays only: no inference. The floor is met by construction on these samples.
 */
export function calibrateMaxDrop(
  s: ExitStats, rule: Rule, maxDrop: number, confidence?: number,
): { thresholds: number[]; result: Replay; full: Replay; dropBound: number } {
  if (!(maxDrop >= 0 && maxDrop <= 100)) throw new RangeError(`maxDrop is in accuracy points, 0 to 100, got ${maxDrop}`);
  const z = confidence === undefined ? 0 : normalQuantile(confidence);
  const exits = s.costToExit.length;
  const early = exits - 1;
  const n = s.truth.length;
  const t = new Array<number>(early).fill(NEVER[rule]);
  const full = replay(s, rule, t);
  const floor = full.accuracy - maxDrop / 100 - 1e-12;
  const ok = (r: Replay): boolean => (z === 0 ? r.accuracy >= floor : dropUpperBound(r, n, z) <= maxDrop / 100 + 1e-12);
  const cands = Array.from({ length: early }, (_, i) => candidates(s, rule, i));
  // 1. Greedy. Accuracy is not monotone in a threshold: scan all, keep the most permissive that meets the floor.
  for (let i = 0; i < early; i++) {
    let pick = NEVER[rule];
    for (const c of cands[i]) {
      t[i] = c;
      if (ok(replay(s, rule, t))) pick = c;
    }
    t[i] = pick;
  }
  let best = t.slice(), bestMacs = replay(s, rule, best).meanMacs;
  const consider = (th: number[]): void => {
    const r = replay(s, rule, th);
    if (ok(r) && r.meanMacs < bestMacs) (best = th.slice()), (bestMacs = r.meanMacs);
  };
  // 2. Joint search on a grid (the ends included: "never" and the most permissive value).
  if (early > 0) {
    const g = Math.max(2, Math.min(64, Math.floor(4096 ** (1 / early))));
    const grid = cands.map((c) => (c.length <= g ? c : Array.from({ length: g }, (_, k) => c[Math.round((k * (c.length - 1)) / (g - 1))])));
    const th = new Array<number>(early);
    const walk = (i: number): void => {
      if (i === early) return consider(th);
      for (const c of grid[i]) {
        th[i] = c;
        walk(i + 1);
      }
    };
    walk(0);
  }
  // 3. Coordinate refinement over every observed value (MACs only fall as a threshold loosens).
  for (let pass = 0; pass < 3; pass++) {
    const before = bestMacs;
    for (let i = 0; i < early; i++) {
      const th = best.slice();
      for (const c of cands[i]) {
        th[i] = c;
        consider(th);
      }
    }
    if (!(bestMacs < before)) break;
  }
  const result = replay(s, rule, best);
  return { thresholds: best, result, full, dropBound: dropUpperBound(result, n, z) };
}

/**
 * One threshold shared by every early exit, the strictest whose mean MACs are ≤ target
 * (the most accurate setting within the budget).
 */
export function calibrateMeanMacs(s: ExitStats, rule: Rule, target: number): { thresholds: number[]; result: Replay; full: Replay } {
  const exits = s.costToExit.length;
  const full = replay(s, rule, new Array(exits - 1).fill(NEVER[rule]));
  const all = [...new Set(s.entropy.slice(0, -1).flatMap((e, i) => Array.from(rule === 'entropy' ? e : s.top1[i])))];
  all.sort((a, b) => (rule === 'entropy' ? a - b : b - a));
  const nudge = (x: number) => (rule === 'entropy' ? x + 1e-9 * Math.max(1, Math.abs(x)) : x - 1e-9 * Math.max(1, Math.abs(x)));
  for (const c of [NEVER[rule], ...all.map(nudge)]) {
    const th = new Array(exits - 1).fill(c);
    const r = replay(s, rule, th);
    if (r.meanMacs <= target) return { thresholds: th, result: r, full };
  }
  const th = new Array(exits - 1).fill(ALWAYS[rule]);
  return { thresholds: th, result: replay(s, rule, th), full };
}

/** A sweep of one shared threshold from strict to permissive: the accuracy-vs-cost curve. */
export function sweep(s: ExitStats, rule: Rule, points = 41): { threshold: number; result: Replay }[] {
  const exits = s.costToExit.length;
  const vals = s.entropy.slice(0, -1).flatMap((e, i) => Array.from(rule === 'entropy' ? e : s.top1[i])).sort((a, b) => a - b);
  const out: { threshold: number; result: Replay }[] = [];
  for (let k = 0; k < points; k++) {
    const q = vals[Math.min(vals.length - 1, Math.round((k / (points - 1)) * (vals.length - 1)))];
    const th = rule === 'entropy' ? q + 1e-9 : q - 1e-9;
    out.push({ threshold: th, result: replay(s, rule, new Array(exits - 1).fill(th)) });
  }
  return rule === 'entropy' ? out : out.reverse();
}

/**
 * What the `predicted` policy does: before head i, predictor i runs; when its sigmoid is
 * below gates[i] the head is skipped (the sample goes on to the next stage), else the head
 * runs and the confidence rule decides. Exits without a predictor always run their head.
 */
export function replayPredicted(s: ExitStats, rule: Rule, thresholds: readonly number[], gates: readonly number[]): Replay {
  if (!s.gate || !s.parts) throw new Error('replayPredicted needs statistics collected with predictors');
  const exits = s.costToExit.length;
  const n = s.truth.length;
  const t = tally(s);
  let macs = 0;
  for (let j = 0; j < n; j++) {
    let at = exits - 1;
    for (let i = 0; i < exits - 1; i++) {
      const p = s.parts[i];
      macs += p.stage;
      const g = s.gate[i][j];
      if (!Number.isNaN(g)) {
        macs += p.predictor;
        if (g < gates[i]) continue;
      }
      macs += p.head;
      if (passes(rule, s, i, j, thresholds[i])) {
        at = i;
        break;
      }
    }
    if (at === exits - 1) macs += s.parts[exits - 1].stage + s.parts[exits - 1].head;
    t.add(j, at);
  }
  return t.result(macs);
}

/**
 * Predictor gates for fixed confidence thresholds: shallow first, each exit's gate is the
 * one (among the observed sigmoid values, and 0 = "always run the head") with the fewest
 * mean MACs whose accuracy is at least that of the same thresholds without predictors, so
 * the two are compared at equal accuracy on these samples.
 */
export function calibrateGates(s: ExitStats, rule: Rule, thresholds: readonly number[]): { gates: number[]; result: Replay; without: Replay } {
  if (!s.gate || !s.parts) throw new Error('calibrateGates needs statistics collected with predictors');
  const exits = s.costToExit.length;
  const gates = new Array<number>(exits - 1).fill(0);
  const without = replay(s, rule, thresholds);
  for (let i = 0; i < exits - 1; i++) {
    if (s.gate[i].every(Number.isNaN)) continue;
    const cands = [0, ...[...new Set(s.gate[i])].filter((g) => !Number.isNaN(g)).sort((a, b) => a - b).map((g) => g + 1e-12)];
    let best = 0, bestMacs = replayPredicted(s, rule, thresholds, gates).meanMacs;
    for (const c of cands) {
      gates[i] = c;
      const r = replayPredicted(s, rule, thresholds, gates);
      if (r.accuracy >= without.accuracy - 1e-12 && r.meanMacs < bestMacs) (best = c), (bestMacs = r.meanMacs);
    }
    gates[i] = best;
  }
  return { gates, result: replayPredicted(s, rule, thresholds, gates), without };
}

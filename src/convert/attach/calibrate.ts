// Thresholds for a multi-exit model from labelled data that is not the test split: every exit
// (and predictor) run once per sample with the runtime, then the policy replayed
// (src/exit/calibrate.ts); the chosen thresholds, predictor gates and each part's measured time
// go into the graph's exit plan. Shared by `branchy calibrate` and `branchy attach`.
import { calibrateGates, calibrateMaxDrop, calibrateMeanMacs, exitStats, type ExitStats, type Replay, type Rule } from '../../exit/calibrate.js';
import { findExits } from '../../ir/exits.js';
import type { Graph } from '../../ir/types.js';
import { BranchyUnsupportedError } from '../../errors.js';
import type { Model } from '../../runtime/model.js';
import type { LabelledImages } from './probe.js';

/** Softmax entropy (nats), top-1 probability and label of one row of logits. */
export function softmaxStats(logits: ArrayLike<number>): { entropy: number; top1: number; label: number } {
  let m = -Infinity, label = 0;
  for (let i = 0; i < logits.length; i++) if (logits[i] > m) (m = logits[i]), (label = i);
  let s = 0;
  for (let i = 0; i < logits.length; i++) s += Math.exp(logits[i] - m);
  let h = 0;
  for (let i = 0; i < logits.length; i++) {
    const p = Math.exp(logits[i] - m) / s;
    if (p > 0) h -= p * Math.log(p);
  }
  return { entropy: h, top1: 1 / s, label };
}

/** MACs to answer at exit i when every earlier head ran and declined. */
export function costToExit(model: Model): number[] {
  const ex = model.info.exits!;
  let acc = 0;
  return ex.map((e) => (acc += e.macs.stage + e.macs.head));
}

/** Run every exit on `count` samples of `set` starting at `start`; statistics for calibration. */
export function collectExitStats(model: Model, set: LabelledImages, start: number, count: number, onProgress?: (done: number) => void): ExitStats {
  const exits = model.info.exits;
  if (!exits) throw new BranchyUnsupportedError('this model has no early exits (outputs exit0 … exitN)');
  const size = set.images.length / set.count;
  const n = Math.min(count, set.count - start);
  const rows: { entropy: number; top1: number; label: number }[][] = [];
  const gate = exits.some((e) => e.predictor) ? exits.slice(0, -1).map(() => new Float64Array(n).fill(NaN)) : undefined;
  for (let j = 0; j < n; j++) {
    const out = model.run(set.images.subarray((start + j) * size, (start + j + 1) * size), { layout: set.layout });
    rows.push(exits.map((e) => softmaxStats(out[e.output].data)));
    // Predictor i's output is the graph output predict<i> (src/ir/exits.ts).
    gate?.forEach((g, i) => exits[i].predictor && (g[j] = 1 / (1 + Math.exp(-out[`predict${i}`].data[0]))));
    onProgress?.(j + 1);
  }
  const labels = Array.from({ length: n }, (_, j) => set.labels[start + j]);
  const stats = exitStats(rows, labels, costToExit(model));
  if (gate) {
    stats.gate = gate;
    stats.parts = exits.map((e) => e.macs);
  }
  return stats;
}

export interface CalibrateOptions {
  rule: Rule;
  /** Accuracy points the exits may lose against full depth (with `confidence`: its upper bound). */
  maxDrop?: number;
  confidence?: number;
  /** Instead of maxDrop: one shared threshold whose mean MACs are at most this. */
  meanMacs?: number;
}

export interface Calibration {
  thresholds: number[];
  result: Replay;
  full: Replay;
  /** calibrateMaxDrop with a confidence: the drop's upper bound. */
  dropBound?: number;
  /** Models with predictors: the gates and what they do. */
  gates?: { gates: number[]; result: Replay; without: Replay };
}

/** Thresholds (and gates) from the statistics, written with the measured times into the graph's plan. */
export function calibrateExits(graph: Graph, stats: ExitStats, ms: { stage: number; head: number; predictor: number }[], opts: CalibrateOptions): { graph: Graph; calibration: Calibration } {
  const md = opts.maxDrop !== undefined ? calibrateMaxDrop(stats, opts.rule, opts.maxDrop, opts.confidence) : null;
  const c = md ?? calibrateMeanMacs(stats, opts.rule, opts.meanMacs!);
  // With predictors: the gates that save the most MACs at the accuracy of these thresholds.
  const g = stats.gate ? calibrateGates(stats, opts.rule, c.thresholds) : undefined;
  const plan = structuredClone(graph.exits ?? findExits(graph));
  plan.exits.forEach((e, i) => {
    e.timeMs = ms[i];
    if (i < c.thresholds.length) e.thresholds = { ...e.thresholds, [opts.rule]: c.thresholds[i] };
    if (g && e.predictor && i < g.gates.length) e.thresholds = { ...e.thresholds, predictor: g.gates[i] };
  });
  return {
    graph: { ...graph, exits: plan },
    calibration: { thresholds: c.thresholds, result: c.result, full: c.full, ...(md && opts.confidence !== undefined ? { dropBound: md.dropBound } : {}), ...(g ? { gates: g } : {}) },
  };
}

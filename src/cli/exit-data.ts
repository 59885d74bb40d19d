// Per-exit statistics of a multi-exit model over a labelled set (calibration, sweeps).
import type { Model } from '../runtime/model.js';
import type { Dataset } from './datasets.js';
import { exitStats, type ExitStats } from '../exit/calibrate.js';
import { BranchyUnsupportedError } from '../errors.js';
import { Progress } from './progress.js';

function softmaxStats(logits: ArrayLike<number>): { entropy: number; top1: number; label: number } {
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

/** Run every exit on `count` samples starting at `start`; statistics for calibration. */
export function collectExitStats(model: Model, data: Dataset, start: number, count: number): ExitStats {
  const exits = model.info.exits;
  if (!exits) throw new BranchyUnsupportedError('this model has no early exits (outputs exit0 … exitN)');
  const size = data.channels * data.height * data.width;
  const n = Math.min(count, data.count - start);
  const rows: { entropy: number; top1: number; label: number }[][] = [];
  const predicted = exits.some((e) => e.predictor);
  const gate = predicted ? exits.slice(0, -1).map(() => new Float64Array(n).fill(NaN)) : undefined;
  const bar = new Progress('exits', n);
  for (let j = 0; j < n; j++) {
    const out = model.run(data.images.subarray((start + j) * size, (start + j + 1) * size), { layout: 'NCHW' });
    rows.push(exits.map((e) => softmaxStats(out[e.output].data)));
    // Predictor i's output is the graph output predict<i> (src/ir/exits.ts).
    gate?.forEach((g, i) => exits[i].predictor && (g[j] = 1 / (1 + Math.exp(-out[`predict${i}`].data[0]))));
    bar.tick(j + 1);
  }
  bar.end();
  const stats = exitStats(rows, data.labels.subarray(start, start + n), costToExit(model));
  if (gate) {
    stats.gate = gate;
    stats.parts = exits.map((e) => e.macs);
  }
  return stats;
}

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
  const bar = new Progress('exits', n);
  for (let j = 0; j < n; j++) {
    const out = model.run(data.images.subarray((start + j) * size, (start + j + 1) * size));
    rows.push(exits.map((e) => softmaxStats(out[e.output].data)));
    bar.tick(j + 1);
  }
  bar.end();
  return exitStats(rows, data.labels.subarray(start, start + n), costToExit(model));
}

// Per-exit statistics of a multi-exit model over a labelled data set (calibration, sweeps),
// with a progress bar; the work is src/convert/attach/calibrate.ts's.
import type { Model } from '../runtime/model.js';
import type { Dataset } from './datasets.js';
import type { ExitStats } from '../exit/calibrate.js';
import { collectExitStats as collect } from '../convert/attach/calibrate.js';
import { Progress } from './progress.js';

export { costToExit } from '../convert/attach/calibrate.js';

/** Run every exit on `count` samples starting at `start` (data-set pixels, NCHW); statistics for calibration. */
export function collectExitStats(model: Model, data: Dataset, start: number, count: number): ExitStats {
  const bar = new Progress('exits', Math.min(count, data.count - start));
  const stats = collect(model, { ...data, layout: 'NCHW' }, start, count, (j) => bar.tick(j));
  bar.end();
  return stats;
}

// attachExits: early exits for a single-exit model (src/convert/attach), run with the runtime.
// It lives here, above both, so that the converter does not import the runtime.
import { fromGraph } from '../runtime/model.js';
import { attachExitsWith, type AttachOptions, type AttachResult, type LabelledImages } from '../convert/attach/index.js';
import type { Graph, Weights } from '../ir/types.js';

/**
 * Attaches early exits to a single-exit model, its weights frozen. `train`: labelled images the
 * heads learn from; `holdout`: other labelled images (never the test split) for choosing heads
 * and calibrating thresholds (docs/early-exit.md, "Attached exits").
 */
export function attachExits(graph: Graph, weights: Weights, train: LabelledImages, holdout: LabelledImages, options: AttachOptions = {}): Promise<AttachResult> {
  return attachExitsWith((g, w) => fromGraph(g, w), graph, weights, train, holdout, options);
}

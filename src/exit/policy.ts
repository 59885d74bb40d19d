// Exit policies (DESIGN.md, Early exit): when a sample may stop at an early exit.
// Thresholds are per exit and per call; nothing here touches the model.
import { BranchyInputError } from '../errors.js';

/** A confidence rule on one exit's softmax. */
export type ConfidencePolicy =
  /** BranchyNet: exit when the softmax entropy (nats) is below the exit's threshold. */
  | { kind: 'entropy'; thresholds?: number[] | number }
  /** Exit when the top-1 probability is above the exit's threshold. */
  | { kind: 'maxprob'; thresholds?: number[] | number };

export type ExitPolicy =
  /** No early exit: run to the final classifier. */
  | { kind: 'full' }
  | ConfidencePolicy
  /**
   * A predictor in front of each head says whether the head is worth running (sigmoid of its
   * logit ≥ `gate`, default the file's or 0.5); when it says no the head is skipped and its cost
   * saved; when yes, the head runs and `then` decides. An exit without a predictor always runs
   * its head.
   */
  | { kind: 'predicted'; gate?: number[] | number; then: ConfidencePolicy }
  /**
   * A per-sample budget in MACs or milliseconds: never start a stage (with its head) that cannot
   * end inside it by the measured costs; answer with the deepest exit reached. With `then`, a
   * confident early exit stops sooner.
   */
  | { kind: 'budget'; macs?: number; ms?: number; then?: ConfidencePolicy };

/** The threshold of exit i from a per-exit list, one number for all, or the file's default. */
export function thresholdAt(t: number[] | number | undefined, i: number, fallback: number | undefined, what: string): number {
  const v = Array.isArray(t) ? t[i] : t ?? fallback;
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new BranchyInputError(`${what}: no threshold for exit ${i}; pass thresholds (one per early exit) or calibrate the file (branchy calibrate)`);
  }
  return v;
}

/** Whether a confidence rule lets a sample stop with these statistics. */
export function confident(kind: ConfidencePolicy['kind'], threshold: number, entropy: number, top1: number): boolean {
  return kind === 'entropy' ? entropy < threshold : top1 > threshold;
}

const KINDS: readonly string[] = ['full', 'entropy', 'maxprob', 'predicted', 'budget'];

export function checkPolicy(p: ExitPolicy): void {
  if (!p || !KINDS.includes((p as { kind: string }).kind)) {
    throw new BranchyInputError(`unknown exit policy ${JSON.stringify(p)}; use one of ${KINDS.join(', ')}`);
  }
  if (p.kind === 'budget') {
    if (p.macs === undefined && p.ms === undefined) throw new BranchyInputError('budget policy: give macs or ms (per sample)');
    for (const v of [p.macs, p.ms]) if (v !== undefined && !(v >= 0)) throw new BranchyInputError(`budget policy: bad budget ${v}`);
  }
  if (p.kind === 'predicted' && (!p.then || (p.then.kind !== 'entropy' && p.then.kind !== 'maxprob'))) {
    throw new BranchyInputError("predicted policy: 'then' must be an entropy or maxprob policy");
  }
}

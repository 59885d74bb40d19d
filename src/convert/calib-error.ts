// The calibration callback every compression pass shares, and the error a pass introduced:
// the same tensors of two graphs (before / after the pass) run over the same calibration
// samples, compared sample by sample.
import type { Graph, Weights } from '../ir/types.js';

/** Called for every computed tensor of every sample: IR name, values as f32 (int8 dequantized), NHWC. */
export type Visit = (tensor: string, values: Float32Array) => void;

/** A graph a pass wants run, with its constants. */
export interface RunnableGraph {
  graph: Graph;
  weights: Weights;
}

/**
 * Runs `model` over the calibration samples (the same samples, in the same order, at every
 * call) and reports every computed tensor through `visit`. The CLI backs it with the runtime
 * (fromGraph + Model.trace); tests may use the reference evaluator.
 */
export type Observe = (visit: Visit, model: RunnableGraph) => Promise<void>;

export interface TensorError {
  /** Mean squared difference (after - before) over the compared samples. */
  mse: number;
  /** Mean squared value of the tensor before the pass (to read mse against). */
  meanSquare: number;
  /** Samples compared (the first ones, up to the memory budget). */
  samples: number;
}

/** Keeps the values of chosen tensors from one run, sample by sample, up to a budget of floats. */
export class RunRecord {
  private readonly want: Set<string>;
  private readonly kept = new Map<string, Float32Array[]>();
  private floats = 0;
  private full = false;

  constructor(tensors: Iterable<string>, private readonly budget = 1 << 24) {
    this.want = new Set(tensors);
  }

  /** True when every value of the run was kept (the budget was never hit). */
  get complete(): boolean {
    return !this.full;
  }

  /** The kept values of one tensor, one array per sample. */
  values(name: string): readonly Float32Array[] {
    return this.kept.get(name) ?? [];
  }

  readonly visit: Visit = (name, v) => {
    if (!this.want.has(name) || this.full) return;
    if (this.floats + v.length > this.budget) {
      this.full = true;
      return;
    }
    let list = this.kept.get(name);
    if (!list) this.kept.set(name, (list = []));
    list.push(v.slice());
    this.floats += v.length;
  };

  /**
   * Runs `after` and compares it with the recorded run. Returns null when the run never
   * reported `marker` (a tensor only `after` has): the callback ignored the graph it was given.
   */
  async compare(observe: Observe, after: RunnableGraph, marker?: string): Promise<Map<string, TensorError> | null> {
    const want = this.want;
    // A sample only counts when every tensor of it was kept.
    const samples = want.size ? Math.min(...[...want].map((t) => this.kept.get(t)?.length ?? 0)) : 0;
    const acc = new Map<string, { err: number; sq: number; n: number; seen: number }>();
    for (const t of want) acc.set(t, { err: 0, sq: 0, n: 0, seen: 0 });
    let marked = marker === undefined;
    await observe((name, v) => {
      if (name === marker) marked = true;
      const a = acc.get(name);
      if (!a) return;
      const j = a.seen++;
      if (j >= samples) return;
      const ref = this.kept.get(name)![j];
      const n = Math.min(ref.length, v.length);
      for (let i = 0; i < n; i++) {
        const d = v[i] - ref[i];
        a.err += d * d;
        a.sq += ref[i] * ref[i];
      }
      a.n += n;
    }, after);
    if (!marked) return null;
    const out = new Map<string, TensorError>();
    for (const [t, a] of acc) out.set(t, { mse: a.n ? a.err / a.n : 0, meanSquare: a.n ? a.sq / a.n : 0, samples });
    return out;
  }
}

/**
 * MSE of each tensor in `tensors` of `after` against `before`, over the calibration set
 * (two runs; at most `budget` floats of `before` kept, so a big set compares its first samples).
 */
export async function compareRuns(
  observe: Observe, before: RunnableGraph, after: RunnableGraph, tensors: Iterable<string>, budget?: number,
): Promise<Map<string, TensorError>> {
  const rec = new RunRecord(tensors, budget);
  await observe(rec.visit, before);
  return (await rec.compare(observe, after))!;
}

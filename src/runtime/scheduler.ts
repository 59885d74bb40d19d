// Runs one sample through a multi-exit program part by part (stage, predictor, head),
// deciding after each stage whether to stop. Heads read the stage output where it lies in
// the arena: nothing is copied. Every result says which exit answered and what it cost.
import type { ExitPlan } from '../ir/exits.js';
import type { Program, Step } from './executor.js';
import type { Build } from './features.js';
import { prepareExitHead, type ExitHeadLayer } from './ops/head.js';
import { kernelFn } from './exports.js';
import { BranchyUnsupportedError } from '../errors.js';
import { type ConfidencePolicy, type ExitPolicy, checkPolicy, confident, thresholdAt } from '../exit/policy.js';

export interface ExitResult {
  /** Which exit answered (0 = shallowest; exits.length - 1 = the final classifier). */
  exit: number;
  /** Top-1 class. */
  label: number;
  /** Softmax of the answering exit's logits. */
  probs: Float32Array;
  /** Top-1 probability. */
  confidence: number;
  /** Softmax entropy in nats. */
  entropy: number;
  /** Multiply-accumulates spent on this sample (stages, heads and predictors that ran). */
  macs: number;
  /** Wall time spent on this sample's kernels, in ms. */
  timeMs: number;
  /** Early exits whose head the predictor skipped. */
  skipped: number[];
}

interface Part {
  steps: Step[];
  macs: number;
}

interface ExitParts {
  stage: Part;
  head: Part;
  predictor: Part | null;
  /** The exit head kernel over this exit's logits, and where it writes. */
  stats: ExitHeadLayer;
  head_: (rows: number, classes: number, x: number, y: number, argmax: number, params: number) => void;
  logits: number;
  out: number;
  argmax: number;
  /** The predictor's logit (f32) pointer. */
  gateLogit: number;
  thresholds: NonNullable<ExitPlan['exits'][number]['thresholds']>;
  /** Measured ms of stage / head / predictor (median, one sample), filled on first need. */
  ms?: { stage: number; head: number; predictor: number };
}

const runPart = (p: Part): void => {
  for (const s of p.steps) s.run();
};

export class ExitScheduler {
  private readonly parts: ExitParts[];
  /** Per exit: its head's output row [p_0 .. p_{k-1}, entropy, top1] and argmax, as views (remade when memory grows). */
  private rows: Float32Array[] = [];
  private argmaxes: Int32Array[] = [];
  private viewsOf: ArrayBufferLike | null = null;
  /** The exit whose head statistics are in its output row for the current sample (-1: none). */
  private fresh = -1;

  constructor(
    private readonly program: Program,
    private readonly plan: ExitPlan,
    build: Build,
  ) {
    const byNode = new Map(program.steps.map((s) => [s.node.name, s]));
    const part = (names: readonly string[]): Part => {
      const steps = names.map((n) => byNode.get(n)!);
      return { steps, macs: steps.reduce((a, s) => a + s.macs, 0) };
    };
    const mem = program.mem;
    this.parts = plan.exits.map((e, i) => {
      const logits = program.tensors.get(e.output)!;
      if (logits.info.dtype !== 'f32') throw new BranchyUnsupportedError(`exit output '${e.output}' must be f32 logits (dequantize it in the graph)`);
      const classes = logits.elements;
      const stats = prepareExitHead(mem, build, { dtype: 'f32', rows: 1, classes });
      const out = mem.alloc(stats.outputBytes);
      const argmax = mem.alloc(stats.argmaxBytes);
      const gate = e.predictor ? program.tensors.get(e.predictor.output)! : null;
      if (gate && (gate.elements !== 1 || gate.info.dtype !== 'f32')) {
        throw new BranchyUnsupportedError(`predictor output '${e.predictor!.output}' must be one f32 logit, got ${gate.elements} ${gate.info.dtype}`);
      }
      return {
        stage: part(plan.stages[i]),
        head: part(e.head),
        predictor: e.predictor ? part(e.predictor.nodes) : null,
        stats, head_: kernelFn(mem.mod.exports, stats.kernel), logits: logits.ptr, out, argmax,
        gateLogit: gate ? gate.ptr : 0,
        thresholds: e.thresholds ?? {},
        ms: e.timeMs ? { ...e.timeMs } : undefined,
      };
    });
  }

  get exitCount(): number {
    return this.parts.length;
  }

  /** MACs of stage i, head i, predictor i (as the runtime counts them). */
  costs(i: number): { stage: number; head: number; predictor: number } {
    const p = this.parts[i];
    return { stage: p.stage.macs, head: p.head.macs, predictor: p.predictor?.macs ?? 0 };
  }

  /** Runs exit i's head kernel (softmax, entropy, top-1, argmax) once per sample; returns its output row. */
  private headRow(i: number): Float32Array {
    const mem = this.program.mem;
    if (this.viewsOf !== mem.buffer) {
      this.rows = this.parts.map((p) => mem.f32(p.out, p.stats.classes + 2));
      this.argmaxes = this.parts.map((p) => mem.i32(p.argmax, 1));
      this.viewsOf = mem.buffer;
    }
    if (this.fresh !== i) {
      const p = this.parts[i];
      p.head_(1, p.stats.classes, p.logits, p.out, p.argmax, p.stats.params);
      this.fresh = i;
    }
    return this.rows[i];
  }

  /** The answer of exit i from its logits (already computed). */
  private answer(i: number, macs: number, t0: number, skipped: number[]): ExitResult {
    const row = this.headRow(i);
    const k = this.parts[i].stats.classes;
    return {
      exit: i,
      label: this.argmaxes[i][0],
      probs: row.slice(0, k),
      entropy: row[k],
      confidence: row[k + 1],
      macs,
      timeMs: performance.now() - t0,
      skipped,
    };
  }

  private gateOpen(i: number, gate: number[] | number | undefined): boolean {
    const p = this.parts[i];
    const g = thresholdAt(gate, i, p.thresholds.predictor ?? 0.5, 'predicted policy gate');
    const logit = this.program.mem.f32(p.gateLogit, 1)[0];
    return 1 / (1 + Math.exp(-logit)) >= g;
  }

  private confidentAt(i: number, rule: ConfidencePolicy): boolean {
    const file = rule.kind === 'entropy' ? this.parts[i].thresholds.entropy : this.parts[i].thresholds.maxprob;
    const tau = thresholdAt(rule.thresholds, i, file, `${rule.kind} policy`);
    const row = this.headRow(i);
    const k = this.parts[i].stats.classes;
    return confident(rule.kind, tau, row[k], row[k + 1]);
  }

  /**
   * Measure each part's time on whatever input is in the arena (median of `reps`). An in-place
   * step writes over a graph input (program.overwritten): the input is kept aside, put back
   * before each run of the first stage and at the end, so the sample can run after this.
   */
  measure(reps = 9): void {
    const mem = this.program.mem;
    const kept = this.program.overwritten.map((b) => ({ ...b, data: mem.u8(b.ptr, b.bytes).slice() }));
    const putBack = () => {
      for (const k of kept) mem.u8(k.ptr, k.bytes).set(k.data);
    };
    const time = (p: Part | null): number => {
      if (!p || p.steps.length === 0) return 0;
      const ts: number[] = [];
      for (let r = 0; r < reps; r++) {
        if (p === this.parts[0].stage) putBack();
        const t = performance.now();
        runPart(p);
        ts.push(performance.now() - t);
      }
      return ts.sort((a, b) => a - b)[reps >> 1];
    };
    // In execution order so every part reads what the previous parts wrote.
    for (const p of this.parts) {
      const stage = time(p.stage);
      const predictor = time(p.predictor);
      const head = time(p.head);
      p.ms = { stage, head, predictor };
    }
    putBack();
  }

  measuredMs(): { stage: number; head: number; predictor: number }[] {
    return this.parts.map((p) => p.ms ?? { stage: NaN, head: NaN, predictor: NaN });
  }

  /** Run the sample already written to the input slot under `policy`. */
  run(policy: ExitPolicy): ExitResult {
    checkPolicy(policy);
    // A time budget needs the parts' measured times; measure once, on this sample (parts only
    // read what earlier parts wrote, so re-running them leaves the same values in the arena).
    if (policy.kind === 'budget' && policy.ms !== undefined && this.parts.some((p) => !p.ms)) this.measure();
    const parts = this.parts;
    const last = parts.length - 1;
    this.fresh = -1;
    const t0 = performance.now();
    if (policy.kind === 'budget') return this.runBudget(policy, t0);
    let macs = 0;
    const skipped: number[] = [];
    for (let i = 0; i <= last; i++) {
      const p = parts[i];
      runPart(p.stage);
      macs += p.stage.macs;
      if (i === last) break;
      if (policy.kind === 'full') continue;
      let rule: ConfidencePolicy = policy as ConfidencePolicy;
      if (policy.kind === 'predicted') {
        rule = policy.then;
        if (p.predictor) {
          runPart(p.predictor);
          macs += p.predictor.macs;
          if (!this.gateOpen(i, policy.gate)) {
            skipped.push(i);
            continue;
          }
        }
      }
      runPart(p.head);
      macs += p.head.macs;
      if (this.confidentAt(i, rule)) return this.answer(i, macs, t0, skipped);
    }
    runPart(parts[last].head);
    macs += parts[last].head.macs;
    return this.answer(last, macs, t0, skipped);
  }

  /**
   * Budget: exit 0 always answers something; exit i+1 is started only when stage i+1 and its
   * head fit in what is left by the measured costs (MACs exactly; ms as measured). Head i runs
   * only when the sample stops at i (no deeper exit fits) or when a confidence rule asks.
   */
  private runBudget(policy: Extract<ExitPolicy, { kind: 'budget' }>, t0: number): ExitResult {
    const last = this.parts.length - 1;
    let macs = 0;
    const fits = (i: number): boolean => {
      const p = this.parts[i];
      if (policy.macs !== undefined && macs + p.stage.macs + p.head.macs > policy.macs) return false;
      if (policy.ms !== undefined && performance.now() - t0 + p.ms!.stage + p.ms!.head > policy.ms) return false;
      return true;
    };
    for (let i = 0; i <= last; i++) {
      runPart(this.parts[i].stage);
      macs += this.parts[i].stage.macs;
      const stopHere = i === last || !fits(i + 1);
      if (stopHere || policy.then) {
        runPart(this.parts[i].head);
        macs += this.parts[i].head.macs;
        if (stopHere || this.confidentAt(i, policy.then!)) return this.answer(i, macs, t0, []);
      }
    }
    return this.answer(last, macs, t0, []);
  }
}

// Early exits for a network someone else trained (issue 19): the backbone stays frozen; exit
// heads and predictors are trained on its own features, in TypeScript, then written into the
// graph with calibrated thresholds.
//
//   1. points: where heads can go (points.ts: block outputs), or the tensors the caller names;
//   2. one pass of the backbone over the training images with the runtime, caching each point's
//      pooled features and the final logits (probe.ts);
//   3. per point a `gap` and a `conv` head (heads.ts), trained with cross-entropy plus
//      distillation from the final logits (train.ts);
//   4. which heads to keep, by the MACs the calibration replay expects at the accuracy floor on
//      held-out images (select.ts; all named points with --at);
//   5. per kept exit a predictor: logistic regression on the point's pooled features, trained to
//      say whether the head will be right;
//   6. the multi-exit graph (splice.ts; int8 heads on an int8 backbone), then thresholds and
//      predictor gates calibrated with the runtime on the held-out images (calibrate.ts).
// The held-out images must not be the test split. The runtime comes in as `compile` (the
// converter does not import it; src/node/attach.ts binds fromGraph: docs/architecture.md, "Layers").
import { BranchyInputError } from '../../errors.js';
import { isMultiExit } from '../../ir/exits.js';
import { producers } from '../../ir/graph.js';
import type { Graph, Weights } from '../../ir/types.js';
import type { Rule } from '../../exit/calibrate.js';
import type { Model } from '../../runtime/model.js';
import { calibrateExits, collectExitStats, softmaxStats, type Calibration } from './calibrate.js';
import { channelStats, ConvHead, emptyRanges, GapHead, headLogits, headMacs, type HeadKind, type HeadWeights, type TrainableHead } from './heads.js';
import { candidatePoints, macsOf, namedPoints, type AttachPoint } from './points.js';
import { probe, probeGraph, type FeatureSet, type LabelledImages, type PointFeatures } from './probe.js';
import { Rng } from './rng.js';
import { selectExits, type Scored } from './select.js';
import { spliceExits, type HeadRanges, type SplicedExit } from './splice.js';
import { binaryLoss, distillLoss, fit, FIT_DEFAULTS } from './train.js';

export type { LabelledImages } from './probe.js';
export { stripExits } from './strip.js';
export { candidatePoints, cutPoints } from './points.js';

export interface AttachOptions {
  /** 'auto' (default) or the tensors to attach heads to. */
  at?: 'auto' | string[];
  /** Accuracy points the exits may lose on the held-out images (default 0.5). */
  maxDrop?: number;
  /** Keep the drop's one-sided upper confidence bound within maxDrop instead (e.g. 0.95). */
  confidence?: number;
  rule?: Rule;
  /** Head kinds to try (default both). */
  heads?: HeadKind[];
  /** Channels of the conv head's 1x1 conv (default 32). */
  hidden?: number;
  /** Most early exits `auto` keeps (default 3). */
  maxExits?: number;
  /** Train a predictor per exit (default true). */
  predictors?: boolean;
  /** Epochs of the kept heads (default 8); the candidates train on `selectSamples` for `selectEpochs`. */
  epochs?: number;
  selectSamples?: number;
  selectEpochs?: number;
  /** Distillation: the weight of the soft labels and their temperature (default 0.5, 3). */
  distill?: number;
  temperature?: number;
  seed?: number;
  /** Progress of each phase (probe, train, calibrate): done of total. */
  onProgress?: (phase: string, done: number, total: number) => void;
  /** One line per step (what was found, trained, chosen). */
  log?: (line: string) => void;
}

export interface CandidateReport {
  tensor: string;
  shape: number[];
  kind: HeadKind;
  /** MAC share of the stage up to the point; the head's MACs. */
  fraction: number;
  headMacs: number;
  /** Top-1 accuracy on the held-out images, and agreement with the final exit. */
  accuracy: number;
  agreement: number;
  /** Expected mean MACs of this head alone with the final exit, at the accuracy floor. */
  expectedMacs: number;
  chosen: boolean;
}

export interface AttachResult {
  graph: Graph;
  weights: Weights;
  candidates: CandidateReport[];
  calibration: Calibration;
  /** Seconds per phase. */
  seconds: { probe: number; train: number; select: number; calibrate: number; total: number };
  /** Images the heads trained on, and held out. */
  trainCount: number;
  holdoutCount: number;
}

/** Compiles a graph with the runtime (fromGraph). */
export type Compile = (graph: Graph, weights: Weights) => Promise<Model>;

interface Trained extends Scored {
  point: AttachPoint;
  pi: number;
  kind: HeadKind;
  head: HeadWeights;
  accuracy: number;
  agreement: number;
}

/**
 * The graph with a final softmax removed (its input becomes the output): exits need logits. The
 * softmax may sit between a dequantize and quantize/dequantize steps (an int8 TFLite file's
 * int8 softmax): those after it go too. Throws for a multi-exit graph.
 */
export function logitsGraph(graph: Graph): Graph {
  if (graph.outputs.length !== 1 || isMultiExit(graph)) {
    throw new BranchyInputError(`attach takes a single-exit model (one output, the class scores); this one has outputs ${graph.outputs.join(', ')}`);
  }
  const out = graph.outputs[0];
  const prod = producers(graph);
  const used = new Map<string, number>();
  for (const n of graph.nodes) for (const t of n.inputs) used.set(t, (used.get(t) ?? 0) + 1);
  let p = prod.get(out);
  if (!p) throw new BranchyInputError(`the model's output '${out}' is not computed by a node`);
  const drop = new Set<Graph['nodes'][number]>();
  while (p && (p.op === 'quantize' || p.op === 'dequantize') && used.get(p.inputs[0]) === 1) {
    drop.add(p);
    p = prod.get(p.inputs[0]);
  }
  if (!p || p.op !== 'softmax') return graph;
  drop.add(p);
  const x = p.inputs[0];
  const gone = new Set([...drop].flatMap((n) => n.outputs));
  const rename = (t: string) => (t === x ? out : t);
  return {
    ...graph,
    nodes: graph.nodes.filter((n) => !drop.has(n)).map((n) => ({ ...n, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) })),
    tensors: graph.tensors.filter((t) => !gone.has(t.name)).map((t) => (t.name === x ? { ...t, name: out } : t)),
  };
}

const argmax = (v: ArrayLike<number>, o: number, k: number): number => {
  let b = 0;
  for (let i = 1; i < k; i++) if (v[o + i] > v[o + b]) b = i;
  return b;
};

/** A head's answers on a feature set: per-sample softmax statistics, accuracy, agreement with the final exit. */
function score(hw: HeadWeights, f: PointFeatures, set: FeatureSet) {
  const n = set.n, K = set.classes;
  const entropy = new Float64Array(n), top1 = new Float64Array(n), label = new Int32Array(n);
  const row = new Float32Array(f.d), z = new Float32Array(K);
  let right = 0, agree = 0;
  for (let i = 0; i < n; i++) {
    const s = softmaxStats(headLogits(hw, f.row(i, row), z));
    entropy[i] = s.entropy;
    top1[i] = s.top1;
    label[i] = s.label;
    if (s.label === set.labels[i]) right++;
    if (s.label === argmax(set.logits, i * K, K)) agree++;
  }
  return { entropy, top1, label, accuracy: right / n, agreement: agree / n };
}

function makeHead(kind: HeadKind, f: PointFeatures, classes: number, hidden: number, seed: number): TrainableHead {
  const stats = channelStats((i, o) => f.row(i, o), f.n, f.d, f.channels);
  const shape = { grid: f.grid, channels: f.channels };
  return kind === 'gap' ? new GapHead(shape, classes, stats) : new ConvHead(shape, classes, hidden, stats, new Rng(seed));
}

/** Trains a head on the first n samples of the training features. */
function trainHead(kind: HeadKind, f: PointFeatures, tr: FeatureSet, n: number, epochs: number, o: Required<Pick<AttachOptions, 'hidden' | 'distill' | 'temperature' | 'seed'>>): HeadWeights {
  const sub = n < f.n ? f.first(n) : f;
  const head = makeHead(kind, sub, tr.classes, o.hidden, o.seed);
  fit(head, (i, out) => sub.row(i, out), sub.n, sub.d, tr.classes, distillLoss(tr.labels, tr.logits, tr.classes, o.temperature, o.distill), { ...FIT_DEFAULTS, epochs, seed: o.seed });
  return head.folded();
}

/** Activation ranges of a head over (up to 4,000 of) the training features. */
function rangesOf(hw: HeadWeights, f: PointFeatures): HeadRanges {
  const r = emptyRanges();
  const row = new Float32Array(f.d), z = new Float32Array(hw.classes);
  const step = Math.max(1, Math.floor(f.n / 4000));
  for (let i = 0; i < f.n; i += step) headLogits(hw, f.row(i, row), z, r);
  return r;
}

/** A predictor: logistic regression on the point's pooled features, target "the head is right". */
function trainPredictor(hw: HeadWeights, f: PointFeatures, tr: FeatureSet, epochs: number, seed: number): HeadWeights {
  const targets = new Uint8Array(f.n);
  const row = new Float32Array(f.d), z = new Float32Array(hw.classes);
  for (let i = 0; i < f.n; i++) targets[i] = argmax(headLogits(hw, f.row(i, row), z), 0, hw.classes) === tr.labels[i] ? 1 : 0;
  const head = makeHead('gap', f, 1, 0, seed);
  fit(head, (i, out) => f.row(i, out), f.n, f.d, 1, binaryLoss(targets), { ...FIT_DEFAULTS, epochs, seed });
  return head.folded();
}

/**
 * Attaches early exits to a single-exit model. `train`: labelled images the heads learn from;
 * `holdout`: other labelled images (never the test split) for choosing heads and calibrating
 * thresholds. Both as the model takes them (uint8 pixels need the graph's normalisation).
 * `compile` runs the backbone and the result (src/node's attachExits passes fromGraph).
 */
export async function attachExitsWith(compile: Compile, graph: Graph, weights: Weights, train: LabelledImages, holdout: LabelledImages, options: AttachOptions = {}): Promise<AttachResult> {
  const t0 = performance.now();
  const o = {
    maxDrop: 0.5, rule: 'entropy' as Rule, heads: ['gap', 'conv'] as HeadKind[], hidden: 32, maxExits: 3, predictors: true,
    epochs: 8, selectSamples: 10_000, selectEpochs: 4, distill: 0.5, temperature: 3, seed: 1,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Required<Omit<AttachOptions, 'confidence' | 'at' | 'onProgress' | 'log'>> & AttachOptions;
  const log = o.log ?? (() => {});
  const progress = o.onProgress ?? (() => {});
  const g = logitsGraph(graph);
  const points = o.at === undefined || o.at === 'auto' ? candidatePoints(g) : namedPoints(g, o.at);
  if (points.length === 0) throw new BranchyInputError('attach found no block outputs to attach heads to (name tensors with --at)');
  log(`points: ${points.map((p) => `${p.tensor} [${p.info.shape.slice(1).join('x')}] ${(100 * p.fraction).toFixed(1)}% MACs`).join('; ')}`);

  // 2. One pass over the images.
  const tp = performance.now();
  const probeModel = await compile(probeGraph(g, points), weights);
  const tr = probe(probeModel, g, points, train, 0, train.count, (d) => progress('features (training images)', d, train.count));
  const ho = probe(probeModel, g, points, holdout, 0, holdout.count, (d) => progress('features (held-out images)', d, holdout.count));
  const probeS = (performance.now() - tp) / 1000;
  log(`features: ${tr.n} training + ${ho.n} held-out images, ${tr.msPerImage.toFixed(3)} ms each, ${probeS.toFixed(1)} s`);

  // 3. Candidate heads (on a subset when choosing automatically), scored on the held-out images.
  const tt = performance.now();
  const auto = o.at === undefined || o.at === 'auto';
  const nSel = auto ? Math.min(tr.n, o.selectSamples) : tr.n;
  const epochsSel = auto && nSel < tr.n ? o.selectEpochs : o.epochs;
  const jobs = points.flatMap((p, pi) => o.heads.map((kind) => ({ p, pi, kind })));
  const trained: Trained[] = [];
  jobs.forEach(({ p, pi, kind }, j) => {
    const head = trainHead(kind, tr.points[pi], tr, nSel, epochsSel, o);
    const s = score(head, ho.points[pi], ho);
    trained.push({ point: p, pi, kind, head, pointMacs: p.macs, headMacs: headMacs(head), order: pi, ...s });
    progress('heads', j + 1, jobs.length);
  });
  let trainS = (performance.now() - tt) / 1000;

  // 4. Which to keep.
  const ts = performance.now();
  const total = macsOf(g, g.nodes.map((n) => n.name));
  const truth = Int32Array.from(ho.labels);
  const final: Scored = { pointMacs: total, headMacs: 0, order: points.length, entropy: new Float64Array(ho.n), top1: new Float64Array(ho.n), label: new Int32Array(ho.n) };
  for (let i = 0; i < ho.n; i++) {
    const s = softmaxStats(ho.logits.subarray(i * ho.classes, (i + 1) * ho.classes));
    final.entropy[i] = s.entropy;
    final.top1[i] = s.top1;
    final.label[i] = s.label;
  }
  const sel = selectExits(trained, final, truth, total, { rule: o.rule, maxDrop: o.maxDrop, confidence: o.confidence, maxExits: o.maxExits, everyPoint: !auto });
  const selectS = (performance.now() - ts) / 1000;
  const candidates: CandidateReport[] = trained.map((c) => ({
    tensor: c.point.tensor, shape: c.point.info.shape, kind: c.kind, fraction: c.point.fraction, headMacs: c.headMacs,
    accuracy: c.accuracy, agreement: c.agreement, expectedMacs: sel.alone.get(c) ?? Infinity, chosen: sel.chosen.includes(c),
  }));
  if (sel.chosen.length === 0) {
    throw new BranchyInputError(`no head saves MACs within ${o.maxDrop} accuracy points on the held-out images (best alone: ${Math.min(...candidates.map((c) => c.expectedMacs)).toFixed(0)} of ${total} MACs); allow a larger --max-drop`);
  }
  log(`chosen: ${sel.chosen.map((c) => `${c.kind} head at ${c.point.tensor}`).join(', ')}; expected ${sel.result.meanMacs.toFixed(0)} of ${total} MACs on the held-out images (${(total / sel.result.meanMacs).toFixed(2)}× fewer)`);

  // 5. The kept heads on every training image, their predictors, the ranges for int8.
  const t2 = performance.now();
  const exits: SplicedExit[] = sel.chosen.map((c, k) => {
    const f = tr.points[c.pi];
    const head = nSel < tr.n ? trainHead(c.kind, f, tr, tr.n, o.epochs, o) : c.head;
    const e: SplicedExit = { point: c.point.tensor, head, ranges: rangesOf(head, f) };
    if (o.predictors) {
      const p = trainPredictor(head, f, tr, Math.max(2, o.epochs >> 1), o.seed);
      e.predictor = { head: p, ranges: rangesOf(p, f) };
    }
    progress('final heads', k + 1, sel.chosen.length);
    return e;
  });
  trainS += (performance.now() - t2) / 1000;

  // 6. The graph, its thresholds on the held-out images.
  const tc = performance.now();
  const spliced = spliceExits(g, weights, exits);
  const model = await compile(spliced.graph, spliced.weights);
  const stats = collectExitStats(model, holdout, 0, holdout.count, (d) => progress('calibrate', d, holdout.count));
  const size = holdout.images.length / holdout.count;
  const ms = model.measureExits(holdout.images.subarray(0, size), { layout: holdout.layout });
  const { graph: out, calibration } = calibrateExits(spliced.graph, stats, ms, { rule: o.rule, maxDrop: o.maxDrop, confidence: o.confidence });
  const calibrateS = (performance.now() - tc) / 1000;
  return {
    graph: out, weights: spliced.weights, candidates, calibration,
    seconds: { probe: probeS, train: trainS, select: selectS, calibrate: calibrateS, total: (performance.now() - t0) / 1000 },
    trainCount: tr.n, holdoutCount: ho.n,
  };
}

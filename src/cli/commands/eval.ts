// branchy eval MODEL --data mnist|cifar10 [--data-dir D]: top-1 accuracy, mean and p95
// latency per image, images per second.
import path from 'node:path';
import { parse, intOption } from '../args.js';
import { loadCifar10Split, loadMnist, type Dataset } from '../datasets.js';
import { writeOutput } from '../files.js';
import { Progress } from '../progress.js';
import { openModel } from './open.js';
import { BranchyInputError } from '../../errors.js';
import type { Model } from '../../runtime/model.js';
import type { ExitPolicy } from '../../exit/policy.js';
import { parsePolicy } from '../../exit/parse.js';
import { sweep, type Rule } from '../../exit/calibrate.js';
import { collectExitStats } from '../exit-data.js';
import { linePlot } from '../plot.js';
import { parsePreprocess, PREPROCESS_OPTIONS, PREPROCESS_USAGE } from '../preprocess.js';
import { loadDetection } from '../detect-data.js';
import { evaluateDetector, printDetectEval } from './eval-detect.js';

const USAGE =
  'branchy eval MODEL.(branchy|onnx|tflite) --data mnist|cifar10 [--data-dir DIR] [--limit N] [--build scalar|simd|relaxed] ' +
  '[--policy full|entropy[:T,…]|maxprob[:T,…]|predicted[:RULE[:T,…]]|budget-macs:N|budget-ms:N] [--gate G] [--sweep OUT.csv] ' + PREPROCESS_USAGE + '\n' +
  '       branchy eval MODEL.branchy --task detect --data DIR [--limit N] [--score-threshold 0.001] [--iou-threshold 0.45] ' +
  '[--max-detections 100] [--json OUT.json] [--build B]   (DIR: images/*.png + labels/*.txt, YOLO format)';

export async function loadDataset(name: string | undefined, dir: string | undefined): Promise<Dataset> {
  if (name === 'mnist') return loadMnist('test', dir);
  if (name === 'cifar10') {
    return loadCifar10Split(dir ?? path.join('..', 'shared', 'data', 'cifar10'), 'test');
  }
  throw new BranchyInputError(`--data wants mnist or cifar10, got '${name ?? ''}'`);
}

export interface EvalResult {
  count: number;
  accuracy: number;
  meanMs: number;
  p95Ms: number;
  imagesPerSecond: number;
}

/** Classify every image one at a time; the last graph output is the class scores. */
export function evaluate(model: Model, data: Dataset, limit = data.count, onProgress?: (i: number) => void): EvalResult {
  const n = Math.min(limit, data.count);
  const size = data.channels * data.height * data.width;
  const outName = model.info.outputs.at(-1)!.name;
  const times: number[] = [];
  let correct = 0;
  // The data sets are planar (NCHW): said with layout, so a model that takes NHWC images (TFLite, tf2onnx) gets them transposed by the runtime.
  for (let i = 0; i < n; i++) {
    const img = data.images.subarray(i * size, (i + 1) * size);
    const t0 = performance.now();
    const scores = model.run(img, { layout: 'NCHW' })[outName].data;
    times.push(performance.now() - t0);
    let best = 0;
    for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
    if (best === data.labels[i]) correct++;
    onProgress?.(i + 1);
  }
  const total = times.reduce((a, b) => a + b, 0);
  const sorted = times.slice().sort((a, b) => a - b);
  return {
    count: n,
    accuracy: correct / n,
    meanMs: total / n,
    p95Ms: sorted[Math.min(n - 1, Math.floor(0.95 * n))],
    imagesPerSecond: (1000 * n) / total,
  };
}

export interface ExitEvalResult extends EvalResult {
  histogram: number[];
  meanMacs: number;
  fullMacs: number;
  fullMeanMs: number;
  speedup: number;
  /** Budget policies: samples whose MACs / time went past the budget. */
  macMisses: number;
  timeMisses: number;
}

/** Classify every image under an exit policy and under full depth (the baseline), interleaved. */
export function evaluateExits(model: Model, data: Dataset, policy: ExitPolicy, limit = data.count, onProgress?: (i: number) => void): ExitEvalResult {
  const n = Math.min(limit, data.count);
  const size = data.channels * data.height * data.width;
  const exits = model.info.exits!.length;
  const hist = new Array<number>(exits).fill(0);
  const times: number[] = [];
  let correct = 0, macs = 0, fullMs = 0, fullMacs = 0, macMisses = 0, timeMisses = 0;
  for (let i = 0; i < n; i++) {
    const img = data.images.subarray(i * size, (i + 1) * size);
    const f0 = performance.now();
    const full = model.run(img, { policy: { kind: 'full' }, layout: 'NCHW' });
    fullMs += performance.now() - f0;
    fullMacs += full.macs;
    const t0 = performance.now();
    const r = model.run(img, { policy, layout: 'NCHW' });
    times.push(performance.now() - t0);
    hist[r.exit]++;
    macs += r.macs;
    if (r.label === data.labels[i]) correct++;
    if (policy.kind === 'budget') {
      if (policy.macs !== undefined && r.macs > policy.macs) macMisses++;
      if (policy.ms !== undefined && r.timeMs > policy.ms) timeMisses++;
    }
    onProgress?.(i + 1);
  }
  const total = times.reduce((a, b) => a + b, 0);
  const sorted = times.slice().sort((a, b) => a - b);
  return {
    count: n, accuracy: correct / n, meanMs: total / n, p95Ms: sorted[Math.min(n - 1, Math.floor(0.95 * n))],
    imagesPerSecond: (1000 * n) / total, histogram: hist.map((h) => h / n), meanMacs: macs / n,
    fullMacs: fullMacs / n, fullMeanMs: fullMs / n, speedup: fullMs / total, macMisses, timeMisses,
  };
}

/** Accuracy vs cost over a sweep of one shared threshold, on the evaluation data; CSV and SVG. */
async function writeSweep(model: Model, data: Dataset, limit: number, rule: Rule, csvFile: string): Promise<void> {
  const stats = collectExitStats(model, data, 0, limit);
  const size = data.channels * data.height * data.width;
  const ms = model.measureExits(data.images.subarray(0, size), { layout: 'NCHW' });
  // Latency of answering at exit i: its stages plus the heads that ran before it, from measured part times.
  let acc = 0;
  const msToExit = ms.map((m) => (acc += m.stage + m.head));
  const rows = sweep(stats, rule).map(({ threshold, result }) => ({
    threshold, accuracy: result.accuracy, meanMacs: result.meanMacs,
    meanMs: result.histogram.reduce((a, h, i) => a + h * msToExit[i], 0), histogram: result.histogram,
  }));
  const head = ['threshold', 'accuracy', 'mean_macs', 'est_mean_ms', ...model.info.exits!.map((_, i) => `exit${i}_fraction`)];
  const csv = [head.join(','), ...rows.map((r) => [r.threshold, r.accuracy, r.meanMacs, r.meanMs, ...r.histogram].map((v) => +v.toPrecision(6)).join(','))].join('\n') + '\n';
  await writeOutput(csvFile, csv, 'the sweep');
  const svgFile = csvFile.replace(/\.csv$/, '') + '.svg';
  await writeOutput(svgFile, linePlot(rows.map((r) => ({ x: r.meanMs, y: 100 * r.accuracy })), {
    title: `${rule} threshold sweep on ${data.name} (${stats.truth.length} test images)`,
    xLabel: 'mean latency per image, ms (from measured stage/head times)',
    yLabel: 'top-1 accuracy, %',
  }), 'the sweep plot');
  console.log(`sweep       ${rows.length} thresholds -> ${csvFile}, ${svgFile}`);
}

export async function evalCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    data: { type: 'string' },
    'data-dir': { type: 'string' },
    limit: { type: 'string' },
    build: { type: 'string' },
    policy: { type: 'string' },
    gate: { type: 'string' },
    sweep: { type: 'string' },
    rule: { type: 'string', default: 'entropy' },
    ...PREPROCESS_OPTIONS,
    task: { type: 'string', default: 'classify' },
    'score-threshold': { type: 'string', default: '0.001' },
    'iou-threshold': { type: 'string', default: '0.45' },
    'max-detections': { type: 'string', default: '100' },
    json: { type: 'string' },
  }, USAGE);
  if (positionals.length !== 1) throw new BranchyInputError(`eval takes one model file\nusage: ${USAGE}`);
  if (values.task === 'detect') {
    if (!values.data) throw new BranchyInputError(`--task detect needs --data DIR (a split: DIR/images/*.png, DIR/labels/*.txt)\nusage: ${USAGE}`);
    const model = await openModel(positionals[0], values.build);
    const data = await loadDetection(values.data, intOption(values.limit, 'limit', Number.MAX_SAFE_INTEGER));
    const bar = new Progress(`eval ${values.data}`, data.count);
    const r = evaluateDetector(model, data, {
      scoreThreshold: Number(values['score-threshold']), iouThreshold: Number(values['iou-threshold']),
      maxDetections: Number(values['max-detections']),
    }, (i) => bar.tick(i));
    bar.end();
    await printDetectEval(model, positionals[0], values.data, r, values.json);
    return;
  }
  if (values.task !== 'classify') throw new BranchyInputError(`--task wants classify or detect, got '${values.task}'`);
  const pre = parsePreprocess(values);
  const data = await loadDataset(values.data, values['data-dir']);
  const model = await openModel(positionals[0], values.build, pre, true);
  const limit = intOption(values.limit, 'limit', data.count);
  if (values.policy || values.sweep) {
    if (!model.info.exits) throw new BranchyInputError('--policy and --sweep need a model with early exits (outputs exit0 … exitN)');
    const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
    console.log(`model      ${positionals[0]} (build ${model.info.build}, ${model.info.exits.length} exits)`);
    if (values.policy) {
      const policy = parsePolicy(values.policy, values.gate === undefined ? undefined : Number(values.gate));
      const bar = new Progress(`eval ${data.name}`, Math.min(limit, data.count));
      const r = evaluateExits(model, data, policy, limit, (i) => bar.tick(i));
      bar.end();
      console.log(`data       ${data.name} test, ${r.count} images, policy ${values.policy}`);
      console.log(`top-1      ${pct(r.accuracy)}`);
      console.log(`exits      ${r.histogram.map((h, i) => `exit${i} ${pct(h)}`).join(', ')}`);
      console.log(`MACs       mean ${r.meanMacs.toFixed(0)} (full depth ${r.fullMacs.toFixed(0)}: ${(r.fullMacs / r.meanMacs).toFixed(2)}× fewer)`);
      console.log(`latency    mean ${r.meanMs.toFixed(3)} ms, p95 ${r.p95Ms.toFixed(3)} ms; full depth ${r.fullMeanMs.toFixed(3)} ms: ${r.speedup.toFixed(2)}× faster`);
      if (policy.kind === 'budget') console.log(`budget     past the budget: ${r.macMisses} by MACs, ${r.timeMisses} by time`);
    }
    if (values.sweep) {
      const rule = values.rule as Rule;
      if (rule !== 'entropy' && rule !== 'maxprob') throw new BranchyInputError(`--rule wants entropy or maxprob, got '${rule}'`);
      await writeSweep(model, data, limit, rule, values.sweep);
    }
    return;
  }
  const bar = new Progress(`eval ${data.name}`, Math.min(limit, data.count));
  const r = evaluate(model, data, limit, (i) => bar.tick(i));
  bar.end();
  console.log(`model      ${positionals[0]} (build ${model.info.build}, ${model.info.macs} MACs/image)`);
  console.log(`data       ${data.name} test, ${r.count} images`);
  console.log(`top-1      ${(100 * r.accuracy).toFixed(2)}%`);
  console.log(`latency    mean ${r.meanMs.toFixed(3)} ms, p95 ${r.p95Ms.toFixed(3)} ms (one image per run, one thread)`);
  console.log(`throughput ${r.imagesPerSecond.toFixed(0)} images/s`);
}

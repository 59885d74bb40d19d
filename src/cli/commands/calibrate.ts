// branchy calibrate MODEL.branchy --data mnist|cifar10 (--max-drop P [--confidence C] | --mean-macs N):
// choose per-exit thresholds on labelled data that is not the test split, and write them (and
// the measured cost of every stage, head and predictor) into the file.
import path from 'node:path';
import { parse, intOption } from '../args.js';
import { CIFAR10_SPLITS, loadCifar10Split, loadMnist, type Dataset } from '../datasets.js';
import { readInput, writeOutput } from '../files.js';
import { collectExitStats } from '../exit-data.js';
import type { Rule } from '../../exit/calibrate.js';
import { readBranchy, writeBranchy } from '../../format/index.js';
import { fromGraph, type Model } from '../../runtime/model.js';
import { calibrateExits, type Calibration } from '../../convert/attach/calibrate.js';
import { BranchyInputError } from '../../errors.js';
import { applyPreprocess, parsePreprocess, PREPROCESS_OPTIONS, PREPROCESS_USAGE, requireNormalize } from '../preprocess.js';

const USAGE =
  'branchy calibrate MODEL.branchy --data mnist|cifar10 (--max-drop POINTS [--confidence 0.95] | --mean-macs N) [--rule entropy|maxprob] ' +
  '[--count N] [--data-dir DIR] [-o OUT.branchy] ' + PREPROCESS_USAGE;

/** Labelled calibration data: MNIST's last 10,000 training digits; CIFAR-10's validation split (data/cifar10/val.bin). */
export async function calibrationData(name: string | undefined, dir?: string): Promise<{ data: Dataset; start: number; what: string }> {
  if (name === 'mnist') {
    const data = await loadMnist('train', dir);
    return { data, start: data.count - 10_000, what: 'MNIST training digits 50,000–59,999' };
  }
  if (name === 'cifar10') {
    const d = dir ?? path.join('data', 'cifar10');
    return { data: await loadCifar10Split(d, 'val'), start: 0, what: `CIFAR-10 validation split (${path.join(d, CIFAR10_SPLITS.val.file)})` };
  }
  throw new BranchyInputError(`--data wants mnist or cifar10, got '${name ?? ''}'`);
}

export async function calibrate(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    data: { type: 'string' },
    'data-dir': { type: 'string' },
    'max-drop': { type: 'string' },
    'mean-macs': { type: 'string' },
    confidence: { type: 'string' },
    rule: { type: 'string', default: 'entropy' },
    count: { type: 'string' },
    out: { type: 'string', short: 'o' },
    ...PREPROCESS_OPTIONS,
  }, USAGE);
  const pre = parsePreprocess(values);
  if (positionals.length !== 1 || !positionals[0].endsWith('.branchy')) throw new BranchyInputError(`calibrate takes one .branchy file\nusage: ${USAGE}`);
  const rule = values.rule as Rule;
  if (rule !== 'entropy' && rule !== 'maxprob') throw new BranchyInputError(`--rule wants entropy or maxprob, got '${rule}'`);
  if ((values['max-drop'] === undefined) === (values['mean-macs'] === undefined)) {
    throw new BranchyInputError(`give exactly one target: --max-drop POINTS or --mean-macs N\nusage: ${USAGE}`);
  }
  const maxDrop = values['max-drop'] === undefined ? undefined : Number(values['max-drop']);
  if (maxDrop !== undefined && !(maxDrop >= 0 && maxDrop <= 100)) {
    throw new BranchyInputError(`--max-drop is in accuracy points (0 to 100, e.g. 0.5), got '${values['max-drop']}'`);
  }
  const meanMacs = values['mean-macs'] === undefined ? undefined : Number(values['mean-macs']);
  if (meanMacs !== undefined && !(meanMacs > 0 && Number.isFinite(meanMacs))) {
    throw new BranchyInputError(`--mean-macs wants a positive number of multiply-accumulates per sample, got '${values['mean-macs']}'`);
  }
  const confidence = values.confidence === undefined ? undefined : Number(values.confidence);
  if (confidence !== undefined && (maxDrop === undefined || !(confidence >= 0.5 && confidence < 1))) {
    throw new BranchyInputError(
      maxDrop === undefined
        ? '--confidence goes with --max-drop (it bounds the accuracy drop on new data)'
        : `--confidence is a probability in [0.5, 1), e.g. 0.95, got '${values.confidence}'`,
    );
  }
  const file = positionals[0];
  const read = readBranchy(await readInput(file, 'the model'));
  const { weights, metadata } = read;
  const graph = applyPreprocess(read.graph, pre, file);
  requireNormalize(graph, file);
  const model = await fromGraph(graph, weights);
  const { data, start, what } = await calibrationData(values.data, values['data-dir']);
  const stats = collectExitStats(model, data, start, intOption(values.count, 'count', data.count - start));
  const ms = model.measureExits(data.images.subarray(start * data.channels * data.height * data.width, (start + 1) * data.channels * data.height * data.width), { layout: 'NCHW' });
  const { graph: out, calibration } = calibrateExits(graph, stats, ms, { rule, maxDrop, confidence, meanMacs });
  const outFile = values.out ?? file;
  const keep = Object.fromEntries(Object.entries(metadata).filter(([k]) => !k.startsWith('branchy.')));
  await writeOutput(outFile, writeBranchy(out, weights, { metadata: keep }), 'the calibrated model');
  console.log(`calibrated on ${stats.truth.length} samples of ${what}, rule ${rule}`);
  printCalibration(model, calibration, rule, maxDrop, confidence);
  console.log(`wrote ${outFile}`);
}

/** What calibration chose, and what it does on the calibration samples. */
export function printCalibration(model: Model, c: Calibration, rule: Rule, maxDrop?: number, confidence?: number): void {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  console.log(`thresholds ${c.thresholds.map((t) => t.toPrecision(4)).join(', ')}`);
  // Full depth as the `full` policy runs it: every stage and the last head, no early head.
  const ex = model.info.exits!;
  const fullMacs = ex.reduce((a, e) => a + e.macs.stage, 0) + ex[ex.length - 1].macs.head;
  console.log(`full depth: accuracy ${pct(c.full.accuracy)}, ${fullMacs.toFixed(0)} MACs`);
  console.log(`with exits: accuracy ${pct(c.result.accuracy)}, mean ${c.result.meanMacs.toFixed(0)} MACs (${(fullMacs / c.result.meanMacs).toFixed(2)}× fewer), exits ${c.result.histogram.map(pct).join(' / ')}`);
  if (c.dropBound !== undefined && confidence !== undefined) {
    console.log(`accuracy drop ${(100 * (c.result.lost - c.result.gained)).toFixed(2)} points here; ${(100 * confidence).toFixed(0)}% upper bound on new data ${(100 * c.dropBound).toFixed(2)} (≤ ${maxDrop})`);
  }
  const g = c.gates;
  if (g) {
    console.log(`predictor gates ${g.gates.map((t) => t.toPrecision(4)).join(', ')} (policy predicted:${rule}): accuracy ${pct(g.result.accuracy)}, ` +
      `mean ${g.result.meanMacs.toFixed(0)} MACs (${(fullMacs / g.result.meanMacs).toFixed(2)}× fewer) vs ${g.without.meanMacs.toFixed(0)} without predictors ` +
      `(${(g.without.meanMacs - g.result.meanMacs).toFixed(0)} MACs saved per sample), exits ${g.result.histogram.map(pct).join(' / ')}`);
  }
}

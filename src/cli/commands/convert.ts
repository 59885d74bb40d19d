// branchy convert MODEL.(onnx|tflite) -o OUT.branchy [--quant none|int8 --calib SRC ...]
import { stat } from 'node:fs/promises';
import { parse, intOption } from '../args.js';
import { readModelFile } from '../model-file.js';
import { parseInputShapes } from '../input-shapes.js';
import { loadCifar10Split, loadMnist, type Dataset } from '../datasets.js';
import { readInput, writeOutput } from '../files.js';
import { readNpy } from '../npy.js';
import { writeBranchy } from '../../format/index.js';
import { floatReport, lowRankForCli, parseLowRank, parseMethod, parsePrune, pruneForCli, quantizeForCli, runtimeObserve } from '../compress.js';
import { BranchyInputError } from '../../errors.js';
import type { Graph, Normalize, Weights } from '../../ir/types.js';
import { findExits, isMultiExit } from '../../ir/exits.js';
import path from 'node:path';
import { applyPreprocess, parsePreprocess, PREPROCESS_OPTIONS, PREPROCESS_USAGE, requireNormalize } from '../preprocess.js';
import { detectSpecFor } from '../detect-spec.js';
import { loadDetection } from '../detect-data.js';

const USAGE =
  'branchy convert MODEL.(onnx|tflite) -o OUT.branchy [--quant none|int8] [--calib mnist|cifar10|FILE.npy] [--calib-count N] ' +
  '[--method minmax|percentile|sigma|kmeans] [--percentile P] [--clusters K] [--sequential] [--bias-correct] [--keep-float NODE,NODE] ' +
  '[--prune SPARSITY[,global]] [--lowrank energy:F|macs:F] [--binarize NODE,NODE] [--input-shape NAME=D0,D1,...] [--data-dir DIR] ' +
  '[--pixels raw|unit (TFLite: the model takes pixels 0-255 or 0-1)] ' +
  '[--detect yolov2|yolov8 --classes A,B [--anchors W,H,...] [--reg-max N] [--detect-output NAME]] ' + PREPROCESS_USAGE +
  ' (--scale/--mean/--std are stored in the file as the model\'s normalisation)';

/** --pixels: how uint8 pixels become a TFLite model's input (the file does not say). */
function pixels(v: string | undefined): Normalize | undefined {
  if (v === undefined) return undefined;
  if (v !== 'raw' && v !== 'unit') throw new BranchyInputError(`--pixels wants raw (0-255) or unit (0-1), got '${v}'`);
  return { mean: [0], std: [1], scale: v === 'raw' ? 1 : 255 };
}

/**
 * Calibration images: a training split (never the test split; its pixels are NCHW), a detection
 * data set's split (a directory), or a user's .npy batch (in the model's own layout).
 */
async function calibrationSet(src: string, count: number, dataDir?: string): Promise<{ images: Float32Array[] | Uint8Array[]; layout?: 'NCHW' }> {
  let ds: Dataset;
  if (src === 'mnist') ds = await loadMnist('train', dataDir);
  else if (!src.endsWith('.npy') && (await stat(src).catch(() => null))?.isDirectory()) ds = await loadDetection(src, count);
  else if (src === 'cifar10') {
    ds = await loadCifar10Split(dataDir ?? path.join('data', 'cifar10'), 'train');
  } else {
    const arr = readNpy(await readInput(src, 'the calibration images', 'pass --calib mnist, cifar10 or a .npy file of images (numpy.save)'), src);
    const n = arr.shape[0];
    const per = arr.data.length / n;
    const data = arr.data instanceof Float64Array ? Float32Array.from(arr.data) : arr.data;
    if (!(data instanceof Float32Array) && !(data instanceof Uint8Array)) {
      throw new BranchyInputError(`${src}: calibration images must be float32 (or uint8 pixels)`);
    }
    return { images: Array.from({ length: Math.min(n, count) }, (_, i) => data.slice(i * per, (i + 1) * per)) as Float32Array[] | Uint8Array[] };
  }
  const size = ds.channels * ds.height * ds.width;
  // Spread the picks over the split so every class is represented.
  const step = Math.max(1, Math.floor(ds.count / count));
  return { images: Array.from({ length: Math.min(count, ds.count) }, (_, i) => ds.images.slice(i * step * size, (i * step + 1) * size)), layout: 'NCHW' };
}

export async function convert(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    out: { type: 'string', short: 'o' },
    quant: { type: 'string', default: 'none' },
    calib: { type: 'string' },
    'calib-count': { type: 'string' },
    method: { type: 'string', default: 'minmax' },
    percentile: { type: 'string' },
    'keep-float': { type: 'string' },
    'data-dir': { type: 'string' },
    clusters: { type: 'string' },
    sequential: { type: 'boolean', default: false },
    'bias-correct': { type: 'boolean', default: false },
    prune: { type: 'string' },
    lowrank: { type: 'string' },
    binarize: { type: 'string' },
    ...PREPROCESS_OPTIONS,
    pixels: { type: 'string' },
    'input-shape': { type: 'string', multiple: true },
    detect: { type: 'string' },
    classes: { type: 'string' },
    anchors: { type: 'string' },
    'reg-max': { type: 'string' },
    'detect-output': { type: 'string' },
  }, USAGE);
  const pre = parsePreprocess(values);
  if (positionals.length !== 1) throw new BranchyInputError(`convert takes one model file\nusage: ${USAGE}`);
  const src = positionals[0];
  const out = values.out ?? src.replace(/\.(onnx|tflite)$/, '') + '.branchy';
  const binarize = values.binarize?.split(',').map((s) => s.trim()).filter(Boolean);
  if (values.pixels !== undefined && !src.endsWith('.tflite')) throw new BranchyInputError('--pixels is for .tflite models (ONNX models carry their normalisation in their metadata)');
  const read = await readModelFile(src, { binarize, inputLayout: pre.layout, inputShapes: parseInputShapes(values['input-shape']), normalize: pixels(values.pixels) });
  const { weights, binarized } = read;
  const graph = applyPreprocess(read.graph, pre, src);
  for (const b of binarized) {
    console.log(`binarize ${b.node} (${b.op}, ${b.input === 'bits' ? 'binary activations' : 'float/int8 activations'}) ${b.channels} channels, ` +
      `alpha ${b.alpha[0].toPrecision(3)}..${b.alpha[1].toPrecision(3)}, weights ${b.bytesBefore} -> ${b.bytesAfter} bytes`);
  }
  // Checked before the passes run; they keep the outputs' names and shapes.
  const detect = values.detect
    ? detectSpecFor(graph, { detect: values.detect, classes: values.classes, anchors: values.anchors, regMax: values['reg-max'], output: values['detect-output'] })
    : undefined;
  if (detect) console.log(`detect ${JSON.stringify(detect)}`);
  else if (values.classes || values.anchors || values['reg-max'] || values['detect-output']) {
    throw new BranchyInputError('--classes, --anchors, --reg-max and --detect-output go with --detect yolov2|yolov8');
  }
  let g = graph, w = weights;
  const int8 = g.tensors.some((t) => t.dtype === 'i8' && !t.constant);
  if (int8 && values.quant === 'int8') throw new BranchyInputError(`${src} is already int8 (its own scales are kept); convert it without --quant int8`);
  // Passes run in this order: low rank, prune, quantize (each on the previous one's output).
  const lowrank = values.lowrank === undefined ? undefined : parseLowRank(values.lowrank);
  const prune = values.prune === undefined ? undefined : parsePrune(values.prune);
  if (values.quant !== 'int8' && values.quant !== 'none') throw new BranchyInputError(`--quant wants none or int8, got '${values.quant}'`);
  const method = parseMethod(values.method);
  if (values.quant === 'int8' && !values.calib) throw new BranchyInputError('--quant int8 needs calibration images: --calib mnist|cifar10|FILE.npy');
  const calib = values.calib ? await calibrationSet(values.calib, intOption(values['calib-count'], 'calib-count', 500), values['data-dir']) : undefined;
  if (calib && calib.images[0] instanceof Uint8Array) requireNormalize(graph, src);
  const images = calib?.images;
  // Without --calib, --lowrank and --prune still run, just without the error report.
  const observe = calib ? runtimeObserve(calib.images, 'calibrate', calib.layout) : undefined;
  if (lowrank) ({ graph: g, weights: w } = await lowRankForCli(g, w, lowrank, observe));
  if (prune) ({ graph: g, weights: w } = await pruneForCli(g, w, prune, observe));
  let floatLeft: string | undefined;
  if (values.quant === 'int8') {
    const percentile = values.percentile === undefined ? undefined : Number(values.percentile);
    const keepFloat = values['keep-float']?.split(',').map((s) => s.trim()).filter(Boolean);
    const clusters = intOption(values.clusters, 'clusters', 16);
    const r = await quantizeForCli(g, w, images!, { method, percentile, keepFloat, sequential: values.sequential, clusters, layout: calib!.layout,
      biasCorrect: values['bias-correct'],
    });
    g = r.graph;
    w = r.weights;
    floatLeft = floatReport(r.float);
  }
  if (isMultiExit(g)) g = { ...g, exits: findExits(g) };
  if (detect) g = { ...g, detect };
  const bytes = writeBranchy(g, w);
  await writeOutput(out, bytes, 'the model');
  console.log(`wrote ${out} (${bytes.length} bytes, ${int8 ? 'int8 as imported' : values.quant})`);
  // Last, so no layer stays in float unseen: each node int8 left in float, and why.
  if (floatLeft) console.log(floatLeft);
}

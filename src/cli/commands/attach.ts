// branchy attach MODEL --data mnist|cifar10|DIR -o OUT.branchy [--at auto|TENSOR,...] [--max-drop P]
// [--confidence C]: early exits for a single-exit model, trained on its frozen features
// (src/convert/attach), calibrated on held-out training images, written as a multi-exit file.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, intOption } from '../args.js';
import { loadLabelledBin, loadMnist, type Dataset } from '../datasets.js';
import { readModelFile } from '../model-file.js';
import { Progress } from '../progress.js';
import { applyPreprocess, parsePreprocess, PREPROCESS_OPTIONS, PREPROCESS_USAGE, requireNormalize } from '../preprocess.js';
import { printCalibration } from './calibrate.js';
import { logitsGraph, type LabelledImages } from '../../convert/attach/index.js';
import { attachExits } from '../../node/attach.js';
import type { HeadKind } from '../../convert/attach/heads.js';
import { writeBranchy } from '../../format/index.js';
import { fromGraph } from '../../runtime/model.js';
import { BranchyInputError } from '../../errors.js';
import type { Graph } from '../../ir/types.js';

const USAGE =
  'branchy attach MODEL.(onnx|branchy|tflite) --data mnist|cifar10|DIR -o OUT.branchy [--at auto|TENSOR,TENSOR] [--max-drop 0.5] [--confidence 0.95] ' +
  '[--heads gap,conv] [--max-exits 3] [--no-predictors] [--epochs 8] [--limit N] [--data-dir DIR] ' + PREPROCESS_USAGE;

export interface AttachData {
  train: LabelledImages;
  holdout: LabelledImages;
  what: string;
}

const part = (d: Dataset, start: number, end: number): LabelledImages => {
  const size = d.channels * d.height * d.width;
  return { images: d.images.subarray(start * size, end * size), labels: d.labels.subarray(start, end), count: end - start, layout: 'NCHW' };
};

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Training images and held-out images (never the test split), as `calibrate` reads them:
 * MNIST: training digits 0–49,999 and 50,000–59,999; CIFAR-10: data/cifar10/train.bin without
 * its last 5,000 records, which are data/cifar10/val.bin; a directory: its train.bin and val.bin
 * (CIFAR-10's binary layout at the model's input size), or the last 10% of train.bin.
 */
export async function attachData(name: string | undefined, dir: string | undefined, graph: Graph): Promise<AttachData> {
  if (name === 'mnist') {
    const d = await loadMnist('train', dir);
    return { train: part(d, 0, d.count - 10_000), holdout: part(d, d.count - 10_000, d.count), what: 'MNIST training digits 0–49,999; held out 50,000–59,999' };
  }
  if (!name) throw new BranchyInputError(`--data wants mnist, cifar10 or a directory with train.bin\nusage: ${USAGE}`);
  const folder = name === 'cifar10' ? dir ?? path.join('data', 'cifar10') : name;
  const t = graph.tensors.find((x) => x.name === graph.inputs[0])!;
  const [c, h, w] = t.shape.length === 4 ? [t.shape[3], t.shape[1], t.shape[2]] : [1, 1, t.shape[1]];
  const label = name === 'cifar10' ? 'cifar10' : path.basename(folder);
  const train = await loadLabelledBin(path.join(folder, 'train.bin'), c, h, w, label);
  const valFile = path.join(folder, 'val.bin');
  const val = existsSync(valFile) ? await loadLabelledBin(valFile, c, h, w, label) : null;
  const size = c * h * w;
  if (!val) {
    const cut = Math.floor(train.count * 0.9);
    return { train: part(train, 0, cut), holdout: part(train, cut, train.count), what: `${folder}/train.bin: records 0–${cut - 1}; held out the last ${train.count - cut}` };
  }
  // train.bin holding val.bin at its end (train/common.py's split): leave those records out.
  const tail = train.count >= val.count && sameBytes(train.images.subarray((train.count - val.count) * size), val.images);
  const end = tail ? train.count - val.count : train.count;
  return { train: part(train, 0, end), holdout: part(val, 0, val.count), what: `${folder}/train.bin records 0–${end - 1}; held out ${folder}/val.bin (${val.count})` };
}

export async function attach(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    data: { type: 'string' },
    'data-dir': { type: 'string' },
    out: { type: 'string', short: 'o' },
    at: { type: 'string', default: 'auto' },
    'max-drop': { type: 'string', default: '0.5' },
    confidence: { type: 'string' },
    heads: { type: 'string', default: 'gap,conv' },
    'max-exits': { type: 'string' },
    'no-predictors': { type: 'boolean', default: false },
    epochs: { type: 'string' },
    limit: { type: 'string' },
    ...PREPROCESS_OPTIONS,
  }, USAGE);
  if (positionals.length !== 1) throw new BranchyInputError(`attach takes one model file\nusage: ${USAGE}`);
  if (!values.out) throw new BranchyInputError(`-o OUT.branchy is required\nusage: ${USAGE}`);
  const maxDrop = Number(values['max-drop']);
  if (!(maxDrop >= 0 && maxDrop <= 100)) throw new BranchyInputError(`--max-drop is in accuracy points (0 to 100, e.g. 0.5), got '${values['max-drop']}'`);
  const confidence = values.confidence === undefined ? undefined : Number(values.confidence);
  if (confidence !== undefined && !(confidence >= 0.5 && confidence < 1)) throw new BranchyInputError(`--confidence is a probability in [0.5, 1), e.g. 0.95, got '${values.confidence}'`);
  const heads = values.heads.split(',').map((s) => s.trim());
  if (heads.length === 0 || heads.some((k) => k !== 'gap' && k !== 'conv')) throw new BranchyInputError(`--heads wants gap, conv or gap,conv, got '${values.heads}'`);
  const pre = parsePreprocess(values);
  const file = positionals[0];
  const read = await readModelFile(file, { inputLayout: pre.layout });
  const graph = applyPreprocess(read.graph, pre, file);
  requireNormalize(graph, file);
  logitsGraph(graph); // a multi-exit model is refused before the data are read
  const data = await attachData(values.data, values['data-dir'], graph);
  const limit = values.limit === undefined ? undefined : intOption(values.limit, 'limit', 0);
  if (limit !== undefined) {
    const cap = (s: LabelledImages, n: number): LabelledImages => {
      const m = Math.min(n, s.count), size = s.images.length / s.count;
      return { ...s, images: s.images.subarray(0, m * size), labels: Array.prototype.slice.call(s.labels, 0, m) as number[], count: m };
    };
    data.train = cap(data.train, limit);
    data.holdout = cap(data.holdout, Math.max(200, limit >> 2));
  }
  console.log(`model      ${file}`);
  console.log(`data       ${data.what}${limit !== undefined ? ` (limited: ${data.train.count} + ${data.holdout.count})` : ''}`);
  let bar: Progress | null = null, phase = '';
  const cpu0 = process.cpuUsage();
  const r = await attachExits(graph, read.weights, data.train, data.holdout, {
    at: values.at === 'auto' ? 'auto' : values.at.split(',').map((s) => s.trim()).filter(Boolean),
    maxDrop, confidence, heads: heads as HeadKind[],
    maxExits: values['max-exits'] === undefined ? undefined : intOption(values['max-exits'], 'max-exits', 3),
    predictors: !values['no-predictors'],
    epochs: values.epochs === undefined ? undefined : intOption(values.epochs, 'epochs', 8),
    onProgress: (p, done, total) => {
      if (p !== phase) {
        bar?.end();
        (phase = p), (bar = new Progress(p, total));
      }
      bar!.tick(done);
    },
    log: (line) => {
      bar?.end();
      bar = null;
      phase = '';
      console.log(line);
    },
  });
  (bar as Progress | null)?.end();
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  console.log('candidates (held-out accuracy, agreement with the final exit, expected MACs alone at the floor):');
  for (const c of r.candidates) {
    console.log(`  ${c.chosen ? '*' : ' '} ${c.kind.padEnd(4)} ${c.tensor} [${c.shape.slice(1).join('x')}] ${(100 * c.fraction).toFixed(1)}% + ${c.headMacs} MACs: ` +
      `${pct(c.accuracy)}, agree ${pct(c.agreement)}, ${Number.isFinite(c.expectedMacs) ? c.expectedMacs.toFixed(0) : '-'}`);
  }
  const model = await fromGraph(r.graph, r.weights);
  console.log(`calibrated on ${r.holdoutCount} held-out images, rule entropy`);
  printCalibration(model, r.calibration, 'entropy', maxDrop, confidence);
  const s = r.seconds;
  const cpu = process.cpuUsage(cpu0);
  console.log(`time       ${s.total.toFixed(1)} s: features ${s.probe.toFixed(1)}, heads ${s.train.toFixed(1)}, choice ${s.select.toFixed(1)}, calibration ${s.calibrate.toFixed(1)} ` +
    `(CPU time ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`);
  const bytes = writeBranchy(r.graph, r.weights);
  await writeFile(values.out, bytes);
  console.log(`wrote ${values.out} (${bytes.length} bytes, ${r.graph.outputs.filter((o) => o.startsWith('exit')).length} exits)`);
}

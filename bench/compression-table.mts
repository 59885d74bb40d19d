// The comparison tables of docs/compression.md: one row per compressed variant of a model, each
// converted by the CLI (`branchy convert`, output and log in bench/out/table/<model>/), then
// top-1 on the whole test split, MACs at full depth (what the block-sparse kernel skips taken
// off), file size (and gzip -9), packed weight bytes in memory, and latency per image (simd
// build, one thread). Latency: every model times the same first --latency-images test images,
// models take turns (the order rotates each run) --runs times; a row shows the median of its
// runs' means, so a load spike on the shared machine moves one run, not the row.
// Fine-tuned rows read train/compress_finetune.py's exports (bench/out/ft/<model>-<tag>.onnx);
// a missing one is listed with the command that makes it.
//   node --import tsx bench/compression-table.mts --model lenet|mobilenet [--runs 5] [--latency-images N]
//        [--rank macs:0.5] [--reconvert] [--only ID,ID] [--onnx OTHER.onnx (same data and outputs; no fine-tuned rows)]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { readBranchy } from '../src/format/index.js';
import { nodeMacs } from '../src/ir/macs.js';
import type { Graph, Node, Weights } from '../src/ir/types.js';
import { load, type Model } from '../src/runtime/model.js';
import { blockSparsity } from '../src/runtime/ops/qs8-sparse.js';
import { loadDataset } from '../src/cli/commands/eval.js';
import { machine } from './machine.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values: opt } = parseArgs({
  options: {
    model: { type: 'string', default: 'lenet' },
    runs: { type: 'string', default: '5' },
    'latency-images': { type: 'string' },
    rank: { type: 'string', default: 'macs:0.5' },
    reconvert: { type: 'boolean', default: false },
    only: { type: 'string' },
    onnx: { type: 'string' },
  },
});

interface Setup { onnx: string; data: 'mnist' | 'cifar10'; output: string; latencyImages: number }
const MODELS: Record<string, Setup> = {
  lenet: { onnx: 'models/mnist-lenet.onnx', data: 'mnist', output: 'logits', latencyImages: 2000 },
  mobilenet: { onnx: 'models/mobilenet-exits-cifar10.onnx', data: 'cifar10', output: 'exit2', latencyImages: 300 },
};
const setup = MODELS[opt.model!];
if (!setup) throw new Error(`--model wants ${Object.keys(MODELS).join(' or ')}`);
if (opt.onnx) setup.onnx = opt.onnx;
const tag = opt.onnx ? path.basename(opt.onnx, '.onnx') : opt.model!;

interface Variant { id: string; label: string; finetuned: boolean; src: string; args: string[]; make?: string }
function variants(): Variant[] {
  const q = ['--quant', 'int8', '--calib', setup.data];
  const rank = opt.rank!;
  const ft = (tag: string, recipe: string): Pick<Variant, 'src' | 'make' | 'finetuned'> => ({
    finetuned: true,
    src: `bench/out/ft/${opt.model}-${tag}.onnx`,
    make: `nice -n 19 /usr/bin/python3 train/compress_finetune.py --model ${opt.model} ${recipe}`,
  });
  const base = { finetuned: false, src: setup.onnx };
  const rk = rank.replace(':', '');
  return [
    { id: 'f32', label: 'f32', ...base, args: [] },
    ...(['minmax', 'percentile', 'sigma'] as const).map((m) => ({ id: `int8-${m}`, label: `int8 ${m}`, ...base, args: [...q, '--method', m] })),
    { id: 'int8-sigma-seq', label: 'int8 sigma + sequential', ...base, args: [...q, '--method', 'sigma', '--sequential'] },
    { id: 'int8-kmeans', label: 'int8 kmeans (K = 16)', ...base, args: [...q, '--method', 'kmeans'] },
    ...[0.5, 0.75].flatMap((s) => [
      { id: `prune${s}`, label: `pruned ${s * 100}% + int8`, ...base, args: ['--prune', String(s), ...q] },
      { id: `prune${s}-ft`, label: `pruned ${s * 100}% + int8`, ...ft(`prune${s}`, `--recipe prune --sparsity ${s}`), args: ['--prune', String(s), ...q] },
    ]),
    { id: 'lowrank', label: `low-rank ${rank} + int8`, ...base, args: ['--lowrank', rank, ...q] },
    { id: 'lowrank-ft', label: `low-rank ${rank} + int8`, ...ft(`lowrank-${rk}`, `--recipe lowrank --rank ${rank}`), args: q },
    // Global: per layer, a low-rank factor with K <= 8 (LeNet's fc2 4 -> 10) would lose whole output groups.
    { id: 'lowrank-prune0.5g', label: `low-rank ${rank} + pruned 50% global + int8`, ...base, args: ['--lowrank', rank, '--prune', '0.5,global', ...q] },
    {
      id: 'lowrank-prune0.5g-ft', label: `low-rank ${rank} + pruned 50% global + int8`,
      ...ft(`lowrank-${rk}-prune0.5g`, `--recipe lowrank-prune --rank ${rank} --sparsity 0.5 --scope global`), args: ['--prune', '0.5,global', ...q],
    },
  ].filter((v) => (!opt.only || opt.only.split(',').includes(v.id)) && !(opt.onnx && v.finetuned));
}

interface Converted { file: string; seconds: number; command: string; log: string }
/** Runs `branchy convert` (again when the source is newer or with --reconvert) and returns the file and its log. */
function convert(v: Variant, dir: string): Converted {
  const file = path.join(dir, `${v.id}.branchy`), logFile = path.join(dir, `${v.id}.log`), metaFile = path.join(dir, `${v.id}.json`);
  const args = ['convert', v.src, '-o', path.relative(ROOT, file), ...v.args];
  const command = `node --import tsx src/cli/main.ts ${args.join(' ')}`;
  const stale = !existsSync(file) || !existsSync(metaFile) || statSync(path.join(ROOT, v.src)).mtimeMs > statSync(file).mtimeMs;
  if (opt.reconvert || stale) {
    console.error(`converting ${v.id}: ${command}`);
    const fd = openSync(logFile, 'w');
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    if (r.status !== 0) throw new Error(`${command} failed (exit ${r.status}); see ${logFile}`);
    writeFileSync(metaFile, JSON.stringify({ seconds: (performance.now() - t0) / 1000, command }));
  }
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { seconds: number; command: string };
  return { file, ...meta, log: readFileSync(logFile, 'utf8') };
}

/**
 * Fine-tuned files already hold the zero blocks; `--prune S` must only find them and flag the
 * layers. A layer where the runtime zeroed more (blocks not aligned with the recipe's) is named.
 */
function pruneMismatch(log: string): string[] {
  return [...log.matchAll(/^prune (\S+) .* nonzero (\d+) -> (\d+)/gm)].filter((m) => m[2] !== m[3]).map((m) => `${m[1]} ${m[2]} -> ${m[3]}`);
}

/** MACs of the nodes `output` depends on, dense and with the stored blocks of sparse layers only. */
function pathMacs(graph: Graph, weights: Weights, output: string): { dense: number; run: number } {
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const seen = new Set<Node>();
  const stack = [output];
  while (stack.length) {
    const n = producer.get(stack.pop()!);
    if (!n || seen.has(n)) continue;
    seen.add(n);
    stack.push(...n.inputs);
  }
  let dense = 0, run = 0;
  for (const n of seen) {
    const m = nodeMacs(graph, n);
    dense += m;
    const sparse = (n.attrs as { sparse?: unknown }).sparse;
    if (!sparse) {
      run += m;
      continue;
    }
    const shape = graph.tensors.find((t) => t.name === n.inputs[1])!.shape;
    run += m * (1 - blockSparsity(weights.get(n.inputs[1])!, shape[0], shape.at(-1)!));
  }
  return { dense, run };
}

const data = await loadDataset(setup.data, undefined);
const size = data.channels * data.height * data.width;
const image = (i: number) => data.images.subarray(i * size, (i + 1) * size);
/** The label at full depth: the last exit of a multi-exit model, else the argmax of the output. */
function classify(m: Model, i: number): number {
  if (m.info.exits) return m.classify(image(i), { policy: { kind: 'full' } })[0].label;
  const o = m.run(image(i))[setup.output].data;
  let b = 0;
  for (let c = 1; c < o.length; c++) if (o[c] > o[b]) b = c;
  return b;
}

const dir = path.join(ROOT, 'bench', 'out', 'table', tag);
mkdirSync(dir, { recursive: true });
interface Row { v: Variant; c: Converted; model: Model; bytes: number; gzip: number; macs: { dense: number; run: number }; top1: number; mismatch: string[]; ms: number[] }
const rows: Row[] = [];
const missing: Variant[] = [];
for (const v of variants()) {
  if (!existsSync(path.join(ROOT, v.src))) {
    missing.push(v);
    continue;
  }
  const c = convert(v, dir);
  const bytes = new Uint8Array(readFileSync(c.file));
  const { graph, weights } = readBranchy(bytes);
  const model = await load(bytes, { build: 'simd' });
  let ok = 0;
  for (let i = 0; i < data.count; i++) if (classify(model, i) === data.labels[i]) ok++;
  rows.push({
    v, c, model, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, macs: pathMacs(graph, weights, setup.output),
    top1: ok / data.count, mismatch: v.finetuned ? pruneMismatch(c.log) : [], ms: [],
  });
  console.error(`${v.id}: top-1 ${((100 * ok) / data.count).toFixed(2)}%`);
}

const runs = Number(opt.runs), n = Math.min(data.count, Number(opt['latency-images'] ?? setup.latencyImages));
for (let r = 0; r < runs; r++) {
  for (let j = 0; j < rows.length; j++) {
    const row = rows[(j + r) % rows.length];
    for (let i = 0; i < 20; i++) classify(row.model, i);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) classify(row.model, i);
    row.ms.push((performance.now() - t0) / n);
  }
}
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
const mmacs = (m: number) => `${(m / 1e6).toFixed(2)} M`;
console.log(`${machine()}; ${setup.onnx}, ${data.name} test (${data.count} images), simd build, one thread; latency: median of ${runs} runs over the first ${n} images\n`);
console.log('| variant | fine-tuned | file | gzip -9 | packed weights | MACs (run) | top-1 | ms / image | convert s |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const macs = r.macs.run < r.macs.dense ? `${mmacs(r.macs.dense)} (${mmacs(r.macs.run)})` : mmacs(r.macs.dense);
  console.log(`| ${r.v.label} | ${r.v.finetuned ? 'yes' : 'no'} | ${kb(r.bytes)} | ${kb(r.gzip)} | ${kb(r.model.info.weightBytes)} | ${macs} | ` +
    `${(100 * r.top1).toFixed(2)}% | ${median(r.ms).toFixed(3)} | ${r.c.seconds.toFixed(0)} |`);
}
for (const r of rows) if (r.mismatch.length) console.log(`\nWARNING ${r.v.id}: the runtime pruned more than the recipe (blocks not aligned): ${r.mismatch.join(', ')}`);
for (const v of missing) console.log(`\nmissing ${v.id}: ${v.src} (make it with: ${v.make ?? 'train/README.md'})`);
console.log('\ncommands:');
for (const r of rows) console.log(`  ${r.v.id}: ${r.c.command}`);
writeFileSync(path.join(dir, 'table.json'), JSON.stringify(rows.map((r) => ({
  id: r.v.id, label: r.v.label, finetuned: r.v.finetuned, file: r.bytes, gzip: r.gzip, packedWeights: r.model.info.weightBytes,
  macs: r.macs, top1: r.top1, ms: r.ms, convertSeconds: r.c.seconds, command: r.c.command, mismatch: r.mismatch,
})), null, 1));

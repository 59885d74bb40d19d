// The LeNet rows of docs/compression.md: every quantization method (± sequential), pruning and
// low-rank splits of models/mnist-lenet.onnx, through the runtime, on real MNIST digits.
//   node --import tsx bench/compression-lenet.mts [quant|prune|lowrank]
import { readFileSync } from 'node:fs';
import { importOnnx } from '../src/convert/index.js';
import { quantizeGraph, QUANT_METHODS } from '../src/convert/quantize.js';
import { pruneGraph } from '../src/convert/prune.js';
import { lowRankGraph, type LowRankRule } from '../src/convert/lowrank.js';
import { runtimeObserve } from '../src/cli/compress.js';
import { fromGraph } from '../src/runtime/model.js';
import { loadMnist } from '../src/cli/datasets.js';
import type { Graph, Weights } from '../src/ir/types.js';
import { machine } from './machine.js';

const { graph, weights } = importOnnx(new Uint8Array(readFileSync(new URL('../models/mnist-lenet.onnx', import.meta.url))));
const [train, test] = await Promise.all([loadMnist('train'), loadMnist('test')]);
const digits = (n: number, stride: number) => Array.from({ length: n }, (_, i) => train.images.slice(i * stride * 784, (i * stride + 1) * 784));
const what = process.argv[2] ?? 'all';

async function top1(g: Graph, w: Weights, n: number): Promise<string> {
  const m = await fromGraph(g, w);
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const o = m.run(test.images.subarray(i * 784, (i + 1) * 784)).logits.data;
    let b = 0;
    for (let c = 1; c < 10; c++) if (o[c] > o[b]) b = c;
    if (b === test.labels[i]) ok++;
  }
  return `${((100 * ok) / n).toFixed(2)}%`;
}

console.log(machine());
if (what === 'all' || what === 'quant') {
  const observe = runtimeObserve(digits(200, 293));
  console.log(`\nfloat top-1 (2000 test digits): ${await top1(graph, weights, 2000)}\n`);
  console.log('| method | sequential | top-1 | logits outputMse | ms weights | passes |\n|---|---|---:|---:|---:|---:|');
  for (const method of QUANT_METHODS) for (const sequential of [false, true]) {
    const r = await quantizeGraph(graph, weights, { method, sequential, observe });
    const logits = r.report.find((l) => l.tensor === 'logits')!;
    console.log(`| ${method} | ${sequential ? 'yes' : 'no'} | ${await top1(r.graph, r.weights, 2000)} | ${logits.outputMse!.toExponential(2)} | ${r.ms.weights.toFixed(0)} | ${r.passes} |`);
  }
}
if (what === 'all' || what === 'prune') {
  const observe = runtimeObserve(digits(100, 593));
  console.log(`\nfloat top-1 (1000 test digits): ${await top1(graph, weights, 1000)}\n`);
  console.log('| --prune | fc1 zero blocks | fc2 zero blocks | f32 | int8 |\n|---|---:|---:|---:|---:|');
  for (const [sparsity, scope] of [[0.5, 'layer'], [0.7, 'layer'], [0.9, 'layer'], [0.7, 'global'], [0.9, 'global']] as const) {
    const p = await pruneGraph(graph, weights, { sparsity, scope });
    const q = await quantizeGraph(p.graph, p.weights, { method: 'minmax', observe, outputError: false });
    const z = (n: string) => `${(100 * p.layers.find((l) => l.node === n)!.sparsity).toFixed(0)}%`;
    console.log(`| ${sparsity}${scope === 'global' ? ',global' : ''} | ${z('/fc1/Gemm')} | ${z('/fc2/Gemm')} | ${await top1(p.graph, p.weights, 1000)} | ${await top1(q.graph, q.weights, 1000)} |`);
  }
}
if (what === 'all' || what === 'lowrank') {
  const observe = runtimeObserve(digits(100, 593));
  console.log('\n| --lowrank | layers (scheme rank/full) | MACs | weight bytes | f32 | int8 | seconds |\n|---|---|---:|---:|---:|---:|---:|');
  for (const rule of [{ kind: 'energy', keep: 0.9 }, { kind: 'energy', keep: 0.95 }, { kind: 'macs', ratio: 0.5 }] as LowRankRule[]) {
    const l = await lowRankGraph(graph, weights, { rule });
    const q = await quantizeGraph(l.graph, l.weights, { method: 'minmax', observe, outputError: false });
    const macs = (x: typeof l.layers) => x.reduce((a, y) => a + y.macs, 0);
    const after = l.layers.reduce((a, y) => a + y.macsAfter, 0);
    const desc = l.layers.map((x) => `${x.node.split('/')[1]} ${x.scheme === 'kept' ? 'kept' : `${x.scheme} ${x.rank}/${x.fullRank}`}`).join(', ');
    console.log(`| ${rule.kind}:${rule.kind === 'energy' ? rule.keep : rule.ratio} | ${desc} | ${macs(l.layers)} → ${after} | ${l.bytesBefore} → ${l.bytesAfter} | ${await top1(l.graph, l.weights, 1000)} | ${await top1(q.graph, q.weights, 1000)} | ${(l.ms / 1000).toFixed(1)} |`);
  }
}

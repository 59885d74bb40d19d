// int8 agreement of branchy's TFLite import with LiteRT.js (issue 18) on the four MLPerf Tiny
// int8 files, as they are (int8 in, int8 out):
//   node --experimental-wasm-relaxed-simd --import tsx bench/tflite-agreement.mts [--samples 1000] [--layer-samples 50]
// 1. End to end: the fraction of output values that differ from LiteRT.js's, the largest
//    difference in output steps, and the inputs whose top-1 answer differs, over `samples`
//    inputs (ResNet-8: CIFAR-10 test images; VWW: the same scaled to 96×96; DS-CNN and the
//    autoencoder: seeded int8 values, no speech or machine-sound data here).
// 2. Per operator where any differs, on `layer-samples` inputs: alone on LiteRT.js's own input
//    values (layerAgreement), and end to end, what reached it from the layers before as well
//    (endToEndAgreement).
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { builtinName, importTflite, readTflite, type TfliteModel } from '../src/convert/index.js';
import { loadCifar10 } from '../src/cli/datasets.js';
import { fromGraph } from '../src/runtime/model.js';
import { machine } from './machine.js';
import { loadLitert, openLitertRaw } from './peers/litert.mjs';
import { endToEndAgreement, layerAgreement, type LayerAgreement } from './peers/tflite-layers.mjs';
import { readFileSync } from 'node:fs';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '1000' }, 'layer-samples': { type: 'string', default: '50' } } });
const N = Number(values.samples), L = Number(values['layer-samples']);
const DIR = new URL('../../shared/models/mlperf-tiny/', import.meta.url);
const MODELS = ['ic_resnet8', 'vww_mobilenet', 'kws_dscnn', 'ad_autoencoder'];
const cifar = await loadCifar10(fileURLToPath(new URL('../../shared/data/cifar10/test.bin', import.meta.url)));

/** Sample i of a model's int8 input: a CIFAR-10 test image (nearest-scaled to the input's size) or seeded values. */
function input(name: string, m: TfliteModel, i: number): Int8Array {
  const t = m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]];
  const { scale: [s], zeroPoint: [zp] } = t.quantization!;
  const n = t.shape.reduce((a, d) => a * d, 1);
  if (name === 'ic_resnet8' || name === 'vww_mobilenet') {
    const size = t.shape[1], chw = cifar.images.subarray(i * 3072, (i + 1) * 3072);
    const real = name === 'ic_resnet8' ? (v: number) => v : (v: number) => v / 255;
    return Int8Array.from({ length: n }, (_, k) => {
      const [y, x, c] = [Math.floor(k / (size * 3)), Math.floor(k / 3) % size, k % 3];
      const v = chw[c * 1024 + Math.floor((y * 32) / size) * 32 + Math.floor((x * 32) / size)];
      return Math.max(-128, Math.min(127, Math.round(real(v) / s) + zp));
    });
  }
  let h = 0x9e3779b9 ^ (i * 2654435761) ^ name.length;
  return Int8Array.from({ length: n }, () => {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ Math.imul(h ^ (h >>> 13), 0x297a2d39);
    return (h >>> 24) - 128;
  });
}

const argmax = (v: ArrayLike<number>) => Array.prototype.reduce.call(v, (b: number, x: number, i: number, a: ArrayLike<number>) => (x > a[b] ? i : b), 0) as number;
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(3)}%`;
const { build } = await loadLitert();
console.log(`# branchy vs LiteRT.js ${JSON.parse(readFileSync(new URL('../node_modules/@litertjs/core/package.json', import.meta.url), 'utf8')).version} (${build}.wasm), int8 files as they are`);
console.log(`machine: ${machine()}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${new Date().toISOString()}\n`);
console.log('| model | inputs | output values differing | max (steps) | top-1 differing |');
console.log('|---|---:|---:|---:|---:|');
const layerRows: string[] = [];
for (const name of MODELS) {
  const bytes = new Uint8Array(readFileSync(new URL(`${name}_int8.tflite`, DIR)));
  const m = readTflite(bytes);
  const { scale: [s], zeroPoint: [zp] } = m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]].quantization!;
  const lit = await openLitertRaw(bytes);
  const { graph, weights } = importTflite(bytes, { outputs: 'int8' });
  const model = await fromGraph(graph, weights);
  let total = 0, differ = 0, max = 0, top = 0;
  for (let i = 0; i < N; i++) {
    const q = input(name, m, i);
    const r = (await lit.run([q]))[0] as Int8Array;
    const y = Object.values(model.run(Float32Array.from(q, (v) => (v - zp) * s)))[0].data as Int8Array;
    for (let j = 0; j < r.length; j++) {
      total++;
      differ += +(y[j] !== r[j]);
      max = Math.max(max, Math.abs(y[j] - r[j]));
    }
    top += +(r.length > 1 && argmax(r) !== argmax(y));
  }
  lit.delete();
  console.log(`| ${name}_int8 | ${N} | ${differ} / ${total} (${pct(differ, total)}) | ${max} | ${name === 'ad_autoencoder' ? '—' : top} |`);
  const samples = Array.from({ length: L }, (_, i) => input(name, m, i));
  const alone = await layerAgreement(bytes, samples, undefined, builtinName);
  const e2e = await endToEndAgreement(bytes, samples, undefined, builtinName);
  const show = (r: LayerAgreement) => `${r.differ} / ${r.total} (${pct(r.differ, r.total)}), max ${r.max}`;
  for (const r of e2e) {
    const a = alone.find((x) => x.index === r.index);
    if (r.differ || a?.differ) layerRows.push(`| ${name}_int8 | ${r.index} ${r.op} | ${a ? show(a) : '—'} | ${show(r)} |`);
  }
}
console.log(`\nPer operator where any value differs (${L} inputs): alone on LiteRT.js's input values, and end to end.\n`);
console.log('| model | operator | alone | end to end |');
console.log('|---|---|---:|---:|');
console.log(layerRows.length ? layerRows.join('\n') : '| all | — | none differ | none differ |');

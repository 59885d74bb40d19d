// The files each engine of the peer benchmark reads, made from one float ONNX model with
// the branchy command line (as a user would): an f32 and an int8 .branchy (int8 calibrated
// on the training split; multi-exit files get thresholds from `branchy calibrate
// --max-drop 0.5` on held-out training data), and the int8 model exported as QDQ ONNX
// (not for a binary network: its binary layers, named by the int8 file, are binarized at import).
// Outputs go to bench/out/; the .branchy files are reused while newer than their sources. Also the test
// images, normalised as the model says.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { importOnnx } from '../../src/convert/index.js';
import { readBranchy } from '../../src/format/index.js';
import { isMultiExit } from '../../src/ir/exits.js';
import { nodeMacs } from '../../src/ir/macs.js';
import type { Graph } from '../../src/ir/index.js';
import { loadCifar10, loadMnist, type Dataset } from '../../src/cli/datasets.js';
import type { ModelFiles, Samples } from './engines.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = path.join(ROOT, 'bench', 'out');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

function branchy(args: string[]): void {
  console.error(`$ node dist/cli/main.js ${args.map((a) => path.relative(ROOT, a) || a).join(' ')}`);
  execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

const fresh = (file: string, ...sources: string[]): boolean =>
  existsSync(file) && sources.every((s) => statSync(file).mtimeMs >= statSync(s).mtimeMs);

const hasThresholds = (file: string): boolean =>
  (readBranchy(new Uint8Array(readFileSync(file))).graph.exits?.exits ?? []).some((e) => e.thresholds);

export interface Prepared {
  files: ModelFiles;
  dataset: 'mnist' | 'cifar10';
  /** The model's input normalisation (what `samples` applies). */
  normalize: Graph['normalize'];
}

/** `onnx` is the float model; `int8` an int8 .branchy of it, or undefined to convert one here. */
export function prepare(onnx: string, int8?: string): Prepared {
  // A binary network (int8 file with b1 weights): import the ONNX with the same layers binarized.
  const binarize = int8 ? binaryNodes(int8) : [];
  const { graph } = importOnnx(new Uint8Array(readFileSync(onnx)), binarize.length ? { binarize } : {});
  const input = graph.tensors.find((t) => t.name === graph.inputs[0])!;
  const [, h, w, c] = input.shape;
  const dataset = c === 1 && h === 28 && w === 28 ? 'mnist' : c === 3 && h === 32 && w === 32 ? 'cifar10' : undefined;
  if (!dataset) throw new Error(`${onnx}: input ${c}x${h}x${w} is neither MNIST (1x28x28) nor CIFAR-10 (3x32x32)`);
  const multiExit = isMultiExit(graph);
  const exits = graph.outputs.filter((o) => /^exit\d+$/.test(o)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
  const final = multiExit ? exits[exits.length - 1] : graph.outputs[0];
  const name = path.basename(onnx).replace(/\.onnx$/, '');
  const calibrate = (file: string) => {
    if (multiExit && !hasThresholds(file)) branchy(['calibrate', file, '--data', dataset, '--max-drop', '0.5']);
  };

  const f32 = path.join(OUT, `${name}.f32.branchy`);
  if (!fresh(f32, onnx)) {
    branchy(['convert', onnx, '-o', f32, ...(binarize.length ? ['--binarize', binarize.join(',')] : [])]);
    calibrate(f32);
  }
  let q = int8;
  if (q && multiExit && !hasThresholds(q)) {
    throw new Error(`${q} has no early-exit thresholds: run node dist/cli/main.js calibrate ${q} --data ${dataset} --max-drop 0.5`);
  }
  if (!q) {
    q = path.join(OUT, `${name}.int8.branchy`);
    if (!fresh(q, onnx)) {
      branchy(['convert', onnx, '--quant', 'int8', '--calib', dataset, '-o', q]);
      calibrate(q);
    }
  }
  let qdq: string | undefined;
  if (!binarize.length) {
    qdq = path.join(OUT, `${path.basename(q).replace(/\.branchy$/, '').replace(/\.int8$/, '')}.qdq.onnx`);
    branchy(['export', q, '-o', qdq]); // always: cheap, and never stale after an exporter change
  }
  // The .tflite exports for LiteRT.js (float edges: its public API feeds float32).
  const tflite = (src: string, tag: string): string | undefined => {
    const out = path.join(OUT, `${name}.${tag}.tflite`);
    try {
      branchy(['export', src, '-o', out]);
      return out;
    } catch {
      console.error(`(no LiteRT.js row for ${path.basename(src)}: branchy export -o .tflite refuses it)`);
      return undefined;
    }
  };
  const tfliteInt8 = binarize.length ? undefined : tflite(q, 'int8');
  const tfliteF32 = binarize.length ? undefined : tflite(f32, 'f32');
  const graphMacs = graph.nodes.reduce((a, nd) => a + nodeMacs(graph, nd), 0);
  return { files: { name, onnx, int8: q, f32, qdq, tfliteInt8, tfliteF32, binarize: binarize.length ? binarize : undefined, final, multiExit, graphMacs, chw: [c, h, w] }, dataset, normalize: graph.normalize };
}

/** Names of the nodes of a .branchy file that read binary (b1) constant weights. */
function binaryNodes(file: string): string[] {
  const { graph } = readBranchy(new Uint8Array(readFileSync(file)));
  const b1 = new Set(graph.tensors.filter((t) => t.constant && t.dtype === 'b1').map((t) => t.name));
  return graph.nodes.filter((n) => n.inputs.some((i) => b1.has(i))).map((n) => n.name);
}

/** Where CIFAR-10's test.bin is: --cifar-test, the shared data directory, or data/cifar10. */
export function cifarTest(given?: string): string {
  const candidates = [given, path.join(ROOT, '..', 'shared', 'data', 'cifar10', 'test.bin'), path.join(ROOT, 'data', 'cifar10', 'test.bin')];
  const f = candidates.find((p) => p && existsSync(p));
  if (!f) throw new Error('CIFAR-10 test.bin not found: pass --cifar-test PATH');
  return f;
}

/** The first `n` test images, normalised with the model's own mean/std (NCHW and NHWC). */
export async function samples(normalize: Graph['normalize'], dataset: 'mnist' | 'cifar10', n: number, cifar?: string): Promise<Samples> {
  const ds: Dataset = dataset === 'mnist' ? await loadMnist('test') : await loadCifar10(cifarTest(cifar));
  const { channels: c, height: h, width: w } = ds;
  const norm = normalize ?? { mean: new Array<number>(c).fill(0), std: new Array<number>(c).fill(1), scale: 255 };
  const count = Math.min(n, ds.count);
  const nchw: Float32Array[] = [], nhwc: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const px = ds.images.subarray(i * c * h * w, (i + 1) * c * h * w);
    const a = new Float32Array(c * h * w), b = new Float32Array(c * h * w);
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < h * w; p++) {
        const v = (px[ch * h * w + p] / norm.scale - norm.mean[ch]) / norm.std[ch];
        a[ch * h * w + p] = v;
        b[p * c + ch] = v;
      }
    }
    nchw.push(a);
    nhwc.push(b);
  }
  return { nchw, nhwc, labels: ds.labels.slice(0, count) };
}

// The MLPerf Tiny reference models (../shared/models/mlperf-tiny) in the peer benchmark, as a
// user brings them: branchy converts each .tflite once (`branchy convert X.tflite -o X.branchy`,
// int8 and f32) and loads the .branchy; LiteRT.js runs the .tflite files themselves through its
// wasm bindings, the int8 file int8 in and out as TFLite-Micro runs it (each float sample
// quantized in JS inside the timed call; branchy is handed the float sample and quantizes it in
// its graph). Inputs: CIFAR-10 test images for ResNet-8 (raw
// 0–255 pixels, with their labels) and, scaled to 96×96 and / 255, for the VWW MobileNet; the
// real values of seeded int8 inputs for DS-CNN and the autoencoder (no speech or machine-sound
// data here; no labels). Samples are NHWC, the layout the graphs take (branchy's graph imported
// from TFLite takes NHWC too), in both of Samples' arrays.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTflite } from '../../src/convert/index.js';
import { loadCifar10 } from '../../src/cli/datasets.js';
import { tfliteMacs } from '../tflite-macs.mjs';
import type { ModelFiles, Samples } from './engines.mjs';
import { cifarTest } from './prepare.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = path.join(ROOT, 'bench', 'out');
const DIR = path.join(ROOT, '..', 'shared', 'models', 'mlperf-tiny');
export const MLPERF = ['ic_resnet8', 'vww_mobilenet', 'kws_dscnn', 'ad_autoencoder'] as const;

/** `branchy convert` of a .tflite into bench/out, reused while newer than its source. */
function convert(src: string): string {
  const out = path.join(OUT, path.basename(src).replace(/\.tflite$/, '.branchy'));
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    console.error(`$ node dist/cli/main.js convert ${path.relative(ROOT, src)} -o ${path.relative(ROOT, out)}`);
    execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', path.join(ROOT, 'dist', 'cli', 'main.js'), 'convert', src, '-o', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return out;
}

/** The files and samples of MLPerf Tiny model `name`. */
export async function prepareMlperf(name: (typeof MLPERF)[number], n: number, cifar?: string): Promise<{ files: ModelFiles; samples: Samples; dataset: string }> {
  mkdirSync(OUT, { recursive: true });
  const int8File = path.join(DIR, `${name}_int8.tflite`), f32File = path.join(DIR, `${name}_f32.tflite`);
  const m8 = readTflite(new Uint8Array(readFileSync(int8File)));
  const g = m8.subgraphs[0];
  const t = g.tensors[g.inputs[0]];
  const { scale: [s], zeroPoint: [zp] } = t.quantization!;
  const size = t.shape.reduce((a, d) => a * d, 1);
  const files: ModelFiles = {
    name, onnx: '', int8: convert(int8File), f32: convert(f32File), tfliteInt8: int8File, tfliteF32: f32File, tfliteInt8Input: { scale: s, zeroPoint: zp },
    final: g.tensors[g.outputs[0]].name, multiExit: false, graphMacs: tfliteMacs(m8),
    chw: [t.shape[3] ?? 1, t.shape[1] ?? 1, t.shape[2] ?? 1],
  };
  const x: Float32Array[] = [];
  let labels = new Uint8Array(0);
  if (name === 'ic_resnet8' || name === 'vww_mobilenet') {
    const ds = await loadCifar10(cifarTest(cifar));
    const side = t.shape[1];
    for (let i = 0; i < Math.min(n, ds.count); i++) {
      const chw = ds.images.subarray(i * 3072, (i + 1) * 3072);
      x.push(Float32Array.from({ length: size }, (_, k) => {
        const [y, xx, c] = [Math.floor(k / (side * 3)), Math.floor(k / 3) % side, k % 3];
        const v = chw[c * 1024 + Math.floor((y * 32) / side) * 32 + Math.floor((xx * 32) / side)];
        return name === 'ic_resnet8' ? v : v / 255;
      }));
    }
    if (name === 'ic_resnet8') labels = ds.labels.slice(0, x.length);
  } else {
    let h = 0x2545f491 ^ name.length;
    for (let i = 0; i < n; i++) {
      x.push(Float32Array.from({ length: size }, () => {
        h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ Math.imul(h ^ (h >>> 13), 0x297a2d39);
        return (((h >>> 24) - 128) - zp) * s;
      }));
    }
  }
  return { files, samples: { nchw: x, nhwc: x, labels }, dataset: name === 'ic_resnet8' ? 'CIFAR-10 test' : name === 'vww_mobilenet' ? 'CIFAR-10 test images scaled to 96×96' : 'seeded inputs' };
}

// The command line on .tflite files: convert the MLPerf Tiny ResNet-8 int8 file (its own int8
// kept, raw pixels), inspect it, eval it on real CIFAR-10 test images, export it back as an
// int8-edged .tflite that LiteRT.js runs with branchy's outputs, and the refusals.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { importTflite, readTflite } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { openLitertRaw } from '../helpers/litert.js';
import { MLPERF_DIR } from '../helpers/mlperf.js';
import { Rng } from '../helpers/rng.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);
const branchy = (...args: string[]) =>
  run(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, maxBuffer: 1 << 24 });
const RESNET = path.join(MLPERF_DIR, 'ic_resnet8_int8.tflite');
const CIFAR = path.join(ROOT, '..', 'shared', 'data', 'cifar10');

describe('branchy on .tflite files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'branchy-tflite-'));

  it('convert (int8 as it is) → inspect → eval on CIFAR-10 → export --io int8 that LiteRT.js runs alike', async () => {
    const out = path.join(dir, 'r8.branchy');
    const c = await branchy('convert', RESNET, '--pixels', 'raw', '-o', out);
    expect(c.stdout).toMatch(/wrote .*r8\.branchy \(\d+ bytes, int8 as imported\)/);
    const i = await branchy('inspect', out);
    expect(i.stdout).toMatch(/op0_conv_2d\s+conv2d\+relu\s+i8/);
    const e = await branchy('eval', out, '--data', 'cifar10', '--data-dir', CIFAR, '--limit', '300');
    // LiteRT.js: 75.42% on all 10,000; on the first 300 branchy answers as it does but for a few.
    expect(Number(/top-1\s+([\d.]+)%/.exec(e.stdout)![1])).toBeGreaterThan(65);
    const t = path.join(dir, 'r8.tflite');
    const x = await branchy('export', out, '-o', t, '--io', 'int8');
    expect(x.stdout).toMatch(/int8, int8 input and output/);
    const bytes = new Uint8Array(readFileSync(t));
    const { graph, weights } = importTflite(bytes, { outputs: 'int8' });
    const model = await fromGraph(graph, weights);
    const lit = await openLitertRaw(bytes);
    const q = new Rng(3).i8(3072);
    const y = Object.values(model.run(Float32Array.from(q, (v) => v + 128)))[0].data as Int8Array;
    expect(Array.from((await lit.run([q]))[0])).toEqual(Array.from(y));
    lit.delete();
    expect(readTflite(bytes).subgraphs[0].tensors[readTflite(bytes).subgraphs[0].inputs[0]].type).toBe('INT8');
  }, 120_000);

  it('refuses --quant int8 on an int8 file, and --pixels on ONNX', async () => {
    await expect(branchy('convert', RESNET, '--quant', 'int8', '--calib', 'cifar10', '-o', path.join(dir, 'x.branchy')))
      .rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/already int8/) });
    await expect(branchy('convert', 'models/mnist-lenet.onnx', '--pixels', 'raw', '-o', path.join(dir, 'y.branchy')))
      .rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--pixels is for \.tflite models/) });
  }, 60_000);
});

// branchy attach end to end on the bundled LeNet (a small --limit keeps it to seconds of work):
// the multi-exit file it writes runs under `eval --policy`, exports to ONNX, and bad requests
// end in typed errors that say what to do.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readBranchy } from '../../src/format/index.js';
import { loadMnist } from '../../src/cli/datasets.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);
const branchy = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, maxBuffer: 1 << 24 });
const failure = (p: Promise<unknown>) => p.then(() => '', (e: { stderr: string; code: number }) => `${e.code} ${e.stderr}`);

describe('branchy attach', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'branchy-attach-'));

  it('attaches exits to the int8 LeNet, calibrates them on held-out training digits, and the file runs with eval --policy and exports', async () => {
    const out = path.join(dir, 'lenet-exits.int8.branchy');
    const a = await branchy('attach', 'models/mnist-lenet.int8.branchy', '--data', 'mnist', '-o', out, '--limit', '2000', '--epochs', '3', '--max-drop', '1');
    expect(a.stdout).toMatch(/points: \/MaxPool_output_0 \[12x12x20\] 12\.6% MACs; \/MaxPool_1_output_0 \[4x4x50\] 82\.3% MACs/);
    expect(a.stdout).toMatch(/held out 50,000–59,999 \(limited: 2000 \+ 500\)/);
    expect(a.stdout).toMatch(/\* conv \/MaxPool_output_0/);
    expect(a.stdout).toMatch(/calibrated on 500 held-out images/);
    expect(a.stdout).toMatch(/predictor gates/);
    const { graph } = readBranchy(new Uint8Array(readFileSync(out)));
    expect(graph.outputs[0]).toBe('exit0');
    expect(graph.outputs).toContain('predict0');
    expect(graph.exits!.exits[0].thresholds!.entropy).toBeGreaterThan(0);
    const e = await branchy('eval', out, '--data', 'mnist', '--limit', '500', '--policy', 'entropy');
    expect(Number(/top-1\s+([\d.]+)%/.exec(e.stdout)![1])).toBeGreaterThan(97);
    expect(Number(/([\d.]+)× fewer/.exec(e.stdout)![1])).toBeGreaterThan(1.5);
    const p = await branchy('eval', out, '--data', 'mnist', '--limit', '200', '--policy', 'predicted:entropy');
    expect(p.stdout).toMatch(/exit0 /);
    const x = await branchy('export', out, '-o', path.join(dir, 'lenet-exits.qdq.onnx'));
    expect(x.stdout).toMatch(/QDQ/);
  }, 300_000);

  it('--data DIR: train.bin in CIFAR-10\'s binary layout at the model\'s input size, the last 10% held out without val.bin', async () => {
    const ds = await loadMnist('train');
    const n = 1200, data = path.join(dir, 'digits');
    mkdirSync(data, { recursive: true });
    const bin = new Uint8Array(n * 785);
    for (let i = 0; i < n; i++) {
      bin[i * 785] = ds.labels[i];
      bin.set(ds.images.subarray(i * 784, (i + 1) * 784), i * 785 + 1);
    }
    writeFileSync(path.join(data, 'train.bin'), bin);
    const out = path.join(dir, 'dir.branchy');
    const a = await branchy('attach', 'models/mnist-lenet.int8.branchy', '--data', data, '-o', out, '--epochs', '2', '--max-drop', '2', '--no-predictors');
    expect(a.stdout).toMatch(/train\.bin: records 0–1079; held out the last 120/);
    expect(a.stdout).toMatch(/calibrated on 120 held-out images/);
    const { graph } = readBranchy(new Uint8Array(readFileSync(out)));
    expect(graph.outputs.some((o) => o.startsWith('predict'))).toBe(false);
    expect(await failure(branchy('attach', 'models/mobilenet-exits-cifar10-light.int8.branchy', '--data', data, '-o', out))).toMatch(/single-exit/);
    writeFileSync(path.join(data, 'train.bin'), bin.subarray(0, 1000));
    expect(await failure(branchy('attach', 'models/mnist-lenet.int8.branchy', '--data', data, '-o', out))).toMatch(/size 1000 is not a multiple of 785 bytes \(1 label byte \+ 1×28×28/);
  }, 300_000);

  it('attaches exits to a .tflite someone else trained (MLPerf Tiny ResNet-8, int8 as it is; raw pixels: --scale 1)', async () => {
    const n = 1000, data = path.join(dir, 'cifar');
    mkdirSync(data, { recursive: true });
    writeFileSync(path.join(data, 'train.bin'), readFileSync(path.join(ROOT, '../shared/data/cifar10/test.bin')).subarray(0, n * 3073));
    const out = path.join(dir, 'resnet8-exits.int8.branchy');
    const a = await branchy('attach', '../shared/models/mlperf-tiny/ic_resnet8_int8.tflite', '--data', data, '--scale', '1', '-o', out, '--epochs', '1', '--max-drop', '2', '--no-predictors');
    expect(a.stdout).toMatch(/\[32x32x16\] 3\.5% MACs; .*\[32x32x16\] 41\.3% MACs; .*\[16x16x32\] 70\.6% MACs/);
    // The teacher is the FC's logits (the int8 softmax removed): full depth is the file's own answer.
    expect(Number(/full depth: accuracy ([\d.]+)%/.exec(a.stdout)![1])).toBeGreaterThan(70);
    const { graph } = readBranchy(new Uint8Array(readFileSync(out)));
    expect(graph.nodes.some((x) => x.op === 'softmax')).toBe(false);
    expect(graph.outputs.at(-1)).toMatch(/^exit\d$/);
  }, 120_000);

  it('refuses a multi-exit model, an unknown --at tensor and a model without normalisation, saying what to do', async () => {
    const o = path.join(dir, 'x.branchy');
    expect(await failure(branchy('attach', 'models/branchy-lenet-mnist.int8.branchy', '--data', 'mnist', '-o', o))).toMatch(/^2 .*single-exit model.*exit0, exit1/s);
    expect(await failure(branchy('attach', 'models/mnist-lenet.int8.branchy', '--data', 'mnist', '-o', o, '--at', 'nope'))).toMatch(/'nope' is not a computed tensor.*block outputs: \/MaxPool_output_0/s);
    expect(await failure(branchy('attach', 'models/mnist-lenet.int8.branchy', '--data', 'mnist'))).toMatch(/-o OUT\.branchy is required/);
    expect(await failure(branchy('attach', 'models/mnist-lenet.int8.branchy', '--data', 'mnist', '-o', o, '--heads', 'mlp'))).toMatch(/--heads wants gap, conv/);
  }, 60_000);
});

// The branchy command end to end (through tsx, so it runs the sources under test).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/cli/npy.js';
import { loadMnist } from '../../src/cli/datasets.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);
const branchy = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, maxBuffer: 1 << 24 });

describe('branchy CLI', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'branchy-cli-'));

  it('inspect prints the layers, quantization and MACs', async () => {
    const { stdout } = await branchy('inspect', 'models/mnist-lenet.int8.branchy');
    expect(stdout).toMatch(/conv2d\+relu\s+i8/);
    expect(stdout).toMatch(/per-channel/);
    expect(stdout).toMatch(/2293000 MACs per sample/);
  });

  it('convert --quant int8 with a .npy calibration batch, then eval', async () => {
    const ds = await loadMnist('train');
    const calib = path.join(dir, 'calib.npy');
    writeFileSync(calib, writeNpy(ds.images.slice(0, 32 * 784), [32, 1, 28, 28]));
    const out = path.join(dir, 'lenet.int8.branchy');
    const c = await branchy('convert', 'models/mnist-lenet.onnx', '--quant', 'int8', '--calib', calib, '-o', out);
    expect(c.stdout).toMatch(/wrote .*lenet\.int8\.branchy .*\nint8: every node runs in int8\n$/);
    const e = await branchy('eval', out, '--data', 'mnist', '--limit', '300');
    const acc = Number(/top-1\s+([\d.]+)%/.exec(e.stdout)![1]);
    expect(acc).toBeGreaterThan(97);
    expect(e.stdout).toMatch(/p95/);
  }, 60_000);

  it('convert --quant int8 ends by listing every node left in float and why', async () => {
    const calib = path.join(dir, 'calib.npy');
    const ds = await loadMnist('train');
    writeFileSync(calib, writeNpy(ds.images.slice(0, 8 * 784), [8, 1, 28, 28]));
    const c = await branchy('convert', 'models/mnist-lenet.onnx', '--quant', 'int8', '--calib', calib, '--keep-float', '/fc2/Gemm', '-o', path.join(dir, 'kept.branchy'));
    expect(c.stdout).toMatch(/wrote .*kept\.branchy.*\nint8: 1 node left in float:\n {2}\/fc2\/Gemm \(gemm\): keepFloat\n$/);
  }, 60_000);

  it('convert --quant int8 --bias-correct writes a file of the same size with other biases, and the model still classifies', async () => {
    const ds = await loadMnist('train');
    const calib = path.join(dir, 'calib-bc.npy');
    writeFileSync(calib, writeNpy(ds.images.slice(0, 16 * 784), [16, 1, 28, 28]));
    const plain = path.join(dir, 'plain.branchy'), bc = path.join(dir, 'bc.branchy');
    await branchy('convert', 'models/mnist-lenet.onnx', '--quant', 'int8', '--calib', calib, '-o', plain);
    const c = await branchy('convert', 'models/mnist-lenet.onnx', '--quant', 'int8', '--calib', calib, '--bias-correct', '-o', bc);
    expect(c.stdout).toMatch(/\nquant minmax bias-correct: /);
    const [a, b] = [readFileSync(plain), readFileSync(bc)];
    expect(b.length).toBe(a.length);
    expect(b.equals(a)).toBe(false);
    const e = await branchy('eval', bc, '--data', 'mnist', '--limit', '300');
    expect(Number(/top-1\s+([\d.]+)%/.exec(e.stdout)![1])).toBeGreaterThan(97);
  }, 90_000);

  it('run writes one .npy per output, and runs an .onnx by converting it in memory', async () => {
    const ds = await loadMnist('test');
    const x = Float32Array.from(ds.images.subarray(0, 2 * 784), (v) => (v / 255 - 0.1307) / 0.3081);
    const inp = path.join(dir, 'x.npy');
    writeFileSync(inp, writeNpy(x, [2, 1, 28, 28]));
    await branchy('run', 'models/mnist-lenet.onnx', '--input', `input=${inp}`, '--out', dir);
    const y = readNpy(new Uint8Array(readFileSync(path.join(dir, 'logits.npy'))));
    expect(y.shape).toEqual([2, 10]);
    const pred = [0, 1].map((i) => { const r = Array.from(y.data.subarray(i * 10, i * 10 + 10)); return r.indexOf(Math.max(...r)); });
    expect(pred).toEqual([ds.labels[0], ds.labels[1]]);
  });

  it('calibrate --max-drop --confidence writes thresholds the file then runs with, and rejects bad targets', async () => {
    const out = path.join(dir, 'blenet.branchy');
    const c = await branchy('calibrate', 'models/branchy-lenet-mnist.int8.branchy', '--data', 'mnist', '--max-drop', '0.5',
      '--confidence', '0.95', '--count', '2000', '-o', out);
    expect(c.stdout).toMatch(/calibrated on 2000 samples of MNIST training digits/);
    const bound = Number(/95% upper bound on new data ([\d.]+)/.exec(c.stdout)![1]);
    expect(bound).toBeLessThanOrEqual(0.5);
    const thresholds = /thresholds ([\d.e+-]+)/.exec(c.stdout)![1];
    const i = await branchy('inspect', out);
    expect(i.stdout).toContain(`entropy ${Number(thresholds).toPrecision(4)}`);
    for (const [flag, value, msg] of [
      ['--max-drop', 'abc', /accuracy points/], ['--confidence', '1.5', /probability in \[0.5, 1\)/],
    ] as const) {
      const args = flag === '--max-drop' ? [flag, value] : ['--max-drop', '0.5', flag, value];
      await expect(branchy('calibrate', 'models/branchy-lenet-mnist.int8.branchy', '--data', 'mnist', ...args, '-o', out))
        .rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(msg) });
    }
    await expect(branchy('calibrate', 'models/branchy-lenet-mnist.int8.branchy', '--data', 'mnist', '--mean-macs', '1e5', '--confidence', '0.9', '-o', out))
      .rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--confidence goes with --max-drop/) });
  }, 60_000);

  it('fails with exit code 2 and a clear message on bad input', async () => {
    await expect(branchy('frobnicate')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command/) });
    const bad = path.join(dir, 'bad.branchy');
    writeFileSync(bad, new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0, 1]));
    await expect(branchy('inspect', bad)).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/BranchyFormatError/) });
    await expect(branchy('eval', 'models/mnist-lenet.onnx', '--data', 'imagenet')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/mnist or cifar10/) });
  });
});

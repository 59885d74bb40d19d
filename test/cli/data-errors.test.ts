// Every file the command line reads or writes that is not there ends in a typed error (exit code
// 2, "branchy: BranchyInputError: …") that names the file and says how to make it; never a raw
// ENOENT stack. And `branchy --version`.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 'branchy-cli-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TSX = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** Runs the CLI (sources, through tsx) in a directory with no data/, as a fresh clone has. */
const branchy = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, ['--import', TSX, path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
const model = path.join(ROOT, 'models/branchy-lenet-mnist.int8.branchy');

function typed(r: { code: number; stderr: string }, ...want: RegExp[]): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^branchy: BranchyInputError: /);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
  for (const w of want) expect(r.stderr).toMatch(w);
}

describe('branchy CLI: data errors and --version', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const flag of ['--version', '-v']) expect((await branchy(flag)).stdout.trim()).toBe(pkg.version);
  });

  it('calibrate --data cifar10 without data/cifar10/val.bin says how to make it', async () => {
    typed(await branchy('calibrate', model, '--data', 'cifar10', '--max-drop', '0.5'), /CIFAR-10's validation split.*data\/cifar10\/val\.bin.*does not exist/, /tail -c 15365000 data\/cifar10\/train\.bin > data\/cifar10\/val\.bin/, /--data-dir/);
  });

  it('convert --calib cifar10 without train.bin, eval --data cifar10 without test.bin', async () => {
    typed(await branchy('convert', path.join(ROOT, 'models/mnist-lenet.onnx'), '--quant', 'int8', '--calib', 'cifar10', '-o', 'x.branchy'), /training split.*train\.bin.*does not exist/, /cat data_batch_1\.bin/);
    typed(await branchy('eval', model, '--data', 'cifar10', '--data-dir', dir), /test split.*test\.bin.*does not exist/, /test_batch\.bin/);
  });

  it('MNIST from a --data-dir without its files; a missing model, input or calibration file', async () => {
    const missingModel = [['inspect', 'nope.branchy'], ['eval', 'nope.branchy', '--data', 'mnist'], ['calibrate', 'nope.branchy', '--data', 'mnist', '--max-drop', '1'], ['export', 'nope.branchy']];
    const [mnist, input, calib, ...models] = await Promise.all([
      branchy('eval', model, '--data', 'mnist', '--data-dir', dir),
      branchy('run', model, '--input', 'x=nope.npy', '--out', 'o'),
      branchy('convert', path.join(ROOT, 'models/mnist-lenet.onnx'), '--quant', 'int8', '--calib', 'nope.npy', '-o', 'x.branchy'),
      ...missingModel.map((cmd) => branchy(...cmd)),
    ]);
    typed(mnist, /MNIST's test images.*t10k-images-idx3-ubyte.*does not exist/, /four IDX files/);
    typed(input, /cannot read input 'x' \(nope\.npy\): it does not exist/);
    typed(calib, /calibration images \(nope\.npy\)/);
    for (const r of models) typed(r, /cannot read the model \(nope\.branchy\): it does not exist/);
  });

  it('an output that cannot be written', async () => {
    typed(await branchy('export', model, '-o', path.join(dir, 'no/such/dir/x.onnx')), /cannot write the ONNX model .*its directory does not exist/);
  });
});

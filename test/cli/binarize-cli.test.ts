// branchy convert --binarize on the bundled binary network (models/bnn-kd-mnist.onnx, trained by
// train/bnn_kd.py): binary layers in the file, int8 around them, real digits classified; a layer
// that is not binary is refused by name.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);
const branchy = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, maxBuffer: 1 << 24 });
const LAYERS = '/blocks.0/blocks.0.0/Conv,/blocks.1/blocks.1.0/Conv,/bfc/MatMul';

describe('branchy convert --binarize', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'branchy-bnn-'));

  it('binarizes the named layers, quantizes the rest to int8, and the model classifies digits', async () => {
    const out = path.join(dir, 'bnn.branchy');
    const c = await branchy('convert', 'models/bnn-kd-mnist.onnx', '--binarize', LAYERS, '--quant', 'int8', '--calib', 'mnist', '--calib-count', '64', '-o', out);
    expect(c.stdout).toMatch(/binarize \/blocks\.1\/blocks\.1\.0\/Conv \(conv2d, binary activations\) 128 channels.*294912 -> 9728 bytes/);
    const i = await branchy('inspect', out);
    expect(i.stdout).toMatch(/\/blocks\.1\/blocks\.1\.0\/Conv\s+conv2d\s+b1/);
    expect(i.stdout).toMatch(/bitpack\s+i8/);
    const e = await branchy('eval', out, '--data', 'mnist', '--limit', '500');
    expect(Number(/top-1\s+([\d.]+)%/.exec(e.stdout)![1])).toBeGreaterThan(96);
  }, 120_000);

  it('names a layer whose weights are not +-alpha per channel', async () => {
    const err = await branchy('convert', 'models/bnn-kd-mnist.onnx', '--binarize', `${LAYERS},/fc/Gemm`, '-o', path.join(dir, 'x.branchy')).then(() => null, (e) => e);
    expect(err?.stderr).toMatch(/layer '\/fc\/Gemm' \(gemm\) is not binary: output channel 0/);
  }, 60_000);
});

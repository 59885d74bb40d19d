// Symbolic input sizes from the command line: `run` takes them from the .npy it is given,
// `convert --input-shape` fixes them; both against ONNX Runtime on the same model.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { readNpy, writeNpy } from '../../src/cli/npy.js';
import { buildModel, ints, maxRelErr } from '../convert/helpers.js';
import { Rng } from '../helpers/rng.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const exec = promisify(execFile);
const branchy = (...args: string[]) => exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, maxBuffer: 1 << 24 });

describe('symbolic input sizes on the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'branchy-shapes-'));
  const rng = new Rng(16);
  // A fully convolutional net whose input is [N, 2, H, W]: any image size runs.
  const model = buildModel({
    inputs: [{ name: 'x', shape: ['N', 2, 'H', 'W'] }], outputs: ['y'],
    inits: { w: { dims: [3, 2, 3, 3], data: Array.from({ length: 54 }, () => rng.next() * 2 - 1) }, b: { dims: [3], data: [0.1, -0.2, 0.3] } },
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: ints([1, 1, 1, 1]) } },
      { op: 'Relu', inputs: ['c'], outputs: ['y'] },
    ],
  });
  const file = path.join(dir, 'fcn.onnx');
  writeFileSync(file, model);
  const dims = [2, 2, 5, 7];
  const x = Float32Array.from({ length: 140 }, () => rng.next() * 2 - 1);
  const xFile = path.join(dir, 'x.npy');
  writeFileSync(xFile, writeNpy(x, dims));
  const reference = async () => {
    const s = await ort.InferenceSession.create(model);
    return (await s.run({ x: new ort.Tensor('float32', x, dims) })).y.data as Float32Array;
  };

  it('run model.onnx takes H and W from the .npy (named or the first input)', async () => {
    const want = await reference();
    for (const spec of [`x=${xFile}`, xFile]) {
      const out = path.join(dir, spec === xFile ? 'first' : 'named');
      await branchy('run', file, '--input', spec, '--out', out);
      const y = readNpy(new Uint8Array(readFileSync(path.join(out, 'y.npy'))));
      expect(y.shape).toEqual([2, 3, 5, 7]);
      expect(maxRelErr(y.data as Float32Array, want)).toBeLessThan(1e-5);
    }
  }, 60_000);

  it('convert --input-shape fixes them; without it convert names the axis and the option', async () => {
    const out = path.join(dir, 'fcn.branchy');
    await branchy('convert', file, '--input-shape', 'x=1,2,5,7', '-o', out);
    await branchy('run', out, '--input', `x=${xFile}`, '--out', path.join(dir, 'converted'));
    const y = readNpy(new Uint8Array(readFileSync(path.join(dir, 'converted', 'y.npy'))));
    expect(maxRelErr(y.data as Float32Array, await reference())).toBeLessThan(1e-5);
    await expect(branchy('convert', file, '-o', out)).rejects.toThrow(/symbolic size 'H' on axis 2[\s\S]*inputShapes/);
    await expect(branchy('convert', file, '--input-shape', 'x=1,2,five', '-o', out)).rejects.toThrow(/--input-shape wants NAME=D0,D1/);
  }, 60_000);
});

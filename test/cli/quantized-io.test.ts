// `branchy run` on a model with uint8 / int8 inputs and outputs: an int8 .npy in, the integer
// output saved as a .npy of its own type with its scale and zero point printed; the ONNX model and
// its .branchy conversion alike, against ONNX Runtime's integers.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { readNpy, writeNpy } from '../../src/cli/npy.js';
import { qdqNet } from '../helpers/qdq-net.js';
import { Rng } from '../helpers/rng.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const exec = promisify(execFile);
const branchy = (...args: string[]) => exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, maxBuffer: 1 << 24 });

describe('branchy run with integer inputs and outputs', () => {
  it('takes an int8 .npy and saves the uint8 output as a uint8 .npy (ONNX and .branchy)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'branchy-intio-'));
    const model = qdqNet('i8', 'u8', 63);
    const onnxFile = path.join(dir, 'net.onnx');
    writeFileSync(onnxFile, model);
    const rng = new Rng(5);
    const dims = [2, 3, 8, 8];
    const x = Int8Array.from({ length: 384 }, () => rng.int(-128, 127));
    writeFileSync(path.join(dir, 'x.npy'), writeNpy(x, dims));
    const s = await ort.InferenceSession.create(model);
    const want = (await s.run({ x: new ort.Tensor('int8', x, dims) })).y.data as Uint8Array;

    const branchyFile = path.join(dir, 'net.branchy');
    await branchy('convert', onnxFile, '-o', branchyFile);
    const { stdout: inspected } = await branchy('inspect', branchyFile);
    expect(inspected).toMatch(/input {2}x f32 \[1, 8, 8, 3\].*\(int8 in the model: takes its integers\)/);
    expect(inspected).toMatch(/output y i8 \[1, 4, 4, 4\] \(uint8 in the model: returns its integers\)/);
    for (const file of [onnxFile, branchyFile]) {
      const out = path.join(dir, path.extname(file).slice(1));
      const { stdout } = await branchy('run', file, '--input', `x=${path.join(dir, 'x.npy')}`, '--out', out);
      expect(stdout).toMatch(/y \[2, 4, 4, 4\] uint8 \(scale 0\.10000000149011612, zero point 128\) -> /);
      const y = readNpy(new Uint8Array(readFileSync(path.join(out, 'y.npy'))));
      expect(y.shape).toEqual([2, 4, 4, 4]);
      expect(y.data).toBeInstanceOf(Uint8Array);
      expect(Array.from(y.data)).toEqual(Array.from(want));
    }
  }, 60_000);
});

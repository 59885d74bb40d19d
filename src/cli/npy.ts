// NumPy .npy files (format 1.0/2.0/3.0), the CLI's input and output format.
import { BranchyInputError } from '../errors.js';

export type NpyArray = { data: Float32Array | Int8Array | Uint8Array | Int32Array | Float64Array; shape: number[] };

const DESCR: Record<string, (b: ArrayBuffer, off: number, n: number) => NpyArray['data']> = {
  '<f4': (b, o, n) => new Float32Array(b, o, n),
  '<f8': (b, o, n) => new Float64Array(b, o, n),
  '|i1': (b, o, n) => new Int8Array(b, o, n),
  '|u1': (b, o, n) => new Uint8Array(b, o, n),
  '<i4': (b, o, n) => new Int32Array(b, o, n),
};

/** Parse a .npy file. Throws BranchyInputError saying what is wrong. */
export function readNpy(bytes: Uint8Array, what = 'npy file'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) {
    throw new BranchyInputError(`${what}: not a .npy file (bad magic); save arrays with numpy.save`);
  }
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const hstart = major === 1 ? 10 : 12;
  if (hstart + hlen > bytes.length) throw new BranchyInputError(`${what}: header runs past the end of the file`);
  const header = new TextDecoder().decode(bytes.subarray(hstart, hstart + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new BranchyInputError(`${what}: unreadable header ${JSON.stringify(header)}`);
  if (fortran) throw new BranchyInputError(`${what}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`);
  const make = DESCR[descr];
  if (!make) throw new BranchyInputError(`${what}: dtype ${descr} not supported; use float32, int8, uint8 or int32`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const off = hstart + hlen;
  const itemSize = descr === '<f8' ? 8 : descr.endsWith('4') ? 4 : 1;
  if (off + n * itemSize > bytes.length) throw new BranchyInputError(`${what}: data is truncated (${shape.join('×')} ${descr})`);
  // Copy so the result is aligned and owns its memory.
  const copy = new Uint8Array(n * itemSize);
  copy.set(bytes.subarray(off, off + n * itemSize)); // not bytes.slice(): a Node Buffer's is a view into a shared pool
  return { data: make(copy.buffer, 0, n), shape };
}

/** Serialize a typed array as .npy (format 1.0). */
export function writeNpy(data: Float32Array | Int8Array | Uint8Array | Int32Array, shape: readonly number[]): Uint8Array {
  const descr =
    data instanceof Float32Array ? '<f4' : data instanceof Int8Array ? '|i1' : data instanceof Uint8Array ? '|u1' : '<i4';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

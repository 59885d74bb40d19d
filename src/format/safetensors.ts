// safetensors, exactly: an 8-byte little-endian header length, a JSON header, then the
// raw tensor bytes. Each tensor's `data_offsets` [begin, end) is relative to the start of
// the bytes; tensors tile the bytes with no gap and no overlap (as Python's reader
// demands). The header is padded with spaces so the bytes start 8-byte aligned.
import { BranchyFormatError } from '../errors.js';
import { describeForeign } from './sniff.js';

export type SafeDType = 'F64' | 'F32' | 'I32' | 'I8' | 'U8';

export const SAFE_DTYPE_BYTES: Record<SafeDType, number> = { F64: 8, F32: 4, I32: 4, I8: 1, U8: 1 };

/** Dtypes safetensors defines that branchy does not store; named in the error message. */
const FOREIGN_DTYPES = new Set(['BOOL', 'F16', 'BF16', 'I16', 'I64', 'U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2']);

export interface SafeTensorIn {
  name: string;
  dtype: SafeDType;
  shape: number[];
  /** Raw little-endian bytes. */
  bytes: Uint8Array;
}

export interface SafeTensorEntry {
  dtype: SafeDType;
  shape: number[];
  /** Offsets into the whole file (not the byte buffer), [begin, end). */
  begin: number;
  end: number;
}

export interface SafeFile {
  metadata: Record<string, string>;
  /** In file order (by offset). */
  tensors: Map<string, SafeTensorEntry>;
}

const numel = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** Writes a safetensors file. Wider dtypes go first so that every tensor is naturally aligned. */
export function writeSafetensors(tensors: SafeTensorIn[], metadata: Record<string, string>): Uint8Array {
  const ordered = [
    ...tensors.filter((t) => SAFE_DTYPE_BYTES[t.dtype] === 8),
    ...tensors.filter((t) => SAFE_DTYPE_BYTES[t.dtype] === 4),
    ...tensors.filter((t) => SAFE_DTYPE_BYTES[t.dtype] === 1),
  ];
  const header: Record<string, unknown> = { __metadata__: metadata };
  const seen = new Set<string>();
  let off = 0;
  for (const t of ordered) {
    if (t.name === '__metadata__' || seen.has(t.name)) throw new BranchyFormatError(`cannot write tensor name '${t.name}' (reserved or repeated)`);
    seen.add(t.name);
    const n = numel(t.shape) * SAFE_DTYPE_BYTES[t.dtype];
    if (n !== t.bytes.byteLength) throw new BranchyFormatError(`tensor '${t.name}': ${t.dtype} [${t.shape.join(', ')}] needs ${n} bytes, got ${t.bytes.byteLength}`);
    Object.defineProperty(header, t.name, {
      value: { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + n] },
      enumerable: true, configurable: true, writable: true,
    });
    off += n;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + off);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, json.length, true);
  dv.setUint32(4, 0, true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const t of ordered) {
    out.set(t.bytes, p);
    p += t.bytes.byteLength;
  }
  return out;
}

const bad = (msg: string): never => {
  throw new BranchyFormatError(msg);
};

/** The file's bytes as a Uint8Array of this realm (any view: a Node Buffer, a DataView, a Uint8Array from another realm). */
export function fileBytes(bytes: ArrayBufferView): Uint8Array {
  if (!ArrayBuffer.isView(bytes)) bad(`expected the file as a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Parses and checks a safetensors file's header against its length. Reads no tensor bytes. */
export function readSafetensors(file: ArrayBufferView): SafeFile {
  const bytes = fileBytes(file);
  // A header that does not parse: say what the file is instead, when its first bytes tell.
  const badHeader = (msg: string): never => bad(describeForeign(bytes) ?? msg);
  if (bytes.length < 8) badHeader(`truncated file: ${bytes.length} bytes, too short for the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true), hi = dv.getUint32(4, true);
  const hlen = hi * 2 ** 32 + lo;
  if (hlen > bytes.length - 8) badHeader(`truncated file: header length ${hlen} runs past the end (the file has ${bytes.length} bytes)`);
  if (hlen < 2) badHeader(`header length ${hlen} is too short for a JSON object`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + hlen));
  } catch {
    return badHeader('header (bytes 8..' + (8 + hlen) + ') is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return badHeader(`header (bytes 8..${8 + hlen}) is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) badHeader('header is not a JSON object');
  const dataStart = 8 + hlen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = Object.create(null);
  const entries: [string, SafeTensorEntry][] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('__metadata__ is not an object');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') bad(`__metadata__['${k}'] is not a string`);
        metadata[k] = s as string;
      }
      continue;
    }
    const at = `tensor '${name}'`;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(`${at}: entry is not an object`);
    const e = v as Record<string, unknown>;
    if (typeof e.dtype !== 'string') bad(`${at}: dtype is missing`);
    const dtype = e.dtype as string;
    if (!(dtype in SAFE_DTYPE_BYTES)) {
      bad(`${at}: unknown dtype '${dtype}' (${FOREIGN_DTYPES.has(dtype) ? 'valid safetensors, but ' : ''}branchy stores F64, F32, I32, I8, U8)`);
    }
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`${at}: shape must be an array of non-negative integers`);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`${at}: data_offsets must be two non-negative integers`);
    }
    const [b, end] = offs as number[];
    if (b > end) bad(`${at}: data_offsets [${b}, ${end}] are out of order`);
    if (end > dataLen) bad(`${at}: data_offsets [${b}, ${end}] run past the end of the data (${dataLen} bytes after the header)`);
    const want = numel(shape as number[]) * SAFE_DTYPE_BYTES[dtype as SafeDType];
    if (end - b !== want) {
      bad(`${at}: data_offsets [${b}, ${end}] hold ${end - b} bytes, but ${dtype} [${(shape as number[]).join(', ')}] needs ${want}`);
    }
    entries.push([name, { dtype: dtype as SafeDType, shape: (shape as number[]).slice(), begin: dataStart + b, end: dataStart + end }]);
  }
  entries.sort((x, y) => x[1].begin - y[1].begin || x[1].end - y[1].end);
  let prev = dataStart;
  let prevName = '(start of data)';
  for (const [name, e] of entries) {
    if (e.begin < prev) bad(`tensor '${name}' [${e.begin - dataStart}, ${e.end - dataStart}) overlaps ${prevName}`);
    if (e.begin > prev) bad(`tensor '${name}' starts at ${e.begin - dataStart}, leaving bytes ${prev - dataStart}..${e.begin - dataStart} unused after ${prevName}`);
    prev = e.end;
    prevName = `tensor '${name}'`;
  }
  if (prev !== bytes.length) bad(`${bytes.length - prev} bytes after the last tensor (${prevName}) belong to nothing`);
  return { metadata, tensors: new Map(entries) };
}

// Bounds-checked reading for the generated flatbuffers accessors. The flatbuffers package
// reads bytes without checks (a read past the end gives undefined, then 0 or NaN) and has no
// verifier for JavaScript, so CheckedByteBuffer checks every primitive read the generated
// code makes, every vector length and every string; a failure throws Malformed, which at()
// labels with the table and field on its way out (subgraphs[0].tensors[3].quantization.scale)
// and readTflite turns into a BranchyFormatError.
import { ByteBuffer } from 'flatbuffers';

/** A malformed file; path names the table and field where reading failed. */
export class Malformed extends Error {
  path: string[] = [];
}

/** Runs fn as the reading of `name`: a failure inside gets `name` in front of its path. */
export function at<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw labelled(e, name);
  }
}

function labelled(e: unknown, name: string): Malformed {
  const m = e instanceof Malformed ? e : new Malformed(e instanceof Error ? e.message : String(e));
  m.path.unshift(name);
  return m;
}

export function fail(message: string): never {
  throw new Malformed(message);
}

/** v when it is an integer in [lo, hi], else a Malformed naming the range. */
export function int(v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) fail(`${v} is out of range [${lo}, ${hi}]`);
  return v;
}

/** Reads the vector `name`: its length, then each item ([i] labels each failure). */
export function list<T>(name: string, length: () => number, get: (i: number) => T): T[] {
  return at(name, () => {
    const out: T[] = new Array(length());
    let i = 0;
    try {
      for (; i < out.length; i++) out[i] = get(i);
    } catch (e) {
      throw labelled(e, `[${i}]`);
    }
    return out;
  });
}

/** Reads the vector of integers `name`, each in [lo, hi]. */
export function ints(name: string, length: () => number, get: (i: number) => number | null, lo: number, hi: number): number[] {
  return list(name, length, (i) => int(get(i) ?? NaN, lo, hi));
}

export class CheckedByteBuffer extends ByteBuffer {
  private readonly n: number;

  constructor(bytes: Uint8Array) {
    super(bytes);
    this.n = bytes.length;
  }

  private check(offset: number, size: number): void {
    if (!(offset >= 0 && offset + size <= this.n)) {
      fail(`reads ${size} byte(s) at offset ${offset}, outside the ${this.n}-byte file`);
    }
  }

  override readUint8(offset: number): number {
    this.check(offset, 1);
    return super.readUint8(offset);
  }

  override readUint16(offset: number): number {
    this.check(offset, 2);
    return super.readUint16(offset);
  }

  override readInt32(offset: number): number {
    this.check(offset, 4);
    return super.readInt32(offset);
  }

  /** Also checks that the vector's elements (one byte each at least) lie inside the file. */
  override __vector_len(offset: number): number {
    const start = offset + this.readInt32(offset);
    const len = this.readInt32(start);
    if (len < 0 || start + 4 + len > this.n) fail(`a vector of ${len} element(s) at offset ${start} runs past the end of the ${this.n}-byte file`);
    return len;
  }

  override __string(offset: number, encoding?: unknown): string | Uint8Array {
    const start = offset + this.readInt32(offset);
    const len = this.readInt32(start);
    if (len < 0 || start + 4 + len > this.n) fail(`a string of ${len} byte(s) at offset ${start} runs past the end of the ${this.n}-byte file`);
    return super.__string(offset, encoding as never);
  }

  /** Whether the table at pos sets any field (its vtable has a non-zero field offset). */
  tableHasFields(pos: number): boolean {
    const vtable = pos - this.readInt32(pos);
    const size = this.readUint16(vtable);
    for (let o = 4; o + 2 <= size; o += 2) if (this.readUint16(vtable + o) !== 0) return true;
    return false;
  }
}

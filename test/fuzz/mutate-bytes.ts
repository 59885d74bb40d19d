// Format-blind mutations of a file's bytes: bit flips, interesting bytes, truncation,
// extension, inserted and deleted runs, copied blocks. `region` confines them to a slice
// (e.g. only the header of a large file, so that the mutation stays cheap to check).
import type { Rng } from '../helpers/rng.js';

export interface Region {
  begin: number;
  end: number;
}

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x20, 0x22, 0x2c, 0x5b, 0x5d, 0x7b, 0x7d, 0x30, 0x39, 0x2d];

const pos = (rng: Rng, r: Region): number => rng.int(r.begin, Math.max(r.begin, r.end - 1));

export const BYTE_MUTATIONS = {
  bitflip(bytes: Uint8Array, rng: Rng, r: Region): Uint8Array {
    const out = bytes.slice();
    const n = rng.int(1, 8);
    for (let i = 0; i < n; i++) out[pos(rng, r)] ^= 1 << rng.int(0, 7);
    return out;
  },
  interesting(bytes: Uint8Array, rng: Rng, r: Region): Uint8Array {
    const out = bytes.slice();
    const n = rng.int(1, 4);
    for (let i = 0; i < n; i++) out[pos(rng, r)] = rng.pick(INTERESTING);
    return out;
  },
  truncate(bytes: Uint8Array, rng: Rng, r: Region): Uint8Array {
    return bytes.slice(0, rng.next() < 0.2 ? rng.int(0, 16) : pos(rng, r));
  },
  extend(bytes: Uint8Array, rng: Rng): Uint8Array {
    const extra = rng.pick([1, 7, 8, 64, 1000]);
    const out = new Uint8Array(bytes.length + extra);
    out.set(bytes);
    for (let i = bytes.length; i < out.length; i++) out[i] = rng.int(0, 255);
    return out;
  },
  insert(bytes: Uint8Array, rng: Rng, r: Region): Uint8Array {
    const at = pos(rng, r), n = rng.int(1, 16);
    const out = new Uint8Array(bytes.length + n);
    out.set(bytes.subarray(0, at));
    for (let i = 0; i < n; i++) out[at + i] = rng.pick(INTERESTING);
    out.set(bytes.subarray(at), at + n);
    return out;
  },
  remove(bytes: Uint8Array, rng: Rng, r: Region): Uint8Array {
    const at = Math.min(pos(rng, r), bytes.length), n = Math.min(rng.int(1, 16), bytes.length - at);
    const out = new Uint8Array(bytes.length - n);
    out.set(bytes.subarray(0, at));
    out.set(bytes.subarray(at + n), at);
    return out;
  },
  copyBlock(bytes: Uint8Array, rng: Rng, r: Region): Uint8Array {
    const out = bytes.slice();
    const n = rng.int(1, 64), from = pos(rng, r), to = pos(rng, r);
    out.copyWithin(to, from, Math.min(from + n, out.length));
    return out;
  },
} as const;

export type ByteMutation = keyof typeof BYTE_MUTATIONS;
export const BYTE_MUTATION_NAMES = Object.keys(BYTE_MUTATIONS) as ByteMutation[];

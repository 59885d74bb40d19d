// Lifetime-based arena planning (the idea of XNNPACK's memory-planner.c): every
// activation buffer lives from the step that writes it to the last step that reads it;
// buffers whose lifetimes overlap never share bytes. Placed largest first, each at the
// lowest offset that fits beside the already-placed buffers it overlaps in time.
import { ALIGN, READ_PAST, alignUp } from './memory.js';

export interface BufferRequest {
  /** Bytes the buffer holds. */
  size: number;
  /** Index of the first step that writes it (graph inputs: 0). */
  first: number;
  /** Index of the last step that reads it (graph outputs: the last step). */
  last: number;
}

export interface ArenaPlan {
  /** Byte offset of each request inside the arena, in request order. */
  offsets: number[];
  /** Arena size in bytes, read-past padding included. */
  size: number;
}

/**
 * Buffers by step: `at(s)` lists the buffers added so far that are alive at step s. Queries
 * and insertions cost the lifetime's length times the buffers alive, so planning a chain of
 * n layers is linear in n (a first-fit planner must look at every buffer alive beside the
 * one it places; only a graph keeping O(n) buffers alive at once costs O(n^2)).
 */
class AliveByStep {
  private readonly steps: number[][] = [];
  private readonly stamp: Int32Array;
  private tick = 0;
  constructor(count: number) {
    this.stamp = new Int32Array(count).fill(-1);
  }
  add(i: number, first: number, last: number): void {
    for (let s = first; s <= last; s++) (this.steps[s] ??= []).push(i);
  }
  /** Every buffer alive at some step of [first, last], each once. */
  overlapping(first: number, last: number): number[] {
    const t = this.tick++;
    const out: number[] = [];
    for (let s = first; s <= last; s++) {
      for (const j of this.steps[s] ?? []) {
        if (this.stamp[j] !== t) (this.stamp[j] = t, out.push(j));
      }
    }
    return out;
  }
}

/** Plan one arena for the requests. Every offset is 16-byte aligned and every buffer
 * keeps READ_PAST spare bytes after it, so SIMD loads may run over its end. */
export function planArena(requests: readonly BufferRequest[]): ArenaPlan {
  const order = requests.map((_, i) => i).sort((a, b) => requests[b].size - requests[a].size || a - b);
  const offsets = new Array<number>(requests.length).fill(-1);
  const alive = new AliveByStep(requests.length);
  const span = (j: number): number => alignUp(requests[j].size + READ_PAST, ALIGN);
  let size = 0;
  for (const i of order) {
    const r = requests[i];
    if (!(r.first <= r.last)) throw new RangeError(`buffer ${i}: first use ${r.first} after last use ${r.last}`);
    const need = span(i);
    // Intervals in the arena taken by buffers alive at the same time, by offset.
    const busy = alive.overlapping(r.first, r.last).sort((a, b) => offsets[a] - offsets[b]);
    let at = 0;
    for (const j of busy) {
      if (at + need <= offsets[j]) break;
      at = Math.max(at, offsets[j] + span(j));
    }
    offsets[i] = at;
    alive.add(i, r.first, r.last);
    size = Math.max(size, at + need);
  }
  return { offsets, size };
}

/**
 * The least arena any placement of the requests can have: the largest sum of the bytes alive
 * at one step (each buffer padded as planArena pads it when `padded`), and that step.
 */
export function liveBound(requests: readonly BufferRequest[], padded = true): { bytes: number; step: number } {
  const last = requests.reduce((m, r) => Math.max(m, r.last), -1);
  const delta = new Float64Array(last + 2);
  for (const r of requests) {
    const b = padded ? alignUp(r.size + READ_PAST, ALIGN) : r.size;
    delta[r.first] += b;
    delta[r.last + 1] -= b;
  }
  let alive = 0, best = { bytes: 0, step: 0 };
  for (let s = 0; s <= last; s++) {
    alive += delta[s];
    if (alive > best.bytes) best = { bytes: alive, step: s };
  }
  return best;
}

export interface PlacedBuffer {
  /** For the error message. */
  name: string;
  ptr: number;
  size: number;
  first: number;
  last: number;
}

/**
 * The host's proof that no kernel can touch memory outside its buffers. Called once per
 * model, after every buffer is placed and before any kernel runs: each buffer, with its
 * READ_PAST bytes, lies in [lo, hi) (the host's part of linear memory, which never shrinks),
 * and no two buffers alive at the same step share a byte. Kernels read and write exactly
 * the buffers of their step, with sizes from the same validated shapes as these (the graph's
 * declared shapes equal the inferred ones: validateGraph), so every access stays inside.
 * Throws on a violation: that is a bug in the planner, never a property of the model.
 */
export function checkPlacement(buffers: readonly PlacedBuffer[], lo: number, hi: number): void {
  for (const b of buffers) {
    const end = b.ptr + b.size + READ_PAST;
    if (!(Number.isSafeInteger(b.ptr) && b.ptr >= lo && b.ptr % ALIGN === 0 && end <= hi)) {
      throw new Error(`internal: buffer '${b.name}' [${b.ptr}, ${end}) is outside linear memory [${lo}, ${hi}) or misaligned (a planner bug; please report)`);
    }
  }
  // At every step, the buffers alive then must not share a byte: sorted by address, each
  // must end before the next begins.
  const alive = new AliveByStep(buffers.length);
  buffers.forEach((b, i) => b.size > 0 && alive.add(i, b.first, b.last));
  const last = buffers.reduce((m, b) => Math.max(m, b.last), -1);
  for (let s = 0; s <= last; s++) {
    const at = alive.overlapping(s, s).sort((x, y) => buffers[x].ptr - buffers[y].ptr);
    for (let k = 1; k < at.length; k++) {
      const a = buffers[at[k - 1]], b = buffers[at[k]];
      if (a.ptr + a.size + READ_PAST > b.ptr) {
        throw new Error(`internal: buffers '${a.name}' and '${b.name}' share bytes while both are alive (a planner bug; please report)`);
      }
    }
  }
}

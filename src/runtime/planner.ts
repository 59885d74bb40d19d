// Lifetime-based arena planning (the idea of XNNPACK's memory-planner.c): every
// activation buffer lives from the step that writes it to the last step that reads it;
// buffers whose lifetimes overlap never share bytes. Placed largest first, each at the
// lowest offset that fits beside the already-placed buffers it overlaps in time.
// An in-place step's output is an alias of its input: it starts at the same offset (the two
// may share bytes), and the group is placed as one, clear of every other buffer alive beside
// any of its members.
import { ALIGN, READ_PAST, alignUp } from './memory.js';

export interface BufferRequest {
  /** Bytes the buffer holds. */
  size: number;
  /** Index of the first step that writes it (graph inputs: 0). */
  first: number;
  /** Index of the last step that reads it (graph outputs: the last step). */
  last: number;
  /** Index of another request (one with no alias) this one starts at: an in-place step's output on its input. */
  alias?: number;
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

/** Each request's group: the requests that start at its root's offset (root first), by root. */
function aliasGroups(requests: readonly BufferRequest[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  requests.forEach((r, i) => {
    if (!(r.first <= r.last)) throw new RangeError(`buffer ${i}: first use ${r.first} after last use ${r.last}`);
    if (r.alias === undefined) return void (groups.has(i) || groups.set(i, [i]));
    const root = r.alias;
    if (!(Number.isInteger(root) && root >= 0 && root < requests.length && root !== i && requests[root].alias === undefined)) {
      throw new RangeError(`buffer ${i}: alias ${root} is not another buffer without an alias`);
    }
    const g = groups.get(root);
    if (g) g.push(i);
    else groups.set(root, [root, i]);
  });
  return groups;
}

/**
 * Plan one arena for the requests. Every offset is 16-byte aligned; buffers alive at one step
 * may touch. A SIMD kernel may load past the end of a buffer (never store past it: the
 * executor's `guard` checks that), which then reads a neighbour's bytes, or, past the last
 * buffer, the READ_PAST spare bytes the allocator keeps after the whole arena (memory.ts).
 * `spare`: bytes kept free after every buffer (the guard's sentinels).
 */
export function planArena(requests: readonly BufferRequest[], spare = 0): ArenaPlan {
  const groups = aliasGroups(requests);
  const span = (j: number): number => alignUp(requests[j].size + spare, ALIGN);
  const extent = new Map([...groups].map(([root, g]) => [root, Math.max(...g.map(span))]));
  const order = [...groups.keys()].sort((a, b) => extent.get(b)! - extent.get(a)! || a - b);
  const offsets = new Array<number>(requests.length).fill(-1);
  const alive = new AliveByStep(requests.length);
  let size = 0;
  for (const root of order) {
    const group = groups.get(root)!;
    // Intervals in the arena taken by buffers alive beside a member, with that member's span, by offset.
    const busy: { from: number; to: number; need: number }[] = [];
    for (const i of group) {
      for (const j of alive.overlapping(requests[i].first, requests[i].last)) busy.push({ from: offsets[j], to: offsets[j] + span(j), need: span(i) });
    }
    busy.sort((a, b) => a.from - b.from);
    let at = 0;
    if (group.length === 1) {
      // One span: the first gap in offset order that holds it.
      for (const b of busy) {
        if (at + b.need <= b.from) break;
        at = Math.max(at, b.to);
      }
    } else {
      // Several spans: move past any busy interval a member meets, until none does.
      for (let moved = true; moved;) {
        moved = false;
        for (const b of busy) {
          if (at + b.need > b.from && at < b.to) (at = b.to, moved = true);
        }
      }
    }
    for (const i of group) {
      offsets[i] = at;
      alive.add(i, requests[i].first, requests[i].last);
    }
    size = Math.max(size, at + extent.get(root)!);
  }
  return { offsets, size };
}

/**
 * The least arena any placement of the requests can have: the largest sum of the bytes alive
 * at one step (each buffer aligned as planArena places it, with `spare` bytes after it; 'raw':
 * the bytes alone), and that step.
 */
export function liveBound(requests: readonly BufferRequest[], spare: number | 'raw' = 0): { bytes: number; step: number } {
  const last = requests.reduce((m, r) => Math.max(m, r.last), -1);
  const bytes = (r: BufferRequest) => (spare === 'raw' ? r.size : alignUp(r.size + spare, ALIGN));
  const delta = new Float64Array(last + 2);
  const at = new Float64Array(last + 1);
  for (const [root, group] of aliasGroups(requests)) {
    if (group.length === 1) {
      const r = requests[root];
      delta[r.first] += bytes(r);
      delta[r.last + 1] -= bytes(r);
      continue;
    }
    // A group takes, at each step, the bytes of its largest member alive then.
    const most = new Map<number, number>();
    for (const i of group) {
      const r = requests[i];
      for (let s = r.first; s <= r.last; s++) most.set(s, Math.max(most.get(s) ?? 0, bytes(r)));
    }
    for (const [s, b] of most) at[s] += b;
  }
  let alive = 0, best = { bytes: 0, step: 0 };
  for (let s = 0; s <= last; s++) {
    alive += delta[s];
    if (alive + at[s] > best.bytes) best = { bytes: alive + at[s], step: s };
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
  /** Index (in the same list) of the buffer this one aliases: the two start at one pointer and may share bytes. */
  alias?: number;
}

/**
 * The host's proof that no kernel can touch memory outside its buffers. Called once per
 * model, after every buffer is placed and before any kernel runs: each buffer, with the
 * READ_PAST bytes a SIMD load may read past it, lies in [lo, hi) (the host's part of linear
 * memory, which never shrinks), and no two buffers alive at the same step share a byte (nor
 * the `spare` bytes after each). Kernels write exactly the buffers of their step, with sizes
 * from the same validated shapes as these (the graph's declared shapes equal the inferred
 * ones: validateGraph), so every store stays inside; a load past a buffer's end reads a
 * neighbour or the arena's spare tail. Throws on a violation: that is a bug in the planner,
 * never a property of the model.
 */
export function checkPlacement(buffers: readonly PlacedBuffer[], lo: number, hi: number, spare = 0): void {
  for (const b of buffers) {
    const end = b.ptr + b.size + READ_PAST;
    if (!(Number.isSafeInteger(b.ptr) && b.ptr >= lo && b.ptr % ALIGN === 0 && end <= hi)) {
      throw new Error(`internal: buffer '${b.name}' [${b.ptr}, ${end}) is outside linear memory [${lo}, ${hi}) or misaligned (a planner bug; please report)`);
    }
    const root = b.alias === undefined ? undefined : buffers[b.alias];
    if (root && (root.alias !== undefined || root.ptr !== b.ptr)) {
      throw new Error(`internal: buffer '${b.name}' aliases '${root.name}' but does not start where it does (a planner bug; please report)`);
    }
  }
  // At every step, the buffers alive then must not share a byte: sorted by address, each
  // must end before the next begins.
  const alive = new AliveByStep(buffers.length);
  buffers.forEach((b, i) => b.size > 0 && alive.add(i, b.first, b.last));
  const last = buffers.reduce((m, b) => Math.max(m, b.last), -1);
  for (let s = 0; s <= last; s++) {
    // An alias group counts as one buffer: its largest member alive at this step.
    const widest = new Map<number, number>();
    for (const i of alive.overlapping(s, s)) {
      const root = buffers[i].alias ?? i;
      const w = widest.get(root);
      if (w === undefined || buffers[i].size > buffers[w].size) widest.set(root, i);
    }
    const at = [...widest.values()].sort((x, y) => buffers[x].ptr - buffers[y].ptr);
    for (let k = 1; k < at.length; k++) {
      const a = buffers[at[k - 1]], b = buffers[at[k]];
      if (a.ptr + a.size + spare > b.ptr) {
        throw new Error(`internal: buffers '${a.name}' and '${b.name}' share bytes while both are alive (a planner bug; please report)`);
      }
    }
  }
}

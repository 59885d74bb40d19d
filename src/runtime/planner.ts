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

/** Plan one arena for the requests. Every offset is 16-byte aligned and every buffer
 * keeps READ_PAST spare bytes after it, so SIMD loads may run over its end. */
export function planArena(requests: readonly BufferRequest[]): ArenaPlan {
  const order = requests.map((_, i) => i).sort((a, b) => requests[b].size - requests[a].size || a - b);
  const offsets = new Array<number>(requests.length).fill(-1);
  const placed: number[] = [];
  let size = 0;
  for (const i of order) {
    const r = requests[i];
    if (!(r.first <= r.last)) throw new RangeError(`buffer ${i}: first use ${r.first} after last use ${r.last}`);
    const need = alignUp(r.size + READ_PAST, ALIGN);
    // Intervals in the arena taken by buffers alive at the same time, by offset.
    const busy = placed
      .filter((j) => requests[j].first <= r.last && r.first <= requests[j].last)
      .map((j) => [offsets[j], offsets[j] + alignUp(requests[j].size + READ_PAST, ALIGN)] as const)
      .sort((a, b) => a[0] - b[0]);
    let at = 0;
    for (const [s, e] of busy) {
      if (at + need <= s) break;
      at = Math.max(at, e);
    }
    offsets[i] = at;
    placed.push(i);
    size = Math.max(size, at + need);
  }
  return { offsets, size };
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
  // Sweep by address: only buffers whose bytes overlap need their lifetimes compared.
  const byPtr = buffers.slice().sort((a, b) => a.ptr - b.ptr);
  for (let i = 0; i < byPtr.length; i++) {
    const a = byPtr[i];
    const end = a.ptr + a.size + READ_PAST;
    for (let j = i + 1; j < byPtr.length && byPtr[j].ptr < end; j++) {
      const b = byPtr[j];
      if (a.size > 0 && b.size > 0 && a.first <= b.last && b.first <= a.last) {
        throw new Error(`internal: buffers '${a.name}' and '${b.name}' share bytes while both are alive (a planner bug; please report)`);
      }
    }
  }
}

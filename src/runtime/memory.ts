// Host-side view of the kernels' linear memory: a bump allocator plus typed views.
// Every buffer is 16-byte aligned and followed by READ_PAST spare bytes, so a SIMD
// kernel may load past the end of a buffer (never store past it).
import { BranchyLimitError } from '../errors.js';
import type { KernelModule } from './wasm.js';

export const ALIGN = 16;
export const READ_PAST = 16;
const PAGE = 65536;

export const alignUp = (n: number, a = ALIGN): number => Math.ceil(n / a) * a;

export class LinearMemory {
  private top: number;
  private readonly base: number;

  constructor(
    readonly mod: KernelModule,
    /** Refuse to grow the wasm memory past this many bytes. */
    readonly capBytes = 1 << 30,
  ) {
    this.base = alignUp(mod.heapBase);
    this.top = this.base;
  }

  /** Reserve `bytes` (plus read-past padding); grows the wasm memory when needed. Returns the pointer. */
  alloc(bytes: number): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new BranchyLimitError(`cannot allocate ${bytes} bytes of wasm memory (not a size); the model's shapes are too large`);
    const ptr = this.top;
    const end = alignUp(ptr + bytes + READ_PAST);
    this.ensure(end);
    this.top = end;
    return ptr;
  }

  /** Make sure [0, end) is inside linear memory. */
  ensure(end: number): void {
    if (end > this.capBytes) {
      throw new BranchyLimitError(`needs ${end} bytes of wasm memory, above the cap of ${this.capBytes}; raise memoryCap`);
    }
    const have = this.mod.memory.buffer.byteLength;
    if (end <= have) return;
    try {
      this.mod.memory.grow(Math.ceil((end - have) / PAGE));
    } catch (e) {
      // The engine's own limit (4 GiB for wasm32, or what the host lets it have) is below the cap.
      throw new BranchyLimitError(`the engine cannot grow wasm memory to ${end} bytes (${(e as Error).message}); lower the model's size or memoryCap`);
    }
  }

  /**
   * Run `fn` and free whatever it allocated: for temporary copies (canonical weights handed to
   * a packer) that must not stay in memory. Allocate what must persist before calling this.
   */
  temporary<T>(fn: () => T): T {
    const mark = this.top;
    try {
      return fn();
    } finally {
      this.top = mark;
    }
  }

  /** Free everything allocated so far. */
  reset(): void {
    this.top = this.base;
  }

  get used(): number {
    return this.top - this.base;
  }

  get buffer(): ArrayBuffer {
    return this.mod.memory.buffer;
  }

  i8(ptr: number, n: number): Int8Array { return new Int8Array(this.buffer, ptr, n); }
  u8(ptr: number, n: number): Uint8Array { return new Uint8Array(this.buffer, ptr, n); }
  i32(ptr: number, n: number): Int32Array { return new Int32Array(this.buffer, ptr, n); }
  u32(ptr: number, n: number): Uint32Array { return new Uint32Array(this.buffer, ptr, n); }
  f32(ptr: number, n: number): Float32Array { return new Float32Array(this.buffer, ptr, n); }

  /** Allocate and copy a typed array in; returns the pointer. */
  put(data: Int8Array | Uint8Array | Int32Array | Uint32Array | Float32Array): number {
    const ptr = this.alloc(data.byteLength);
    new Uint8Array(this.buffer, ptr, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return ptr;
  }
}

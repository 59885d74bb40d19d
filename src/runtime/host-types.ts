// Structural stand-ins for the few web-platform types that branchy's public signatures name, so
// that its .d.ts files compile with the DOM lib and without it (@types/node alone, Workers
// types, no types at all). Real URL, WebAssembly.Module, WebAssembly.Memory, Blob and Response
// objects fit them, from any realm.

/** A URL object (what `new URL(...)` gives). */
export interface UrlLike {
  readonly href: string;
  readonly protocol: string;
}

/** A compiled `WebAssembly.Module`, from any realm (told apart by its toString tag, not instanceof). */
export type WasmModuleLike = object;

/** A `WebAssembly.Memory`. */
export interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

/** A `Blob` (or `File`) or a fetch `Response`: something whose bytes `arrayBuffer()` reads. */
export interface BodyLike {
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Bytes in memory: an ArrayBuffer, a SharedArrayBuffer, or any view of one (Uint8Array, Node Buffer, DataView…). */
export type BytesLike = ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

// The typed export table of a kernel build, derived from the kernel manifest (manifest.ts):
// each signature kind is written once below, each export's type is its kind's function type,
// so an export name or a signature cannot drift from the manifest. Exports of a higher build
// (a SIMD kernel in the scalar build) are optional here; the kernel table never selects them
// there. Pointers and sizes are plain numbers (wasm i32).
import type { MANIFEST } from './manifest.js';
import type { WasmMemoryLike } from './host-types.js';

/**
 * Signature kinds: the arguments (as the AssemblyScript functions name them) and the result.
 * scripts/gen-kernels.mts checks every manifest entry's function against its kind.
 */
export const SIGNATURES = {
  heap_base: { args: [], result: 'i32' },
  /** (w [N][K] i8, bias i32 (0 = none), scale f32, zp_in, N, K, out); assembly/qs8/gemm_scalar.ts. */
  qs8_gemm_pack: { args: ['w', 'bias', 'scale', 'zp_in', 'n', 'k', 'out'], result: 'void' },
  /** The block-sparse packer: as qs8_gemm_pack, returns the bytes written. */
  qs8_spgemm_pack: { args: ['w', 'bias', 'scale', 'zp_in', 'n', 'k', 'out'], result: 'i32' },
  qs8_spgemm_packed_bytes: { args: ['w', 'n', 'k'], result: 'i32' },
  /** (w OHWI i8, bias i32 (0 = none), scale f32, zp_in, N, KH, KW, C_in, out); assembly/qs8/conv_cin4_scalar.ts. */
  qs8_conv_cin4_pack: { args: ['w', 'bias', 'scale', 'zp_in', 'n', 'kh', 'kw', 'c', 'out'], result: 'void' },
  /** (w bits [N][KH][KW][ceil(C/32)] u32, mul f32, add f32, zp_in, N, KH, KW, C_in, out); assembly/qs8/conv_cin4_scalar.ts. */
  b1w_conv_cin4_pack: { args: ['w', 'mul', 'add', 'zp_in', 'n', 'kh', 'kw', 'c', 'out'], result: 'void' },
  /** Scratch bytes of a kernel for a params block. */
  scratch_bytes: { args: ['params'], result: 'i32' },
  /** (taps, C, w[KH][KW][C] i8, bias i32 (0 = none), scale f32, zp_in, out). */
  qs8_dwconv_pack: { args: ['taps', 'channels', 'w', 'bias', 'scale', 'zp_in', 'out'], result: 'void' },
  /** (N, K, B[N][K] f32, bias[N] (0 = none), out); also packs conv weights OHWI = [OC][KH*KW*C]. */
  f32_gemm_pack: { args: ['n', 'k', 'b', 'bias', 'out'], result: 'void' },
  /** (taps, C, w[KH][KW][C] f32, bias[C] (0 = none), out). */
  f32_dwconv_pack: { args: ['taps', 'channels', 'w', 'bias', 'out'], result: 'void' },
  /** (channels, scale f32[C], bias f32[C] (0 = none), out). */
  vmulcaddc_pack: { args: ['channels', 'm', 'b', 'out'], result: 'void' },
  /** Binary "x8": (N, kw words, w [N][kw] u32, p0 [N], p1 [N], out); assembly/b1/gemm.ts. */
  b1_gemm_pack: { args: ['n', 'kw', 'w', 'p0', 'p1', 'out'], result: 'void' },
  /** Binary weights x int8 "4c8": (N, taps, C, w bits, mul f32, add f32, zp_in, out); assembly/b1/b1w.ts. */
  b1w_gemm_pack: { args: ['n', 'taps', 'channels', 'w', 'mul', 'add', 'zp_in', 'out'], result: 'void' },
  /** GEMM (m, n, k (binary: words), a, a_stride, w_packed, c, c_stride, params); strides in bytes. */
  gemm: { args: ['m', 'n', 'k', 'a', 'a_stride', 'w', 'c', 'c_stride', 'params'], result: 'void' },
  /** Conv (input, w_packed, output, scratch, params). */
  conv: { args: ['input', 'w', 'output', 'scratch', 'params'], result: 'void' },
  /** Depthwise conv (input, packed, output, zero row, scratch, params). */
  dwconv: { args: ['input', 'packed', 'output', 'zero', 'scratch', 'params'], result: 'void' },
  /** Pools over NHWC (x, y, params). */
  pool: { args: ['x', 'y', 'params'], result: 'void' },
  /** Binary element-wise (n, a, b, y, params). */
  vbinary: { args: ['n', 'a', 'b', 'y', 'params'], result: 'void' },
  /** Conversions (n, x, y, params). */
  vunary: { args: ['n', 'x', 'y', 'params'], result: 'void' },
  /** Per-channel multiply(-add) (rows, channels, x, x_stride, w_packed, y, y_stride, params). */
  vmulcaddc: { args: ['rows', 'channels', 'x', 'x_stride', 'w', 'y', 'y_stride', 'params'], result: 'void' },
  /** Strided row copy (rows, bytes, x, x_stride, y, y_stride), strides in bytes. */
  copy: { args: ['rows', 'bytes', 'x', 'x_stride', 'y', 'y_stride'], result: 'void' },
  /** uint8 -> int8 table lookup to NHWC (pixels, channels, x, x_channel_stride, x_pixel_stride, table [C][256], y). */
  lut: { args: ['pixels', 'channels', 'x', 'x_channel_stride', 'x_pixel_stride', 'table', 'y'], result: 'void' },
  /** Index of the first matching value, or -1 (n, x); f32_vfinite: the first non-finite. */
  scan: { args: ['n', 'x'], result: 'i32' },
  /** Softmax + entropy + top-1 + argmax per row (rows, classes, x, y, argmax, params). */
  exit_head: { args: ['rows', 'classes', 'x', 'y', 'argmax', 'params'], result: 'void' },
  /** Bit packing (rows, channels, x int8|f32, y u32 bits, zp). */
  bitpack: { args: ['rows', 'channels', 'x', 'y', 'zp'], result: 'void' },
  /** One tensor in, one out, every size, stride and table in the params (x, y, params): data movement, resize, reduce, softmax. */
  move: { args: ['x', 'y', 'params'], result: 'void' },
  /** Benchmark peak loops (iters, x, out). */
  peak: { args: ['iters', 'x_ptr', 'out'], result: 'void' },
} as const satisfies Record<string, { readonly args: readonly string[]; readonly result: 'void' | 'i32' }>;

export type SigName = keyof typeof SIGNATURES;

type Sig = (typeof SIGNATURES)[SigName];
/** The function type of a signature kind: one number per argument. */
type FnOf<S extends Sig> = (...args: Numbers<S['args']>) => S['result'] extends 'i32' ? number : void;
type Numbers<A extends readonly string[]> = { -readonly [I in keyof A]: number };

type Entry = (typeof MANIFEST)[number];
/** The scalar build's exports (no ISA suffix of a higher build: manifest.ts buildOf). */
type Always = Exclude<Entry, { readonly name: `${string}__wasmsimd` | `${string}__wasmrelaxed` }>;

/** Every export of a build: the scalar build's always, the SIMD builds' optional. */
export type KernelExports = { readonly memory: WasmMemoryLike } & {
  readonly [E in Always as E['name']]: FnOf<(typeof SIGNATURES)[E['sig']]>;
} & {
  readonly [E in Exclude<Entry, Always> as E['name']]?: FnOf<(typeof SIGNATURES)[E['sig']]>;
} & {
  /** Any export, looked up by name. */
  readonly [name: string]: unknown;
};

/** Look up an export by name and check it is a function. */
export function kernelFn(exports: KernelExports, name: string): (...args: number[]) => void {
  const f = exports[name];
  if (typeof f !== 'function') throw new TypeError(`this build has no kernel '${name}'`);
  return f as (...args: number[]) => void;
}

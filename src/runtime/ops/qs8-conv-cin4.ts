// The direct int8 conv ("cin4": first written for C_in <= 4, a network's first layer; it takes
// any C_in): packing, scratch size and when it is chosen. prepareQs8Conv (qs8-conv.ts) runs it
// like any conv kernel (same params block, same call) when `prefersDirect` says so.
// Kernels, pair image and packed "16c2" layout: assembly/qs8/conv_cin4_scalar.ts.
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { packerOf } from '../manifest.js';
import type { ResolvedGeometry } from './qs8-dwconv.js';
import { checkQs8Weights, type Qs8GemmTile, type Qs8WeightsSpec } from './qs8-gemm.js';

/** Up to this many input channels the direct kernel is chosen in every build. */
export const CIN4_MAX_CHANNELS = 4;

/**
 * In the SIMD builds, also for layers with K = KH*KW*C_in up to DIRECT_MAX_K, at most
 * DIRECT_MAX_WEIGHTS weights (K × C_out: the packed i16 weights stay within L1, and the scalar
 * packer, which runs once at load in V8's baseline code, stays off the cold start's path) and a
 * pair image up to DIRECT_MAX_SCRATCH bytes.
 */
export const DIRECT_MAX_K = 256;
export const DIRECT_MAX_WEIGHTS = 16384;
export const DIRECT_MAX_SCRATCH = 1 << 20;

/** Bytes of the pair image(s) the direct kernel builds for this geometry (mirror of cin4_rowbuf). */
export function cin4PairImageBytes(g: ResolvedGeometry): number {
  const rows = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1;
  const stride = Math.ceil(((g.pl + g.w + g.pr) * g.c) / 8) * 8;
  const vertical = (g.kw * g.c) % 2 === 1 && g.kh > 1;
  return rows * stride * 4 * (vertical ? 2 : 1);
}

/**
 * Whether the direct kernel runs this layer: always for C_in <= 4; in the SIMD builds also when
 * it is short and small (the DIRECT_MAX_* limits above). The im2col GEMM's per-tile reduction and
 * requantization weigh on a short K; broadcasting activation pairs against 16 output channels
 * has none (on Zen 3, 1×1 convs with K × C_out up to 16384 ran 1.10–1.58× faster, 3×3 with
 * K = 144..180 1.22×; larger layers 0.99–1.13×: bench/RESULTS.md, session 5).
 */
export function prefersDirect(g: ResolvedGeometry, cOut: number, simd: boolean): boolean {
  if (g.c <= CIN4_MAX_CHANNELS) return true;
  const k = g.kh * g.kw * g.c;
  return simd && k <= DIRECT_MAX_K && k * cOut <= DIRECT_MAX_WEIGHTS && cin4PairImageBytes(g) <= DIRECT_MAX_SCRATCH;
}

const CIN4_NAME = /^qs8_(?:b1w_)?conv_cin4_(\d+)x(\d+)c(\d+)__/;

/** True for a direct small-C_in conv kernel's export name. */
export function isCin4Kernel(kernel: string): boolean {
  return CIN4_NAME.test(kernel);
}

/** Tile of a direct kernel, read from its name: `qs8_conv_cin4_2x16c2__wasmsimd` -> 2 pixels x 16 channels, K in pairs. */
export function cin4Tile(kernel: string): Qs8GemmTile {
  return tileFromName(CIN4_NAME, kernel, 'a direct small-C_in conv kernel');
}

/** The tile a direct conv kernel's name spells (`..._{mr}x{nr}c{kr}__isa`, `pattern` capturing the three): a TypeError for another name. */
export function tileFromName(pattern: RegExp, kernel: string, what: string, wbytes = 1): Qs8GemmTile {
  const t = pattern.exec(kernel);
  if (!t) throw new TypeError(`'${kernel}' is not ${what} name`);
  return { mr: +t[1], nr: +t[2], kr: +t[3], wbytes, packer: packerOf(kernel) };
}

/** Pair slots of a kernel: KH*floor(KW*C/2), plus ceil(KH/2) when KW*C is odd (mirror of cin4_slots). */
export function cin4Slots(kh: number, kw: number, c: number): number {
  const kwc = kw * c;
  return kh * Math.floor(kwc / 2) + (kwc % 2 ? Math.ceil(kh / 2) : 0);
}

/**
 * Bytes of the packed "16c2" weights: header + 2 * slots bytes per channel (header 8: bias',
 * scale; 12 for binary weights: bias', mul, add; then int8 weight pairs), channels padded to 4.
 */
export function cin4PackedBytes(cOut: number, kh: number, kw: number, c: number, header = 8): number {
  return Math.ceil(cOut / 4) * 4 * (header + 2 * cin4Slots(kh, kw, c));
}

/** Checks the layer's weights and packs them for the direct kernel. */
export function packCin4Weights(
  mem: LinearMemory, kernel: string, g: ResolvedGeometry, cOut: number, spec: Qs8WeightsSpec,
): { tile: Qs8GemmTile; packed: number } {
  checkQs8Weights(cOut, g.kh * g.kw * g.c, spec, 'conv');
  const tile = cin4Tile(kernel);
  return { tile, packed: packDirectWeights(mem, kernel, tile.packer, g, cOut, spec, cin4PackedBytes(cOut, g.kh, g.kw, g.c)) };
}

/**
 * Packs checked weights with a direct conv kernel's packer (the cin4 and im2row kernels share its
 * signature) into `bytes` of the heap; throws first if this build lacks the kernel.
 */
export function packDirectWeights(
  mem: LinearMemory, kernel: string, packer: string, g: ResolvedGeometry, cOut: number, spec: Qs8WeightsSpec, bytes: number,
): number {
  const exp = mem.mod.exports;
  kernelFn(exp, kernel);
  const pack = kernelFn(exp, packer);
  const packed = mem.alloc(bytes);
  mem.temporary(() =>
    pack(mem.put(spec.weights), spec.bias ? mem.put(spec.bias) : 0, mem.put(spec.scale), spec.zpIn, cOut, g.kh, g.kw, g.c, packed));
  return packed;
}

/** Scratch bytes (the padded pair image) the direct kernel needs for a params block. */
export function cin4ScratchBytes(mem: LinearMemory, params: number): number {
  return mem.mod.exports.qs8_conv_cin4_scratch_bytes(params);
}

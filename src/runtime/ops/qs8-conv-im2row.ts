// The direct int8 conv over an im2row block (a short K = KH*KW*C_in <= 32, dilation 1: a
// network's first layer, e.g. 3x3x3): packing and when it is chosen. prepareQs8Conv
// (qs8-conv.ts) runs it like the direct "cin4" kernel (same params block, same call, one call
// per image). Kernels and the packed "8c2" layout: assembly/qs8/conv_im2row.ts.
import type { LinearMemory } from '../memory.js';
import type { ResolvedGeometry } from './qs8-dwconv.js';
import { checkQs8Weights, type Qs8GemmTile, type Qs8WeightsSpec } from './qs8-gemm.js';
import { packDirectWeights, tileFromName } from './qs8-conv-cin4.js';

/** The longest K (KH*KW*C_in) the im2row kernels take: a window's pairs fill at most its 64-byte row. */
export const IM2ROW_MAX_K = 32;

/**
 * Whether the SIMD builds run this layer on the im2row kernel: dilation 1, K <= IM2ROW_MAX_K,
 * C_out <= 8, and a layer the direct kernel would take (C_in <= 4) on its slowest path: an odd
 * KW*C_in (it builds a vertical pair image besides the horizontal one, per band) with its 4x8 /
 * 4x4 channel-tail tiles (not a C_in = 1, stride-1 conv, whose tail runs in pixel lanes). On
 * Zen 3 (loaded, µs, cin4 / im2row): the detector's 144x256x3 -> 8 3x3 stride 2 164-166 / 119-121,
 * 32x32x3 -> 8 22.3 / 19.9, 64x64x3 -> 4 stride 2 29.6 / 24.8, 64x64x1 -> 8 5x5 stride 2 15.3 /
 * 14.9; not chosen: 40x40x3 -> 12 32.7 / 37.5, 48x48x3 -> 20 stride 2 26.8 / 26.8, 48x48x2 -> 6
 * (even KW*C_in) 24.8 / 26.2 (bench/RESULTS.md, "Detector speed (det3)").
 */
export function prefersIm2row(g: ResolvedGeometry, cOut: number, simd: boolean): boolean {
  if (!simd || g.dh !== 1 || g.dw !== 1 || g.c > 4 || cOut > 8 || g.kh * g.kw * g.c > IM2ROW_MAX_K) return false;
  return (g.kw * g.c) % 2 === 1 && !(g.c === 1 && g.sw === 1);
}

const IM2ROW_NAME = /^qs8_conv_im2row_(\d+)x(\d+)c(\d+)__/;

/** True for an im2row conv kernel's export name. */
export function isIm2rowKernel(kernel: string): boolean {
  return IM2ROW_NAME.test(kernel);
}

/** Bytes of the packed "8c2" weights: per 8 channels (C_out padded to 8) 64 header bytes and 16 per pair slot (ceil(K/2) slots). */
export function im2rowPackedBytes(cOut: number, kh: number, kw: number, c: number): number {
  return Math.ceil(cOut / 8) * (64 + 16 * Math.ceil((kh * kw * c) / 2));
}

/** Checks the layer's weights and packs them for the im2row kernel. */
export function packIm2rowWeights(
  mem: LinearMemory, kernel: string, g: ResolvedGeometry, cOut: number, spec: Qs8WeightsSpec,
): { tile: Qs8GemmTile; packed: number } {
  const k = g.kh * g.kw * g.c;
  if (k > IM2ROW_MAX_K || g.dh !== 1 || g.dw !== 1) {
    throw new RangeError(`conv: ${kernel} takes K = KH*KW*C_in <= ${IM2ROW_MAX_K} and dilation 1, got K = ${k}, dilation ${g.dh}x${g.dw}`);
  }
  checkQs8Weights(cOut, k, spec, 'conv');
  const tile = tileFromName(IM2ROW_NAME, kernel, 'an im2row conv kernel');
  return { tile, packed: packDirectWeights(mem, kernel, tile.packer, g, cOut, spec, im2rowPackedBytes(cOut, g.kh, g.kw, g.c)) };
}

/** Scratch bytes (row slots and the im2row block) the im2row kernel needs for a params block. */
export function im2rowScratchBytes(mem: LinearMemory, params: number): number {
  return mem.mod.exports.qs8_conv_im2row_scratch_bytes(params);
}

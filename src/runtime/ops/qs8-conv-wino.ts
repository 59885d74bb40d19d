// The Winograd F(2x2, 3x3) int8 conv (int8 or binary weights): when it is chosen, its packing
// and scratch. prepareQs8Conv (qs8-conv.ts) and prepareQs8B1wConv (b1.ts) run it like the direct
// kernels (the QS8_CONV_CIN4 params block, one call per image, an optional fused 2x2 max pool).
// Transforms, exactness, packed layout and scratch: assembly/qs8/conv_wino.ts.
import type { LinearMemory } from '../memory.js';
import type { ResolvedGeometry } from './qs8-dwconv.js';
import { checkQs8Weights, type Qs8GemmTile, type Qs8WeightsSpec } from './qs8-gemm.js';
import { packDirectWeights, tileFromName } from './qs8-conv-cin4.js';

/**
 * The most input channels it takes. The kernels are exact up to 2048 (conv_wino.ts), but a
 * 16-channel block's transforms take 512·C_in bytes, swept once per pair of tiles: past 256 they
 * leave L2, and with 2048 the zoo's wide layers ran slower than the direct kernels (resnet18
 * 7.79 → 9.30 ms, tiny_yolov2 5.93 → 9.32 ms at 96×96; bench/zoo-winograd.mts).
 */
export const WINO_MAX_CHANNELS = 256;

/** Whether the kernels can run this geometry at all: 3x3, stride 1, dilation 1, C_in a multiple of 8 up to WINO_MAX_CHANNELS. */
export function winoFits(g: ResolvedGeometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && g.c % 8 === 0 && g.c <= WINO_MAX_CHANNELS;
}

/**
 * Whether the SIMD builds run this conv on the Winograd kernel: where it fits (winoFits) and at
 * least half the outputs its 2x2 tiles compute are real (not a 1x1 output: 4 computed for 1). It
 * does 16 multiplies per 2x2 outputs where the direct and im2col kernels do 36; measured on
 * Zen 3 against them in bench/RESULTS.md ("Winograd").
 */
export function prefersWinograd(g: ResolvedGeometry, cOut: number, simd: boolean): boolean {
  const computed = 4 * Math.ceil(g.oh / 2) * Math.ceil(g.ow / 2);
  return simd && winoFits(g) && cOut >= 1 && 2 * g.oh * g.ow >= computed;
}

const WINO_NAME = /^qs8_(?:b1w_)?conv_wino_(\d+)x(\d+)c(\d+)__/;

/** True for a Winograd conv kernel's export name. */
export function isWinoKernel(kernel: string): boolean {
  return WINO_NAME.test(kernel);
}

/** Tile of a Winograd kernel, read from its name: 2 tiles x 16 channels, C_in in pairs. */
export function winoTile(kernel: string): Qs8GemmTile {
  return tileFromName(WINO_NAME, kernel, 'a Winograd conv kernel', kernel.startsWith('qs8_b1w_') ? 1 : 2);
}

/** Bytes of the packed weights: per 16 channels (C_out padded to 16) the header and 16 positions x C_in x 16 weights. */
export function winoPackedBytes(cOut: number, c: number, b1w: boolean): number {
  return Math.ceil(cOut / 16) * (16 * (b1w ? 12 : 8) + 256 * c * (b1w ? 1 : 2));
}

/** The typed refusal of a geometry the kernels do not take. */
export function checkWinoGeometry(g: ResolvedGeometry, kernel: string): void {
  if (!winoFits(g)) {
    throw new RangeError(
      `conv: ${kernel} takes 3x3, stride 1, dilation 1 and C_in a multiple of 8 up to ${WINO_MAX_CHANNELS}; got ${g.kh}x${g.kw}, stride ${g.sh}x${g.sw}, dilation ${g.dh}x${g.dw}, C_in ${g.c}`,
    );
  }
}

/** Checks the layer's int8 weights and packs them for the Winograd kernel. */
export function packWinoWeights(
  mem: LinearMemory, kernel: string, g: ResolvedGeometry, cOut: number, spec: Qs8WeightsSpec,
): { tile: Qs8GemmTile; packed: number } {
  checkWinoGeometry(g, kernel);
  checkQs8Weights(cOut, 9 * g.c, spec, 'conv');
  const tile = winoTile(kernel);
  return { tile, packed: packDirectWeights(mem, kernel, tile.packer, g, cOut, spec, winoPackedBytes(cOut, g.c, false)) };
}

/**
 * Whether the Winograd kernels may write this conv's output over its input (same pointer): the
 * output has the input's shape (C_out = C_in, pad_left + pad_right = 2, output rows <= input rows)
 * and pad_top <= 2, so each tile row has read every input row it overwrites into its ring
 * (assembly/qs8/conv_wino.ts). Not with a fused pool (the executor gives a fused step no alias).
 */
export function winoInPlace(g: ResolvedGeometry, cOut: number): boolean {
  return winoFits(g) && cOut === g.c && g.pl + g.pr === 2 && g.pt <= 2 && g.oh <= g.h && g.ow === g.w;
}

/** Scratch bytes (padded rows, transformed windows, sums) the Winograd kernels need for a params block. */
export function winoScratchBytes(mem: LinearMemory, params: number): number {
  return mem.mod.exports.qs8_conv_wino_scratch_bytes(params);
}

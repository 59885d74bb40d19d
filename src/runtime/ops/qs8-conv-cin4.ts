// The direct int8 conv for few input channels (C_in <= 4, a network's first layer): packing
// and scratch size. prepareQs8Conv (qs8-conv.ts) picks it when C_in <= CIN4_MAX_CHANNELS and
// runs it like any conv kernel (same params block, same call).
// Kernels, pair image and packed "16c2" layout: assembly/qs8/conv_cin4_scalar.ts.
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import type { ResolvedGeometry } from './qs8-dwconv.js';
import { checkQs8Weights, type Qs8GemmTile, type Qs8WeightsSpec } from './qs8-gemm.js';

/** The largest input channel count the direct kernel takes (and is chosen for). */
export const CIN4_MAX_CHANNELS = 4;

const CIN4_NAME = /^qs8_conv_cin4_(\d+)x(\d+)c(\d+)__/;

/** True for a direct small-C_in conv kernel's export name. */
export function isCin4Kernel(kernel: string): boolean {
  return CIN4_NAME.test(kernel);
}

/** Tile of a direct kernel, read from its name: `qs8_conv_cin4_2x16c2__wasmsimd` -> 2 pixels x 16 channels, K in pairs. */
export function cin4Tile(kernel: string): Qs8GemmTile {
  const t = CIN4_NAME.exec(kernel);
  if (!t) throw new TypeError(`'${kernel}' is not a direct small-C_in conv kernel name`);
  return { mr: +t[1], nr: +t[2], kr: +t[3], packer: 'qs8_conv_cin4_pack_16c2' };
}

/** Pair slots of a kernel: KH*floor(KW*C/2), plus ceil(KH/2) when KW*C is odd (mirror of cin4_slots). */
export function cin4Slots(kh: number, kw: number, c: number): number {
  const kwc = kw * c;
  return kh * Math.floor(kwc / 2) + (kwc % 2 ? Math.ceil(kh / 2) : 0);
}

/** Bytes of the packed "16c2" weights: 8 + 4 * slots bytes per channel, channels padded to 4. */
export function cin4PackedBytes(cOut: number, kh: number, kw: number, c: number): number {
  return Math.ceil(cOut / 4) * 4 * (8 + 4 * cin4Slots(kh, kw, c));
}

/** Checks the layer against the direct kernel's limits and packs its weights. */
export function packCin4Weights(
  mem: LinearMemory, kernel: string, g: ResolvedGeometry, cOut: number, spec: Qs8WeightsSpec,
): { tile: Qs8GemmTile; packed: number } {
  if (g.c > CIN4_MAX_CHANNELS) {
    throw new RangeError(`conv kernel '${kernel}' takes at most ${CIN4_MAX_CHANNELS} input channels, this layer has ${g.c}; leave the kernel choice to the runtime`);
  }
  checkQs8Weights(cOut, g.kh * g.kw * g.c, spec, 'conv');
  const tile = cin4Tile(kernel);
  const exp = mem.mod.exports;
  kernelFn(exp, kernel); // throws now if this build lacks it
  const pack = kernelFn(exp, tile.packer);
  const packed = mem.alloc(cin4PackedBytes(cOut, g.kh, g.kw, g.c));
  mem.temporary(() =>
    pack(mem.put(spec.weights), spec.bias ? mem.put(spec.bias) : 0, mem.put(spec.scale), spec.zpIn, cOut, g.kh, g.kw, g.c, packed));
  return { tile, packed };
}

/** Scratch bytes (the padded pair image) the direct kernel needs for a params block. */
export function cin4ScratchBytes(mem: LinearMemory, params: number): number {
  return mem.mod.exports.qs8_conv_cin4_scratch_bytes(params);
}

// int8 GEMM / fully connected / 1x1 convolution: pack once, run many times.
//
//   const layer = prepareQs8Gemm(mem, build, { n, k, weights, bias, scale, zpIn, zpOut, qmin, qmax });
//   runQs8Gemm(mem, layer, m, a, aStride, c, cStride);   // C[m][n] int8 = requant(A[m][k] x W^T)
//
// A 1x1 stride-1 conv over NHWC is this with m = N*H*W, k = C_in, aStride = C_in, cStride = C_out.
// Kernels, params and packed layouts: assembly/qs8/gemm_scalar.ts.
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { chooseKernel } from '../kernel-table.js';
import { packerOf } from '../manifest.js';
import { writeParams } from '../params.js';
import { QS8_GEMM } from '../param-blocks.js';

/** Tile of a qs8 gemm/conv kernel, read from its name: `qs8_gemm_2x4c8__wasmsimd` -> mr 2, nr 4, kr 8. */
export interface Qs8GemmTile {
  mr: number;
  nr: number;
  kr: number;
  /** Bytes per packed weight: 1 (int8, as in the file), 2 for the relaxed kernels' split 7-bit halves ("c16s"). */
  wbytes: number;
  /** The packer export that writes the layout this kernel reads. */
  packer: string;
}

export function qs8GemmTile(kernel: string): Qs8GemmTile {
  const t = /^qs8_(?:gemm|conv|conv_add)_(\d+)x(\d+)c(\d+)(s?)__/.exec(kernel);
  if (!t) throw new TypeError(`'${kernel}' is not a qs8 gemm/conv kernel name`);
  return { mr: +t[1], nr: +t[2], kr: +t[3], wbytes: t[4] ? 2 : 1, packer: packerOf(kernel) };
}

/** Bytes of the packed weights for n output channels and depth k: per block of nr channels, bias' and scale, then the padded weights. */
export function qs8GemmPackedBytes(tile: Qs8GemmTile, n: number, k: number): number {
  const kp = Math.ceil(k / tile.kr) * tile.kr;
  return Math.ceil(n / tile.nr) * (tile.nr * 8 + tile.nr * kp * tile.wbytes);
}

/** What a gemm / conv layer's weights and quantization are. */
export interface Qs8WeightsSpec {
  /** Canonical int8 weights [N][K] (a conv's OHWI is [C_out][KH*KW*C_in]); symmetric, -128 is read as -127. */
  weights: Int8Array;
  /** int32 bias [N] with scale s_in*s_w[n]; null = none. */
  bias?: Int32Array | null;
  /** Per-channel requantization multipliers m[n] = fround(s_in*s_w[n]/s_out). */
  scale: Float32Array;
  zpIn: number;
  zpOut: number;
  /** Fused activation range in the output's quantized domain (activation.ts int8Range); default -128..127. */
  qmin?: number;
  qmax?: number;
  /** Override the kernel export (tests: scalar twins, the relaxed kernel); its packer is its manifest entry's. */
  kernel?: string;
}

export interface Qs8GemmSpec extends Qs8WeightsSpec {
  /** Output channels. */
  n: number;
  /** Depth (input channels). */
  k: number;
}

export interface Qs8GemmLayer {
  readonly kernel: string;
  readonly tile: Qs8GemmTile;
  readonly n: number;
  readonly k: number;
  readonly packed: number;
  readonly packedBytes: number;
  /** The 12-byte params block (zp_out, qmin, qmax). */
  readonly params: number;
}

function checkInt8(what: string, fields: Record<string, number>): void {
  for (const [k, v] of Object.entries(fields)) {
    if (!Number.isInteger(v) || v < -128 || v > 127) throw new RangeError(`${what} ${k} must be an int8, got ${v}`);
  }
}

/** Checks sizes, zero points and the clamp range of a gemm / conv layer's weights spec. */
export function checkQs8Weights(n: number, k: number, spec: Qs8WeightsSpec, what: string): void {
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(k) || k < 1) throw new RangeError(`${what}: bad size n=${n} k=${k}`);
  if (spec.weights.length !== n * k) throw new RangeError(`${what} weights: want ${n * k} (N*K), got ${spec.weights.length}`);
  if (spec.scale.length !== n) throw new RangeError(`${what} scale: want ${n} channels, got ${spec.scale.length}`);
  if (spec.bias && spec.bias.length !== n) throw new RangeError(`${what} bias: want ${n} channels, got ${spec.bias.length}`);
  const qmin = spec.qmin ?? -128, qmax = spec.qmax ?? 127;
  checkInt8(what, { zpIn: spec.zpIn, zpOut: spec.zpOut, qmin, qmax });
  if (qmin > qmax) throw new RangeError(`${what} qmin ${qmin} > qmax ${qmax}`);
}

/**
 * Checks the weights and packs them through the kernel's packer into a new buffer.
 * The canonical arrays are staged above the allocator's top (not kept). Returns the packed pointer and size.
 */
export function packQs8Weights(
  mem: LinearMemory, kernel: string, n: number, k: number, spec: Qs8WeightsSpec, what: string,
): { tile: Qs8GemmTile; packed: number; packedBytes: number } {
  checkQs8Weights(n, k, spec, what);
  const tile = qs8GemmTile(kernel);
  const exp = mem.mod.exports;
  kernelFn(exp, kernel); // throws now if this build lacks it
  const pack = kernelFn(exp, tile.packer);

  const packedBytes = qs8GemmPackedBytes(tile, n, k);
  const packed = mem.alloc(packedBytes);
  mem.temporary(() => pack(mem.put(spec.weights), spec.bias ? mem.put(spec.bias) : 0, mem.put(spec.scale), spec.zpIn, n, k, packed));
  return { tile, packed, packedBytes };
}

/** Check the spec, pack the weights and write the params. Call once at load. */
export function prepareQs8Gemm(mem: LinearMemory, build: Build, spec: Qs8GemmSpec): Qs8GemmLayer {
  const kernel = spec.kernel ?? chooseKernel('qs8_gemm', build).kernel;
  const { tile, packed, packedBytes } = packQs8Weights(mem, kernel, spec.n, spec.k, spec, 'gemm');
  const params = writeParams(mem, QS8_GEMM, { zp_out: spec.zpOut, qmin: spec.qmin ?? -128, qmax: spec.qmax ?? 127 });
  return { kernel, tile, n: spec.n, k: spec.k, packed, packedBytes, params };
}

/**
 * C[m][n] = requant(A[m][k] x W^T). Row i of A at a + i*aStride (aStride >= k), row i of C at
 * c + i*cStride (cStride >= n). The kernel reads up to kr-1 bytes past each row's k-th byte.
 */
export function runQs8Gemm(
  mem: LinearMemory, layer: Qs8GemmLayer, m: number, a: number, aStride: number, c: number, cStride: number = layer.n,
): void {
  if (m < 1) return;
  kernelFn(mem.mod.exports, layer.kernel)(m, layer.n, layer.k, a, aStride, layer.packed, c, cStride, layer.params);
}

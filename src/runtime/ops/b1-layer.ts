// The binary layers of a graph (docs/ir.md, "Binary layers") on the b1 kernels (b1.ts):
//
//   bitpack                      f32 / i8 -> bits (the sign)
//   conv2d / gemm, b1 weights:   bits in -> XNOR-popcount, out bits, i8 or f32
//                                i8 in   -> binary weights x int8, out i8
//                                f32 in  -> the weights expanded to +-alpha, f32 kernels
//
// The transform of the binary kernels is y = acc * mul[o] + add[o] with acc the integer dot
// product (+-1 x +-1, or +-1 x (q - zp)): mul[o] = fround(s_x * alpha[o]) (s_x = 1 for bits),
// add[o] = the f32 bias. The executor plans the buffers; this file only binds kernels.
import { BranchyFormatError, BranchyUnsupportedError } from '../../errors.js';
import type { Node, TensorInfo, Weights } from '../../ir/types.js';
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { f32Range, int8Range, type Activation as ClampActivation } from './activation.js';
import {
  prepareB1Bitpack, runB1Bitpack, prepareB1Conv, runB1Conv, prepareB1Gemm, runB1Gemm,
  prepareQs8B1wConv, runQs8B1wConv, prepareQs8B1wGemm, runQs8B1wGemm, type B1Output,
} from './b1.js';
import { b1Words } from './b1-transform.js';
import { windowGeometry } from '../../ir/window.js';
import { prepareF32Conv, prepareF32Gemm, runF32Conv, runF32Gemm } from './f32-conv.js';

/** A prepared binary node: run(x, y, scratch) with planned pointers; scratch of scratchBytes (0: none). */
export interface BinaryLayer {
  readonly scratchBytes: number;
  readonly kernel: string;
  run(x: number, y: number, scratch: number): void;
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Bytes of one sample of a tensor: b1 packs each row of the last axis into ceil(n/32) u32 words. */
export function sampleBytes(t: TensorInfo): number {
  if (t.dtype === 'b1') return numel(t.shape.slice(1, -1)) * b1Words(t.shape.at(-1) ?? 1) * 4;
  return numel(t.shape.slice(1)) * (t.dtype === 'f32' || t.dtype === 'i32' ? 4 : 1);
}

/** A b1 constant's packed words (u8 storage, rows of ceil(n/32)*4 bytes) as u32. */
function words(data: ArrayBufferView): Uint32Array {
  const u8 = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return u8.byteOffset % 4 === 0 ? new Uint32Array(u8.buffer, u8.byteOffset, u8.byteLength / 4) : new Uint32Array(u8.slice().buffer);
}

/** The real weights alpha[o] * (+-1) of a b1 constant [O][...][C] (the f32 path). */
function expand(bits: Uint32Array, alpha: readonly number[], rows: number, channels: number): Float32Array {
  const cw = b1Words(channels);
  const out = new Float32Array(rows * channels);
  const per = rows / alpha.length;
  for (let r = 0; r < rows; r++) {
    const a = Math.fround(alpha[Math.floor(r / per)]);
    for (let c = 0; c < channels; c++) out[r * channels + c] = (bits[r * cw + (c >> 5)] >>> (c & 31)) & 1 ? -a : a;
  }
  return out;
}

/**
 * Packs a binary node's weights and binds its kernel. `clamp`: the fused activation as a clamp,
 * or null when it is not one (the executor applies it after an f32 output). `fuseMaxPool2x2`:
 * a binary-weight conv writes the 2×2/2 max pool of its output (conv2d's `absorbs` decided).
 */
export function prepareBinaryNode(
  mem: LinearMemory, build: Build, node: Node, info: (name: string) => TensorInfo, weights: Weights, clamp: ClampActivation | null,
  fuseMaxPool2x2 = false, winograd = true,
): BinaryLayer {
  try {
    return prepareBinary(mem, build, node, info, weights, clamp, fuseMaxPool2x2, winograd);
  } catch (e) {
    // The b1 op wrappers check their arguments with RangeErrors (a programming contract);
    // from a model file, a value they refuse (a non-finite scale, an overflowing product)
    // means the file is inconsistent.
    if (e instanceof RangeError) {
      throw new BranchyFormatError(`node '${node.name}' (${node.op}): ${e.message}; the file's scales do not make a valid binary layer (re-run branchy convert)`);
    }
    throw e;
  }
}

function prepareBinary(
  mem: LinearMemory, build: Build, node: Node, info: (name: string) => TensorInfo, weights: Weights, clamp: ClampActivation | null,
  fuseMaxPool2x2: boolean, winograd: boolean,
): BinaryLayer {
  const x = info(node.inputs[0]), y = info(node.outputs[0]);
  const where = `node '${node.name}' (${node.op}, ${x.dtype} -> ${y.dtype})`;
  if (node.op === 'bitpack') {
    const q = x.quant?.kind === 'tensor' ? x.quant : undefined;
    if (x.dtype === 'i8' && !q) throw new BranchyUnsupportedError(`${where}: int8 input '${x.name}' needs a per-tensor zero point`);
    const layer = prepareB1Bitpack(mem, build, {
      rows: numel(x.shape.slice(1, -1)), channels: x.shape.at(-1)!, dtype: x.dtype === 'i8' ? 'int8' : 'f32', zeroPoint: q?.zeroPoint,
    });
    return { scratchBytes: 0, kernel: layer.kernel, run: (X, Y) => runB1Bitpack(mem, layer, X, Y) };
  }
  const wt = info(node.inputs[1]);
  const data = weights.get(wt.name);
  if (!data || wt.quant?.kind !== 'channel') throw new BranchyUnsupportedError(`${where}: binary weights '${wt.name}' must be a constant with per-channel scales`);
  const alpha = wt.quant.scales;
  const bits = words(data);
  const cOut = wt.shape[0];
  const cIn = wt.shape.at(-1)!;
  const rows = numel(wt.shape.slice(0, -1));
  const b = node.inputs[2] ? weights.get(node.inputs[2]) : undefined;
  if (b !== undefined && !(b instanceof Float32Array)) throw new BranchyUnsupportedError(`${where}: the bias of a binary layer must be an f32 constant`);
  const add = b ?? new Float32Array(cOut);
  const geom = node.op === 'conv2d' ? windowGeometry(node.attrs, x) : null;
  const m = numel(x.shape.slice(1, -1));
  const k = x.shape.at(-1)!;
  if (clamp === null && y.dtype !== 'f32') throw new BranchyUnsupportedError(`${where}: fused ${node.act?.kind} needs an f32 output; keep this layer's output in float`);
  const fr = f32Range(clamp ?? { kind: 'none' });

  if (x.dtype === 'f32') {
    const wf = expand(bits, alpha, rows, cIn);
    if (geom) {
      const layer = prepareF32Conv(mem, build, { geom, outChannels: cOut, weights: wf, bias: b ?? null, ...fr });
      return { scratchBytes: 0, kernel: layer.kernel, run: (X, Y) => runF32Conv(mem, layer, X, Y) };
    }
    const layer = prepareF32Gemm(mem, build, { n: cOut, k, weights: wf, bias: b ?? null, ...fr });
    return { scratchBytes: 0, kernel: layer.kernel, run: (X, Y) => runF32Gemm(mem, layer, X, Y, m) };
  }

  const qx = x.dtype === 'i8' ? x.quant : undefined;
  if (x.dtype === 'i8' && qx?.kind !== 'tensor') throw new BranchyUnsupportedError(`${where}: int8 input '${x.name}' needs a per-tensor scale`);
  const sx = qx?.kind === 'tensor' ? qx.scale : 1;
  const mul = Float32Array.from(alpha, (a) => Math.fround(sx * a));
  let out: B1Output;
  if (y.dtype === 'b1') out = { kind: 'bits' };
  else if (y.dtype === 'f32') out = { kind: 'f32', min: fr.fmin, max: fr.fmax };
  else {
    if (y.quant?.kind !== 'tensor') throw new BranchyUnsupportedError(`${where}: int8 output '${y.name}' needs a per-tensor scale and zero point`);
    const { scale, zeroPoint } = y.quant;
    out = { kind: 'int8', scale, zeroPoint, ...int8Range(clamp ?? { kind: 'none' }, scale, zeroPoint) };
  }

  if (x.dtype === 'i8') {
    if (out.kind !== 'int8') throw new BranchyUnsupportedError(`${where}: binary weights on int8 activations give int8 outputs`);
    const zpIn = (qx as { zeroPoint: number }).zeroPoint;
    if (geom) {
      const layer = prepareQs8B1wConv(mem, build, { geom, cOut, weightBits: bits, mul, add, zpIn, out, allocScratch: false, fuseMaxPool2x2, winograd });
      return { scratchBytes: layer.scratchBytes, kernel: layer.kernel, run: (X, Y, S) => runQs8B1wConv(mem, layer, X, Y, S) };
    }
    const layer = prepareQs8B1wGemm(mem, build, { n: cOut, k, weightBits: bits, mul, add, zpIn, out });
    return { scratchBytes: 0, kernel: layer.kernel, run: (X, Y) => runQs8B1wGemm(mem, layer, m, X, Y) };
  }
  if (geom) {
    const layer = prepareB1Conv(mem, build, { geom, cOut, weightBits: bits, mul, add, out, allocScratch: false });
    return { scratchBytes: layer.scratchBytes, kernel: layer.kernel, run: (X, Y, S) => runB1Conv(mem, layer, X, Y, S) };
  }
  const layer = prepareB1Gemm(mem, build, { n: cOut, k, weightBits: bits, mul, add, out });
  return { scratchBytes: 0, kernel: layer.kernel, run: (X, Y) => runB1Gemm(mem, layer, m, X, Y) };
}

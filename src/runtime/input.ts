// Writes one sample of a user's input into the arena, the per-image host work in front of
// the kernels. Float inputs land in the f32 input slot (NCHW -> NHWC when the data are NCHW);
// uint8 pixels are normalised with the model's mean/std first (its own, or the one given at
// load). The data's layout is the caller's `layout`, by default the model's: NCHW when the
// source model took NCHW, else NHWC.
//
// Fused quantize-on-input: when the input's only reader is a quantize node (every int8
// model), uint8 pixels go straight to int8 through one table per channel (the kernel
// u8_qs8_lut, which also lays them out NHWC), and the quantize step is skipped for that
// sample (InputQuantize.prequantized). The table is made at load by the same normalisation
// and the same quantize kernel as the unfused path, value by value, so both paths give the
// same int8 input, bit for bit. The pixels are staged in the f32 input slot, which the
// skipped quantize step would have read.
//
// Staged inputs (InputQuantize.staged, set by the executor where nothing needs the float
// input whole: not keepIntermediates, the quantize took no table): the float input gets no slot
// of its own. The writer quantizes each sample straight into the int8 tensor, in chunks of
// whole pixels (STAGE_VALUES values) through a staging buffer that takes the input's slot (floats
// copied, checked finite and quantized by the same wasm kernels; uint8 pixels through the same
// tables), or, for an input of at most JS_QUANTIZE_MAX values whose staging buffer would raise the
// arena's peak (the executor plans both), with no buffer at all: in JS, by quantizeValue
// (src/ir/numerics.ts: the quantize kernel's arithmetic) or the same tables. A 96x96x3 float input then takes 16 KiB of the arena beside its int8
// copy instead of 108 KiB; a small one (an audio frame, a feature vector) at most its own size x 4.
import { BranchyInputError } from '../errors.js';
import type { Graph, TensorInfo } from '../ir/types.js';
import type { InputQuantize, Program, TensorSlot } from './executor.js';
import type { Build } from './features.js';
import { kernelFn } from './exports.js';
import { chooseKernel } from './kernel-table.js';
import { prepareQuantize, runConvert } from './ops/eltwise.js';
import { quantizeValue } from '../ir/numerics.js';

type Normalize = NonNullable<Graph['normalize']>;

/**
 * Checks a normalisation given by a user (load option, CLI): a finite scale > 0, mean and
 * std of one value or one per channel, std without zeros. Returns it with numbers only.
 */
export function checkNormalize(n: unknown, channels: number, what = 'normalize'): Normalize {
  const o = n as Partial<Normalize> | null;
  if (typeof o !== 'object' || o === null) throw new BranchyInputError(`${what}: expected { scale, mean, std }, got ${String(n)}`);
  const scale = o.scale ?? 1;
  if (typeof scale !== 'number' || !(scale > 0 && Number.isFinite(scale))) throw new BranchyInputError(`${what}.scale must be a finite number > 0 (pixels are divided by it), got ${String(o.scale)}`);
  const list = (v: unknown, name: string, dflt: number): number[] => {
    const a = v === undefined ? [dflt] : typeof v === 'number' ? [v] : v;
    if (!Array.isArray(a) || a.length === 0 || !a.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new BranchyInputError(`${what}.${name} must be a finite number or an array of them, got ${JSON.stringify(v)}`);
    }
    if (a.length !== 1 && a.length !== channels) throw new BranchyInputError(`${what}.${name} has ${a.length} values; the input has ${channels} channels (give 1 or ${channels})`);
    return a.slice() as number[];
  };
  const mean = list(o.mean, 'mean', 0), std = list(o.std, 'std', 1);
  if (std.some((x) => x === 0)) throw new BranchyInputError(`${what}.std has a zero; pixels are divided by it`);
  return { scale, mean, std };
}

/** Inputs with more channels than this take uint8 pixels through the unfused path (no per-channel tables). */
const MAX_TABLE_CHANNELS = 256;

/** A staged input of at most this many values per sample may be quantized in JS, with no staging buffer (where that lowers the arena). */
export const JS_QUANTIZE_MAX = 1024;
/** Values a staging chunk holds, at most (whole pixels; one pixel when it has more channels). */
const STAGE_VALUES = 4096;

const channelsOf = (t: TensorInfo): number => (t.shape.length === 4 ? t.shape[3] : 1);
const valuesOf = (t: TensorInfo): number => t.shape.slice(1).reduce((a, b) => a * b, 1);
/** Pixels per staging chunk of an input with c channels. */
const stagePixels = (c: number): number => Math.max(1, Math.floor(STAGE_VALUES / c));

/** Values (f32) of a staged float input's staging buffer: whole pixels, STAGE_VALUES at most (one pixel if it has more). */
export function stagingValues(t: TensorInfo): number {
  const c = channelsOf(t);
  return Math.min(valuesOf(t), stagePixels(c) * c);
}

/** A pixel value after the model's normalisation (f64; the slot stores it as f32). */
const normalized = (v: number, scale: number, mean: number, std: number): number => (v / scale - mean) / std;

/** How a staged input is quantized (InputWriter.prepareStaged). */
interface Staged {
  /** Pixels per staging chunk; 0: quantized in JS (no staging buffer). */
  pixels: number;
  /** The quantize kernel (f32_qs8_vcvt) and its params block, for the chunks. */
  quantize: (n: number, x: number, y: number, params: number) => void;
  params: number;
  /** The same quantization for quantizeValue (src/ir/numerics.ts). */
  scale: number;
  zp: number;
  /** The uint8 -> int8 tables ([c][256]) in JS, where the input has them. */
  table: Int8Array | null;
}

export class InputWriter {
  private readonly channels: number;
  private readonly pixels: number;
  /** An image (NHWC slot) with more than one channel: NCHW data need a transpose. */
  private readonly multiChannel: boolean;
  /** The layout of data when the caller gives none: the source model's. */
  private readonly ownLayout: 'NCHW' | 'NHWC';
  private readonly scale: number;
  private readonly mean: Float64Array;
  private readonly std: Float64Array;
  private readonly fused: InputQuantize | null;
  private readonly int8Ptr: number;
  /** The uint8 -> int8 tables ([c][256]) in linear memory when the quantize can be fused (else 0). */
  private readonly tablePtr: number = 0;
  private readonly lut: ((...args: number[]) => void) | null = null;
  /** The kernel f32_vfinite: index of the first non-finite value of the f32 slot, or -1. */
  private readonly scan: (n: number, x: number) => number;
  private view: { buffer: ArrayBufferLike; f32: Float32Array; u8: Uint8Array } | null = null;
  /** A staged input (InputQuantize.staged): how it is quantized, null otherwise. */
  private readonly staged: Staged | null = null;
  /** Whether the last staged write met a NaN or ±Infinity. */
  private nonFinite = false;

  constructor(
    private readonly program: Program,
    private readonly slot: TensorSlot,
    name: string,
    normalize: Normalize | undefined,
    build: Build,
  ) {
    const t = slot.info;
    const image = t.shape.length === 4;
    this.channels = image ? t.shape[3] : 1;
    this.pixels = slot.elements / this.channels;
    this.multiChannel = image && this.channels > 1;
    this.ownLayout = t.sourceLayout === 'NCHW' ? 'NCHW' : 'NHWC';
    const c = this.channels;
    this.scale = normalize?.scale ?? 1;
    this.mean = Float64Array.from({ length: c }, (_, ch) => (normalize ? normalize.mean[normalize.mean.length === 1 ? 0 : ch] : 0));
    this.std = Float64Array.from({ length: c }, (_, ch) => (normalize ? normalize.std[normalize.std.length === 1 ? 0 : ch] : 1));
    this.fused = program.inputQuantize.get(name) ?? null;
    // No slot of its own: the quantize took an int8 activation's table into its step (executor.ts) and writes the table's output.
    const int8 = this.fused && program.tensors.get(this.fused.output);
    if (this.fused && (!(normalize && c <= MAX_TABLE_CHANNELS) || !int8)) this.fused = null;
    // The int8 tensor the fused and the staged paths write (a staged input's quantize always has its own).
    this.int8Ptr = int8 ? int8.ptr : 0;
    this.scan = kernelFn(program.mem.mod.exports, chooseKernel('f32_finite', build).kernel) as unknown as (n: number, x: number) => number;
    // Images have a few channels; past MAX_TABLE_CHANNELS the tables would cost more than the
    // unfused path (both give the same int8 values).
    if (this.fused && normalize && c <= MAX_TABLE_CHANNELS) {
      const mem = program.mem;
      this.lut = kernelFn(mem.mod.exports, chooseKernel('u8_qs8_lut', build).kernel);
      this.tablePtr = mem.put(this.makeTable(this.fused, build));
    }
    const q = program.inputQuantize.get(name);
    if (q?.staged) this.staged = this.prepareStaged(q, normalize && c <= MAX_TABLE_CHANNELS ? this.tablePtr : 0, build);
  }

  private prepareStaged(q: InputQuantize, tablePtr: number, build: Build): Staged {
    const mem = this.program.mem;
    const out = this.program.tensors.get(q.output)!.info.quant as { scale: number; zeroPoint: number };
    const chunk = q.staged!.chunk;
    const layer = prepareQuantize(mem, build, { n: Math.max(chunk, 1), output: { scale: out.scale, zeroPoint: out.zeroPoint } });
    return {
      pixels: chunk ? chunk / this.channels : 0,
      quantize: kernelFn(mem.mod.exports, layer.kernel) as unknown as (n: number, x: number, y: number, params: number) => void,
      params: layer.params,
      scale: out.scale, zp: out.zeroPoint,
      table: tablePtr ? mem.i8(tablePtr, this.channels * 256).slice() : null,
    };
  }

  /**
   * Write sample b of `data` (already checked: length, dtype, finite values) into the arena;
   * `layout` is the data's (default: the source model's). `fuse` false always goes through the
   * f32 input slot (so that it can be read back: trace).
   */
  write(data: Float32Array | Uint8Array, b: number, layout: 'NCHW' | 'NHWC' | undefined, fuse = true): void {
    const n = this.slot.elements;
    const off = b * n;
    const nchw = (layout ?? this.ownLayout) === 'NCHW';
    if (this.staged) {
      this.nonFinite = false;
      if (this.staged.pixels === 0) this.writeJs(this.staged, data, off, nchw && this.multiChannel);
      else this.writeChunks(this.staged, data, off, nchw && this.multiChannel);
      return;
    }
    const v = this.views();
    if (data instanceof Uint8Array && this.lut && fuse) {
      v.u8.set(data.subarray(off, off + n));
      const c = this.channels, hw = this.pixels;
      this.lut(hw, c, this.u8Ptr(), nchw ? hw : 1, nchw ? 1 : c, this.tablePtr, this.int8Ptr);
      this.fused!.prequantized = true;
      return;
    }
    if (this.fused) this.fused.prequantized = false;
    if (data instanceof Uint8Array) this.writePixels(data, off, v.f32, nchw);
    else if (nchw && this.multiChannel) this.writeTransposed(data, off, v.f32);
    else v.f32.set(data.subarray(off, off + n));
  }

  /**
   * Whether the f32 input slot holds a NaN or ±Infinity (after write() of Float32Array data):
   * the input's finiteness check, one SIMD pass in wasm over the copied values.
   */
  hasNonFinite(): boolean {
    if (this.staged) return this.nonFinite;
    return this.scan(this.slot.elements, this.slot.ptr) >= 0;
  }

  /** A staged input of at most JS_QUANTIZE_MAX values: quantized in JS into the int8 tensor (quantizeValue, or the pixels' tables). */
  private writeJs(st: Staged, data: Float32Array | Uint8Array, off: number, transpose: boolean): void {
    const c = this.channels, hw = this.pixels, s = this.scale;
    const y = this.program.mem.i8(this.int8Ptr, this.slot.elements);
    const { scale, zp, table } = st;
    let bad = 0;
    for (let ch = 0; ch < c; ch++) {
      const mean = this.mean[ch], std = this.std[ch];
      for (let p = 0; p < hw; p++) {
        const v = data[off + (transpose ? ch * hw + p : p * c + ch)];
        if (data instanceof Uint8Array) {
          y[p * c + ch] = table ? table[ch * 256 + v] : quantizeValue(normalized(v, s, mean, std), scale, zp);
        } else {
          bad += v - v; // NaN for a NaN or ±Infinity, else 0
          y[p * c + ch] = quantizeValue(v, scale, zp);
        }
      }
    }
    this.nonFinite = bad !== 0;
  }

  /** A staged input: chunks of whole pixels through the staging buffer and the wasm kernels, into the int8 tensor. */
  private writeChunks(st: Staged, data: Float32Array | Uint8Array, off: number, transpose: boolean): void {
    const c = this.channels, hw = this.pixels, stage = this.slot.ptr;
    const { f32, u8 } = this.views();
    for (let p0 = 0; p0 < hw; p0 += st.pixels) {
      const p1 = Math.min(hw, p0 + st.pixels), k = (p1 - p0) * c, dst = this.int8Ptr + p0 * c;
      if (data instanceof Uint8Array && this.lut) {
        if (transpose) for (let ch = 0; ch < c; ch++) u8.set(data.subarray(off + ch * hw + p0, off + ch * hw + p1), ch * (p1 - p0));
        else u8.set(data.subarray(off + p0 * c, off + p1 * c));
        this.lut(p1 - p0, c, stage, transpose ? p1 - p0 : 1, transpose ? 1 : c, this.tablePtr, dst);
        continue;
      }
      if (data instanceof Uint8Array) {
        const s = this.scale;
        for (let ch = 0; ch < c; ch++) {
          const mean = this.mean[ch], std = this.std[ch];
          for (let p = p0; p < p1; p++) f32[(p - p0) * c + ch] = normalized(data[off + (transpose ? ch * hw + p : p * c + ch)], s, mean, std);
        }
      } else if (transpose) {
        for (let ch = 0; ch < c; ch++) for (let p = p0; p < p1; p++) f32[(p - p0) * c + ch] = data[off + ch * hw + p];
      } else {
        f32.set(data.subarray(off + p0 * c, off + p1 * c));
      }
      if (data instanceof Float32Array && this.scan(k, stage) >= 0) this.nonFinite = true;
      st.quantize(k, stage, dst, st.params);
    }
  }

  /**
   * Where uint8 pixels wait for the fused quantize: the f32 slot's last quarter, since the int8
   * tensor may start at the slot's first byte (an in-place quantize step, planned as an alias).
   */
  private u8Ptr(): number {
    return this.slot.ptr + 3 * this.slot.elements;
  }

  /**
   * Typed views of the slot, remade only when the wasm memory has grown: f32 over its values and
   * u8 over its last quarter, or, for a staged input, both over its staging buffer (one chunk).
   */
  private views(): { buffer: ArrayBufferLike; f32: Float32Array; u8: Uint8Array } {
    const mem = this.program.mem;
    if (!this.view || this.view.buffer !== mem.buffer) {
      const chunk = this.staged && Math.min(this.slot.elements, this.staged.pixels * this.channels);
      this.view = chunk
        ? { buffer: mem.buffer, f32: mem.f32(this.slot.ptr, chunk), u8: mem.u8(this.slot.ptr, chunk) }
        : { buffer: mem.buffer, f32: mem.f32(this.slot.ptr, this.slot.elements), u8: mem.u8(this.u8Ptr(), this.slot.elements) };
    }
    return this.view;
  }

  /** uint8 pixels (NCHW or NHWC) -> normalised f32 NHWC. */
  private writePixels(src: Uint8Array, off: number, dst: Float32Array, nchw: boolean): void {
    const c = this.channels, hw = this.pixels, s = this.scale;
    for (let ch = 0; ch < c; ch++) {
      const mean = this.mean[ch], std = this.std[ch];
      for (let p = 0; p < hw; p++) dst[p * c + ch] = normalized(src[off + (nchw ? ch * hw + p : p * c + ch)], s, mean, std);
    }
  }

  private writeTransposed(src: Float32Array, off: number, dst: Float32Array): void {
    const c = this.channels, hw = this.pixels;
    for (let ch = 0; ch < c; ch++) {
      const base = off + ch * hw;
      for (let p = 0; p < hw; p++) dst[p * c + ch] = src[base + p];
    }
  }

  /**
   * Runs the 256 values of each channel through the unfused path's normalisation and its
   * quantize kernel (a 256-value instance of it), keeping the int8 results: c x 256 work.
   */
  private makeTable(q: InputQuantize, build: Build): Int8Array {
    const c = this.channels;
    const mem = this.program.mem;
    const out = this.program.tensors.get(q.output)!.info.quant as { scale: number; zeroPoint: number };
    const table = new Int8Array(c * 256);
    mem.temporary(() => {
      const layer = prepareQuantize(mem, build, { n: 256, output: { scale: out.scale, zeroPoint: out.zeroPoint } });
      const src = mem.alloc(256 * 4), dst = mem.alloc(256);
      for (let ch = 0; ch < c; ch++) {
        const f32 = mem.f32(src, 256);
        for (let v = 0; v < 256; v++) f32[v] = normalized(v, this.scale, this.mean[ch], this.std[ch]);
        runConvert(mem, layer, src, dst);
        table.set(mem.i8(dst, 256), ch * 256);
      }
    });
    return table;
  }
}

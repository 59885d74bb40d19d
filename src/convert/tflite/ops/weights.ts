// The constant operands of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED as IR constants. A
// float layer takes FLOAT32 weights, or INT8 weights of a dynamic-range quantized file, which
// are dequantized (real = scale[c] · q); an int8 layer takes INT8 weights with their own
// scales, per channel or per tensor, zero points 0 (TFLite's and branchy's symmetric weights),
// and INT32 biases as they are: TFLite reads a bias at scale s_in · s_w[c] whatever scale the
// file gives it, as branchy does.
import type { Quant } from '../../../ir/types.js';
import { SCALE_RANGE } from '../../../ir/graph.js';
import { requantScale, roundHalfEven } from '../../../ir/numerics.js';
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView, TfliteTensorView } from '../view.js';

/** Per-channel scales of weights along TFLite dimension `dim` (one repeated scale for per-tensor weights). */
function weightScales(ctx: TfliteImportContext, op: TfliteOpView, w: TfliteTensorView, dim: number): number[] {
  const q = w.quantization;
  if (!q || !q.scale.length) ctx.unsupported(op, `int8 weights "${w.name}" carry no scale`, 'the model is malformed');
  if (q.zeroPoint.some((z) => z !== 0)) ctx.unsupported(op, `int8 weights "${w.name}" have a zero point other than 0`, 'branchy runs symmetric int8 weights (zero point 0), as TFLite\'s int8 converter writes them');
  if (q.scale.length === 1) return new Array<number>(w.shape[dim]).fill(q.scale[0]);
  if (q.quantizedDimension !== dim) ctx.unsupported(op, `weights "${w.name}" are quantized per channel along dimension ${q.quantizedDimension}`, `branchy reads per-channel weights along the output channels (dimension ${dim})`);
  return q.scale;
}

export interface LayerWeights {
  /** The IR constant. */
  name: string;
  /** Per-output-channel weight scales of an int8 layer. */
  scales?: number[];
}

/**
 * Input i of `op` as IR weights of shape `shape` (the same values in TFLite's order), whose
 * output channels lie along TFLite dimension `dim` (IR axis `axis`).
 */
function layerWeights(ctx: TfliteImportContext, op: TfliteOpView, i: number, int8: boolean, shape: number[], dim: number, axis: number): LayerWeights {
  const w = ctx.constant(op, i, 'weights');
  const base = `${w.name}`;
  if (w.type === 'FLOAT32' && !int8) return { name: ctx.declare(base, shape, 'f32', undefined, w.data as Float32Array) };
  if (w.type !== 'INT8') {
    ctx.unsupported(op, `weights "${w.name}" are ${w.type} in ${int8 ? 'an int8' : 'a float'} layer`, int8 ? 'quantize the model fully to int8 (weights included)' : 'use float32 or int8 (dynamic-range) weights');
  }
  const scales = weightScales(ctx, op, w, dim);
  const data = w.data as Int8Array;
  if (int8) {
    const clamped = data.reduce((n, v) => n + +(v === -128), 0);
    if (clamped) ctx.warnings.push(`${op.op} operator ${op.index}: ${clamped} weight(s) of -128 in "${w.name}" read as -127 (branchy's int8 weights are symmetric, in [-127, 127]); outputs may differ from TFLite's by a step`);
    const quant: Quant = w.quantization!.scale.length === 1 ? { kind: 'tensor', scale: scales[0], zeroPoint: 0 } : { kind: 'channel', axis, scales: scales.slice() };
    return { name: ctx.declare(base, shape, 'i8', quant, data), scales };
  }
  // Dynamic-range quantization: int8 weights, float activations.
  const inner = w.shape.slice(dim + 1).reduce((p, d) => p * d, 1);
  const f = Float32Array.from(data, (q, k) => q * scales[Math.floor(k / inner) % scales.length]);
  ctx.warnings.push(`${op.op} operator ${op.index}: int8 weights "${w.name}" of a float layer (dynamic-range quantization) dequantized to f32`);
  return { name: ctx.declare(base, shape, 'f32', undefined, f) };
}

/**
 * The weights (input 1) and optional bias (input `biasAt`, 2 but for TRANSPOSE_CONV) of a layer
 * with `n` output channels along TFLite dimension `dim` of its weights (IR axis `axis`), the
 * weights reshaped to `shape`. `q`: the int8 layer's input and output quantization (undefined
 * for a float layer).
 */
export function layerConstants(ctx: TfliteImportContext, op: TfliteOpView, shape: number[], dim: number, axis: number, q?: { sIn: number; sOut: number }, biasAt = 2): string[] {
  const w = layerWeights(ctx, op, 1, q !== undefined, shape, dim, axis);
  if (!op.inputs[biasAt]) return [w.name];
  const b = ctx.constant(op, biasAt, 'bias');
  const n = shape[axis];
  if (b.shape.length !== 1 || b.shape[0] !== n) ctx.unsupported(op, `bias "${b.name}" has shape [${b.shape.join(', ')}] for ${n} output channels`, 'the model is malformed');
  if (!q) {
    if (b.type !== 'FLOAT32') ctx.unsupported(op, `bias "${b.name}" of a float layer is ${b.type}`, 'use a float32 bias');
    return [w.name, ctx.declare(b.name, [n], 'f32', undefined, b.data as Float32Array)];
  }
  if (b.type !== 'INT32') ctx.unsupported(op, `bias "${b.name}" of an int8 layer is ${b.type}`, 'quantize the model to int8 with int32 biases (TFLite\'s default)');
  const scales = w.scales!.slice();
  const bias = deadChannels(ctx, op, w.name, dim, scales, b.data as Int32Array, q.sIn, q.sOut);
  const wq = ctx.byName.get(w.name)!;
  if (bias !== b.data) wq.quant = { kind: 'channel', axis, scales };
  return [w.name, ctx.declare(b.name, [n], 'i32', { kind: 'channel', axis: 0, scales: scales.map((s) => q.sIn * s) }, bias)];
}

/**
 * Channels whose weights are all 0 output a constant, round(bias · s_in · s_w / s_out) before the
 * zero point and clamp. Converters leave tiny weight scales on them (1e-11 in the MLPerf Tiny
 * VWW file), whose bias scale s_in · s_w falls below the scales branchy's kernels accept
 * (SCALE_RANGE): such a channel is rewritten to output the same constant with weight scale
 * s_out / s_in and bias that constant. Returns the bias (a copy when rewritten).
 */
function deadChannels(ctx: TfliteImportContext, op: TfliteOpView, wName: string, dim: number, scales: number[], bias: Int32Array, sIn: number, sOut: number): Int32Array {
  const w = ctx.weights.get(wName) as Int8Array;
  const t = op.inputs[1]!;
  const inner = t.shape.slice(dim + 1).reduce((p, d) => p * d, 1);
  const live = new Uint8Array(scales.length);
  for (let k = 0; k < w.length; k++) if (w[k] !== 0) live[Math.floor(k / inner) % scales.length] = 1;
  let out = bias;
  for (let c = 0; c < scales.length; c++) {
    if (live[c] || inRange(sIn * scales[c])) continue;
    if (out === bias) out = bias.slice();
    out[c] = roundHalfEven(Math.fround(bias[c] * requantScale(sIn, scales[c], sOut)));
    scales[c] = Math.fround(sOut / sIn);
    ctx.warnings.push(`${op.op} operator ${op.index}: output channel ${c} has zero weights and a bias scale below 2^-40; rewritten as the constant ${out[c]} it outputs (weight scale s_out / s_in)`);
  }
  return out;
}

const inRange = (s: number): boolean => Math.fround(s) >= SCALE_RANGE[0] && Math.fround(s) <= SCALE_RANGE[1];

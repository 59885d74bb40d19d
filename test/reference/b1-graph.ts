// Reference of the IR's binary layers (docs/ir.md, "Binary layers"), written from the
// definitions on unpacked values: a b1 tensor is +-1 (bit 1 = -1), binary weights are
// alpha[o] * (+-1), the integer dot product acc runs over +-1 inputs or over q - zp of an int8
// input (padded taps contribute 0), then y = f32(f32(acc * mul[o]) + add[o]) with
// mul[o] = fround(s_x * alpha[o]) (s_x = 1 for bits) and add = the f32 bias, and y becomes the
// output's dtype (test/reference/b1.ts transformRef: bits, int8 or f32). An f32 input reads the
// real weights in an ordinary float convolution (ir-eval.ts does that one).
import type { Activation, Node, TensorInfo } from '../../src/ir/types.js';
import { applyTransform, convAccRef, fcArgs, type ConvRefArgs, type RefOut } from './b1.js';

const f = Math.fround;

/** A b1 constant (u8 storage, rows of ceil(n/32)*4 bytes along the last axis) as +-1 values. */
export function unpackB1(data: Uint8Array, shape: readonly number[]): Int8Array {
  const n = shape.length ? shape[shape.length - 1] : 1;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const rowBytes = Math.ceil(n / 32) * 4;
  const out = new Int8Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < n; c++) out[r * n + c] = (data[r * rowBytes + (c >> 3)] >> (c & 7)) & 1 ? -1 : 1;
  }
  return out;
}

/** The real weights alpha[o] * (+-1) of binary weights (rows of the first axis are output channels). */
export function realWeights(w: Int8Array, t: TensorInfo): Float32Array {
  const alpha = (t.quant as { scales: number[] }).scales;
  const per = w.length / t.shape[0];
  return Float32Array.from(w, (s, i) => s * f(alpha[Math.floor(i / per)]));
}

/** The [min, max] clamp of a fused activation, or null when it is not a clamp. */
export function clampOf(a: Activation | undefined): [number, number] | null {
  if (!a || a.kind === 'none') return [-Infinity, Infinity];
  if (a.kind === 'relu') return [0, Infinity];
  if (a.kind === 'relu6') return [0, 6];
  if (a.kind === 'clip') return [a.min! <= -3e38 ? -Infinity : a.min!, a.max! >= 3e38 ? Infinity : a.max!];
  return null;
}

/** Whether the node is one of the binary layers, or moves b1 values (reshape, flatten). */
export function isBinaryRef(node: Node, info: (n: string) => TensorInfo): boolean {
  if (node.op === 'bitpack' || ((node.op === 'reshape' || node.op === 'flatten') && info(node.inputs[0]).dtype === 'b1')) return true;
  return (node.op === 'conv2d' || node.op === 'gemm') && info(node.inputs[1]).dtype === 'b1';
}

/** bitpack: +-1 of each value (int8: q < zero point is negative). */
export function bitpackRef(x: Float32Array | Int8Array, t: TensorInfo): Int8Array {
  const zp = t.dtype === 'i8' ? (t.quant as { zeroPoint: number }).zeroPoint : 0;
  return Int8Array.from(x, (v) => (t.dtype === 'i8' ? v < zp : v < 0) ? -1 : 1);
}

/**
 * A conv2d / gemm with binary weights on a b1 (+-1) or i8 input. `out` is the output's
 * transform; an activation that is no clamp is the caller's to apply (f32 outputs only).
 */
export function binaryLayerRef(
  node: Node, x: Int8Array, xt: TensorInfo, w: Int8Array, wt: TensorInfo, bias: Float32Array | undefined, out: RefOut,
): Int8Array | Float32Array {
  const alpha = (wt.quant as { scales: number[] }).scales;
  const O = wt.shape[0];
  const q = xt.dtype === 'i8' ? (xt.quant as { scale: number; zeroPoint: number }) : { scale: 1, zeroPoint: 0 };
  const xv = Int32Array.from(x, (v) => v - q.zeroPoint);
  let args: ConvRefArgs;
  if (node.op === 'conv2d') {
    const a = node.attrs;
    const [N, H, W, C] = xt.shape;
    args = {
      n: N, h: H, w: W, cIn: C, cOut: O, kh: a.kernel[0], kw: a.kernel[1], sh: a.strides[0], sw: a.strides[1],
      dh: a.dilations[0], dw: a.dilations[1], pt: a.pads[0], pl: a.pads[1], pb: a.pads[2], pr: a.pads[3],
    };
  } else {
    const K = xt.shape[xt.shape.length - 1];
    args = fcArgs(xv.length / K, K, O);
  }
  const mul = Float32Array.from(alpha, (s) => f(q.scale * s));
  const add = bias ?? new Float32Array(O);
  return applyTransform(convAccRef(args, xv, w), O, mul, add, out);
}

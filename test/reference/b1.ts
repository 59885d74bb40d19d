// Reference binary layers, written from DESIGN.md's definitions on unpacked tensors:
// +-1 values (a value is -1 when it is negative), plain sums, spatial zero padding that
// contributes 0 (neither +1 nor -1), then the per-channel transform y = acc * mul + add:
//   bits: the output value is -1 when f32(f32(acc * mul) + add) < 0, else +1
//   int8: q = clamp(round_half_even(f32(f32(acc * m) + a)) + zp, qmin, qmax),
//         m = f32(mul / s_y), a = f32(add / s_y)
//   f32:  y = f32(f32(acc * mul) + add), then y < min ? min : y, then max < y ? max : y
// Binary weights x int8: acc = sum over taps inside of w * (x - zp_in), same int8 transform.
import { roundHalfEven } from './qs8-gemm.js';
import { convOutSize, type ConvRefArgs } from './qs8-conv.js';

export type { ConvRefArgs } from './qs8-conv.js';

const f = Math.fround;

export type RefOut =
  | { kind: 'int8'; scale: number; zeroPoint: number; qmin: number; qmax: number }
  | { kind: 'f32'; min: number; max: number }
  | { kind: 'bits' };

/** Sign of each value (-1 when negative): int8 with a zero point, or f32. */
export function signsOfInt8(x: Int8Array, zp: number): Int8Array {
  return Int8Array.from(x, (q) => (q - zp < 0 ? -1 : 1));
}
export function signsOfF32(x: Float32Array): Int8Array {
  return Int8Array.from(x, (v) => (v < 0 ? -1 : 1));
}

/** Packs +-1 rows of `channels` values into u32 words (1 = -1), 0 past the last channel. */
export function packSignsRef(s: Int8Array, channels: number): Uint32Array {
  const rows = s.length / channels;
  const cw = Math.ceil(channels / 32);
  const out = new Uint32Array(rows * cw);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) if (s[r * channels + c] === -1) out[r * cw + (c >> 5)] |= 1 << (c & 31);
  }
  return out;
}

/** The per-channel transform of one accumulator: a +-1 (bits), an f32 or an int8. */
export function transformRef(acc: number, mul: number, add: number, out: RefOut): number {
  if (out.kind === 'bits') return f(f(acc * mul) + add) < 0 ? -1 : 1;
  if (out.kind === 'f32') {
    const y = f(f(acc * mul) + add);
    const lo = y < out.min ? out.min : y;
    return out.max < lo ? out.max : lo;
  }
  const m = f(mul / out.scale), a = f(add / out.scale);
  const q = roundHalfEven(f(f(acc * m) + a)) + out.zeroPoint;
  return Math.min(Math.max(q, out.qmin), out.qmax);
}

/**
 * Conv2d NHWC of x [N][H][W][C] (values already as numbers: +-1, or x - zp) with w [O][KH][KW][C]
 * (+-1); positions outside the image contribute 0. Returns the accumulators [N][OH][OW][O].
 */
export function convAccRef(a: ConvRefArgs, x: ArrayLike<number>, w: Int8Array): Int32Array {
  const [oh, ow] = convOutSize(a);
  const out = new Int32Array(a.n * oh * ow * a.cOut);
  for (let b = 0; b < a.n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let o = 0; o < a.cOut; o++) {
          let acc = 0;
          for (let ky = 0; ky < a.kh; ky++) {
            const iy = oy * a.sh - a.pt + ky * a.dh;
            if (iy < 0 || iy >= a.h) continue;
            for (let kx = 0; kx < a.kw; kx++) {
              const ix = ox * a.sw - a.pl + kx * a.dw;
              if (ix < 0 || ix >= a.w) continue;
              const xi = ((b * a.h + iy) * a.w + ix) * a.cIn;
              const wi = ((o * a.kh + ky) * a.kw + kx) * a.cIn;
              for (let ci = 0; ci < a.cIn; ci++) acc += x[xi + ci] * w[wi + ci];
            }
          }
          out[((b * oh + oy) * ow + ox) * a.cOut + o] = acc;
        }
      }
    }
  }
  return out;
}

/** The transform of every accumulator: Float32Array for f32 out, else Int8Array (int8 values or +-1). */
export function applyTransform(acc: Int32Array, cOut: number, mul: Float32Array, add: Float32Array, out: RefOut): Int8Array | Float32Array {
  const t = (v: number, i: number) => transformRef(v, mul[i % cOut], add[i % cOut], out);
  return out.kind === 'f32' ? Float32Array.from(acc, t) : Int8Array.from(acc, t);
}

/** Binary conv: x, w as +-1. Output: int8 values, +-1 values for bits, or f32 (a Float32Array). */
export function b1ConvRef(a: ConvRefArgs, x: Int8Array, w: Int8Array, mul: Float32Array, add: Float32Array, out: RefOut): Int8Array | Float32Array {
  return applyTransform(convAccRef(a, x, w), a.cOut, mul, add, out);
}

/** Binary weights (+-1) x int8 activations conv. */
export function qs8B1wConvRef(a: ConvRefArgs, x: Int8Array, zpIn: number, w: Int8Array, mul: Float32Array, add: Float32Array, out: RefOut): Int8Array | Float32Array {
  return applyTransform(convAccRef(a, Int32Array.from(x, (q) => q - zpIn), w), a.cOut, mul, add, out);
}

/** A fully connected layer is a 1x1 conv over M pixels. */
export function fcArgs(m: number, k: number, n: number): ConvRefArgs {
  return { n: 1, h: 1, w: m, cIn: k, cOut: n, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0 };
}

// What writeTflite writes means in TFLite what branchy meant: one small float model per
// operator whose options branchy decodes (every option away from its default where the op
// has one), written by writeTflite, run by LiteRT.js, and compared with a reference written
// here from TFLite's definition of the op (padding, strides and dilations per axis, depth
// multiplier, fused activation, keep_num_dims, align_corners / half_pixel_centers, alpha,
// beta...). An options field written to the wrong slot or with the wrong code fails here.
import { afterAll, describe, expect, it } from 'vitest';
import { builtinCode, exportTflite, importTflite, writeTflite, type Activation, type TfliteModel, type TfliteOptions, type TfliteTensor } from '../../src/convert/index.js';
import { BranchyUnsupportedError } from '../../src/errors.js';
import { fromGraph } from '../../src/runtime/model.js';
import { openLitert, openLitertRaw } from '../helpers/litert.js';
import { Rng } from '../helpers/rng.js';

interface In {
  shape: number[];
  /** Constant data; absent: a model input, fed seeded floats. */
  data?: Float32Array | Int32Array;
}
interface Case {
  op: string;
  options?: TfliteOptions;
  inputs: (In | null)[];
  out: number[];
  /** The expected output from the runtime inputs (in order) and the constants (by position). */
  ref: (x: Float32Array[], c: (Float32Array | Int32Array | undefined)[]) => Float32Array;
  /** Scale of the seeded inputs (uniform in [-scale, scale]). */
  scale?: number;
}

const rng = new Rng(67);
const f32 = (n: number, s = 1) => rng.f32(n, -s, s);
const size = (s: number[]) => s.reduce((a, d) => a * d, 1);
const act = (a: Activation) => (v: number) =>
  a === 'RELU' ? Math.max(0, v) : a === 'RELU6' ? Math.min(6, Math.max(0, v)) : a === 'RELU_N1_TO_1' ? Math.min(1, Math.max(-1, v)) : a === 'TANH' ? Math.tanh(v) : v;

/** TFLite's output size and leading pad of a window along one axis. */
function axis(inSize: number, k: number, stride: number, dilation: number, padding: 'SAME' | 'VALID') {
  const span = (k - 1) * dilation + 1;
  const out = padding === 'SAME' ? Math.ceil(inSize / stride) : Math.floor((inSize - span) / stride) + 1;
  return { out, pad: padding === 'SAME' ? Math.floor(Math.max((out - 1) * stride + span - inSize, 0) / 2) : 0 };
}

/** NHWC convolution (depthwise when mult > 0: filter [1,KH,KW,C*mult]; else [O,KH,KW,C]). */
function conv(x: Float32Array, xs: number[], w: Float32Array, ws: number[], b: Float32Array, o: { padding: 'SAME' | 'VALID'; strideW: number; strideH: number; dilationW: number; dilationH: number; activation: Activation }, mult = 0) {
  const [, H, W, C] = xs;
  const [KH, KW] = [ws[1], ws[2]];
  const O = mult ? C * mult : ws[0];
  const ay = axis(H, KH, o.strideH, o.dilationH, o.padding);
  const ax = axis(W, KW, o.strideW, o.dilationW, o.padding);
  const y = new Float32Array(ay.out * ax.out * O);
  for (let oy = 0; oy < ay.out; oy++)
    for (let ox = 0; ox < ax.out; ox++)
      for (let oc = 0; oc < O; oc++) {
        let s = b[oc];
        for (let ky = 0; ky < KH; ky++)
          for (let kx = 0; kx < KW; kx++) {
            const iy = oy * o.strideH - ay.pad + ky * o.dilationH;
            const ix = ox * o.strideW - ax.pad + kx * o.dilationW;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            if (mult) s += x[(iy * W + ix) * C + Math.floor(oc / mult)] * w[(ky * KW + kx) * O + oc];
            else for (let c = 0; c < C; c++) s += x[(iy * W + ix) * C + c] * w[((oc * KH + ky) * KW + kx) * C + c];
          }
        y[(oy * ax.out + ox) * O + oc] = act(o.activation)(s);
      }
  return y;
}

function pool(x: Float32Array, xs: number[], o: Extract<TfliteOptions, { type: 'Pool2DOptions' }>, max: boolean) {
  const [, H, W, C] = xs;
  const ay = axis(H, o.filterHeight, o.strideH, 1, o.padding);
  const ax = axis(W, o.filterWidth, o.strideW, 1, o.padding);
  const y = new Float32Array(ay.out * ax.out * C);
  for (let oy = 0; oy < ay.out; oy++)
    for (let ox = 0; ox < ax.out; ox++)
      for (let c = 0; c < C; c++) {
        let s = max ? -Infinity : 0;
        let n = 0; // TFLite's average counts the positions inside the input only
        for (let ky = 0; ky < o.filterHeight; ky++)
          for (let kx = 0; kx < o.filterWidth; kx++) {
            const iy = oy * o.strideH - ay.pad + ky;
            const ix = ox * o.strideW - ax.pad + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            const v = x[(iy * W + ix) * C + c];
            s = max ? Math.max(s, v) : s + v;
            n++;
          }
        y[(oy * ax.out + ox) * C + c] = act(o.activation)(max ? s : s / n);
      }
  return y;
}

const map = (f: (v: number, i: number) => number) => (x: Float32Array[]) => Float32Array.from(x[0], f);
const zip = (f: (a: number, b: number) => number) => (x: Float32Array[]) => Float32Array.from(x[0], (v, i) => f(v, x[1][i]));

const conv2d = { type: 'Conv2DOptions', padding: 'SAME', strideW: 2, strideH: 1, activation: 'RELU6', dilationW: 1, dilationH: 2 } as const;
const dwconv = { type: 'DepthwiseConv2DOptions', padding: 'VALID', strideW: 2, strideH: 1, depthMultiplier: 2, activation: 'RELU', dilationW: 1, dilationH: 1 } as const;
const avgpool = { type: 'Pool2DOptions', padding: 'SAME', strideW: 2, strideH: 1, filterWidth: 3, filterHeight: 2, activation: 'NONE' } as const;
const maxpool = { type: 'Pool2DOptions', padding: 'VALID', strideW: 1, strideH: 2, filterWidth: 2, filterHeight: 3, activation: 'RELU' } as const;
const convW = f32(3 * 3 * 3 * 2);
const convB = f32(3);
const dwW = f32(3 * 3 * 4);
const dwB = f32(4);
const fcW = f32(5 * 4);
const fcB = f32(5);
const prelu = f32(3);
const tconvW = f32(2 * 3 * 3 * 2);
const tconv2W = f32(3 * 3 * 2 * 2);
const tconv2B = f32(3);

/**
 * TFLite's TRANSPOSE_CONV of an NHWC x [1, H, W, C] with filter [O, KH, KW, C] to output
 * [1, OH, OW, O]: input pixel (iy, ix) adds x · w to output (iy·s − pad + ky, ix·s − pad + kx)
 * where that lies inside the output; pad as for a convolution from the output back to the input.
 */
function tconv(x: Float32Array, [, H, W, C]: number[], w: Float32Array, [O, KH, KW]: number[], b: Float32Array | null, [OH, OW]: number[], o: { padding: 'SAME' | 'VALID'; strideH: number; strideW: number; activation: Activation }) {
  const pt = axis(OH, KH, o.strideH, 1, o.padding).pad, pl = axis(OW, KW, o.strideW, 1, o.padding).pad;
  const y = new Float32Array(OH * OW * O);
  for (let k = 0; k < y.length; k++) y[k] = b ? b[k % O] : 0;
  for (let iy = 0; iy < H; iy++)
    for (let ix = 0; ix < W; ix++)
      for (let ky = 0; ky < KH; ky++)
        for (let kx = 0; kx < KW; kx++) {
          const [oy, ox] = [iy * o.strideH - pt + ky, ix * o.strideW - pl + kx];
          if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
          for (let oc = 0; oc < O; oc++)
            for (let c = 0; c < C; c++) y[(oy * OW + ox) * O + oc] += x[(iy * W + ix) * C + c] * w[((oc * KH + ky) * KW + kx) * C + c];
        }
  return y.map(act(o.activation));
}

/** Bilinear / nearest resize of [1,H,W,C] along H and W with TFLite's index rules. */
function resize(x: Float32Array, [, H, W, C]: number[], [OH, OW]: number[], o: { alignCorners: boolean; halfPixelCenters: boolean }, nearest: boolean) {
  const scale = (i: number, out: number) => (o.alignCorners && out > 1 ? (i - 1) / (out - 1) : i / out);
  const near = (v: number, i: number, out: number) => {
    const s = (v + (o.halfPixelCenters ? 0.5 : 0)) * scale(i, out);
    return Math.max(0, Math.min(o.alignCorners ? Math.round(s) : Math.floor(s), i - 1));
  };
  const lin = (v: number, i: number, out: number) => {
    const s = o.halfPixelCenters ? (v + 0.5) * scale(i, out) - 0.5 : v * scale(i, out);
    return { s, lo: Math.max(Math.floor(s), 0), hi: Math.min(Math.ceil(s), i - 1) };
  };
  const y = new Float32Array(OH * OW * C);
  for (let oy = 0; oy < OH; oy++)
    for (let ox = 0; ox < OW; ox++)
      for (let c = 0; c < C; c++) {
        const at = (iy: number, ix: number) => x[(iy * W + ix) * C + c];
        if (nearest) {
          y[(oy * OW + ox) * C + c] = at(near(oy, H, OH), near(ox, W, OW));
          continue;
        }
        const a = lin(oy, H, OH);
        const b = lin(ox, W, OW);
        const [dy, dx] = [a.s - a.lo, b.s - b.lo];
        y[(oy * OW + ox) * C + c] =
          at(a.lo, b.lo) * (1 - dy) * (1 - dx) + at(a.lo, b.hi) * (1 - dy) * dx + at(a.hi, b.lo) * dy * (1 - dx) + at(a.hi, b.hi) * dy * dx;
      }
  return y;
}

const CASES: [string, Case][] = [
  ['CONV_2D SAME, strides 2 (w) x 1 (h), dilation 2 along h, RELU6', {
    op: 'CONV_2D', options: conv2d, scale: 3,
    inputs: [{ shape: [1, 5, 6, 2] }, { shape: [3, 3, 3, 2], data: convW }, { shape: [3], data: convB }], out: [1, 5, 3, 3],
    ref: ([x]) => conv(x, [1, 5, 6, 2], convW, [3, 3, 3, 2], convB, conv2d),
  }],
  ['DEPTHWISE_CONV_2D VALID, strides 2 (w) x 1 (h), depth multiplier 2, RELU', {
    op: 'DEPTHWISE_CONV_2D', options: dwconv,
    inputs: [{ shape: [1, 5, 5, 2] }, { shape: [1, 3, 3, 4], data: dwW }, { shape: [4], data: dwB }], out: [1, 3, 2, 4],
    ref: ([x]) => conv(x, [1, 5, 5, 2], dwW, [1, 3, 3, 4], dwB, dwconv, 2),
  }],
  ['AVERAGE_POOL_2D SAME, filter 3 (w) x 2 (h), strides 2 x 1', {
    op: 'AVERAGE_POOL_2D', options: avgpool, inputs: [{ shape: [1, 5, 7, 2] }], out: [1, 5, 4, 2],
    ref: ([x]) => pool(x, [1, 5, 7, 2], avgpool, false),
  }],
  ['MAX_POOL_2D VALID, filter 2 (w) x 3 (h), strides 1 x 2, RELU', {
    op: 'MAX_POOL_2D', options: maxpool, inputs: [{ shape: [1, 7, 5, 2] }], out: [1, 3, 4, 2],
    ref: ([x]) => pool(x, [1, 7, 5, 2], maxpool, true),
  }],
  ['FULLY_CONNECTED keep_num_dims, RELU', {
    op: 'FULLY_CONNECTED', options: { type: 'FullyConnectedOptions', activation: 'RELU', weightsFormat: 'DEFAULT', keepNumDims: true, asymmetricQuantizeInputs: false },
    inputs: [{ shape: [2, 3, 4] }, { shape: [5, 4], data: fcW }, { shape: [5], data: fcB }], out: [2, 3, 5],
    ref: ([x]) => Float32Array.from({ length: 30 }, (_, k) => {
      const [r, o] = [Math.floor(k / 5), k % 5];
      let s = fcB[o];
      for (let i = 0; i < 4; i++) s += x[r * 4 + i] * fcW[o * 4 + i];
      return Math.max(0, s);
    }),
  }],
  // TFLite's kernels take no fused activation on CONCATENATION (TFLite-Micro refuses one;
  // LiteRT.js ignores it): the schema has the field, no runtime applies it.
  ['CONCATENATION axis -1', {
    op: 'CONCATENATION', options: { type: 'ConcatenationOptions', axis: -1, activation: 'NONE' },
    inputs: [{ shape: [1, 2, 2, 3] }, { shape: [1, 2, 2, 1] }], out: [1, 2, 2, 4],
    ref: ([a, b]) => Float32Array.from({ length: 16 }, (_, k) => (k % 4 < 3 ? a[Math.floor(k / 4) * 3 + (k % 4)] : b[Math.floor(k / 4)])),
  }],
  ['CONCATENATION axis 1', {
    op: 'CONCATENATION', options: { type: 'ConcatenationOptions', axis: 1, activation: 'NONE' },
    inputs: [{ shape: [1, 2, 3] }, { shape: [1, 1, 3] }], out: [1, 3, 3],
    ref: ([a, b]) => Float32Array.of(...a, ...b),
  }],
  ['ADD, RELU6', { op: 'ADD', options: { type: 'AddOptions', activation: 'RELU6', potScaleInt16: true }, scale: 5, inputs: [{ shape: [1, 3, 4] }, { shape: [1, 3, 4] }], out: [1, 3, 4], ref: zip((a, b) => Math.min(6, Math.max(0, a + b))) }],
  ['ADD broadcasting [1, 3, 4] + [1, 1, 4]', {
    op: 'ADD', options: { type: 'AddOptions', activation: 'NONE', potScaleInt16: true }, inputs: [{ shape: [1, 3, 4] }, { shape: [1, 1, 4] }], out: [1, 3, 4],
    ref: ([a, b]) => Float32Array.from(a, (v, i) => v + b[i % 4]),
  }],
  ['MUL broadcasting [1, 2, 2, 3] · [1, 1, 1, 3]', {
    op: 'MUL', options: { type: 'MulOptions', activation: 'NONE' }, inputs: [{ shape: [1, 2, 2, 3] }, { shape: [1, 1, 1, 3] }], out: [1, 2, 2, 3],
    ref: ([a, b]) => Float32Array.from(a, (v, i) => v * b[i % 3]),
  }],
  ['SUB, RELU_N1_TO_1', { op: 'SUB', options: { type: 'SubOptions', activation: 'RELU_N1_TO_1', potScaleInt16: true }, scale: 2, inputs: [{ shape: [1, 3, 4] }, { shape: [1, 3, 4] }], out: [1, 3, 4], ref: zip((a, b) => Math.min(1, Math.max(-1, a - b))) }],
  ['MUL, RELU', { op: 'MUL', options: { type: 'MulOptions', activation: 'RELU' }, inputs: [{ shape: [1, 3, 4] }, { shape: [1, 3, 4] }], out: [1, 3, 4], ref: zip((a, b) => Math.max(0, a * b)) }],
  ['RESHAPE (new_shape and shape tensor)', { op: 'RESHAPE', options: { type: 'ReshapeOptions', newShape: [3, 8] }, inputs: [{ shape: [1, 2, 3, 4] }, { shape: [2], data: Int32Array.of(3, 8) }], out: [3, 8], ref: map((v) => v) }],
  ['SQUEEZE dims 0 and -2', { op: 'SQUEEZE', options: { type: 'SqueezeOptions', squeezeDims: [0, -2] }, inputs: [{ shape: [1, 3, 1, 2] }], out: [3, 2], ref: map((v) => v) }],
  ['MEAN over H and W, keep_dims', {
    op: 'MEAN', options: { type: 'ReducerOptions', keepDims: true }, inputs: [{ shape: [1, 3, 4, 2] }, { shape: [2], data: Int32Array.of(1, 2) }], out: [1, 1, 1, 2],
    ref: ([x]) => Float32Array.from([0, 1], (c) => x.filter((_, i) => i % 2 === c).reduce((a, v) => a + v, 0) / 12),
  }],
  ['SOFTMAX beta 0.5', {
    op: 'SOFTMAX', options: { type: 'SoftmaxOptions', beta: 0.5 }, scale: 4, inputs: [{ shape: [2, 5] }], out: [2, 5],
    ref: ([x]) => Float32Array.from(x, (v, i) => {
      const row = x.subarray(i - (i % 5), i - (i % 5) + 5);
      return Math.exp(0.5 * v) / row.reduce((a, u) => a + Math.exp(0.5 * u), 0);
    }),
  }],
  ['LEAKY_RELU alpha 0.2', { op: 'LEAKY_RELU', options: { type: 'LeakyReluOptions', alpha: 0.2 }, inputs: [{ shape: [2, 6] }], out: [2, 6], ref: map((v) => (v >= 0 ? v : Math.fround(0.2) * v)) }],
  ['PRELU, per-channel alpha', { op: 'PRELU', inputs: [{ shape: [1, 2, 2, 3] }, { shape: [3], data: prelu }], out: [1, 2, 2, 3], ref: map((v, i) => (v >= 0 ? v : prelu[i % 3] * v)) }],
  ['RELU', { op: 'RELU', inputs: [{ shape: [12] }], out: [12], ref: map((v) => Math.max(0, v)) }],
  ['RELU6', { op: 'RELU6', scale: 8, inputs: [{ shape: [12] }], out: [12], ref: map((v) => Math.min(6, Math.max(0, v))) }],
  ['LOGISTIC', { op: 'LOGISTIC', scale: 4, inputs: [{ shape: [12] }], out: [12], ref: map((v) => 1 / (1 + Math.exp(-v))) }],
  ['TANH', { op: 'TANH', scale: 3, inputs: [{ shape: [12] }], out: [12], ref: map(Math.tanh) }],
  ['HARD_SWISH', { op: 'HARD_SWISH', options: { type: 'HardSwishOptions' }, scale: 5, inputs: [{ shape: [12] }], out: [12], ref: map((v) => (v * Math.min(6, Math.max(0, v + 3))) / 6) }],
  ['PAD', {
    op: 'PAD', options: { type: 'PadOptions' }, inputs: [{ shape: [1, 2, 3, 1] }, { shape: [4, 2], data: Int32Array.of(0, 0, 1, 2, 2, 0, 0, 0) }], out: [1, 5, 5, 1],
    ref: ([x]) => Float32Array.from({ length: 25 }, (_, k) => {
      const [y, xx] = [Math.floor(k / 5) - 1, (k % 5) - 2];
      return y >= 0 && y < 2 && xx >= 0 && xx < 3 ? x[y * 3 + xx] : 0;
    }),
  }],
  ['PAD of width and channels (no convolution after it)', {
    op: 'PAD', options: { type: 'PadOptions' }, inputs: [{ shape: [1, 2, 2, 2] }, { shape: [4, 2], data: Int32Array.of(0, 0, 0, 0, 1, 0, 0, 2) }], out: [1, 2, 3, 4],
    ref: ([x]) => Float32Array.from({ length: 24 }, (_, k) => {
      const [y, xx, c] = [Math.floor(k / 12), Math.floor(k / 4) % 3 - 1, k % 4];
      return xx >= 0 && c < 2 ? x[(y * 2 + xx) * 2 + c] : 0;
    }),
  }],
  ['RESIZE_BILINEAR align_corners, 2x3 -> 3x5', {
    op: 'RESIZE_BILINEAR', options: { type: 'ResizeBilinearOptions', alignCorners: true, halfPixelCenters: false },
    inputs: [{ shape: [1, 2, 3, 2] }, { shape: [2], data: Int32Array.of(3, 5) }], out: [1, 3, 5, 2],
    ref: ([x]) => resize(x, [1, 2, 3, 2], [3, 5], { alignCorners: true, halfPixelCenters: false }, false),
  }],
  ['RESIZE_BILINEAR half_pixel_centers, 2x3 -> 3x5', {
    op: 'RESIZE_BILINEAR', options: { type: 'ResizeBilinearOptions', alignCorners: false, halfPixelCenters: true },
    inputs: [{ shape: [1, 2, 3, 2] }, { shape: [2], data: Int32Array.of(3, 5) }], out: [1, 3, 5, 2],
    ref: ([x]) => resize(x, [1, 2, 3, 2], [3, 5], { alignCorners: false, halfPixelCenters: true }, false),
  }],
  ['RESIZE_NEAREST_NEIGHBOR half_pixel_centers, 2x3 -> 3x5', {
    op: 'RESIZE_NEAREST_NEIGHBOR', options: { type: 'ResizeNearestNeighborOptions', alignCorners: false, halfPixelCenters: true },
    inputs: [{ shape: [1, 2, 3, 1] }, { shape: [2], data: Int32Array.of(3, 5) }], out: [1, 3, 5, 1],
    ref: ([x]) => resize(x, [1, 2, 3, 1], [3, 5], { alignCorners: false, halfPixelCenters: true }, true),
  }],
  ['RESIZE_NEAREST_NEIGHBOR align_corners, 2x3 -> 3x5', {
    op: 'RESIZE_NEAREST_NEIGHBOR', options: { type: 'ResizeNearestNeighborOptions', alignCorners: true, halfPixelCenters: false },
    inputs: [{ shape: [1, 2, 3, 1] }, { shape: [2], data: Int32Array.of(3, 5) }], out: [1, 3, 5, 1],
    ref: ([x]) => resize(x, [1, 2, 3, 1], [3, 5], { alignCorners: true, halfPixelCenters: false }, true),
  }],
  ['TRANSPOSE_CONV SAME, strides 2 (h) x 1 (w), bias, RELU', {
    op: 'TRANSPOSE_CONV', options: { type: 'TransposeConvOptions', padding: 'SAME', strideW: 1, strideH: 2, activation: 'RELU' },
    inputs: [{ shape: [4], data: Int32Array.of(1, 6, 3, 3) }, { shape: [3, 3, 2, 2], data: tconv2W }, { shape: [1, 3, 3, 2] }, { shape: [3], data: tconv2B }], out: [1, 6, 3, 3],
    ref: ([x]) => tconv(x, [1, 3, 3, 2], tconv2W, [3, 3, 2], tconv2B, [6, 3], { padding: 'SAME', strideH: 2, strideW: 1, activation: 'RELU' }),
  }],
  ['TRANSPOSE_CONV VALID, stride 2, output one row and one column past the last tap', {
    op: 'TRANSPOSE_CONV', options: { type: 'TransposeConvOptions', padding: 'VALID', strideW: 2, strideH: 2, activation: 'NONE' },
    inputs: [{ shape: [4], data: Int32Array.of(1, 6, 5, 3) }, { shape: [3, 3, 2, 2], data: tconv2W }, { shape: [1, 2, 2, 2] }, { shape: [3], data: tconv2B }], out: [1, 6, 5, 3],
    ref: ([x]) => tconv(x, [1, 2, 2, 2], tconv2W, [3, 3, 2], tconv2B, [6, 5], { padding: 'VALID', strideH: 2, strideW: 2, activation: 'NONE' }),
  }],
  ['TRANSPOSE_CONV VALID, stride 2', {
    op: 'TRANSPOSE_CONV', options: { type: 'TransposeConvOptions', padding: 'VALID', strideW: 2, strideH: 2, activation: 'NONE' },
    inputs: [{ shape: [4], data: Int32Array.of(1, 5, 7, 2) }, { shape: [2, 3, 3, 2], data: tconvW }, { shape: [1, 2, 3, 2] }], out: [1, 5, 7, 2],
    ref: ([x]) => {
      const y = new Float32Array(5 * 7 * 2);
      for (let iy = 0; iy < 2; iy++)
        for (let ix = 0; ix < 3; ix++)
          for (let o = 0; o < 2; o++)
            for (let ky = 0; ky < 3; ky++)
              for (let kx = 0; kx < 3; kx++)
                for (let c = 0; c < 2; c++) y[((iy * 2 + ky) * 7 + ix * 2 + kx) * 2 + o] += x[(iy * 3 + ix) * 2 + c] * tconvW[((o * 3 + ky) * 3 + kx) * 2 + c];
      return y;
    },
  }],
];

/** The one-operator model of a case, and the seeded values of its runtime inputs. */
function build(c: Case): { model: TfliteModel; feeds: Float32Array[] } {
  const tensors: TfliteTensor[] = [];
  const buffers = [new Uint8Array(0)];
  const inputs: number[] = [];
  const feeds: Float32Array[] = [];
  const opInputs = c.inputs.map((inp, i) => {
    if (!inp) return -1;
    const t: TfliteTensor = { name: `in${i}`, shape: inp.shape, type: inp.data instanceof Int32Array ? 'INT32' : 'FLOAT32', buffer: 0, isVariable: false, hasRank: true };
    if (inp.data) {
      buffers.push(new Uint8Array(inp.data.buffer, inp.data.byteOffset, inp.data.byteLength));
      t.buffer = buffers.length - 1;
    } else {
      inputs.push(tensors.length);
      feeds.push(f32(size(inp.shape), c.scale ?? 1));
    }
    tensors.push(t);
    return tensors.length - 1;
  });
  tensors.push({ name: 'out', shape: c.out, type: 'FLOAT32', buffer: 0, isVariable: false, hasRank: true });
  const model: TfliteModel = {
    version: 3,
    operatorCodes: [{ builtinCode: builtinCode(c.op)!, version: 1 }],
    subgraphs: [{ tensors, inputs, outputs: [tensors.length - 1], operators: [{ opcodeIndex: 0, inputs: opInputs, outputs: [tensors.length - 1], ...(c.options && { options: c.options }) }] }],
    buffers,
    metadata: [],
    signatureDefs: [],
  };
  return { model, feeds };
}

describe('writeTflite: each decoded options table as LiteRT.js runs it', () => {
  it.each(CASES)('%s', async (_, c) => {
    const { model, feeds } = build(c);
    const m = await openLitert(writeTflite(model));
    expect(m.outputs[0].shape).toEqual(c.out);
    const y = (await m.run(feeds))[0] as Float32Array;
    m.delete();
    const want = c.ref(feeds, c.inputs.map((i) => i?.data));
    expect(y.length).toBe(want.length);
    want.forEach((v, i) => expect(Math.abs(y[i] - v), `element ${i}: LiteRT ${y[i]}, reference ${v}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v))));
  });

  it('QUANTIZE then DEQUANTIZE round to the int8 grid of the tensor between', async () => {
    const c: Case = { op: 'QUANTIZE', options: { type: 'QuantizeOptions' }, scale: 20, inputs: [{ shape: [16] }], out: [16], ref: () => new Float32Array(0) };
    const { model, feeds } = build(c);
    const g = model.subgraphs[0];
    g.tensors[1] = { ...g.tensors[1], type: 'INT8', quantization: { scale: [0.1], zeroPoint: [3], quantizedDimension: 0 } };
    g.tensors.push({ name: 'back', shape: [16], type: 'FLOAT32', buffer: 0, isVariable: false, hasRank: true });
    model.operatorCodes.push({ builtinCode: builtinCode('DEQUANTIZE')!, version: 2 });
    g.operators.push({ opcodeIndex: 1, inputs: [1], outputs: [2], options: { type: 'DequantizeOptions' } });
    g.outputs = [2];
    const m = await openLitert(writeTflite(model));
    const y = (await m.run(feeds))[0] as Float32Array;
    m.delete();
    feeds[0].forEach((v, i) => {
      const q = Math.min(127, Math.max(-128, Math.round(v / Math.fround(0.1)) + 3));
      expect(y[i]).toBeCloseTo((q - 3) * Math.fround(0.1), 5);
    });
  });
});

// The same one-operator files through importTflite: a case branchy imports runs in branchy to
// the reference's output; any other is refused with a BranchyUnsupportedError naming operator 0.
const IMPORTED = [
  'CONV_2D', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'CONCATENATION axis -1', 'CONCATENATION axis 1', 'ADD', 'MEAN', 'LEAKY_RELU',
  'RELU', 'LOGISTIC', 'HARD_SWISH', 'TANH', 'PRELU', 'SUB', 'MUL', 'PAD', 'RESIZE_BILINEAR', 'RESIZE_NEAREST_NEIGHBOR',
  'TRANSPOSE_CONV',
];
describe('importTflite: the same files in branchy', () => {
  it.each(CASES)('%s', async (name, c) => {
    const { model, feeds } = build(c);
    const bytes = writeTflite(model);
    let run: Float32Array;
    try {
      const { graph, weights } = importTflite(bytes);
      const m = await fromGraph(graph, weights);
      run = Object.values(m.run(Object.fromEntries(graph.inputs.map((n, i) => [n, feeds[i]]))))[0].data as Float32Array;
    } catch (e) {
      expect(e, String(e)).toBeInstanceOf(BranchyUnsupportedError);
      expect(String(e)).toMatch(new RegExp(`(TFLite operator 0 \\(${c.op}|node 'op0_)`));
      expect(IMPORTED.some((k) => name.startsWith(k)), `${name} refused: ${String(e)}`).toBe(false);
      return;
    }
    expect(IMPORTED.some((k) => name.startsWith(k)), `${name} imported`).toBe(true);
    const want = c.ref(feeds, c.inputs.map((i) => i?.data));
    want.forEach((v, i) => expect(Math.abs(run[i] - v), `element ${i}`).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(v))));
    if (INT8_OPS.has(c.op)) await roundTrip(bytes, feeds, run, 1e-5);
  });
});

/**
 * What branchy imported from `bytes`, exported again (int8 graphs with int8 edges), runs in
 * LiteRT.js to branchy's output `run` on `feeds` (within `tol`: 1 = one int8 step) and reads back
 * into the same graph.
 */
async function roundTrip(bytes: Uint8Array, feeds: (Float32Array | Int8Array)[], run: Float32Array | Int8Array, tol: number): Promise<void> {
  const int8 = run instanceof Int8Array;
  const { graph, weights } = importTflite(bytes, { outputs: int8 ? 'int8' : 'float' });
  const out = exportTflite(graph, weights, { io: int8 ? 'int8' : 'float' });
  const lit = await (int8 ? openLitertRaw(out) : openLitert(out));
  const y = (await lit.run(feeds))[0];
  lit.delete();
  run.forEach((v, i) => expect(Math.abs(y[i] - v), `exported, element ${i}: LiteRT ${y[i]}, branchy ${v}`).toBeLessThanOrEqual(tol));
  const back = importTflite(out, { outputs: int8 ? 'int8' : 'float' }).graph;
  expect(back.nodes.map((n) => [n.op, n.attrs, n.act])).toEqual(graph.nodes.map((n) => [n.op, n.attrs, n.act]));
}

// The int8 forms of the operators branchy added to its TFLite import: each case above made fully
// int8 (inputs and output per-tensor int8 at their own scales and zero points, filters int8 per
// output channel with int32 biases at s_in · s_w, PRELU's alpha int8), run as it is by LiteRT.js
// (int8 in, int8 out) and by branchy (importTflite, outputs: 'int8', fed the real values of the
// same int8 inputs): every output within one int8 step of LiteRT.js's; the fraction that differs
// is printed.
const INT8_OPS = new Set(['ADD', 'SUB', 'MUL', 'TANH', 'PRELU', 'PAD', 'RESIZE_BILINEAR', 'RESIZE_NEAREST_NEIGHBOR', 'TRANSPOSE_CONV']);
type Q = { scale: number; zeroPoint: number };
const quant = (q: Q | Q & { scales: number[] }, dim = 0) =>
  'scales' in q ? { scale: q.scales, zeroPoint: q.scales.map(() => 0), quantizedDimension: dim } : { scale: [q.scale], zeroPoint: [q.zeroPoint], quantizedDimension: 0 };

/** The int8 form of case c: the model and its int8 inputs (with their quantization). */
function build8(c: Case): { bytes: Uint8Array; feeds: Int8Array[]; qs: Q[] } {
  const { model } = build(c);
  const g = model.subgraphs[0];
  const r8 = new Rng(c.op.length * 31 + c.out.length);
  const qs: Q[] = [];
  const feeds: Int8Array[] = [];
  const real: Float32Array[] = [];
  c.inputs.forEach((inp, i) => {
    if (!inp || inp.data) return;
    const q = { scale: Math.fround((2 * (c.scale ?? 1)) / 255), zeroPoint: [3, -5][qs.length % 2] };
    const v = r8.i8(size(inp.shape));
    g.tensors[i] = { ...g.tensors[i], type: 'INT8', quantization: quant(q) };
    qs.push(q);
    feeds.push(v);
    real.push(Float32Array.from(v, (k) => (k - q.zeroPoint) * q.scale));
  });
  const consts = c.inputs.map((i) => i?.data);
  const out = g.tensors[g.tensors.length - 1];
  let qy: Q;
  if (c.op === 'TANH') qy = { scale: 1 / 128, zeroPoint: 0 };
  else if (c.op === 'PAD' || c.op.startsWith('RESIZE')) qy = qs[0];
  else {
    const y = c.ref(real, consts);
    const [lo, hi] = [Math.min(0, ...y), Math.max(0, ...y)];
    const scale = Math.fround(Math.max(hi - lo, 1e-3) / 255);
    qy = { scale, zeroPoint: Math.max(-128, Math.min(127, Math.round(-128 - lo / scale))) };
  }
  g.tensors[g.tensors.length - 1] = { ...out, type: 'INT8', quantization: quant(qy) };
  const setConst = (i: number, data: Int8Array | Int32Array, q: ReturnType<typeof quant>) => {
    model.buffers.push(new Uint8Array(data.buffer));
    g.tensors[i] = { ...g.tensors[i], type: data instanceof Int8Array ? 'INT8' : 'INT32', buffer: model.buffers.length - 1, quantization: q };
  };
  if (c.op === 'TRANSPOSE_CONV') {
    const w = consts[1] as Float32Array;
    const O = c.inputs[1]!.shape[0], per = w.length / O;
    const sw = Array.from({ length: O }, (_, o) => Math.fround(Math.max(...Array.from(w.subarray(o * per, (o + 1) * per), Math.abs)) / 127));
    setConst(1, Int8Array.from(w, (v, k) => Math.round(v / sw[Math.floor(k / per)])), quant({ scale: 0, zeroPoint: 0, scales: sw }));
    const b = consts[3] as Float32Array | undefined;
    if (b) setConst(3, Int32Array.from(b, (v, o) => Math.round(v / (qs[0].scale * sw[o]))), quant({ scale: 0, zeroPoint: 0, scales: sw.map((s) => Math.fround(qs[0].scale * s)) }));
  }
  if (c.op === 'PRELU') {
    const a = consts[1] as Float32Array;
    const s = Math.fround(Math.max(...Array.from(a, Math.abs)) / 127);
    setConst(1, Int8Array.from(a, (v) => Math.round(v / s)), quant({ scale: s, zeroPoint: 0 }));
  }
  model.operatorCodes[0].version = c.op === 'TRANSPOSE_CONV' ? 3 : c.op === 'PRELU' ? 1 : 2;
  return { bytes: writeTflite(model), feeds, qs };
}

describe('int8: the added operators in branchy against LiteRT.js', () => {
  const cases = CASES.filter(([, c]) => INT8_OPS.has(c.op));
  const rows: string[] = [];
  it.each(cases)('%s', async (name, c) => {
    const { bytes, feeds, qs } = build8(c);
    const lit = await openLitertRaw(bytes);
    const want = (await lit.run(feeds))[0] as Int8Array;
    lit.delete();
    const { graph, weights } = importTflite(bytes, { outputs: 'int8' });
    const m = await fromGraph(graph, weights);
    const real = feeds.map((f, i) => Float32Array.from(f, (v) => (v - qs[i].zeroPoint) * qs[i].scale));
    const got = Object.values(m.run(Object.fromEntries(graph.inputs.map((n, i) => [n, real[i]]))))[0].data as Int8Array;
    expect(got.length).toBe(want.length);
    let differ = 0;
    got.forEach((v, i) => {
      expect(Math.abs(v - want[i]), `element ${i}: branchy ${v}, LiteRT ${want[i]}`).toBeLessThanOrEqual(1);
      differ += +(v !== want[i]);
    });
    rows.push(`${name}: ${differ}/${got.length} one step apart`);
    await roundTrip(bytes, feeds, got, c.op === 'PRELU' || c.op === 'RESIZE_BILINEAR' ? 1 : 0);
  });
  afterAll(() => console.log(`int8 against LiteRT.js:\n  ${rows.join('\n  ')}`));
});

describe('importTflite: what the IR cannot express is refused, naming the operator and its output', () => {
  const refuse = (c: Case, re: RegExp) => {
    const f = () => importTflite(writeTflite(build(c).model));
    expect(f).toThrow(BranchyUnsupportedError);
    expect(f).toThrow(new RegExp(`TFLite operator 0 \\(${c.op}, output "out"\\): ${re.source}`));
  };
  const id = () => new Float32Array(0);
  it('RESIZE_BILINEAR with align_corners and half_pixel_centers', () => refuse({
    op: 'RESIZE_BILINEAR', options: { type: 'ResizeBilinearOptions', alignCorners: true, halfPixelCenters: true },
    inputs: [{ shape: [1, 2, 3, 2] }, { shape: [2], data: Int32Array.of(3, 5) }], out: [1, 3, 5, 2], ref: id,
  }, /align_corners and half_pixel_centers both set/));
  it('TRANSPOSE_CONV with a stride larger than its filter', () => refuse({
    op: 'TRANSPOSE_CONV', options: { type: 'TransposeConvOptions', padding: 'VALID', strideW: 3, strideH: 3, activation: 'NONE' },
    inputs: [{ shape: [4], data: Int32Array.of(1, 5, 5, 2) }, { shape: [2, 2, 2, 2], data: tconvW.subarray(0, 16) }, { shape: [1, 2, 2, 2] }], out: [1, 5, 5, 2], ref: id,
  }, /stride 3 larger than the filter \(2\)/));
  it('ADD of computed tensors of two ranks', () => refuse({
    op: 'ADD', options: { type: 'AddOptions', activation: 'NONE', potScaleInt16: true }, inputs: [{ shape: [1, 3, 4] }, { shape: [4] }], out: [1, 3, 4], ref: id,
  }, /broadcasts \[1, 3, 4\] with \[4\]/));
  it('PRELU with an alpha per position', () => refuse({
    op: 'PRELU', inputs: [{ shape: [1, 2, 2, 3] }, { shape: [2, 2, 3], data: f32(12) }], out: [1, 2, 2, 3], ref: id,
  }, /alpha "in1" \[2, 2, 3\]/));
});

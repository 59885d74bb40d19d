// References for data movement, softmax, reductions and resize, written from the ONNX operator
// definitions (Transpose, Slice, Pad, Concat, DepthToSpace, SpaceToDepth, Softmax, ReduceSum /
// ReduceMean / ReduceMax, Resize) over row-major N-d arrays of any layout, not from any kernel.
// Plain and slow: index arithmetic per output element, f64 where ONNX computes in real numbers.

import { f32, requantRef, type Quant } from './eltwise.js';

export type Arr = Float32Array | Int8Array;

const strides = (shape: readonly number[]): number[] => {
  const s = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
};
const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The multi-index of flat position i in `shape`. */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = shape.map(() => 0);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = i % shape[a];
    i = Math.floor(i / shape[a]);
  }
  return idx;
}

const flat = (idx: readonly number[], st: readonly number[]): number => idx.reduce((s, v, a) => s + v * st[a], 0);

function make<T extends Arr>(like: T, n: number): T {
  return new (like.constructor as new (n: number) => T)(n);
}

/** ONNX Transpose: y[i_0..] = x[j] with j[perm[k]] = i_k. */
export function transposeRef<T extends Arr>(x: T, shape: readonly number[], perm: readonly number[]): { y: T; shape: number[] } {
  const out = perm.map((p) => shape[p]);
  const xs = strides(shape);
  const y = make(x, x.length);
  for (let i = 0; i < y.length; i++) {
    const o = unravel(i, out);
    let src = 0;
    perm.forEach((p, k) => (src += o[k] * xs[p]));
    y[i] = x[src];
  }
  return { y, shape: out };
}

/**
 * ONNX Slice (opset 13) on every axis listed: negative starts/ends count from the end; starts
 * clamp to [0, d] (step > 0) or [0, d - 1] (step < 0), ends to [0, d] or [-1, d - 1].
 */
export function sliceRef<T extends Arr>(x: T, shape: readonly number[], starts: readonly number[], ends: readonly number[], axes: readonly number[], steps: readonly number[]): { y: T; shape: number[] } {
  const r = shape.length;
  const st = shape.map(() => 0), sp = shape.map(() => 1), cnt = shape.slice();
  axes.forEach((ax, k) => {
    const a = ax < 0 ? ax + r : ax, d = shape[a], step = steps[k];
    let s = starts[k] < 0 ? starts[k] + d : starts[k];
    let e = ends[k] < 0 ? ends[k] + d : ends[k];
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
      cnt[a] = Math.max(0, Math.ceil((e - s) / step));
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
      cnt[a] = Math.max(0, Math.ceil((s - e) / -step));
    }
    st[a] = s;
    sp[a] = step;
  });
  const xs = strides(shape);
  const y = make(x, numel(cnt));
  for (let i = 0; i < y.length; i++) y[i] = x[flat(unravel(i, cnt).map((v, a) => st[a] + v * sp[a]), xs)];
  return { y, shape: cnt };
}

/** ONNX Concat along `axis`. */
export function concatRef<T extends Arr>(xs: readonly T[], shapes: readonly number[][], axis: number): { y: T; shape: number[] } {
  const out = shapes[0].slice();
  out[axis] = shapes.reduce((s, sh) => s + sh[axis], 0);
  const y = make(xs[0], numel(out));
  for (let i = 0; i < y.length; i++) {
    const o = unravel(i, out);
    let k = 0, at = o[axis];
    while (at >= shapes[k][axis]) at -= shapes[k++][axis];
    const idx = o.slice();
    idx[axis] = at;
    y[i] = xs[k][flat(idx, strides(shapes[k]))];
  }
  return { y, shape: out };
}

/**
 * ONNX Pad (opset 13+): pads = [begin_0.., end_0..]; negative pads crop. constant fills with
 * `value`; reflect mirrors without repeating the edge; edge repeats it (numpy's modes). The
 * crop comes first, as onnx's reference implementation does.
 */
export function padRef<T extends Arr>(x: T, shape: readonly number[], pads: readonly number[], mode: 'constant' | 'reflect' | 'edge', value: number): { y: T; shape: number[] } {
  const r = shape.length;
  const lo = shape.map((_, a) => Math.max(0, -pads[a])), core = shape.map((d, a) => d - lo[a] - Math.max(0, -pads[a + r]));
  const pb = shape.map((_, a) => Math.max(0, pads[a]));
  const out = core.map((c, a) => c + pb[a] + Math.max(0, pads[a + r]));
  const xs = strides(shape);
  const y = make(x, numel(out));
  for (let i = 0; i < y.length; i++) {
    const o = unravel(i, out);
    let inside = true;
    const src = o.map((v, a) => {
      let p = v - pb[a];
      if (p >= 0 && p < core[a]) return p + lo[a];
      inside = false;
      if (mode === 'edge') p = Math.min(Math.max(p, 0), core[a] - 1);
      else if (mode === 'reflect') p = p < 0 ? -p : 2 * (core[a] - 1) - p;
      return p + lo[a];
    });
    y[i] = inside || mode !== 'constant' ? x[flat(src, xs)] : value;
  }
  return { y, shape: out };
}

/** ONNX DepthToSpace on NCHW: DCR reads channel (b1*b + b2)*C' + c, CRD reads c*b*b + b1*b + b2. */
export function depthToSpaceRef<T extends Arr>(x: T, [N, C, H, W]: readonly number[], b: number, mode: 'DCR' | 'CRD'): { y: T; shape: number[] } {
  const c2 = C / (b * b), out = [N, c2, H * b, W * b];
  const y = make(x, x.length);
  for (let i = 0; i < y.length; i++) {
    const [n, c, oh, ow] = unravel(i, out);
    const b1 = oh % b, b2 = ow % b;
    const ch = mode === 'DCR' ? (b1 * b + b2) * c2 + c : c * b * b + b1 * b + b2;
    y[i] = x[((n * C + ch) * H + Math.floor(oh / b)) * W + Math.floor(ow / b)];
  }
  return { y, shape: out };
}

/** ONNX SpaceToDepth on NCHW: output channel (b1*b + b2)*C + c. */
export function spaceToDepthRef<T extends Arr>(x: T, [N, C, H, W]: readonly number[], b: number): { y: T; shape: number[] } {
  const out = [N, C * b * b, H / b, W / b];
  const y = make(x, x.length);
  for (let i = 0; i < y.length; i++) {
    const [n, ch, h, w] = unravel(i, out);
    const c = ch % C, blk = Math.floor(ch / C), b1 = Math.floor(blk / b), b2 = blk % b;
    y[i] = x[((n * C + c) * H + h * b + b1) * W + w * b + b2];
  }
  return { y, shape: out };
}

/** ONNX Softmax (opset 13) along `axis`: exp(x - max) / sum, in f64. */
export function softmaxRef(x: Float32Array, shape: readonly number[], axis: number): Float32Array {
  const n = shape[axis], inner = numel(shape.slice(axis + 1)), outer = numel(shape.slice(0, axis));
  const y = new Float32Array(x.length);
  for (let o = 0; o < outer; o++) for (let k = 0; k < inner; k++) {
    const at = (i: number): number => (o * n + i) * inner + k;
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x[at(i)]);
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(x[at(i)] - m);
    for (let i = 0; i < n; i++) y[at(i)] = Math.exp(x[at(i)] - m) / s;
  }
  return y;
}

export type ReduceKind = 'sum' | 'mean' | 'max';

/** ONNX ReduceSum / ReduceMean / ReduceMax over `axes` (f64 sums), keepdims or not. */
export function reduceRef(x: ArrayLike<number>, shape: readonly number[], axes: readonly number[], keepdims: boolean, kind: ReduceKind): { y: Float64Array; shape: number[] } {
  const kept = shape.map((d, a) => (axes.includes(a) ? 1 : d));
  const y = new Float64Array(numel(kept)).fill(kind === 'max' ? -Infinity : 0);
  const ks = strides(kept);
  for (let i = 0; i < x.length; i++) {
    const j = flat(unravel(i, shape).map((v, a) => (axes.includes(a) ? 0 : v)), ks);
    y[j] = kind === 'max' ? Math.max(y[j], x[i]) : y[j] + x[i];
  }
  if (kind === 'mean') {
    const k = axes.reduce((p, a) => p * shape[a], 1);
    for (let j = 0; j < y.length; j++) y[j] /= k;
  }
  return { y, shape: keepdims ? kept : shape.filter((_, a) => !axes.includes(a)) };
}

export type CoordMode = 'half_pixel' | 'half_pixel_symmetric' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'tf_half_pixel_for_nearest';
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';

/**
 * ONNX Resize's coordinate_transformation_mode: the input coordinate of output coordinate o, in
 * f32 arithmetic (ONNX Runtime's precision: it decides which way a coordinate at a tie rounds).
 */
export function originalCoord(o: number, scale: number, inLen: number, outLen: number, mode: CoordMode): number {
  const s = f32(scale);
  const halfPixel = (): number => f32(f32(f32(o + 0.5) / s) - 0.5);
  switch (mode) {
    case 'half_pixel': return halfPixel();
    case 'half_pixel_symmetric': {
      // offset = (inLen / 2) * (1 - outLen / (scale * inLen)), then as half_pixel.
      const adj = f32(outLen / f32(s * inLen));
      return f32(f32(f32(f32(inLen / 2) * f32(1 - adj)) + f32(f32(o + 0.5) / s)) - 0.5);
    }
    case 'pytorch_half_pixel': return outLen > 1 ? halfPixel() : 0;
    case 'align_corners': return outLen === 1 ? 0 : f32(f32(o * (inLen - 1)) / (outLen - 1));
    case 'asymmetric': return f32(o / s);
    case 'tf_half_pixel_for_nearest': return f32(f32(o + 0.5) / s);
  }
}

export function nearestIndex(c: number, mode: NearestMode, inLen: number): number {
  let i: number;
  const f = Math.floor(c);
  if (mode === 'floor') i = f;
  else if (mode === 'ceil') i = Math.ceil(c);
  else if (c - f === 0.5) i = mode === 'round_prefer_floor' ? f : f + 1;
  else i = Math.round(c);
  return Math.min(Math.max(i, 0), inLen - 1);
}

/**
 * ONNX Resize, nearest and linear (n-linear over every axis whose scale is not 1), of a
 * row-major tensor: each output element from the input coordinate of each axis (linear: the two
 * neighbours floor(c), floor(c) + 1 clamped into the input, weights 1 - (c - floor(c)) and
 * c - floor(c); f64).
 */
export function resizeRef(x: ArrayLike<number>, shape: readonly number[], out: readonly number[], scales: readonly number[],
  mode: 'nearest' | 'linear', coord: CoordMode, nearest: NearestMode = 'round_prefer_floor'): Float64Array {
  const xs = strides(shape);
  const y = new Float64Array(numel(out));
  for (let i = 0; i < y.length; i++) {
    const o = unravel(i, out);
    // Per axis: a list of (index, weight).
    const taps = o.map((v, a) => {
      // An axis of scale 1 is not resized: ONNX Runtime's reading (the formula alone would move
      // tf_half_pixel_for_nearest with a ceil nearest_mode by one; every other mode maps it to itself).
      if (shape[a] === out[a] && scales[a] === 1) return [[v, 1]];
      const c = originalCoord(v, scales[a], shape[a], out[a], coord);
      if (mode === 'nearest') return [[nearestIndex(c, nearest, shape[a]), 1]];
      const f = Math.floor(c), r = c - f, cl = (k: number): number => Math.min(Math.max(k, 0), shape[a] - 1);
      return [[cl(f), 1 - r], [cl(f + 1), r]];
    });
    let s = 0;
    const walk = (a: number, idx: number, w: number): void => {
      if (a === shape.length) {
        s += w * x[idx];
        return;
      }
      for (const [k, wk] of taps[a]) walk(a + 1, idx + k * xs[a], w * wk);
    };
    walk(0, 0, 1);
    y[i] = s;
  }
  return y;
}

// ---- int8 (docs/ir.md "int8": the arithmetic the kernels must reproduce bit for bit) ----------


/** int8 ReduceSum / ReduceMean / ReduceMax of [outer, n, inner] along n: the average pools' rule. */
export function qs8ReduceRef(x: Int8Array, outer: number, n: number, inner: number, kind: ReduceKind, qi: Quant, qo: Quant): Int8Array {
  const m = f32(qi.scale / (qo.scale * (kind === 'mean' ? n : 1)));
  const y = new Int8Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let k = 0; k < inner; k++) {
    let acc = kind === 'max' ? -Infinity : 0;
    for (let i = 0; i < n; i++) {
      const v = x[(o * n + i) * inner + k] - qi.zeroPoint;
      acc = kind === 'max' ? Math.max(acc, v) : acc + v;
    }
    y[o * inner + k] = requantRef(acc, m, qo.zeroPoint, -128, 127);
  }
  return y;
}

/**
 * int8 bilinear Resize of NHWC [h, w, c] to [oh, ow, c]: the coordinates as ONNX defines them
 * (clamped into the input), weights fround(1 - r), fround(r), then in f32 and in this order
 * ((a wx0 + b wx1) wy0 + (c wx0 + d wx1) wy1) of values minus zp_in, requantized with
 * m = fround(s_in / s_out).
 */
export function qs8ResizeLinearRef(x: Int8Array, [h, w, c]: readonly number[], [oh, ow]: readonly number[], scales: readonly number[], coord: CoordMode, qi: Quant, qo: Quant): Int8Array {
  const tap = (o: number, inLen: number, outLen: number, scale: number): [number, number, number, number] => {
    const v = Math.min(Math.max(originalCoord(o, scale, inLen, outLen, coord), 0), inLen - 1);
    const i0 = Math.floor(v), r = v - i0;
    return [i0, Math.min(i0 + 1, inLen - 1), f32(1 - r), f32(r)];
  };
  const m = f32(qi.scale / qo.scale);
  const y = new Int8Array(oh * ow * c);
  for (let oy = 0; oy < oh; oy++) {
    const [r0, r1, wy0, wy1] = tap(oy, h, oh, scales[0]);
    for (let ox = 0; ox < ow; ox++) {
      const [c0, c1, wx0, wx1] = tap(ox, w, ow, scales[1]);
      for (let ch = 0; ch < c; ch++) {
        const v = (iy: number, ix: number): number => x[(iy * w + ix) * c + ch] - qi.zeroPoint;
        const top = f32(f32(v(r0, c0) * wx0) + f32(v(r0, c1) * wx1)), bot = f32(f32(v(r1, c0) * wx0) + f32(v(r1, c1) * wx1));
        y[(oy * ow + ox) * c + ch] = requantRef(f32(f32(top * wy0) + f32(bot * wy1)), m, qo.zeroPoint, -128, 127);
      }
    }
  }
  return y;
}

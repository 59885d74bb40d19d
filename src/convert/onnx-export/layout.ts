// Constants from branchy's canonical layouts back to ONNX's: conv weights OHWI -> OIHW,
// depthwise [KH][KW][C·m] -> [C·m, 1, KH, KW], NHWC tensors -> NCHW, and the columns of a
// Gemm that reads a flattened NHWC map back to ONNX's C,H,W order. Pure index shuffles.
import type { TensorData } from '../../ir/types.js';

type Data = TensorData | number[];

function like(d: Data, n: number): TensorData {
  if (d instanceof Int8Array) return new Int8Array(n);
  if (d instanceof Uint8Array) return new Uint8Array(n);
  if (d instanceof Int32Array) return new Int32Array(n);
  return new Float32Array(n);
}

/** [A, B, C, D] in order (0, 3, 1, 2): OHWI -> OIHW, NHWC -> NCHW. */
export function nhwcToNchw(d: Data, [a, b, c, e]: number[]): TensorData {
  const out = like(d, a * b * c * e);
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      for (let k = 0; k < c; k++) {
        const src = ((i * b + j) * c + k) * e;
        for (let l = 0; l < e; l++) out[((i * e + l) * b + j) * c + k] = d[src + l];
      }
    }
  }
  return out;
}

/** Depthwise weights [KH][KW][C·m] -> ONNX [C·m, 1, KH, KW]. */
export function dwToOnnx(d: Data, [kh, kw, c]: number[]): TensorData {
  const out = like(d, kh * kw * c);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let o = 0; o < c; o++) out[(o * kh + y) * kw + x] = d[(y * kw + x) * c + o];
    }
  }
  return out;
}

/**
 * Gemm weights [N][H·W·C] whose columns follow a flattened NHWC map -> columns in ONNX's
 * Flatten order (C, H, W) of the same map.
 */
export function hwcColumnsToChw(d: Data, n: number, [h, w, c]: [number, number, number]): TensorData {
  const k = h * w * c;
  const out = like(d, n * k);
  for (let r = 0; r < n; r++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) out[r * k + (ch * h + y) * w + x] = d[r * k + (y * w + x) * c + ch];
      }
    }
  }
  return out;
}

/** An NHWC shape in ONNX's NCHW order (other ranks as they are). */
export const nchw = (s: readonly number[]): number[] => (s.length === 4 ? [s[0], s[3], s[1], s[2]] : s.slice());

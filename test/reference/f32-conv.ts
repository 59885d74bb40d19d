// Reference f32 Conv (group 1 and group = C) and Gemm, written from the ONNX operator
// definitions on NHWC arrays, accumulated in float64. Each result comes with the sum of
// the absolute values of its terms (|bias| + sum |x*w|), the scale a tolerance uses.
//   Conv:  Y[n,oy,ox,o] = B[o] + sum_{ky,kx,c} X[n, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw, c] * W[o,ky,kx,c]
//          (positions outside the image are 0), then Clip(fmin, fmax)
//   Gemm:  Y[m,n] = C[n] + sum_k A[m,k] * B[n,k]   (transB = 1), then Clip
import { dwOutSize, type DwRefArgs } from './qs8-dwconv.js';

export type ConvRefArgs = DwRefArgs;
export interface RefOut { y: Float64Array; mag: Float64Array }

const clip = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** ONNX Conv, group 1: X [N][H][W][C], W OHWI [OC][KH][KW][C]. */
export function f32ConvRef(a: ConvRefArgs, oc: number, x: Float32Array, w: Float32Array, bias: Float32Array | null, lo: number, hi: number): RefOut {
  const [oh, ow] = dwOutSize(a);
  const y = new Float64Array(a.n * oh * ow * oc), mag = new Float64Array(y.length);
  for (let n = 0; n < a.n; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let o = 0; o < oc; o++) {
          let acc = bias ? bias[o] : 0;
          let m = Math.abs(acc);
          for (let ky = 0; ky < a.kh; ky++) {
            const iy = oy * a.sh - a.pt + ky * a.dh;
            if (iy < 0 || iy >= a.h) continue;
            for (let kx = 0; kx < a.kw; kx++) {
              const ix = ox * a.sw - a.pl + kx * a.dw;
              if (ix < 0 || ix >= a.w) continue;
              for (let c = 0; c < a.c; c++) {
                const t = x[((n * a.h + iy) * a.w + ix) * a.c + c] * w[((o * a.kh + ky) * a.kw + kx) * a.c + c];
                acc += t;
                m += Math.abs(t);
              }
            }
          }
          const i = ((n * oh + oy) * ow + ox) * oc + o;
          y[i] = clip(acc, lo, hi);
          mag[i] = m;
        }
  return { y, mag };
}

/** ONNX Conv with group = C (depthwise, multiplier 1): W [KH][KW][C]. */
export function f32DwconvRef(a: ConvRefArgs, x: Float32Array, w: Float32Array, bias: Float32Array | null, lo: number, hi: number): RefOut {
  const [oh, ow] = dwOutSize(a);
  const y = new Float64Array(a.n * oh * ow * a.c), mag = new Float64Array(y.length);
  for (let n = 0; n < a.n; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < a.c; c++) {
          let acc = bias ? bias[c] : 0;
          let m = Math.abs(acc);
          for (let ky = 0; ky < a.kh; ky++) {
            const iy = oy * a.sh - a.pt + ky * a.dh;
            if (iy < 0 || iy >= a.h) continue;
            for (let kx = 0; kx < a.kw; kx++) {
              const ix = ox * a.sw - a.pl + kx * a.dw;
              if (ix < 0 || ix >= a.w) continue;
              const t = x[((n * a.h + iy) * a.w + ix) * a.c + c] * w[(ky * a.kw + kx) * a.c + c];
              acc += t;
              m += Math.abs(t);
            }
          }
          const i = ((n * oh + oy) * ow + ox) * a.c + c;
          y[i] = clip(acc, lo, hi);
          mag[i] = m;
        }
  return { y, mag };
}

/** ONNX Gemm with transB = 1, alpha = beta = 1: A [M][K], B [N][K], bias [N]. */
export function f32GemmRef(m: number, n: number, k: number, a: Float32Array, b: Float32Array, bias: Float32Array | null, lo: number, hi: number): RefOut {
  const y = new Float64Array(m * n), mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = bias ? bias[j] : 0;
      let s = Math.abs(acc);
      for (let t = 0; t < k; t++) {
        const p = a[i * k + t] * b[j * k + t];
        acc += p;
        s += Math.abs(p);
      }
      y[i * n + j] = clip(acc, lo, hi);
      mag[i * n + j] = s;
    }
  return { y, mag };
}

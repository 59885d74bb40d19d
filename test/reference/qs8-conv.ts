// Reference int8 2-D convolution (groups = 1), written from ONNX QLinearConv on NHWC
// arrays with OHWI weights (symmetric per output channel) and an int32 bias:
//   acc[b,oy,ox,o] = bias[o] + sum_{ky,kx,ci} (x[b, iy, ix, ci] - zp_in) * w[o,ky,kx,ci]
//     iy = oy*sh - pad_top + ky*dh,  ix = ox*sw - pad_left + kx*dw
// a position outside the image is the input zero point (contributes 0); then the fp32
// requantization of DESIGN.md. Output size: floor((H + pt + pb - dh*(KH-1) - 1)/sh) + 1.
import { requantRef, type GemmQuant } from './qs8-gemm.js';

export interface ConvRefArgs {
  n: number; h: number; w: number; cIn: number; cOut: number; kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; pb: number; pr: number;
}

export function convOutSize(a: ConvRefArgs): [number, number] {
  return [
    Math.floor((a.h + a.pt + a.pb - a.dh * (a.kh - 1) - 1) / a.sh) + 1,
    Math.floor((a.w + a.pl + a.pr - a.dw * (a.kw - 1) - 1) / a.sw) + 1,
  ];
}

export function qs8ConvRef(
  a: ConvRefArgs,
  x: Int8Array, // [N][H][W][C_in]
  w: Int8Array, // [C_out][KH][KW][C_in]
  bias: Int32Array | null,
  m: Float32Array,
  q: GemmQuant,
): Int8Array {
  const [oh, ow] = convOutSize(a);
  const out = new Int8Array(a.n * oh * ow * a.cOut);
  for (let b = 0; b < a.n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let o = 0; o < a.cOut; o++) {
          let acc = bias ? bias[o] : 0;
          for (let ky = 0; ky < a.kh; ky++) {
            const iy = oy * a.sh - a.pt + ky * a.dh;
            if (iy < 0 || iy >= a.h) continue;
            for (let kx = 0; kx < a.kw; kx++) {
              const ix = ox * a.sw - a.pl + kx * a.dw;
              if (ix < 0 || ix >= a.w) continue;
              const xi = ((b * a.h + iy) * a.w + ix) * a.cIn;
              const wi = ((o * a.kh + ky) * a.kw + kx) * a.cIn;
              for (let ci = 0; ci < a.cIn; ci++) acc += (x[xi + ci] - q.zpIn) * w[wi + ci];
            }
          }
          out[((b * oh + oy) * ow + ox) * a.cOut + o] = requantRef(acc, m[o], q.zpOut, q.qmin, q.qmax);
        }
      }
    }
  }
  return out;
}

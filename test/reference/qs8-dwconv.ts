// Reference int8 depthwise convolution, written from ONNX QLinearConv with group = C
// (channel multiplier 1), on NHWC arrays:
//   acc[n,oy,ox,c] = bias[c] + sum_{ky,kx} (x[n, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw, c] - zp_in) * w[ky,kx,c]
// where a position outside the image is the zero point (contributes 0), then the fp32
// requantization of DESIGN.md: y = clamp(round_half_even(f32(f32(acc) * m[c])) + zp_out, qmin, qmax).

/** Round to nearest, ties to even (as f32.nearest). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** fp32 requantization of one accumulator, emulated in doubles with Math.fround. */
export function requantRef(acc: number, m: number, zpOut: number, qmin: number, qmax: number): number {
  const y = roundHalfEven(Math.fround(Math.fround(acc) * Math.fround(m))) + zpOut;
  return Math.min(Math.max(y, qmin), qmax);
}

export interface DwRefArgs {
  n: number; h: number; w: number; c: number; kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; pb: number; pr: number;
}

export function dwOutSize(a: DwRefArgs): [number, number] {
  return [
    Math.floor((a.h + a.pt + a.pb - a.dh * (a.kh - 1) - 1) / a.sh) + 1,
    Math.floor((a.w + a.pl + a.pr - a.dw * (a.kw - 1) - 1) / a.sw) + 1,
  ];
}

export function qs8DwconvRef(
  a: DwRefArgs,
  x: Int8Array, // [N][H][W][C]
  w: Int8Array, // [KH][KW][C]
  bias: Int32Array | null,
  m: Float32Array,
  zpIn: number, zpOut: number, qmin: number, qmax: number,
): Int8Array {
  const [oh, ow] = dwOutSize(a);
  const y = new Int8Array(a.n * oh * ow * a.c);
  for (let n = 0; n < a.n; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < a.c; c++) {
          let acc = bias ? bias[c] : 0;
          for (let ky = 0; ky < a.kh; ky++) {
            const iy = oy * a.sh - a.pt + ky * a.dh;
            if (iy < 0 || iy >= a.h) continue;
            for (let kx = 0; kx < a.kw; kx++) {
              const ix = ox * a.sw - a.pl + kx * a.dw;
              if (ix < 0 || ix >= a.w) continue;
              acc += (x[((n * a.h + iy) * a.w + ix) * a.c + c] - zpIn) * w[(ky * a.kw + kx) * a.c + c];
            }
          }
          y[((n * oh + oy) * ow + ox) * a.c + c] = requantRef(acc, m[c], zpOut, qmin, qmax);
        }
  return y;
}

// Reference int8 GEMM / fully connected, written from ONNX QLinearMatMul / QGemm with a
// per-output-channel weight scale, symmetric int8 weights (zero point 0) and an int32 bias:
//   acc[i,n] = bias[n] + sum_k (a[i,k] - zp_in) * w[n,k]
//   y[i,n]   = clamp(round_half_even(f32(f32(acc) * m[n])) + zp_out, qmin, qmax)
// (DESIGN.md's fp32 requantization, emulated in doubles with Math.fround.)

/** Round to nearest, ties to even (as f32.nearest). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** fp32 requantization of one accumulator. */
export function requantRef(acc: number, m: number, zpOut: number, qmin: number, qmax: number): number {
  const y = roundHalfEven(Math.fround(Math.fround(acc) * Math.fround(m))) + zpOut;
  return Math.min(Math.max(y, qmin), qmax);
}

export interface GemmQuant {
  zpIn: number;
  zpOut: number;
  qmin: number;
  qmax: number;
}

/** C[M][N] int8 from A[M][K] int8 (dense), W[N][K] int8, bias[N] (null = 0), multipliers m[N]. */
export function qs8GemmRef(
  M: number, N: number, K: number,
  a: Int8Array, w: Int8Array, bias: Int32Array | null, m: Float32Array, q: GemmQuant,
): Int8Array {
  const out = new Int8Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let n = 0; n < N; n++) {
      let acc = bias ? bias[n] : 0;
      for (let k = 0; k < K; k++) acc += (a[i * K + k] - q.zpIn) * w[n * K + k];
      out[i * N + n] = requantRef(acc, m[n], q.zpOut, q.qmin, q.qmax);
    }
  }
  return out;
}

// f32 GEMM / fully connected: packer and scalar kernel.
//   C[m][n] = clamp(bias[n] + sum_k A[m][k] * B[n][k], fmin, fmax)     (ONNX Gemm, transB = 1)
//
// Kernel signature (f32_gemm_4x8__scalar / __wasmsimd):
//   (M, N, K, a, a_stride, packed, c, c_stride, params)
//   a        f32 rows of K, a_stride bytes apart
//   c        f32 rows of N, c_stride bytes apart
//   params   F32_MINMAX (src/runtime/param-blocks.ts; offsets: common/params.ts): fmin, fmax (-Infinity / +Infinity for no clamp)
// Packed weights (f32_gemm_pack_4x8), per block of 8 output columns (last one zero-padded),
// (K + 1) * 32 bytes each:  f32 bias[8], then for k = 0..K-1: f32 B[n0..n0+7][k].
// Accumulation order (bias first, then k = 0, 1, ...; multiply then add, never fused) is
// the same in both twins, so their outputs are bit-identical.
// The clamp is `x < lo ? lo : x`, then `hi < y ? hi : y` (f32x4.pmax / pmin): a NaN passes through.
import { clamp_f32 } from '../common/clamp';
import { F32_MINMAX_FMAX, F32_MINMAX_FMIN } from '../common/params';

/** Bytes of the packed weights for N outputs and K inputs. */
// @ts-ignore: decorator
@inline
export function f32_gemm_packed_bytes(N: i32, K: i32): i32 {
  return ((N + 7) >> 3) * (K + 1) * 32;
}

/** Pack B[N][K] (f32) and bias[N] (f32, 0 = none) into 8-column blocks. */
export function f32_gemm_pack_4x8(N: i32, K: i32, b: usize, bias: usize, out: usize): void {
  const blocks = (N + 7) >> 3;
  let p = out;
  for (let nb = 0; nb < blocks; nb++) {
    for (let j = 0; j < 8; j++) {
      const n = nb * 8 + j;
      store<f32>(p + (<usize>j << 2), n < N && bias != 0 ? load<f32>(bias + (<usize>n << 2)) : 0);
    }
    p += 32;
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < 8; j++) {
        const n = nb * 8 + j;
        store<f32>(p + (<usize>j << 2), n < N ? load<f32>(b + (<usize>(n * K + k) << 2)) : 0);
      }
      p += 32;
    }
  }
}

/** Scalar core: rows [0, M) against all N columns. Shared with the scalar conv. */
// @ts-ignore: decorator
@inline
export function gemm_scalar_core(
  M: i32, N: i32, K: i32, a: usize, a_stride: usize, w: usize, c: usize, c_stride: usize, lo: f32, hi: f32,
): void {
  const blockBytes = <usize>((K + 1) * 32);
  for (let m = 0; m < M; m++) {
    const ar = a + <usize>m * a_stride;
    const cr = c + <usize>m * c_stride;
    let wb = w;
    for (let n0 = 0; n0 < N; n0 += 8) {
      const nc = min<i32>(8, N - n0);
      for (let j = 0; j < nc; j++) {
        let acc = load<f32>(wb + (<usize>j << 2));
        let wp = wb + 32 + (<usize>j << 2);
        for (let k = 0; k < K; k++) {
          acc += load<f32>(ar + (<usize>k << 2)) * load<f32>(wp);
          wp += 32;
        }
        store<f32>(cr + (<usize>(n0 + j) << 2), clamp_f32(acc, lo, hi));
      }
      wb += blockBytes;
    }
  }
}

/** Scalar twin of f32_gemm_4x8__wasmsimd. */
export function f32_gemm_4x8__scalar(
  M: i32, N: i32, K: i32, a: usize, a_stride: usize, w: usize, c: usize, c_stride: usize, params: usize,
): void {
  gemm_scalar_core(M, N, K, a, a_stride, w, c, c_stride, load<f32>(params, F32_MINMAX_FMIN), load<f32>(params, F32_MINMAX_FMAX));
}

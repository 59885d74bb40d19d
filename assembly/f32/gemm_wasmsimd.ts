// f32 GEMM, WASM SIMD128: 4 rows x 8 columns per step, A broadcast with load32_splat,
// f32x4.mul then f32x4.add (no relaxed madd: results must not depend on the engine).
// Signature, params and packed layout: gemm.ts (the scalar twin gives the same bits).
import { clamp_f32x4 } from '../common/clamp_wasmsimd';
import { F32_MINMAX_FMAX, F32_MINMAX_FMIN } from '../common/params';

/** Store the first n (1..3) f32 lanes of v at p. */
// @ts-ignore: decorator
@inline
function store_f32_partial(p: usize, v: v128, n: i32): void {
  if (n & 2) {
    v128.store64_lane(p, v, 0);
    v = i64x2.shuffle(v, v, 1, 1);
    p += 8;
  }
  if (n & 1) v128.store32_lane(p, v, 0);
}

/** Store the first n (1..7) f32 lanes of (v0, v1) at p. */
// @ts-ignore: decorator
@inline
function store_f32x8_partial(p: usize, v0: v128, v1: v128, n: i32): void {
  if (n & 4) {
    v128.store(p, v0);
    v0 = v1;
    p += 16;
  }
  if (n & 3) store_f32_partial(p, v0, n & 3);
}

/** Rows [0, M) against all N columns; SIMD core shared with the conv kernel. */
// @ts-ignore: decorator
@inline
export function gemm_4x8_core(
  M: i32, N: i32, K: i32, a: usize, a_stride: usize, w: usize, c: usize, c_stride: usize, lo: v128, hi: v128,
): void {
  for (let m = 0; m < M; m += 4) {
    const mr = M - m;
    // Rows past M alias the last real row: they compute and store the same values.
    const a0 = a + <usize>m * a_stride;
    const c0 = c + <usize>m * c_stride;
    const a1 = mr > 1 ? a0 + a_stride : a0;
    const c1 = mr > 1 ? c0 + c_stride : c0;
    const a2 = mr > 2 ? a1 + a_stride : a1;
    const c2 = mr > 2 ? c1 + c_stride : c1;
    const a3 = mr > 3 ? a2 + a_stride : a2;
    const c3 = mr > 3 ? c2 + c_stride : c2;
    let wp = w;
    for (let n0 = 0; n0 < N; n0 += 8) {
      let v00 = v128.load(wp, 0);
      let v01 = v128.load(wp, 16);
      let v10 = v00, v11 = v01, v20 = v00, v21 = v01, v30 = v00, v31 = v01;
      wp += 32;
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(wp, 0);
        const b1 = v128.load(wp, 16);
        wp += 32;
        const ko = <usize>k << 2;
        const x0 = v128.load32_splat(a0 + ko);
        const x1 = v128.load32_splat(a1 + ko);
        const x2 = v128.load32_splat(a2 + ko);
        const x3 = v128.load32_splat(a3 + ko);
        v00 = f32x4.add(v00, f32x4.mul(x0, b0));
        v01 = f32x4.add(v01, f32x4.mul(x0, b1));
        v10 = f32x4.add(v10, f32x4.mul(x1, b0));
        v11 = f32x4.add(v11, f32x4.mul(x1, b1));
        v20 = f32x4.add(v20, f32x4.mul(x2, b0));
        v21 = f32x4.add(v21, f32x4.mul(x2, b1));
        v30 = f32x4.add(v30, f32x4.mul(x3, b0));
        v31 = f32x4.add(v31, f32x4.mul(x3, b1));
      }
      v00 = clamp_f32x4(v00, lo, hi); v01 = clamp_f32x4(v01, lo, hi);
      v10 = clamp_f32x4(v10, lo, hi); v11 = clamp_f32x4(v11, lo, hi);
      v20 = clamp_f32x4(v20, lo, hi); v21 = clamp_f32x4(v21, lo, hi);
      v30 = clamp_f32x4(v30, lo, hi); v31 = clamp_f32x4(v31, lo, hi);
      const nc = N - n0;
      const off = <usize>n0 << 2;
      if (nc >= 8) {
        v128.store(c3 + off, v30); v128.store(c3 + off, v31, 16);
        v128.store(c2 + off, v20); v128.store(c2 + off, v21, 16);
        v128.store(c1 + off, v10); v128.store(c1 + off, v11, 16);
        v128.store(c0 + off, v00); v128.store(c0 + off, v01, 16);
      } else {
        store_f32x8_partial(c3 + off, v30, v31, nc);
        store_f32x8_partial(c2 + off, v20, v21, nc);
        store_f32x8_partial(c1 + off, v10, v11, nc);
        store_f32x8_partial(c0 + off, v00, v01, nc);
      }
    }
  }
}

/** C[M][N] = clamp(bias + A[M][K] * B[N][K]^T). */
export function f32_gemm_4x8__wasmsimd(
  M: i32, N: i32, K: i32, a: usize, a_stride: usize, w: usize, c: usize, c_stride: usize, params: usize,
): void {
  gemm_4x8_core(M, N, K, a, a_stride, w, c, c_stride, v128.load32_splat(params, F32_MINMAX_FMIN), v128.load32_splat(params, F32_MINMAX_FMAX));
}

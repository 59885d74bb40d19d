// f32 convolution, NHWC, WASM SIMD128: im2col of 4 output pixels into the host scratch
// (v128 copies), then the 4x8 GEMM core. Signature, params, layout: conv.ts.
import { gemm_4x8_core } from './gemm_wasmsimd';

// @ts-ignore: decorator
@inline
function im2col_row_simd(
  img: usize, dst: usize, H: i32, W: i32, C: i32, KH: i32, KW: i32, DH: i32, DW: i32, iy0: i32, ix0: i32,
): void {
  const cb = <usize>C << 2;
  const cb16 = cb & ~15;
  const zero = f32x4.splat(0);
  let d = dst;
  for (let ky = 0; ky < KH; ky++) {
    const y = iy0 + ky * DH;
    const yok = <u32>y < <u32>H;
    for (let kx = 0; kx < KW; kx++) {
      const x = ix0 + kx * DW;
      if (yok && <u32>x < <u32>W) {
        const s = img + (<usize>(y * W + x) * cb);
        let i: usize = 0;
        for (; i < cb16; i += 16) v128.store(d + i, v128.load(s + i));
        for (; i < cb; i += 4) store<f32>(d + i, load<f32>(s + i));
      } else {
        let i: usize = 0;
        for (; i < cb16; i += 16) v128.store(d + i, zero);
        for (; i < cb; i += 4) store<f32>(d + i, 0);
      }
      d += cb;
    }
  }
}

export function f32_conv_4x8__wasmsimd(input: usize, packed: usize, output: usize, scratch: usize, params: usize): void {
  const N = load<i32>(params, 0), H = load<i32>(params, 4), W = load<i32>(params, 8);
  const C = load<i32>(params, 12), OH = load<i32>(params, 16), OW = load<i32>(params, 20);
  const KH = load<i32>(params, 24), KW = load<i32>(params, 28);
  const SH = load<i32>(params, 32), SW = load<i32>(params, 36);
  const DH = load<i32>(params, 40), DW = load<i32>(params, 44);
  const PT = load<i32>(params, 48), PL = load<i32>(params, 52), OC = load<i32>(params, 56);
  const lo = v128.load32_splat(params, 60), hi = v128.load32_splat(params, 64);
  const K = KH * KW * C;
  const rowBytes = <usize>K << 2;
  const M = OH * OW;
  for (let n = 0; n < N; n++) {
    const img = input + <usize>(n * H * W * C) * 4;
    const out = output + <usize>(n * M * OC) * 4;
    for (let m = 0; m < M; m += 4) {
      const mr = min<i32>(4, M - m);
      for (let r = 0; r < mr; r++) {
        const p = m + r;
        const oy = p / OW, ox = p % OW;
        im2col_row_simd(img, scratch + <usize>r * rowBytes, H, W, C, KH, KW, DH, DW, oy * SH - PT, ox * SW - PL);
      }
      gemm_4x8_core(mr, OC, K, scratch, rowBytes, packed, out + <usize>(m * OC) * 4, <usize>OC << 2, lo, hi);
    }
  }
}

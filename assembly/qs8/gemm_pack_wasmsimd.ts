// The "4c8" packer with SIMD (qs8_gemm_pack_2x4c8__wasmsimd): the same bytes as the scalar
// qs8_gemm_pack_2x4c8 (gemm_scalar.ts, which documents the layout), 8 weights per step:
// load8x8_s widens them to i16, i16x8.max_s clamps -128 to -127, one store writes the
// layout's 8 consecutive i16 of (channel, k block), and extadd_pairwise sums them for the
// zero-point fold. Packing runs once, at load, but there it runs in V8's baseline (Liftoff)
// code, where the scalar loop cost ~4 ms of the MobileNet's cold start.

import { clamp_w } from '../common/clamp';

export function qs8_gemm_pack_2x4c8__wasmsimd(w: usize, bias: usize, scale: usize, zp_in: i32, n: i32, k: i32, out: usize): void {
  const kp = (k + 7) & ~7;
  const blockBytes = <usize>(32 + 8 * kp);
  const blocks = (n + 3) >> 2;
  const vmin = i16x8.splat(-127);
  for (let nb = 0; nb < blocks; nb++) {
    const o = out + <usize>nb * blockBytes;
    for (let j = 0; j < 4; j++) {
      const nn = nb * 4 + j;
      // channel j's 8 weights of k block kb sit at o + 32 + (kb*4 + j*8)*2
      const dst = o + 32 + <usize>(j * 16);
      let b: i32 = 0;
      let s: f32 = 0;
      if (nn < n) {
        const row = w + <usize>nn * <usize>k;
        let vsum = i32x4.splat(0);
        let kb = 0;
        for (; kb + 8 <= k; kb += 8) {
          const v = i16x8.max_s(v128.load8x8_s(row + <usize>kb), vmin);
          vsum = i32x4.add(vsum, i32x4.extadd_pairwise_i16x8_s(v));
          v128.store(dst + <usize>(kb * 8), v);
        }
        let sum = i32x4.extract_lane(vsum, 0) + i32x4.extract_lane(vsum, 1) + i32x4.extract_lane(vsum, 2) + i32x4.extract_lane(vsum, 3);
        if (kb < kp) {
          // the K tail: live weights, then zeros up to the block's end
          for (let t = 0; t < 8; t++) {
            const kk = kb + t;
            const v = kk < k ? clamp_w(<i32>load<i8>(row + <usize>kk)) : 0;
            sum += v;
            store<i16>(dst + <usize>(kb * 8 + t * 2), <i16>v);
          }
        }
        b = (bias != 0 ? load<i32>(bias + <usize>nn * 4) : 0) - zp_in * sum;
        s = load<f32>(scale + <usize>nn * 4);
      } else {
        for (let kb = 0; kb < kp; kb += 8) v128.store(dst + <usize>(kb * 8), i32x4.splat(0));
      }
      store<i32>(o + <usize>j * 4, b);
      store<f32>(o + 16 + <usize>j * 4, s);
    }
  }
}

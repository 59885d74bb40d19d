// The "4c8" packer with SIMD (qs8_gemm_pack_2x4c8__wasmsimd): the same bytes as the scalar
// qs8_gemm_pack_2x4c8 (gemm_scalar.ts, which documents the layout), 16 weights per step:
// i8x16.max_s clamps -128 to -127, one store64 per half writes the layout's 8 consecutive
// bytes of (channel, k block), and extadd_pairwise sums them for the zero-point fold.
// Packing runs once, at load, but there it runs in V8's baseline (Liftoff) code, where the
// scalar loop cost ~4 ms of the MobileNet's cold start.

import { clamp_w } from '../common/clamp';
import { qs8_4c8_block_bytes } from './gemm_scalar';

export function qs8_gemm_pack_2x4c8__wasmsimd(w: usize, bias: usize, scale: usize, zp_in: i32, n: i32, k: i32, out: usize): void {
  const kp = (k + 7) & ~7;
  const blockBytes = <usize>qs8_4c8_block_bytes(kp);
  const blocks = (n + 3) >> 2;
  const vmin = i8x16.splat(-127);
  for (let nb = 0; nb < blocks; nb++) {
    const o = out + <usize>nb * blockBytes;
    for (let j = 0; j < 4; j++) {
      const nn = nb * 4 + j;
      // channel j's 8 weights of k block kb sit at o + 32 + kb*4 + j*8
      const dst = o + 32 + <usize>(j * 8);
      let b: i32 = 0;
      let s: f32 = 0;
      if (nn < n) {
        const row = w + <usize>nn * <usize>k;
        let vsum = i32x4.splat(0);
        let kb = 0;
        for (; kb + 16 <= k; kb += 16) {
          const v = i8x16.max_s(v128.load(row + <usize>kb), vmin);
          vsum = i32x4.add(vsum, i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(v)));
          v128.store64_lane(dst + <usize>(kb * 4), v, 0);
          v128.store64_lane(dst + <usize>(kb * 4 + 32), v, 1);
        }
        let sum = i32x4.extract_lane(vsum, 0) + i32x4.extract_lane(vsum, 1) + i32x4.extract_lane(vsum, 2) + i32x4.extract_lane(vsum, 3);
        // the K tail: live weights, then zeros up to the last block's end
        for (; kb < kp; kb++) {
          const v = kb < k ? clamp_w(<i32>load<i8>(row + <usize>kb)) : 0;
          sum += v;
          store<i8>(dst + <usize>((kb & ~7) * 4 + (kb & 7)), <i8>v);
        }
        b = (bias != 0 ? load<i32>(bias + <usize>nn * 4) : 0) - zp_in * sum;
        s = load<f32>(scale + <usize>nn * 4);
      } else {
        for (let kb = 0; kb < kp; kb += 8) store<u64>(dst + <usize>(kb * 4), 0);
      }
      store<i32>(o + <usize>j * 4, b);
      store<f32>(o + 16 + <usize>j * 4, s);
    }
  }
}

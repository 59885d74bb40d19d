// f32 element-wise kernels, scalar twins; SIMD twins with the same signatures in
// f32_eltwise_wasmsimd.ts. Both clamp with clamp_f32 (output.ts), whose semantics are
// f32x4.pmax then f32x4.pmin, so the twins agree bit for bit. In place is allowed.
//
// f32_vmulcaddc_c4 (Mul, or Mul then Add, by per-channel constants on NHWC rows):
//   signature (rows, channels, x, x_stride, w, y, y_stride, params), strides in
//   elements; params F32_MINMAX: fmin, fmax
//   w (written by f32_vmulcaddc_pack_c4): per block of 4 channels, 4 f32 scales s[c]
//   then 4 f32 biases b[c] (32 bytes; the last block zero-padded).
//   y = clamp(x * s[c] + b[c], fmin, fmax)   (product rounded, then the sum: no FMA)
import { clamp_f32 } from '../common/clamp';
import { F32_MINMAX_FMAX, F32_MINMAX_FMIN } from '../common/params';

/** Pack per-channel scales s[channels] and biases b[channels] (b_ptr 0: zeros). */
export function f32_vmulcaddc_pack_c4(channels: usize, s_ptr: usize, b_ptr: usize, out: usize): void {
  const blocks = (channels + 3) >> 2;
  for (let blk: usize = 0; blk < blocks; blk++) {
    const o = out + (blk << 5);
    for (let j: usize = 0; j < 4; j++) {
      const c = (blk << 2) + j;
      const s: f32 = c < channels ? load<f32>(s_ptr + (c << 2)) : 0;
      const b: f32 = c < channels && b_ptr != 0 ? load<f32>(b_ptr + (c << 2)) : 0;
      store<f32>(o + (j << 2), s);
      store<f32>(o + 16 + (j << 2), b);
    }
  }
}

export function f32_vmulcaddc_c4__scalar(
  rows: usize, channels: usize, x: usize, x_stride: usize, w: usize, y: usize, y_stride: usize, params: usize,
): void {
  const fmin = load<f32>(params, F32_MINMAX_FMIN), fmax = load<f32>(params, F32_MINMAX_FMAX);
  for (let r: usize = 0; r < rows; r++) {
    for (let c: usize = 0; c < channels; c++) {
      const wp = w + ((c >> 2) << 5) + ((c & 3) << 2);
      const t = load<f32>(x + (c << 2)) * load<f32>(wp) + load<f32>(wp, 16);
      store<f32>(y + (c << 2), clamp_f32(t, fmin, fmax));
    }
    x += x_stride << 2;
    y += y_stride << 2;
  }
}

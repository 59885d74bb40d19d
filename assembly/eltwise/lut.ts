// Table lookup of uint8 values into int8, with a layout change: the fused input step of an
// int8 model (uint8 pixels -> normalised -> quantized, as one table per channel made at
// load by src/runtime/input.ts). Scalar only, exported under the same name in every build:
// one load and one store per value, a few hundred nanoseconds for an MNIST digit; RGB planes
// four pixels a step (u32 loads and stores: 64.5 -> 55.5 us for a 256x144 frame on Zen 3; a
// SIMD version taking each byte out of a v128 with extract_lane / replace_lane ran 74.5).
//
// Signature (pixels, channels, x, x_channel_stride, x_pixel_stride, table, y):
//   x      uint8, value (p, c) at x + c*x_channel_stride + p*x_pixel_stride
//          (NCHW pixels: strides (pixels, 1); NHWC: (1, channels))
//   table  int8 [channels][256]
//   y      int8 NHWC [pixels][channels]: y[p*channels + c] = table[c*256 + x(p, c)]

export function u8_qs8_lut_x1__scalar(
  pixels: i32, channels: i32, x: usize, x_channel_stride: i32, x_pixel_stride: i32, table: usize, y: usize,
): void {
  if (channels == 1 && x_pixel_stride == 1) {
    for (let p = 0; p < pixels; p++) store<i8>(y + <usize>p, load<i8>(table + <usize>load<u8>(x + <usize>p)));
    return;
  }
  if (channels == 3 && x_pixel_stride == 1) {
    // RGB planes (NCHW): one pixel's three values per step, the output written in order.
    const x1 = x + <usize>x_channel_stride, x2 = x1 + <usize>x_channel_stride;
    const t1 = table + 256, t2 = table + 512;
    let yp = y;
    let p = 0;
    // Four pixels a step: one u32 load per plane, three u32 stores of the twelve NHWC bytes.
    for (; p + 4 <= pixels; p += 4) {
      const at = <usize>p;
      const r = load<u32>(x + at), g = load<u32>(x1 + at), b = load<u32>(x2 + at);
      store<u32>(yp, <u32>load<u8>(table + <usize>(r & 255)) | (<u32>load<u8>(t1 + <usize>(g & 255)) << 8) |
        (<u32>load<u8>(t2 + <usize>(b & 255)) << 16) | (<u32>load<u8>(table + <usize>((r >> 8) & 255)) << 24));
      store<u32>(yp, <u32>load<u8>(t1 + <usize>((g >> 8) & 255)) | (<u32>load<u8>(t2 + <usize>((b >> 8) & 255)) << 8) |
        (<u32>load<u8>(table + <usize>((r >> 16) & 255)) << 16) | (<u32>load<u8>(t1 + <usize>((g >> 16) & 255)) << 24), 4);
      store<u32>(yp, <u32>load<u8>(t2 + <usize>((b >> 16) & 255)) | (<u32>load<u8>(table + <usize>(r >> 24)) << 8) |
        (<u32>load<u8>(t1 + <usize>(g >> 24)) << 16) | (<u32>load<u8>(t2 + <usize>(b >> 24)) << 24), 8);
      yp += 12;
    }
    for (; p < pixels; p++) {
      const at = <usize>p;
      store<i8>(yp, load<i8>(table + <usize>load<u8>(x + at)));
      store<i8>(yp, load<i8>(t1 + <usize>load<u8>(x1 + at)), 1);
      store<i8>(yp, load<i8>(t2 + <usize>load<u8>(x2 + at)), 2);
      yp += 3;
    }
    return;
  }
  for (let c = 0; c < channels; c++) {
    const t = table + (<usize>c << 8);
    let xp = x + <usize>(c * x_channel_stride);
    let yp = y + <usize>c;
    for (let p = 0; p < pixels; p++) {
      store<i8>(yp, load<i8>(t + <usize>load<u8>(xp)));
      xp += <usize>x_pixel_stride;
      yp += <usize>channels;
    }
  }
}

// Table lookup of uint8 values into int8, with a layout change: the fused input step of an
// int8 model (uint8 pixels -> normalised -> quantized, as one table per channel made at
// load by src/runtime/input.ts). Scalar only, exported under the same name in every build:
// one load and one store per value, a few hundred nanoseconds for an MNIST digit.
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
    for (let p = 0; p < pixels; p++) {
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

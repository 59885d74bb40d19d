// Bit packing (DESIGN.md, Binary): a value's bit is 1 when the value is negative.
// Layout: NHWC flattened to rows of C values; each row becomes ceil(C/32) u32 words,
// channel c in bit (c & 31) of word (c >> 5); bits past C are 0 (every binary kernel
// relies on that: a pad bit XOR a pad bit is 0 and adds nothing to a popcount).
//
// Signature: (rows, channels, x, y, zp)  x: rows*channels int8 or f32, y: rows*ceil(C/32) u32.
//   int8: the real value scale*(q - zp) is negative exactly when q < zp (scale > 0).
//   f32: x < 0 (so -0.0 and NaN give 0, as `x < 0 -> -1` says).

/** Words per packed row of `channels` bits. */
// @ts-ignore: decorator
@inline
export function b1_words(channels: i32): i32 {
  return (channels + 31) >> 5;
}

export function b1_bitpack_qs8_x1__scalar(rows: i32, channels: i32, x: usize, y: usize, zp: i32): void {
  const cw = b1_words(channels);
  for (let r = 0; r < rows; r++) {
    for (let w = 0; w < cw; w++) {
      const c0 = w << 5;
      const n = min<i32>(32, channels - c0);
      let bits: u32 = 0;
      for (let j = 0; j < n; j++) {
        bits |= <u32>(<i32>load<i8>(x + <usize>(c0 + j)) < zp) << <u32>j;
      }
      store<u32>(y + (<usize>w << 2), bits);
    }
    x += <usize>channels;
    y += <usize>cw << 2;
  }
}

export function b1_bitpack_f32_x1__scalar(rows: i32, channels: i32, x: usize, y: usize, zp: i32): void {
  const cw = b1_words(channels);
  for (let r = 0; r < rows; r++) {
    for (let w = 0; w < cw; w++) {
      const c0 = w << 5;
      const n = min<i32>(32, channels - c0);
      let bits: u32 = 0;
      for (let j = 0; j < n; j++) {
        bits |= <u32>(load<f32>(x + (<usize>(c0 + j) << 2)) < 0) << <u32>j;
      }
      store<u32>(y + (<usize>w << 2), bits);
    }
    x += <usize>channels << 2;
    y += <usize>cw << 2;
  }
}

// SIMD twins of bitpack.ts (same signature, same bits): a compare gives one 0/-1 lane
// per value and i8x16.bitmask gathers 16 of them into 16 bits. Rows of fewer than 16
// remaining channels finish with the scalar loop.
import { b1_words } from './bitpack';

export function b1_bitpack_qs8_x16__wasmsimd(rows: i32, channels: i32, x: usize, y: usize, zp: i32): void {
  const cw = b1_words(channels);
  const vzp = i8x16.splat(<i8>zp);
  const full = channels & ~15;
  for (let r = 0; r < rows; r++) {
    // Zero the row's last word first: the 16-bit stores below fill it from its low half.
    store<u32>(y + (<usize>(cw - 1) << 2), 0);
    let c = 0;
    for (; c < full; c += 16) {
      store<u16>(y + (<usize>c >> 3), <u16>i8x16.bitmask(i8x16.lt_s(v128.load(x + <usize>c), vzp)));
    }
    if (c < channels) {
      let bits: u32 = 0;
      for (let j = 0; c + j < channels; j++) bits |= <u32>(<i32>load<i8>(x + <usize>(c + j)) < zp) << <u32>j;
      store<u16>(y + (<usize>c >> 3), <u16>bits);
    }
    x += <usize>channels;
    y += <usize>cw << 2;
  }
}

export function b1_bitpack_f32_x16__wasmsimd(rows: i32, channels: i32, x: usize, y: usize, zp: i32): void {
  const cw = b1_words(channels);
  const zero = f32x4.splat(0);
  const full = channels & ~15;
  for (let r = 0; r < rows; r++) {
    store<u32>(y + (<usize>(cw - 1) << 2), 0);
    let c = 0;
    for (; c < full; c += 16) {
      const p = x + (<usize>c << 2);
      const m0 = f32x4.lt(v128.load(p), zero);
      const m1 = f32x4.lt(v128.load(p, 16), zero);
      const m2 = f32x4.lt(v128.load(p, 32), zero);
      const m3 = f32x4.lt(v128.load(p, 48), zero);
      // Lanes are 0 or -1, so the saturating narrows keep them exact.
      const m = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
      store<u16>(y + (<usize>c >> 3), <u16>i8x16.bitmask(m));
    }
    if (c < channels) {
      let bits: u32 = 0;
      for (let j = 0; c + j < channels; j++) bits |= <u32>(load<f32>(x + (<usize>(c + j) << 2)) < 0) << <u32>j;
      store<u16>(y + (<usize>c >> 3), <u16>bits);
    }
    x += <usize>channels << 2;
    y += <usize>cw << 2;
  }
}

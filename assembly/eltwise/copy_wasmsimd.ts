// WASM SIMD twin of copy.ts (same signature): 64 then 16 bytes per step; the last
// 1..15 bytes of a row load one full vector (reading at most 15 bytes past the row,
// which is inside the input or its 16 bytes of host padding) and store what exists.
import { store_bytes_tail } from './output_wasmsimd';

export function xx_copy_nc_x16__wasmsimd(rows: usize, bytes: usize, x: usize, x_stride: usize, y: usize, y_stride: usize): void {
  if (x_stride == bytes && y_stride == bytes) {
    memory.copy(y, x, rows * bytes);
    return;
  }
  for (let r: usize = 0; r < rows; r++) {
    let xp = x, yp = y, left = bytes;
    for (; left >= 64; left -= 64) {
      const v0 = v128.load(xp), v1 = v128.load(xp, 16), v2 = v128.load(xp, 32), v3 = v128.load(xp, 48);
      v128.store(yp, v0);
      v128.store(yp, v1, 16);
      v128.store(yp, v2, 32);
      v128.store(yp, v3, 48);
      xp += 64;
      yp += 64;
    }
    for (; left >= 16; left -= 16) {
      v128.store(yp, v128.load(xp));
      xp += 16;
      yp += 16;
    }
    if (left > 0) store_bytes_tail(yp, v128.load(xp), left);
    x += x_stride;
    y += y_stride;
  }
}

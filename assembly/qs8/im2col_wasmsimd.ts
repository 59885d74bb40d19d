// im2col with SIMD byte moves, for the simd and relaxed builds' convs: the walk of im2col.ts
// with copy_run / fill_run (assembly/common/copy_wasmsimd.ts). Same bytes as qs8_im2col.
import { im2col_walk } from './im2col';

export function qs8_im2col__wasmsimd(inb: usize, dst: usize, params: usize, p0: i32, rows: i32): void {
  im2col_walk<v128>(inb, dst, params, p0, rows);
}

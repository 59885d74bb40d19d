// Copy `bytes` bytes from each of `rows` rows to another buffer, each side with its
// own row stride (bytes): the channel-axis Concat of NHWC tensors, one call per input
// with y pointing at that input's channel slice (any element type: bytes = channels *
// element size). SIMD twin with the same signature: copy_wasmsimd.ts.
// Signature (rows, bytes, x, x_stride, y, y_stride); no params; x and y must not overlap.

export function xx_copy_nc_x1__scalar(rows: usize, bytes: usize, x: usize, x_stride: usize, y: usize, y_stride: usize): void {
  for (let r: usize = 0; r < rows; r++) {
    memory.copy(y, x, bytes);
    x += x_stride;
    y += y_stride;
  }
}

// Tap pointers for one output pixel of a depthwise convolution (shared by the qs8 and
// f32 dwconv kernels, scalar and SIMD). Writes KH*KW pointers to `scratch`: the input
// pixel a tap reads, or `zero` (a host buffer holding the padding value for C channels)
// when the tap falls into the padding. When KH*KW is odd one more pointer is written
// (a copy of the last) so a kernel that pairs taps never reads an unset entry.
// `esize` is the element size in bytes (1 for int8, 4 for f32).

// @ts-ignore: decorator
@inline
export function dw_indirection(
  input: usize, zero: usize, scratch: usize,
  H: i32, W: i32, C: i32, KH: i32, KW: i32, DH: i32, DW: i32,
  iy0: i32, ix0: i32, esize: i32,
): void {
  const rowBytes = W * C * esize;
  const pixBytes = C * esize;
  let k = 0;
  for (let ky = 0; ky < KH; ky++) {
    const y = iy0 + ky * DH;
    const yok = <u32>y < <u32>H;
    const row = <i32>input + y * rowBytes;
    for (let kx = 0; kx < KW; kx++) {
      const x = ix0 + kx * DW;
      const ok = yok && <u32>x < <u32>W;
      store<usize>(scratch + (<usize>k << 2), ok ? <usize>(row + x * pixBytes) : zero);
      k++;
    }
  }
  if (k & 1) store<usize>(scratch + (<usize>k << 2), load<usize>(scratch + (<usize>(k - 1) << 2)));
}

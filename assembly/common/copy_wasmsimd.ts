// Exact byte moves with SIMD for short runs (the im2col's rows of a few channels): a run of
// n >= 16 bytes moves in 16-byte steps whose last step ends exactly at n (overlapping the one
// before), 8..15 bytes as two overlapping u64, 4..7 as two u32, fewer byte by byte. No call into
// memory.copy / memory.fill (a runtime call in V8, about as slow as the move itself for the
// 20..100-byte runs of small convs) and never a byte written past the run.

// @ts-ignore: decorator
@inline
export function copy_run(dst: usize, src: usize, n: i32): void {
  if (n >= 16) {
    const last = <usize>(n - 16);
    for (let i: usize = 0; i < last; i += 16) v128.store(dst + i, v128.load(src + i));
    v128.store(dst + last, v128.load(src + last));
  } else if (n >= 8) {
    const t = <usize>(n - 8);
    const a = load<u64>(src);
    const b = load<u64>(src + t);
    store<u64>(dst, a);
    store<u64>(dst + t, b);
  } else if (n >= 4) {
    const t = <usize>(n - 4);
    const a = load<u32>(src);
    const b = load<u32>(src + t);
    store<u32>(dst, a);
    store<u32>(dst + t, b);
  } else {
    for (let i: usize = 0; i < <usize>n; i++) store<u8>(dst + i, load<u8>(src + i));
  }
}

// @ts-ignore: decorator
@inline
export function fill_run(dst: usize, v: v128, n: i32): void {
  if (n >= 16) {
    const last = <usize>(n - 16);
    for (let i: usize = 0; i < last; i += 16) v128.store(dst + i, v);
    v128.store(dst + last, v);
  } else if (n >= 8) {
    const x = <u64>i64x2.extract_lane(v, 0);
    store<u64>(dst, x);
    store<u64>(dst + <usize>(n - 8), x);
  } else {
    const x = <u32>i32x4.extract_lane(v, 0);
    if (n >= 4) {
      store<u32>(dst, x);
      store<u32>(dst + <usize>(n - 4), x);
    } else {
      for (let i: usize = 0; i < <usize>n; i++) store<u8>(dst + i, <u8>x);
    }
  }
}

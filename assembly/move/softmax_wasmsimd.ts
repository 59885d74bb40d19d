// WASM SIMD twin of softmax.ts (same signature, params and bits): the max runs four columns
// at a time (f32x4.pmax, the scalar's comparison); exp is the std's f64 Math.exp in both, one
// value at a time, and the sums and divisions keep the scalar's order.
import { softmax_column } from './softmax';
import { F32_SOFTMAX_INNER, F32_SOFTMAX_N, F32_SOFTMAX_OUTER } from '../common/params';

export function f32_softmax_x4__wasmsimd(x: usize, y: usize, params: usize): void {
  const outer = load<i32>(params, F32_SOFTMAX_OUTER), n = load<i32>(params, F32_SOFTMAX_N), inner = load<i32>(params, F32_SOFTMAX_INNER);
  const step = <usize>inner << 2, plane = <usize>n * step;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * plane, yo = y + <usize>o * plane;
    let k = 0;
    for (; k + 4 <= inner; k += 4) {
      const xc = xo + (<usize>k << 2);
      let m = v128.load(xc);
      let p = xc;
      for (let i = 1; i < n; i++) {
        p += step;
        m = f32x4.pmax(m, v128.load(p));
      }
      softmax_column(xc, yo + (<usize>k << 2), n, step, f32x4.extract_lane(m, 0));
      softmax_column(xc + 4, yo + (<usize>k << 2) + 4, n, step, f32x4.extract_lane(m, 1));
      softmax_column(xc + 8, yo + (<usize>k << 2) + 8, n, step, f32x4.extract_lane(m, 2));
      softmax_column(xc + 12, yo + (<usize>k << 2) + 12, n, step, f32x4.extract_lane(m, 3));
    }
    for (; k < inner; k++) {
      const xc = xo + (<usize>k << 2);
      let m = load<f32>(xc);
      let p = xc;
      if (inner == 1) {
        // One contiguous row: the max four values at a time (pmax is exact: the same maximum).
        let vm = f32x4.splat(m);
        let i = 0;
        for (; i + 4 <= n; i += 4) vm = f32x4.pmax(vm, v128.load(xc + (<usize>i << 2)));
        const m1 = f32x4.extract_lane(vm, 1), m2 = f32x4.extract_lane(vm, 2), m3 = f32x4.extract_lane(vm, 3);
        m = f32x4.extract_lane(vm, 0);
        m = m < m1 ? m1 : m;
        m = m < m2 ? m2 : m;
        m = m < m3 ? m3 : m;
        for (; i < n; i++) {
          const v = load<f32>(xc + (<usize>i << 2));
          m = m < v ? v : m;
        }
      } else {
        for (let i = 1; i < n; i++) {
          p += step;
          const v = load<f32>(p);
          m = m < v ? v : m;
        }
      }
      softmax_column(xc, yo + (<usize>k << 2), n, step, m);
    }
  }
}

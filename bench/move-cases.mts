// The data-movement cases of bench/kernels.bench.mts: real shapes of the zoo's models at
// 224 px (ShuffleNet-v2's channel shuffle and chunk, YOLO's upsample and concat, a classifier's
// ReduceMean and softmax, an NCHW input's transpose, a reflect pad), each prepared with a given
// kernel export through the op's host module.
import type { Build } from '../src/runtime/features.js';
import type { LinearMemory } from '../src/runtime/memory.js';
import { padCopies, placeLoops, prepareCopy, runCopy, sliceLoops, transposeLoops } from '../src/runtime/ops/copy.js';
import { prepareReduce, prepareSoftmax, runMove } from '../src/runtime/ops/reduce.js';
import { prepareResize, runResize } from '../src/runtime/ops/resize.js';

export interface MoveCase {
  name: string;
  /** The kernel-table op whose kernels run it. */
  op: string;
  /** Elements read and written, and their size. */
  read: number;
  written: number;
  el: 1 | 4;
  prepare(mem: LinearMemory, build: Build, kernel: string): () => void;
}

export const moveBytes = (c: MoveCase): number => (c.read + c.written) * c.el;

const input = (mem: LinearMemory, n: number, el: 1 | 4): number =>
  mem.put(el === 1 ? Int8Array.from({ length: n }, (_, i) => ((i * 13) % 256) - 128) : Float32Array.from({ length: n }, (_, i) => Math.sin(i)));

function copyCase(name: string, el: 1 | 4, read: number, written: number, copies: () => { loops: Parameters<typeof prepareCopy>[2]; xOff: number; yOff: number }[]): MoveCase {
  return {
    name, op: 'xx_copy_nd', read, written, el,
    prepare(mem, build, kernel) {
      const x = input(mem, read, el), y = mem.alloc(written * el);
      const layers = copies().map((c) => ({ ...c, layer: prepareCopy(mem, build, c.loops, el, name, kernel) }));
      return () => layers.forEach((c) => runCopy(mem, c.layer, x + c.xOff * el, y + c.yOff * el));
    },
  };
}

const Q = { scale: 0.05, zeroPoint: 3 };

export const MOVE_CASES: MoveCase[] = [
  copyCase('channel shuffle int8 28×28×116 (g = 2)', 1, 28 * 28 * 116, 28 * 28 * 116, () => [{ loops: transposeLoops([784, 2, 58], [0, 2, 1]), xOff: 0, yOff: 0 }]),
  copyCase('chunk int8 28×28×116 → 58 (slice)', 1, 28 * 28 * 58, 28 * 28 * 58, () => [{ ...sliceLoops([784, 116], [0, 58], [1, 1], [784, 58]), yOff: 0 }]),
  copyCase('concat int8 2 × 40×40×64 on channels', 1, 2 * 1600 * 64, 1600 * 128, () => [0, 1].map((k) => ({ ...placeLoops([1600, 64], [1600, 128], 1, 64 * k), xOff: k * 1600 * 64 }))),
  copyCase('NCHW → NHWC f32 3×224×224', 4, 3 * 224 * 224, 3 * 224 * 224, () => [{ loops: transposeLoops([3, 224 * 224], [1, 0]), xOff: 0, yOff: 0 }]),
  copyCase('pad reflect 1 f32 56×56×64', 4, 56 * 56 * 64, 58 * 58 * 64, () => padCopies([56, 56, 64], [1, 1, 0], [1, 1, 0], 'reflect').copies.map((c) => ({ ...c }))),
  {
    name: 'resize nearest 2× int8 20×20×256', op: 'xx_resize_nearest', read: 20 * 20 * 256, written: 40 * 40 * 256, el: 1,
    prepare(mem, build, kernel) {
      const L = prepareResize(mem, build, { dtype: 'qs8', mode: 'nearest', coord: 'asymmetric', nearest: 'floor', h: 20, w: 20, c: 256, oh: 40, ow: 40, scales: [2, 2], input: Q, output: Q, kernel });
      const x = input(mem, 20 * 20 * 256, 1), y = mem.alloc(40 * 40 * 256);
      return () => runResize(mem, L, x, y);
    },
  },
  ...(['f32', 'qs8'] as const).map((dtype): MoveCase => ({
    name: `resize bilinear 2× ${dtype === 'f32' ? 'f32' : 'int8'} 32×32×64`, op: `${dtype}_resize_linear`, read: 32 * 32 * 64, written: 64 * 64 * 64, el: dtype === 'f32' ? 4 : 1,
    prepare(mem, build, kernel) {
      const L = prepareResize(mem, build, { dtype, mode: 'linear', coord: 'half_pixel', h: 32, w: 32, c: 64, oh: 64, ow: 64, scales: [2, 2], input: Q, output: Q, kernel });
      const x = input(mem, 32 * 32 * 64, this.el), y = mem.alloc(64 * 64 * 64 * this.el);
      return () => runResize(mem, L, x, y);
    },
  })),
  // ReduceMean over H, W of 7×7×1024 ([1, 49, 1024]); ReduceMax over C of 56×56×64 ([3136, 64, 1]).
  ...(['f32', 'qs8'] as const).flatMap((dtype) => ([['mean', 'ReduceMean over H, W', '7×7×1024', 1, 49, 1024], ['max', 'ReduceMax over C', '56×56×64', 3136, 64, 1]] as const)
    .map(([kind, what, shape, outer, n, inner]): MoveCase => ({
      name: `${what} ${dtype === 'f32' ? 'f32' : 'int8'} ${shape}`, op: `${dtype}_reduce`, read: outer * n * inner, written: outer * inner, el: dtype === 'f32' ? 4 : 1,
      prepare(mem, build, kernel) {
        const L = prepareReduce(mem, build, { dtype, kind, outer, n, inner, input: Q, output: Q, kernel });
        const x = input(mem, outer * n * inner, this.el), y = mem.alloc(outer * inner * this.el);
        return () => runMove(mem, L, x, y);
      },
    }))),
  ...([[1, 1000, 1, 'softmax f32 1000 classes'], [1, 21, 32 * 32, 'softmax f32 over 21 channels of NCHW 21×32×32 (inner 1024)']] as const).map(([outer, n, inner, name]): MoveCase => ({
    name, op: 'f32_softmax', read: outer * n * inner, written: outer * n * inner, el: 4,
    prepare(mem, build, kernel) {
      const L = prepareSoftmax(mem, build, { outer, n, inner, kernel });
      const x = input(mem, outer * n * inner, 4), y = mem.alloc(outer * n * inner * 4);
      return () => runMove(mem, L, x, y);
    },
  })),
];

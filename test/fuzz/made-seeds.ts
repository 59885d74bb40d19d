// Seeds for the ops and attributes of the registry that no model file of the repository has
// (no fixture holds a transposed or grouped convolution, a block-sparse layer or an int8 mul):
// small valid graphs, so that every family of mutations reaches their checks and kernels too.
// fuzz-harness.test.ts checks that the seeds cover every op of the registry.
import { Rng } from '../helpers/rng.js';
import { f32, graphFile, i8, i8w, int8Around, win } from './graphs.js';

const X = [1, 5, 5, 4];

/** Each made seed: a name and its .branchy bytes. */
export function madeSeeds(): [string, Uint8Array][] {
  const rng = new Rng(0x5eed);
  const w = (n: number) => rng.f32(n, -1, 1);
  const q = (n: number) => rng.i8(n, -127, 127);
  const deconv = (groups: number, o: number) => ({ ...win([3, 3], [1, 1, 1, 1], [1, 1], [2, 2]), outputPadding: [1, 1], groups });
  const Y = [1, 10, 10, 4];
  return [
    ['made: f32 convtranspose2d', graphFile([f32('x', X), f32('w', [6, 3, 3, 4], { constant: true }), f32('b', [6], { constant: true }), f32('y', [1, 10, 10, 6])],
      [{ name: 'deconv', op: 'convtranspose2d', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: deconv(1, 6), act: { kind: 'relu' } }], { w: w(216), b: w(6) })],
    ['made: f32 depthwise convtranspose2d', graphFile([f32('x', X), f32('w', [4, 3, 3, 1], { constant: true }), f32('y', Y)],
      [{ name: 'deconv', op: 'convtranspose2d', inputs: ['x', 'w'], outputs: ['y'], attrs: deconv(4, 4) }], { w: w(36) })],
    ['made: int8 convtranspose2d', int8Around({ name: 'deconv', op: 'convtranspose2d', inputs: ['xq', 'w'], attrs: deconv(2, 4) }, X, Y, 1 / 16,
      [i8w('w', [4, 3, 3, 2])], { w: q(72) })],
    ['made: f32 grouped conv2d', graphFile([f32('x', X), f32('w', [6, 3, 3, 2], { constant: true }), f32('y', [1, 5, 5, 6])],
      [{ name: 'conv', op: 'conv2d', inputs: ['x', 'w'], outputs: ['y'], attrs: { ...win([3, 3], [1, 1, 1, 1]), groups: 2 } }], { w: w(108) })],
    ['made: int8 grouped conv2d', int8Around({ name: 'conv', op: 'conv2d', inputs: ['xq', 'w'], attrs: { ...win([3, 3], [1, 1, 1, 1], [1, 1], [2, 2]), groups: 4 } }, X, [1, 3, 3, 8], 1 / 16,
      [i8w('w', [8, 3, 3, 1])], { w: q(72) })],
    ['made: int8 block-sparse 1x1 conv2d', int8Around({ name: 'conv', op: 'conv2d', inputs: ['xq', 'w', 'b'], attrs: { ...win([1, 1]), sparse: { block: [4, 8] } } }, [1, 5, 5, 16], [1, 5, 5, 8], 1 / 16,
      [i8w('w', [8, 1, 1, 16]), { name: 'b', shape: [8], dtype: 'i32', constant: true }],
      { w: Int8Array.from(q(128), (v, i) => ((i >> 3) % 3 === 0 ? 0 : v)), b: rng.i32(8, -100, 100) })],
    ['made: int8 mul', int8Around({ name: 'mul', op: 'mul', inputs: ['xq', 'c'], attrs: {} }, X, X, 1 / 32,
      [f32('c', [4], { constant: true })], { c: w(4) })],
  ];
}

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
    // The data-movement and element-wise ops (no fixture has them yet): one f32 chain, and an int8 one.
    ['made: f32 movement and element-wise chain', graphFile([
      f32('x', X), f32('t', [1, 5, 5, 4]), f32('s', [1, 4, 4, 4]), f32('p', [1, 6, 6, 4]), f32('r', [1, 12, 12, 4]),
      f32('m', [1, 1, 1, 4]), f32('c', [4], { constant: true }), f32('k', [4], { constant: true }),
      f32('e1', [1, 1, 1, 4]), f32('e2', [1, 1, 1, 4]), f32('e3', [1, 1, 1, 4]), f32('e4', [1, 1, 1, 4]), f32('y', [1, 1, 1, 4]),
    ], [
      { name: 'transpose', op: 'transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: [0, 2, 1, 3] } },
      { name: 'slice', op: 'slice', inputs: ['t'], outputs: ['s'], attrs: { starts: [0, 1, 0, 0], ends: [1, 5, 4, 4], steps: [1, 1, 1, 1] } },
      { name: 'pad', op: 'pad', inputs: ['s'], outputs: ['p'], attrs: { pads: [0, 1, 1, 0, 0, 1, 1, 0], mode: 'reflect', value: 0 } },
      { name: 'resize', op: 'resize', inputs: ['p'], outputs: ['r'], attrs: { mode: 'linear', coord: 'half_pixel', scales: [2, 2], size: [12, 12] } },
      { name: 'reduce', op: 'reduce', inputs: ['r'], outputs: ['m'], attrs: { kind: 'mean', axes: [1, 2], keepdims: true } },
      { name: 'sub', op: 'sub', inputs: ['m', 'c'], outputs: ['e1'], attrs: {} },
      { name: 'div', op: 'div', inputs: ['e1', 'k'], outputs: ['e2'], attrs: {} },
      { name: 'min', op: 'min', inputs: ['e2', 'c'], outputs: ['e3'], attrs: {} },
      { name: 'max', op: 'max', inputs: ['e3', 'k'], outputs: ['e4'], attrs: {} },
      { name: 'prelu', op: 'prelu', inputs: ['e4', 'c'], outputs: ['y'], attrs: {} },
    ], { c: w(4), k: Float32Array.of(0.5, -2, 3, 0.25) })],
    ['made: int8 mul', int8Around({ name: 'mul', op: 'mul', inputs: ['xq', 'c'], attrs: {} }, X, X, 1 / 32,
      [f32('c', [4], { constant: true })], { c: w(4) })],
  ];
}

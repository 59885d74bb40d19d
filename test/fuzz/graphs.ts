// Small graphs written with the project's writer (writeBranchy validates them): the seeds for
// ops and attributes that no model file of the repository has (made-seeds.ts), and the hostile
// files of test/reliability/hostile.test.ts (valid files, patched afterwards).
import { writeBranchy } from '../../src/format/index.js';
import type { Graph, TensorData } from '../../src/ir/types.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A window attribute set; pads are [top, left, bottom, right]. */
export const win = (kernel: number[], pads = [0, 0, 0, 0], dilations = [1, 1], strides = [1, 1]) => ({ kernel, strides, dilations, pads });

export const f32 = (name: string, shape: number[], extra: Json = {}) => ({ name, shape, dtype: 'f32', ...extra });

/** An int8 activation with a per-tensor quantization. */
export const i8 = (name: string, shape: number[], scale = 1 / 64, zeroPoint = 0) => ({ name, shape, dtype: 'i8', quant: { kind: 'tensor', scale, zeroPoint } });

/** Constant int8 weights with per-output-channel scales (axis 0). */
export const i8w = (name: string, shape: number[], scale = 1 / 32) => ({
  name, shape, dtype: 'i8', constant: true, quant: { kind: 'channel', axis: 0, scales: new Array(shape[0]).fill(scale) },
});

/** A .branchy file of graph input `x` and output `y` (and `extra` graph fields). */
export function graphFile(tensors: Json[], nodes: Json[], weights: Record<string, TensorData> = {}, extra: Json = {}): Uint8Array {
  const graph = { tensors, nodes, inputs: ['x'], outputs: ['y'], ...extra } as unknown as Graph;
  return writeBranchy(graph, new Map(Object.entries(weights)));
}

/** x [xShape] -> quantize -> one int8 node (reading `xq`, writing `yq`) -> dequantize -> y [yShape]. */
export function int8Around(node: Json, xShape: number[], yShape: number[], outScale = 1 / 64, consts: Json[] = [], weights: Record<string, TensorData> = {}): Uint8Array {
  return graphFile(
    [f32('x', xShape), i8('xq', xShape), i8('yq', yShape, outScale), f32('y', yShape), ...consts],
    [
      { name: 'q', op: 'quantize', inputs: ['x'], outputs: ['xq'], attrs: {} },
      { ...node, outputs: ['yq'] },
      { name: 'dq', op: 'dequantize', inputs: ['yq'], outputs: ['y'], attrs: {} },
    ],
    weights,
  );
}

// A small QDQ conv net with uint8 / int8 graph input and output, as ONNX Runtime's quantizer writes
// them (test/convert/quantized-io.test.ts, test/cli/quantized-io.test.ts).
import { buildModel, ints, type ModelSpec } from '../convert/helpers.js';
import { Rng } from './rng.js';

const [UINT8, INT8, INT32] = [2, 3, 6];
export type IntType = 'u8' | 'i8';
const ONNX_TYPE = { u8: UINT8, i8: INT8 } as const;
export const ORT_TYPE = { u8: 'uint8', i8: 'int8' } as const;

/**
 * x (uint8 / int8 [N, 3, 8, 8]) -> DequantizeLinear -> Conv 3x3/2 (int8 weights per channel, int32
 * bias) -> Relu -> Q/DQ (uint8) -> Conv 3x3 -> QuantizeLinear (uint8 / int8) -> y [N, 4, 4, 4].
 */
export function qdqNet(input: IntType, output: IntType, wmax = 127, seed = 7): Uint8Array {
  const rng = new Rng(seed);
  const sx = 0.02, s1 = 0.05, sy = 0.1;
  const sw1 = Array.from({ length: 8 }, () => 0.004 + rng.next() * 0.01);
  const sw2 = Array.from({ length: 4 }, () => 0.002 + rng.next() * 0.006);
  const int8s = (n: number) => Array.from({ length: n }, () => rng.int(-wmax, wmax));
  const spec: ModelSpec = {
    inputs: [{ name: 'x', shape: ['N', 3, 8, 8], elemType: ONNX_TYPE[input] }], outputs: ['y'], outputTypes: { y: ONNX_TYPE[output] },
    inits: {
      sx: { dims: [], data: [sx] }, zx: { dims: [], data: [input === 'u8' ? 120 : -8], type: ONNX_TYPE[input] },
      w1: { dims: [8, 3, 3, 3], data: int8s(216), type: INT8 }, sw1: { dims: [8], data: sw1 }, zw1: { dims: [8], data: new Array(8).fill(0), type: INT8 },
      b1: { dims: [8], data: Array.from({ length: 8 }, () => rng.int(-2000, 2000)), type: INT32 },
      sb1: { dims: [8], data: sw1.map((s) => Math.fround(Math.fround(sx) * Math.fround(s))) }, zb1: { dims: [8], data: new Array(8).fill(0), type: INT32 },
      s1: { dims: [], data: [s1] }, z1: { dims: [], data: [0], type: UINT8 },
      w2: { dims: [4, 8, 3, 3], data: int8s(288), type: INT8 }, sw2: { dims: [4], data: sw2 }, zw2: { dims: [4], data: new Array(4).fill(0), type: INT8 },
      b2: { dims: [4], data: Array.from({ length: 4 }, () => rng.int(-2000, 2000)), type: INT32 },
      sb2: { dims: [4], data: sw2.map((s) => Math.fround(Math.fround(s1) * Math.fround(s))) }, zb2: { dims: [4], data: new Array(4).fill(0), type: INT32 },
      sy: { dims: [], data: [sy] }, zy: { dims: [], data: [output === 'u8' ? 128 : 3], type: ONNX_TYPE[output] },
    },
    nodes: [
      { op: 'DequantizeLinear', inputs: ['x', 'sx', 'zx'], outputs: ['xf'] },
      { op: 'DequantizeLinear', inputs: ['w1', 'sw1', 'zw1'], outputs: ['w1f'], attrs: { axis: { type: 2, i: 0 } } },
      { op: 'DequantizeLinear', inputs: ['b1', 'sb1', 'zb1'], outputs: ['b1f'], attrs: { axis: { type: 2, i: 0 } } },
      { op: 'Conv', inputs: ['xf', 'w1f', 'b1f'], outputs: ['c1'], attrs: { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'QuantizeLinear', inputs: ['r1', 's1', 'z1'], outputs: ['q1'] },
      { op: 'DequantizeLinear', inputs: ['q1', 's1', 'z1'], outputs: ['r1f'] },
      { op: 'DequantizeLinear', inputs: ['w2', 'sw2', 'zw2'], outputs: ['w2f'], attrs: { axis: { type: 2, i: 0 } } },
      { op: 'DequantizeLinear', inputs: ['b2', 'sb2', 'zb2'], outputs: ['b2f'], attrs: { axis: { type: 2, i: 0 } } },
      { op: 'Conv', inputs: ['r1f', 'w2f', 'b2f'], outputs: ['c2'], attrs: { pads: ints([1, 1, 1, 1]) } },
      { op: 'QuantizeLinear', inputs: ['c2', 'sy', 'zy'], outputs: ['y'] },
    ],
  };
  return buildModel(spec);
}


/** x (uint8 [N, 3, 6, 6]) -> QLinearConv 3x3 (int8 weights in [-63, 63] per channel, int32 bias) -> y (uint8 [N, 5, 6, 6]). */
export function qlinearConvNet(seed = 9): Uint8Array {
  const rng = new Rng(seed);
  const sw = Array.from({ length: 5 }, () => 0.003 + rng.next() * 0.01);
  return buildModel({
    inputs: [{ name: 'x', shape: ['N', 3, 6, 6], elemType: UINT8 }], outputs: ['y'], outputTypes: { y: UINT8 }, opset: 10,
    inits: {
      sx: { dims: [], data: [0.015] }, zx: { dims: [], data: [131], type: UINT8 },
      w: { dims: [5, 3, 3, 3], data: Array.from({ length: 135 }, () => rng.int(-63, 63)), type: INT8 }, sw: { dims: [5], data: sw },
      zw: { dims: [5], data: new Array(5).fill(0), type: INT8 },
      sy: { dims: [], data: [0.04] }, zy: { dims: [], data: [100], type: UINT8 },
      b: { dims: [5], data: Array.from({ length: 5 }, () => rng.int(-3000, 3000)), type: INT32 },
    },
    nodes: [{ op: 'QLinearConv', inputs: ['x', 'sx', 'zx', 'w', 'sw', 'zw', 'sy', 'zy', 'b'], outputs: ['y'], attrs: { pads: ints([1, 1, 1, 1]) } }],
  });
}

// Window geometry, defined once: the output size of a convolution or pool along one axis, and a
// window op's whole geometry over an NHWC input (what the kernels' params blocks carry).
import type { TensorInfo, Window } from './types.js';

/** Output size of one spatial axis of a window op (ONNX / PyTorch rule, ceil mode included). */
export function windowOut(
  size: number, k: number, stride: number, dilation: number, padBegin: number, padEnd: number, ceil: boolean,
): number {
  const span = size + padBegin + padEnd - dilation * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // The last window must start inside the input or the leading padding (PyTorch, ONNX >= 1.16).
  if (ceil && (out - 1) * stride >= size + padBegin) out--;
  return Math.max(0, out);
}

/** One sample's geometry of a window op from its attributes and its NHWC input (batch 1). */
export function windowGeometry(a: Window, x: TensorInfo) {
  return {
    n: 1, h: x.shape[1], w: x.shape[2], c: x.shape[3], kh: a.kernel[0], kw: a.kernel[1], strideH: a.strides[0], strideW: a.strides[1],
    dilationH: a.dilations[0], dilationW: a.dilations[1], pads: a.pads,
  };
}

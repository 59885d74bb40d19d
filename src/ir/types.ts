import type { DetectSpec } from './detect.js';
import type { ExitPlan } from './exits.js';
// The graph IR: plain JSON-serialisable data. A Graph says what runs; the weight bytes
// live beside it (a Map from tensor name to typed array), never inside the JSON.
// Activations are NHWC; every op is branchy's own, one per kernel family (docs/ir.md).

/** Element types. `b1`: one bit per value (1 = negative), packed along the last axis. */
export type DType = 'f32' | 'i8' | 'u8' | 'i32' | 'b1';

/** Quantization of a tensor: real = scale * (q - zeroPoint). */
export type Quant =
  | { kind: 'tensor'; scale: number; zeroPoint: number }
  /** Per channel along `axis` (weights: axis 0 of OHWI; zero points are 0). */
  | { kind: 'channel'; axis: number; scales: number[] };

export interface TensorInfo {
  name: string;
  /** Static shape. Activations of rank 4 are NHWC; batch is the first axis. */
  shape: number[];
  dtype: DType;
  quant?: Quant;
  /** True when the bytes are in the weight map (a constant), not computed. */
  constant?: boolean;
  /**
   * Graph inputs and outputs of rank 4 that the source model saw as NCHW: the host
   * transposes at the boundary so users feed and read what the ONNX model did.
   */
  sourceLayout?: 'NCHW';
}

export type ActivationKind =
  | 'none' | 'relu' | 'relu6' | 'clip' | 'leakyrelu' | 'hardsigmoid' | 'hardswish' | 'sigmoid';

/**
 * An element-wise activation, standalone or fused into the op that produces the value.
 * clip: min, max. leakyrelu: alpha. hardsigmoid: max(0, min(1, alpha*x + beta)).
 * hardswish: x * hardsigmoid(x) with alpha 1/6, beta 1/2 (ONNX HardSwish).
 */
export interface Activation {
  kind: ActivationKind;
  min?: number;
  max?: number;
  alpha?: number;
  beta?: number;
}

/** Spatial window shared by convolutions and pools. Pads are [top, left, bottom, right]. */
export interface Window {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
}

/**
 * Block-structured sparsity of a conv2d / gemm's weights (docs/ir.md, "Sparse layers"): the
 * weights (still stored dense, canonical) are zero in whole blocks of `block[0]` output
 * channels x `block[1]` consecutive K (K: a gemm's input axis, a conv's KH*KW*C_in row).
 * The runtime then runs an int8 gemm / 1x1 conv with the block-sparse kernel.
 */
export interface SparseAttr {
  block: [number, number];
}

/** Attributes per op. Inputs are listed with each op; `?` marks an optional input. */
export interface OpAttrs {
  /**
   * [x NHWC, w OHWI, b? [O]] -> [N, OH, OW, O]. Groups 1. Binary weights: w is b1 with
   * per-channel scales alpha (real weight alpha[o] * +-1), b f32; x b1, i8 or f32; y b1
   * (the sign of the result), i8 or f32 (docs/ir.md, "Binary layers").
   */
  conv2d: Window & { sparse?: SparseAttr };
  /** [x NHWC, w [KH][KW][C*multiplier], b? [C*multiplier]]; output channel o reads input o / multiplier. */
  dwconv2d: Window & { multiplier: number };
  /** [x [M, K], w [N][K], b? [N]] -> [M, N]. Fully connected: y = x w^T + b. Binary weights as conv2d. */
  gemm: { sparse?: SparseAttr };
  /** [x NHWC]. Padded positions are ignored. ceilMode as in ONNX/PyTorch (see docs/ir.md). */
  maxpool: Window & { ceilMode: boolean };
  /** [x NHWC]. countIncludePad: padded positions (not the ceil-mode overhang) count in the divisor. */
  avgpool: Window & { ceilMode: boolean; countIncludePad: boolean };
  /** [x NHWC] -> [N, 1, 1, C]. */
  globalavgpool: Record<string, never>;
  /** [a, b]: b has a's shape, or is a constant of shape [C] (last axis) or [1]. */
  add: Record<string, never>;
  /** [a, b]: b is a constant of shape [C] (last axis) or [1]. */
  mul: Record<string, never>;
  /** [x0, x1, ...] joined along the last (channel) axis. */
  concat: Record<string, never>;
  /** [x] -> x with `shape`, same bytes in the same order (a copy when shape is unchanged). */
  reshape: { shape: number[] };
  /**
   * [x NHWC] -> [N, H*W*C]. order 'nhwc': bytes unchanged (the importer permuted the
   * consumer's weights to match); 'nchw': the values are reordered to ONNX's C,H,W order.
   */
  flatten: { order: 'nhwc' | 'nchw' };
  /** [x] softmax over the last axis. */
  softmax: Record<string, never>;
  /** [x] the node's `act` applied element-wise. */
  activation: Record<string, never>;
  /** [x f32] -> i8/u8 with the output tensor's quant (round half to even, saturate). */
  quantize: Record<string, never>;
  /** [x i8/u8/i32] -> f32 with the input tensor's quant. */
  dequantize: Record<string, never>;
  /** [x i8] -> i8 from the input's quant to the output's. */
  requantize: Record<string, never>;
  /** [x f32 | i8] -> b1 of the same shape: the sign, bit 1 (-1) where x < 0 (i8: q < zero point), else +1. */
  bitpack: Record<string, never>;
}

export type OpType = keyof OpAttrs;

export const OP_TYPES: readonly OpType[] = [
  'conv2d', 'dwconv2d', 'gemm', 'maxpool', 'avgpool', 'globalavgpool', 'add', 'mul',
  'concat', 'reshape', 'flatten', 'softmax', 'activation', 'quantize', 'dequantize',
  'requantize', 'bitpack',
];

/** Ops that may carry a fused activation (`act`); `activation` itself requires one. */
export const FUSES_ACTIVATION: ReadonlySet<OpType> = new Set<OpType>([
  'conv2d', 'dwconv2d', 'gemm', 'add', 'activation',
]);

export type NodeOf<K extends OpType> = {
  name: string;
  op: K;
  inputs: string[];
  outputs: string[];
  attrs: OpAttrs[K];
  act?: Activation;
};

export type Node = { [K in OpType]: NodeOf<K> }[OpType];

/** Input normalisation the host applies before the first op: (x / scale - mean[c]) / std[c]. */
export interface Normalize {
  mean: number[];
  std: number[];
  scale: number;
}

export interface Graph {
  /** Every tensor, constants included, each named once. */
  tensors: TensorInfo[];
  /** In a topological order (validateGraph checks it). */
  nodes: Node[];
  inputs: string[];
  /** In the source model's order and with its names. */
  outputs: string[];
  normalize?: Normalize;
  /** Early-exit structure of a multi-exit graph (outputs exit0 … exitN), see exits.ts. */
  exits?: ExitPlan;
  /** How a detector's outputs decode into boxes (detect.ts; checked by checkDetect). */
  detect?: DetectSpec;
}

/** The bytes of constant tensors, by name. b1 constants are stored as u8 (see storageOf). */
export type TensorData = Float32Array | Int8Array | Uint8Array | Int32Array;
export type Weights = Map<string, TensorData>;

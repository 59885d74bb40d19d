import type { DetectSpec } from './detect.js';
import type { ExitPlan } from './exits.js';
import type { RequantScaleMode } from './numerics.js';
import type { OPS } from './ops/index.js';
import type { OpDef } from './ops/def.js';
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
  /**
   * Graph inputs and outputs that the source model typed uint8 or int8 (a quantized model that
   * takes pixels or ends with QuantizeLinear); the host converts at the boundary. An output is
   * i8 with a per-tensor quant, returned as the source's type (uint8: value + 128, zero point
   * + 128). An input is f32, quantized by the graph, and the model's normalize is its
   * dequantization: the host takes the source's typed array (int8 values are read as v + 128,
   * the normalize's mean being the zero point + 128).
   */
  sourceDtype?: 'u8' | 'i8';
}

/** The activations (src/ir/activations.ts defines each one once). */
export type { ActivationKind } from './activations.js';
import type { ActivationKind } from './activations.js';

/**
 * An element-wise activation, standalone or fused into the op that produces the value, with the
 * parameters its kind takes (src/ir/activations.ts): clip min, max; leakyrelu and elu alpha;
 * hardsigmoid alpha, beta.
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

/** The attributes of each op, as its file in src/ir/ops declares them (the registry is the one list). */
export type OpAttrs = { [K in keyof typeof OPS]: (typeof OPS)[K] extends OpDef<infer A> ? A : never };

export type OpType = keyof OpAttrs;

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
  /** How int8 conv / gemm multipliers are computed (numerics.ts requantScale); absent: `f64`. TFLite import sets `f32`. */
  requantScale?: RequantScaleMode;
}

/** The bytes of constant tensors, by name. b1 constants are stored as u8 (see storageOf). */
export type TensorData = Float32Array | Int8Array | Uint8Array | Int32Array;
export type Weights = Map<string, TensorData>;

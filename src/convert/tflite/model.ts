// A TFLite model as plain JavaScript: what readTflite returns and writeTflite takes. Field
// names follow TFLite's schema.fbs in camelCase; enums are their schema names as strings.
// Every options table branchy decodes is an object with its defaults filled in, so two
// models that mean the same thing compare equal (read(write(m)) deep-equals m).
import { ActivationFunctionType, BuiltinOperator, Padding, TensorType } from './schema_generated.js';

export type TensorTypeName = keyof typeof TensorType;
export type PaddingName = keyof typeof Padding;
export type Activation = keyof typeof ActivationFunctionType;

export interface TfliteModel {
  /** Schema version: 3 (the only one TFLite has written since 2018). */
  version: number;
  description?: string;
  operatorCodes: TfliteOperatorCode[];
  /** subgraphs[0] is the main graph. */
  subgraphs: TfliteSubgraph[];
  /** Each buffer's bytes: a view into the file it was read from (no copy), wherever the file
   *  kept them (inside the flatbuffer, or after it through offset/size). buffers[0] is empty. */
  buffers: Uint8Array[];
  metadata: TfliteMetadata[];
  signatureDefs: TfliteSignatureDef[];
  /** The deprecated metadata_buffer list (buffer indices), when the file has one. */
  metadataBuffer?: number[];
}

export interface TfliteOperatorCode {
  /** BuiltinOperator code, already resolved from deprecated_builtin_code (codes < 127) and
   *  builtin_code; builtinName() gives its name. 32 = CUSTOM. */
  builtinCode: number;
  /** The custom op's name (builtinCode 32). */
  customCode?: string;
  version: number;
}

export interface TfliteSubgraph {
  name?: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  /** In execution order. */
  operators: TfliteOperator[];
}

export interface TfliteTensor {
  name: string;
  shape: number[];
  /** shape with -1 for dimensions unknown at conversion (e.g. a free batch size). */
  shapeSignature?: number[];
  type: TensorTypeName;
  /** Index into model.buffers; 0 (the empty buffer) for tensors computed at run time. */
  buffer: number;
  quantization?: TfliteQuantization;
  isVariable: boolean;
  /** false for a tensor of unknown rank (shape []); true for a scalar. Files written before
   *  the field existed leave it false for every tensor. */
  hasRank: boolean;
  /** The file stores the tensor sparse (SparsityParameters): its buffer is not the dense
   *  data. Kept so that importers can refuse it by name; writeTflite refuses it. */
  sparse?: true;
  /** The tensor has nested VARIANT subtypes (kept for refusal, like sparse). */
  variant?: true;
  /** Its constant data lie in a separate file (Tensor.external_buffer, an id into the newest
   *  schema's Model.external_buffers): kept for refusal, like sparse. */
  externalBuffer?: number;
}

/** real = scale * (q - zeroPoint), per tensor (one entry) or per slice along quantizedDimension. */
export interface TfliteQuantization {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
  min?: number[];
  max?: number[];
  /** QuantizationDetails other than none: type 1 (CustomQuantization) with its bytes; other
   *  types (blockwise, multi-axis) are kept as their number only, and writeTflite refuses them. */
  details?: { type: number; custom?: Uint8Array };
}

export interface TfliteOperator {
  opcodeIndex: number;
  /** Tensor indices; -1 marks an omitted optional tensor. */
  inputs: number[];
  outputs: number[];
  /** Decoded builtin options; absent when the operator has none. */
  options?: TfliteOptions;
  /** builtin_options_2 (StableHLO ops): its union type number only; writeTflite refuses it. */
  options2Type?: number;
  customOptions?: Uint8Array;
  /** custom_options_format (0 = FLEXBUFFERS), kept when custom options are present. */
  customOptionsFormat?: number;
  mutatingVariableInputs?: boolean[];
  intermediates?: number[];
}

export interface TfliteMetadata {
  name?: string;
  buffer: number;
}

export interface TfliteTensorMap {
  name?: string;
  tensorIndex: number;
}

export interface TfliteSignatureDef {
  inputs: TfliteTensorMap[];
  outputs: TfliteTensorMap[];
  signatureKey?: string;
  subgraphIndex: number;
}

interface Window2D {
  padding: PaddingName;
  strideW: number;
  strideH: number;
}

/** CONV_2D. quantizedBiasType is present only when the file sets it (bias and accumulator type). */
export interface Conv2DOptions extends Window2D {
  type: 'Conv2DOptions';
  activation: Activation;
  dilationW: number;
  dilationH: number;
  quantizedBiasType?: TensorTypeName;
}
/** DEPTHWISE_CONV_2D. */
export interface DepthwiseConv2DOptions extends Window2D {
  type: 'DepthwiseConv2DOptions';
  depthMultiplier: number;
  activation: Activation;
  dilationW: number;
  dilationH: number;
}
/** AVERAGE_POOL_2D, MAX_POOL_2D (and L2_POOL_2D). */
export interface Pool2DOptions extends Window2D {
  type: 'Pool2DOptions';
  filterWidth: number;
  filterHeight: number;
  activation: Activation;
}
/** FULLY_CONNECTED. */
export interface FullyConnectedOptions {
  type: 'FullyConnectedOptions';
  activation: Activation;
  weightsFormat: 'DEFAULT' | 'SHUFFLED4x16INT8';
  keepNumDims: boolean;
  asymmetricQuantizeInputs: boolean;
  quantizedBiasType?: TensorTypeName;
}
/** SOFTMAX. */
export interface SoftmaxOptions {
  type: 'SoftmaxOptions';
  beta: number;
}
/** CONCATENATION. */
export interface ConcatenationOptions {
  type: 'ConcatenationOptions';
  axis: number;
  activation: Activation;
}
/** ADD, SUB. */
export interface AddSubOptions {
  type: 'AddOptions' | 'SubOptions';
  activation: Activation;
  potScaleInt16: boolean;
}
/** MUL. */
export interface MulOptions {
  type: 'MulOptions';
  activation: Activation;
}
/** RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR. */
export interface ResizeOptions {
  type: 'ResizeBilinearOptions' | 'ResizeNearestNeighborOptions';
  alignCorners: boolean;
  halfPixelCenters: boolean;
}
/** RESHAPE: newShape absent when the file leaves it out (the shape then comes from input 1). */
export interface ReshapeOptions {
  type: 'ReshapeOptions';
  newShape?: number[];
}
/** MEAN (and the other reductions). */
export interface ReducerOptions {
  type: 'ReducerOptions';
  keepDims: boolean;
}
/** SQUEEZE: [] squeezes every dimension of size 1. */
export interface SqueezeOptions {
  type: 'SqueezeOptions';
  squeezeDims: number[];
}
/** TRANSPOSE_CONV. */
export interface TransposeConvOptions extends Window2D {
  type: 'TransposeConvOptions';
  activation: Activation;
  quantizedBiasType?: TensorTypeName;
}
/** LEAKY_RELU. */
export interface LeakyReluOptions {
  type: 'LeakyReluOptions';
  alpha: number;
}
/** PAD, QUANTIZE, DEQUANTIZE, HARD_SWISH: tables without fields. */
export interface EmptyOptions {
  type: 'PadOptions' | 'QuantizeOptions' | 'DequantizeOptions' | 'HardSwishOptions';
}
/** Any other options table, kept by its BuiltinOptions union number. empty: the table sets
 *  no field (every field at its default), so writeTflite can write it back exactly. */
export interface UndecodedOptions {
  type: 'undecoded';
  unionType: number;
  empty: boolean;
}

export type TfliteOptions =
  | Conv2DOptions
  | DepthwiseConv2DOptions
  | Pool2DOptions
  | FullyConnectedOptions
  | SoftmaxOptions
  | ConcatenationOptions
  | AddSubOptions
  | MulOptions
  | ResizeOptions
  | ReshapeOptions
  | ReducerOptions
  | SqueezeOptions
  | TransposeConvOptions
  | LeakyReluOptions
  | EmptyOptions
  | UndecodedOptions;

/** BuiltinOperator.CUSTOM. */
export const CUSTOM_CODE = BuiltinOperator.CUSTOM;

/** The name of a builtin operator code ('CONV_2D'); codes newer than this schema: 'BUILTIN_<n>'. */
export function builtinName(code: number): string {
  return BuiltinOperator[code] ?? `BUILTIN_${code}`;
}

/** The code of a builtin operator name, or undefined. */
export function builtinCode(name: string): number | undefined {
  const c = (BuiltinOperator as unknown as Record<string, number>)[name];
  return typeof c === 'number' ? c : undefined;
}

/** Bytes per element of each fixed-size tensor type (packed sub-byte, string, resource and
 *  variant types are not here). */
export const ELEMENT_BYTES: Partial<Record<TensorTypeName, number>> = {
  FLOAT32: 4,
  FLOAT16: 2,
  BFLOAT16: 2,
  FLOAT64: 8,
  INT8: 1,
  UINT8: 1,
  INT16: 2,
  UINT16: 2,
  INT32: 4,
  UINT32: 4,
  INT64: 8,
  UINT64: 8,
  BOOL: 1,
  COMPLEX64: 8,
  COMPLEX128: 16,
  FLOAT8_E4M3FN: 1,
  FLOAT8_E5M2: 1,
};

/** Bits per element of the packed types (two or four values per byte). */
export const PACKED_BITS: Partial<Record<TensorTypeName, number>> = { INT4: 4, UINT4: 4, INT2: 2 };

/** Bytes the dense data of a tensor of this type and element count takes, or undefined for
 *  types without a fixed size (STRING, RESOURCE, VARIANT). */
export function dataBytes(type: TensorTypeName, count: number): number | undefined {
  const b = ELEMENT_BYTES[type];
  if (b !== undefined) return b * count;
  const bits = PACKED_BITS[type];
  return bits === undefined ? undefined : Math.ceil((count * bits) / 8);
}

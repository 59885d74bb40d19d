// tfliteGraph: one subgraph of a TfliteModel as an importer wants to walk it: each operator
// with its builtin name, its resolved input and output tensors (undefined for an omitted
// optional one) and its decoded options; each constant tensor with its data as a typed array
// of its type (a view of the file's bytes when aligned, else a copy). A tensor whose data are
// not dense and embedded (sparse, external file) makes it throw BranchyUnsupportedError.
import { BranchyFormatError, BranchyUnsupportedError } from '../../errors.js';
import { builtinName, CUSTOM_CODE, type TensorTypeName, type TfliteModel, type TfliteOperator, type TfliteOptions, type TfliteTensor } from './model.js';

export type TensorArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

type ArrayOf = { new (b: ArrayBuffer, offset: number, length: number): TensorArray; BYTES_PER_ELEMENT: number };

/** The typed array each type's data reads as. FLOAT16 and BFLOAT16 give their raw bits;
 *  types not listed (packed INT4/UINT4/INT2, STRING, COMPLEX*, FLOAT8*) give their raw bytes. */
const ARRAY: Partial<Record<TensorTypeName, ArrayOf>> = {
  FLOAT32: Float32Array,
  FLOAT64: Float64Array,
  INT8: Int8Array,
  UINT8: Uint8Array,
  BOOL: Uint8Array,
  INT16: Int16Array,
  UINT16: Uint16Array,
  FLOAT16: Uint16Array,
  BFLOAT16: Uint16Array,
  INT32: Int32Array,
  UINT32: Uint32Array,
  INT64: BigInt64Array,
  UINT64: BigUint64Array,
};

/** The options table each builtin operator carries (operators not listed carry none, or one
 *  branchy does not decode). */
export const OPTIONS_OF: Readonly<Record<string, TfliteOptions['type']>> = {
  CONV_2D: 'Conv2DOptions',
  DEPTHWISE_CONV_2D: 'DepthwiseConv2DOptions',
  AVERAGE_POOL_2D: 'Pool2DOptions',
  MAX_POOL_2D: 'Pool2DOptions',
  L2_POOL_2D: 'Pool2DOptions',
  FULLY_CONNECTED: 'FullyConnectedOptions',
  SOFTMAX: 'SoftmaxOptions',
  CONCATENATION: 'ConcatenationOptions',
  ADD: 'AddOptions',
  SUB: 'SubOptions',
  MUL: 'MulOptions',
  RESIZE_BILINEAR: 'ResizeBilinearOptions',
  RESIZE_NEAREST_NEIGHBOR: 'ResizeNearestNeighborOptions',
  RESHAPE: 'ReshapeOptions',
  MEAN: 'ReducerOptions',
  SUM: 'ReducerOptions',
  REDUCE_MAX: 'ReducerOptions',
  REDUCE_MIN: 'ReducerOptions',
  REDUCE_PROD: 'ReducerOptions',
  SQUEEZE: 'SqueezeOptions',
  TRANSPOSE_CONV: 'TransposeConvOptions',
  LEAKY_RELU: 'LeakyReluOptions',
  PAD: 'PadOptions',
  QUANTIZE: 'QuantizeOptions',
  DEQUANTIZE: 'DequantizeOptions',
  HARD_SWISH: 'HardSwishOptions',
};

export interface TfliteTensorView extends TfliteTensor {
  /** Index in the subgraph's tensors. */
  index: number;
  /** The constant data, for a tensor with a non-empty buffer. */
  data?: TensorArray;
}

export interface TfliteOpView {
  /** Position in execution order. */
  index: number;
  /** Builtin name ('CONV_2D'); 'CUSTOM' for custom operators (then customCode names it). */
  op: string;
  customCode?: string;
  version: number;
  inputs: (TfliteTensorView | undefined)[];
  outputs: (TfliteTensorView | undefined)[];
  options?: TfliteOptions;
  /** The operator as the model has it (indices, custom options...). */
  operator: TfliteOperator;
}

export interface TfliteGraphView {
  name?: string;
  tensors: TfliteTensorView[];
  inputs: TfliteTensorView[];
  outputs: TfliteTensorView[];
  ops: TfliteOpView[];
}

/** A constant tensor's data as a typed array of its type; undefined for a tensor without data.
 *  A tensor stored sparse or in an external file is refused (its buffer is not its dense data). */
export function tensorData(model: TfliteModel, tensor: TfliteTensor): TensorArray | undefined {
  const how = tensor.sparse ? 'sparse (SparsityParameters)' : tensor.externalBuffer !== undefined ? `in an external file (external_buffer ${tensor.externalBuffer})` : undefined;
  if (how) throw new BranchyUnsupportedError(`TFLite tensor "${tensor.name}" stores its data ${how}; branchy reads dense data embedded in the file only`);
  const bytes = model.buffers[tensor.buffer];
  if (!bytes || bytes.length === 0) return undefined;
  const A = ARRAY[tensor.type] ?? Uint8Array;
  if (bytes.length % A.BYTES_PER_ELEMENT !== 0) {
    throw new BranchyFormatError(`TFLite tensor "${tensor.name}": ${bytes.length} bytes of ${tensor.type} data is not a whole number of elements`);
  }
  const aligned = bytes.byteOffset % A.BYTES_PER_ELEMENT === 0 ? bytes : bytes.slice();
  return new A(aligned.buffer as ArrayBuffer, aligned.byteOffset, aligned.length / A.BYTES_PER_ELEMENT);
}

/** Subgraph `index` (0: the main graph) of a model read by readTflite, resolved. Throws
 *  BranchyFormatError for an operator whose options table is not the one its op takes. */
export function tfliteGraph(model: TfliteModel, index = 0): TfliteGraphView {
  const g = model.subgraphs[index];
  if (!g) throw new BranchyFormatError(`TFLite model has ${model.subgraphs.length} subgraph(s), no subgraph ${index}`);
  const tensors = g.tensors.map((t, i): TfliteTensorView => {
    const data = tensorData(model, t);
    return data ? { ...t, index: i, data } : { ...t, index: i };
  });
  const at = (i: number) => (i < 0 ? undefined : tensors[i]);
  const ops = g.operators.map((operator, i): TfliteOpView => {
    const code = model.operatorCodes[operator.opcodeIndex];
    const op = builtinName(code.builtinCode);
    const want = OPTIONS_OF[op];
    const have = operator.options?.type;
    if (want && have && have !== 'undecoded' && have !== want) {
      throw new BranchyFormatError(`TFLite operator ${i} (${op}, output "${at(operator.outputs[0])?.name}") carries ${have}; ${op} takes ${want}`);
    }
    const view: TfliteOpView = { index: i, op, version: code.version, inputs: operator.inputs.map(at), outputs: operator.outputs.map(at), operator };
    if (operator.options) view.options = operator.options;
    if (code.builtinCode === CUSTOM_CODE) view.customCode = code.customCode;
    return view;
  });
  return { ...(g.name !== undefined && { name: g.name }), tensors, inputs: g.inputs.map((i) => tensors[i]), outputs: g.outputs.map((i) => tensors[i]), ops };
}

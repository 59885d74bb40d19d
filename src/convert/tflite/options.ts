// Builtin options: one entry per options table branchy decodes, each with its reading (from
// the generated accessor, every number range-checked) and its writing (the generated
// create*), so that the two directions sit side by side and cannot drift apart.
import type { Builder } from 'flatbuffers';
import { at, fail, int, ints, list, type CheckedByteBuffer } from './checked.js';
import type { Activation, AddSubOptions, PaddingName, ResizeOptions, TensorTypeName, TfliteOptions } from './model.js';
import * as fb from './schema_generated.js';

const I32 = 0x7fffffff;

/** The name of an enum value, or a Malformed naming the field. */
function named<E extends Record<string, string | number>>(e: E, v: number, field: string): keyof E & string {
  const n = (e as Record<number, unknown>)[v];
  if (typeof n !== 'string') at(field, () => fail(`${v} is not a known value`));
  return n as keyof E & string;
}

const activation = (v: number): Activation => named(fb.ActivationFunctionType, v, 'fused_activation_function');
const padding = (v: number): PaddingName => named(fb.Padding, v, 'padding');
const positive = (v: number, field: string) => at(field, () => int(v, 1, I32));
const finite = (v: number, field: string) => (Number.isFinite(v) ? v : at(field, () => fail(`${v} is not finite`)));
/** padding, stride_w and stride_h: the fields every windowed op's table starts with. */
const window = (t: { padding(): number; strideW(): number; strideH(): number }) => ({
  padding: padding(t.padding()),
  strideW: positive(t.strideW(), 'stride_w'),
  strideH: positive(t.strideH(), 'stride_h'),
});
/** quantized_bias_type: 0 (FLOAT32) means "not set" and reads as absent. */
const biasType = (v: number): { quantizedBiasType?: TensorTypeName } =>
  v === 0 ? {} : { quantizedBiasType: named(fb.TensorType, v, 'quantized_bias_type') };

type Of<K extends TfliteOptions['type']> = Extract<TfliteOptions, { type: K }>;

/** What the reader knows of the operator while decoding its options: the ranks of its tensors
 *  (undefined where unknown), for the fields that index dimensions. */
export interface OptionsContext {
  inputRank?: number;
  outputRank?: number;
}

interface Codec<K extends TfliteOptions['type']> {
  union: fb.BuiltinOptions;
  /** Decodes the table at pos. */
  read(bb: CheckedByteBuffer, pos: number, ctx: OptionsContext): Of<K>;
  write(b: Builder, o: Of<K>): number;
}

/** An axis of a tensor of this rank (any int32 where the rank is unknown). */
const axisIn = (axis: number, rank: number | undefined) => (rank === undefined || rank === 0 ? int(axis, -I32 - 1, I32) : int(axis, -rank, rank - 1));

const empty = <K extends 'PadOptions' | 'QuantizeOptions' | 'DequantizeOptions' | 'HardSwishOptions'>(
  type: K,
  union: fb.BuiltinOptions,
  create: (b: Builder) => number,
): Codec<K> => ({ union, read: () => ({ type }) as Of<K>, write: (b) => create(b) });

const addSub = <K extends 'AddOptions' | 'SubOptions'>(
  type: K,
  union: fb.BuiltinOptions,
  T: typeof fb.AddOptions | typeof fb.SubOptions,
  create: (b: Builder, activation: fb.ActivationFunctionType, potScaleInt16: boolean) => number,
): Codec<K> => ({
  union,
  read(bb, pos) {
    const t = new T().__init(pos, bb);
    return { type, activation: activation(t.fusedActivationFunction()), potScaleInt16: t.potScaleInt16() } as Of<K>;
  },
  write: (b, o) => create(b, fb.ActivationFunctionType[(o as AddSubOptions).activation], (o as AddSubOptions).potScaleInt16),
});

const resize = <K extends 'ResizeBilinearOptions' | 'ResizeNearestNeighborOptions'>(
  type: K,
  union: fb.BuiltinOptions,
  T: typeof fb.ResizeBilinearOptions | typeof fb.ResizeNearestNeighborOptions,
  create: (b: Builder, alignCorners: boolean, halfPixelCenters: boolean) => number,
): Codec<K> => ({
  union,
  read(bb, pos) {
    const t = new T().__init(pos, bb);
    return { type, alignCorners: t.alignCorners(), halfPixelCenters: t.halfPixelCenters() } as Of<K>;
  },
  write: (b, o) => create(b, (o as ResizeOptions).alignCorners, (o as ResizeOptions).halfPixelCenters),
});

/** Every decoded options table, by its `type` name. */
export const CODECS: { [K in Exclude<TfliteOptions['type'], 'undecoded'>]: Codec<K> } = {
  Conv2DOptions: {
    union: fb.BuiltinOptions.Conv2DOptions,
    read(bb, pos) {
      const t = new fb.Conv2DOptions().__init(pos, bb);
      return {
        type: 'Conv2DOptions',
        ...window(t),
        activation: activation(t.fusedActivationFunction()),
        dilationW: positive(t.dilationWFactor(), 'dilation_w_factor'),
        dilationH: positive(t.dilationHFactor(), 'dilation_h_factor'),
        ...biasType(t.quantizedBiasType()),
      };
    },
    write: (b, o) =>
      fb.Conv2DOptions.createConv2DOptions(
        b,
        fb.Padding[o.padding],
        o.strideW,
        o.strideH,
        fb.ActivationFunctionType[o.activation],
        o.dilationW,
        o.dilationH,
        fb.TensorType[o.quantizedBiasType ?? 'FLOAT32'],
      ),
  },
  DepthwiseConv2DOptions: {
    union: fb.BuiltinOptions.DepthwiseConv2DOptions,
    read(bb, pos) {
      const t = new fb.DepthwiseConv2DOptions().__init(pos, bb);
      return {
        type: 'DepthwiseConv2DOptions',
        ...window(t),
        // Redundant since TF 2.0 (the filter's shape says it); 0 occurs in files.
        depthMultiplier: at('depth_multiplier', () => int(t.depthMultiplier(), 0, I32)),
        activation: activation(t.fusedActivationFunction()),
        dilationW: positive(t.dilationWFactor(), 'dilation_w_factor'),
        dilationH: positive(t.dilationHFactor(), 'dilation_h_factor'),
      };
    },
    write: (b, o) =>
      fb.DepthwiseConv2DOptions.createDepthwiseConv2DOptions(
        b,
        fb.Padding[o.padding],
        o.strideW,
        o.strideH,
        o.depthMultiplier,
        fb.ActivationFunctionType[o.activation],
        o.dilationW,
        o.dilationH,
      ),
  },
  Pool2DOptions: {
    union: fb.BuiltinOptions.Pool2DOptions,
    read(bb, pos) {
      const t = new fb.Pool2DOptions().__init(pos, bb);
      return {
        type: 'Pool2DOptions',
        ...window(t),
        filterWidth: positive(t.filterWidth(), 'filter_width'),
        filterHeight: positive(t.filterHeight(), 'filter_height'),
        activation: activation(t.fusedActivationFunction()),
      };
    },
    write: (b, o) =>
      fb.Pool2DOptions.createPool2DOptions(
        b,
        fb.Padding[o.padding],
        o.strideW,
        o.strideH,
        o.filterWidth,
        o.filterHeight,
        fb.ActivationFunctionType[o.activation],
      ),
  },
  FullyConnectedOptions: {
    union: fb.BuiltinOptions.FullyConnectedOptions,
    read(bb, pos) {
      const t = new fb.FullyConnectedOptions().__init(pos, bb);
      return {
        type: 'FullyConnectedOptions',
        activation: activation(t.fusedActivationFunction()),
        weightsFormat: named(fb.FullyConnectedOptionsWeightsFormat, t.weightsFormat(), 'weights_format'),
        keepNumDims: t.keepNumDims(),
        asymmetricQuantizeInputs: t.asymmetricQuantizeInputs(),
        ...biasType(t.quantizedBiasType()),
      };
    },
    write: (b, o) =>
      fb.FullyConnectedOptions.createFullyConnectedOptions(
        b,
        fb.ActivationFunctionType[o.activation],
        fb.FullyConnectedOptionsWeightsFormat[o.weightsFormat],
        o.keepNumDims,
        o.asymmetricQuantizeInputs,
        fb.TensorType[o.quantizedBiasType ?? 'FLOAT32'],
      ),
  },
  SoftmaxOptions: {
    union: fb.BuiltinOptions.SoftmaxOptions,
    read: (bb, pos) => ({ type: 'SoftmaxOptions', beta: finite(new fb.SoftmaxOptions().__init(pos, bb).beta(), 'beta') }),
    write: (b, o) => fb.SoftmaxOptions.createSoftmaxOptions(b, o.beta),
  },
  ConcatenationOptions: {
    union: fb.BuiltinOptions.ConcatenationOptions,
    read(bb, pos, ctx) {
      const t = new fb.ConcatenationOptions().__init(pos, bb);
      return { type: 'ConcatenationOptions', axis: at('axis', () => axisIn(t.axis(), ctx.outputRank)), activation: activation(t.fusedActivationFunction()) };
    },
    write: (b, o) => fb.ConcatenationOptions.createConcatenationOptions(b, o.axis, fb.ActivationFunctionType[o.activation]),
  },
  AddOptions: addSub('AddOptions', fb.BuiltinOptions.AddOptions, fb.AddOptions, fb.AddOptions.createAddOptions),
  SubOptions: addSub('SubOptions', fb.BuiltinOptions.SubOptions, fb.SubOptions, fb.SubOptions.createSubOptions),
  MulOptions: {
    union: fb.BuiltinOptions.MulOptions,
    read: (bb, pos) => ({ type: 'MulOptions', activation: activation(new fb.MulOptions().__init(pos, bb).fusedActivationFunction()) }),
    write: (b, o) => fb.MulOptions.createMulOptions(b, fb.ActivationFunctionType[o.activation]),
  },
  ResizeBilinearOptions: resize('ResizeBilinearOptions', fb.BuiltinOptions.ResizeBilinearOptions, fb.ResizeBilinearOptions, fb.ResizeBilinearOptions.createResizeBilinearOptions),
  ResizeNearestNeighborOptions: resize(
    'ResizeNearestNeighborOptions',
    fb.BuiltinOptions.ResizeNearestNeighborOptions,
    fb.ResizeNearestNeighborOptions,
    fb.ResizeNearestNeighborOptions.createResizeNearestNeighborOptions,
  ),
  ReshapeOptions: {
    union: fb.BuiltinOptions.ReshapeOptions,
    read(bb, pos) {
      const t = new fb.ReshapeOptions().__init(pos, bb);
      // Absent and present are different files (TFLite then takes the shape from input 1).
      const present = bb.__offset(pos, 4) !== 0;
      return present ? { type: 'ReshapeOptions', newShape: ints('new_shape', () => t.newShapeLength(), (i) => t.newShape(i), -1, I32) } : { type: 'ReshapeOptions' };
    },
    write: (b, o) =>
      fb.ReshapeOptions.createReshapeOptions(b, o.newShape === undefined ? 0 : fb.ReshapeOptions.createNewShapeVector(b, o.newShape)),
  },
  ReducerOptions: {
    union: fb.BuiltinOptions.ReducerOptions,
    read: (bb, pos) => ({ type: 'ReducerOptions', keepDims: new fb.ReducerOptions().__init(pos, bb).keepDims() }),
    write: (b, o) => fb.ReducerOptions.createReducerOptions(b, o.keepDims),
  },
  SqueezeOptions: {
    union: fb.BuiltinOptions.SqueezeOptions,
    read(bb, pos, ctx) {
      const t = new fb.SqueezeOptions().__init(pos, bb);
      const dims = list('squeeze_dims', () => t.squeezeDimsLength(), (i) => axisIn(t.squeezeDims(i) ?? NaN, ctx.inputRank));
      return { type: 'SqueezeOptions', squeezeDims: dims };
    },
    write: (b, o) =>
      fb.SqueezeOptions.createSqueezeOptions(b, o.squeezeDims.length ? fb.SqueezeOptions.createSqueezeDimsVector(b, o.squeezeDims) : 0),
  },
  TransposeConvOptions: {
    union: fb.BuiltinOptions.TransposeConvOptions,
    read(bb, pos) {
      const t = new fb.TransposeConvOptions().__init(pos, bb);
      return {
        type: 'TransposeConvOptions',
        ...window(t),
        activation: activation(t.fusedActivationFunction()),
        ...biasType(t.quantizedBiasType()),
      };
    },
    write: (b, o) =>
      fb.TransposeConvOptions.createTransposeConvOptions(
        b,
        fb.Padding[o.padding],
        o.strideW,
        o.strideH,
        fb.ActivationFunctionType[o.activation],
        fb.TensorType[o.quantizedBiasType ?? 'FLOAT32'],
      ),
  },
  LeakyReluOptions: {
    union: fb.BuiltinOptions.LeakyReluOptions,
    read: (bb, pos) => ({ type: 'LeakyReluOptions', alpha: finite(new fb.LeakyReluOptions().__init(pos, bb).alpha(), 'alpha') }),
    write: (b, o) => fb.LeakyReluOptions.createLeakyReluOptions(b, o.alpha),
  },
  PadOptions: empty('PadOptions', fb.BuiltinOptions.PadOptions, fb.PadOptions.createPadOptions),
  QuantizeOptions: empty('QuantizeOptions', fb.BuiltinOptions.QuantizeOptions, fb.QuantizeOptions.createQuantizeOptions),
  DequantizeOptions: empty('DequantizeOptions', fb.BuiltinOptions.DequantizeOptions, fb.DequantizeOptions.createDequantizeOptions),
  HardSwishOptions: empty('HardSwishOptions', fb.BuiltinOptions.HardSwishOptions, fb.HardSwishOptions.createHardSwishOptions),
};

const BY_UNION = new Map<number, Codec<Exclude<TfliteOptions['type'], 'undecoded'>>>(
  Object.values(CODECS).map((c) => [c.union, c as Codec<Exclude<TfliteOptions['type'], 'undecoded'>>]),
);

/** Decodes the options table of union type `unionType` at pos; an unknown type is kept undecoded. */
export function readOptions(bb: CheckedByteBuffer, unionType: number, pos: number, ctx: OptionsContext): TfliteOptions {
  const codec = BY_UNION.get(unionType);
  if (codec) return codec.read(bb, pos, ctx);
  return { type: 'undecoded', unionType, empty: !bb.tableHasFields(pos) };
}

/** Writes o; returns [union type, table offset], or undefined for undecoded options that set
 *  fields (they cannot be written back). */
export function writeOptions(b: Builder, o: TfliteOptions): [number, number] | undefined {
  if (o.type === 'undecoded') {
    if (!o.empty) return undefined;
    b.startObject(0);
    return [o.unionType, b.endObject()];
  }
  const codec = CODECS[o.type] as Codec<typeof o.type>;
  return [codec.union, codec.write(b, o as never)];
}

// The TFLite file layer: readTflite on the eight MLPerf Tiny files (operators and inputs as
// their README's table says, quantization of the int8 ones), writeTflite as its inverse
// (read(write(m)) deep-equals m, inline and external buffers), every decoded options table
// written and read back, the resolved view, and hostile bytes: truncations, out-of-range
// offsets and indices, huge vectors and random mutations give BranchyFormatError, never a
// raw error. (LiteRT.js running what the writer writes: tflite-litert.test.ts.)
import { Builder, ByteBuffer } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import {
  builtinCode,
  builtinName,
  OPTIONS_OF,
  readTflite,
  tfliteGraph,
  writeTflite,
  type TfliteModel,
  type TfliteOptions,
  type TfliteTensor,
} from '../../src/convert/index.js';
import * as fb from '../../src/convert/tflite/schema_generated.js';
import { BranchyError, BranchyFormatError, BranchyInputError, BranchyUnsupportedError } from '../../src/errors.js';
import { MLPERF_FILES, mlperfBytes, mlperfReadme } from '../helpers/mlperf.js';
import { Rng } from '../helpers/rng.js';

const models = new Map(MLPERF_FILES.map((f) => [f, readTflite(mlperfBytes(f))]));
const usedOps = (m: TfliteModel) => [...new Set(m.subgraphs[0].operators.map((op) => builtinName(m.operatorCodes[op.opcodeIndex].builtinCode)))];

/** a and b are the same model; the buffers compared as bytes (vitest's deep equality is slow on MBs). */
function expectSameModel(a: TfliteModel, b: TfliteModel) {
  expect({ ...a, buffers: [] }).toStrictEqual({ ...b, buffers: [] });
  expect(a.buffers.length).toBe(b.buffers.length);
  a.buffers.forEach((d, i) => expect(sameBytes(d, b.buffers[i]), `buffer ${i}`).toBe(true));
}
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

/** The error fn throws (undefined if none). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('readTflite on the MLPerf Tiny files', () => {
  const readme = mlperfReadme();

  it.each(MLPERF_FILES)('%s: operators and input as the README table says', (file) => {
    const m = models.get(file)!;
    const row = readme.get(file)!;
    expect(row, `${file} in the README table`).toBeDefined();
    expect(m.version).toBe(3);
    expect(new Set(usedOps(m))).toEqual(new Set(row.ops));
    const g = tfliteGraph(m);
    expect(g.inputs).toHaveLength(1);
    expect(g.inputs[0].shape).toEqual(row.input);
    for (const op of g.ops) {
      for (const t of [...op.inputs, ...op.outputs]) expect(t, `${op.op} ${op.index}`).toBeDefined();
      // The converter writes no ReshapeOptions here (the shape comes from input 1).
      expect(op.options?.type, op.op).toBe(op.op === 'RESHAPE' ? undefined : OPTIONS_OF[op.op]);
    }
  });

  it.each(MLPERF_FILES.filter((f) => f.includes('int8')))('%s: int8 edges and activations, per-channel int8 weights, int32 biases', (file) => {
    const g = tfliteGraph(models.get(file)!);
    const single = (t: TfliteTensor) => {
      expect(t.type, t.name).toBe('INT8');
      expect(t.quantization?.scale, t.name).toHaveLength(1);
      expect(t.quantization!.scale[0]).toBeGreaterThan(0);
      expect(t.quantization!.zeroPoint[0]).toBeGreaterThanOrEqual(-128);
      expect(t.quantization!.zeroPoint[0]).toBeLessThanOrEqual(127);
    };
    for (const t of [...g.inputs, ...g.outputs]) single(t);
    let convs = 0;
    for (const op of g.ops) {
      for (const t of op.outputs) single(t!);
      if (!['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(op.op)) continue;
      const [x, w, bias] = op.inputs;
      single(x!);
      expect(w!.type).toBe('INT8');
      expect(w!.data).toBeInstanceOf(Int8Array);
      expect(w!.data!.length).toBe(w!.shape.reduce((a, d) => a * d, 1));
      const q = w!.quantization!;
      expect(q.zeroPoint.every((z) => z === 0)).toBe(true);
      // Per-channel along the output channels (dimension 0; 3 for a depthwise [1,H,W,C] filter).
      if (op.op !== 'FULLY_CONNECTED') {
        convs++;
        expect(q.quantizedDimension).toBe(op.op === 'CONV_2D' ? 0 : 3);
        expect(q.scale.length).toBe(w!.shape[q.quantizedDimension]);
      }
      expect(bias!.type).toBe('INT32');
      expect(bias!.data).toBeInstanceOf(Int32Array);
      expect(bias!.quantization!.scale.length).toBe(q.scale.length);
      // TFLite's rule: bias scale = input scale x weight scale (in float32).
      q.scale.forEach((s, c) => expect(bias!.quantization!.scale[c]).toBe(Math.fround(s * x!.quantization!.scale[0])));
    }
    if (!file.startsWith('ad_')) expect(convs).toBeGreaterThan(0);
  });

  it.each(MLPERF_FILES.filter((f) => f.includes('f32')))('%s: float32 edges without quantization', (file) => {
    const g = tfliteGraph(models.get(file)!);
    for (const t of [...g.inputs, ...g.outputs]) {
      expect(t.type).toBe('FLOAT32');
      expect(t.quantization).toBeUndefined();
    }
  });

  it('resolves op codes from deprecated_builtin_code in files that lack builtin_code', () => {
    // kws_dscnn's operator codes were written before schema 3a: only the deprecated byte.
    const m = models.get('kws_dscnn_int8.tflite')!;
    expect(m.operatorCodes.map((c) => builtinName(c.builtinCode))).toEqual(['CONV_2D', 'DEPTHWISE_CONV_2D', 'AVERAGE_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX']);
    expect(m.operatorCodes.map((c) => c.version)).toEqual([3, 3, 2, 1, 4, 2]);
  });

  it('decodes options, metadata and shape signatures as the file has them', () => {
    const m = models.get('kws_dscnn_f32.tflite')!;
    const g = tfliteGraph(m);
    expect(g.ops[0].options).toEqual({ type: 'Conv2DOptions', padding: 'SAME', strideW: 2, strideH: 2, activation: 'RELU', dilationW: 1, dilationH: 1 });
    expect(g.ops.find((o) => o.op === 'AVERAGE_POOL_2D')!.options).toEqual({
      type: 'Pool2DOptions', padding: 'VALID', strideW: 5, strideH: 25, filterWidth: 5, filterHeight: 25, activation: 'NONE',
    });
    expect(g.ops.at(-1)!.options).toEqual({ type: 'SoftmaxOptions', beta: 1 });
    expect(g.inputs[0].shapeSignature).toEqual([-1, 49, 10, 1]);
    expect(m.description).toBe('MLIR Converted.');
    const meta = m.metadata.find((d) => d.name === 'min_runtime_version')!;
    expect(new TextDecoder().decode(m.buffers[meta.buffer]).replace(/\0+$/, '')).toMatch(/^\d+\.\d+/);
    // The float file keeps int8 weights (dynamic-range quantized): typed as the tensor says.
    expect(g.ops[0].inputs[1]!.data).toBeInstanceOf(Int8Array);
    expect(g.ops[0].inputs[2]!.data).toBeInstanceOf(Float32Array);
  });

  it('gives buffer data as views of the file, not copies', () => {
    const bytes = mlperfBytes('ic_resnet8_f32.tflite');
    const m = readTflite(bytes);
    const big = m.buffers.reduce((a, b) => (b.length > a.length ? b : a));
    expect(big.buffer).toBe(bytes.buffer);
  });
});

describe('writeTflite', () => {
  it.each(MLPERF_FILES)('%s: read(write(m)) deep-equals m, inline and external buffers; writing is stable', (file) => {
    const m = models.get(file)!;
    const bytes = writeTflite(m);
    expectSameModel(readTflite(bytes), m);
    expect(sameBytes(writeTflite(readTflite(bytes)), bytes)).toBe(true);
    const external = writeTflite(m, { externalBuffers: true });
    const back = readTflite(external);
    expectSameModel(back, m);
    // Every non-empty buffer lies after the flatbuffer, 16-byte aligned.
    back.buffers.forEach((d) => d.length && expect(d.byteOffset % 16).toBe(0));
    expect(Math.min(...back.buffers.filter((d) => d.length).map((d) => d.byteOffset))).toBeGreaterThan(external.length - m.buffers.reduce((a, d) => a + d.length, 0) - 16 * m.buffers.length);
  });

  it('aligns inline buffer data to 16 bytes', () => {
    const back = readTflite(writeTflite(models.get('vww_mobilenet_int8.tflite')!));
    for (const d of back.buffers) if (d.length) expect(d.byteOffset % 16).toBe(0);
  });

  // One operator per decoded options table, every field away from its default.
  const OPTIONS: [string, TfliteOptions][] = [
    ['CONV_2D', { type: 'Conv2DOptions', padding: 'VALID', strideW: 2, strideH: 3, activation: 'RELU6', dilationW: 2, dilationH: 4, quantizedBiasType: 'INT64' }],
    ['DEPTHWISE_CONV_2D', { type: 'DepthwiseConv2DOptions', padding: 'VALID', strideW: 2, strideH: 1, depthMultiplier: 2, activation: 'RELU', dilationW: 3, dilationH: 2 }],
    ['AVERAGE_POOL_2D', { type: 'Pool2DOptions', padding: 'SAME', strideW: 2, strideH: 2, filterWidth: 3, filterHeight: 5, activation: 'RELU_N1_TO_1' }],
    ['MAX_POOL_2D', { type: 'Pool2DOptions', padding: 'VALID', strideW: 1, strideH: 2, filterWidth: 2, filterHeight: 2, activation: 'NONE' }],
    ['FULLY_CONNECTED', { type: 'FullyConnectedOptions', activation: 'TANH', weightsFormat: 'SHUFFLED4x16INT8', keepNumDims: true, asymmetricQuantizeInputs: true, quantizedBiasType: 'INT32' }],
    ['SOFTMAX', { type: 'SoftmaxOptions', beta: 0.5 }],
    ['CONCATENATION', { type: 'ConcatenationOptions', axis: -1, activation: 'RELU' }],
    ['ADD', { type: 'AddOptions', activation: 'RELU', potScaleInt16: false }],
    ['SUB', { type: 'SubOptions', activation: 'RELU6', potScaleInt16: false }],
    ['MUL', { type: 'MulOptions', activation: 'SIGN_BIT' }],
    ['RESIZE_BILINEAR', { type: 'ResizeBilinearOptions', alignCorners: true, halfPixelCenters: false }],
    ['RESIZE_NEAREST_NEIGHBOR', { type: 'ResizeNearestNeighborOptions', alignCorners: false, halfPixelCenters: true }],
    ['RESHAPE', { type: 'ReshapeOptions', newShape: [-1, 8] }],
    ['RESHAPE', { type: 'ReshapeOptions' }],
    ['MEAN', { type: 'ReducerOptions', keepDims: true }],
    ['SQUEEZE', { type: 'SqueezeOptions', squeezeDims: [0, -2] }],
    ['TRANSPOSE_CONV', { type: 'TransposeConvOptions', padding: 'VALID', strideW: 2, strideH: 2, activation: 'RELU', quantizedBiasType: 'INT32' }],
    ['LEAKY_RELU', { type: 'LeakyReluOptions', alpha: 0.125 }],
    ['PAD', { type: 'PadOptions' }],
    ['QUANTIZE', { type: 'QuantizeOptions' }],
    ['DEQUANTIZE', { type: 'DequantizeOptions' }],
    ['HARD_SWISH', { type: 'HardSwishOptions' }],
    ['TRANSPOSE', { type: 'undecoded', unionType: 26, empty: true }],
  ];

  /** A one-subgraph model: x [1,2,2,8] -> each operator -> its own output. */
  function modelWith(ops: [string, TfliteOptions | undefined][], extra: Partial<TfliteModel> = {}): TfliteModel {
    const names = [...new Set(ops.map(([n]) => n))];
    const t = (name: string): TfliteTensor => ({ name, shape: [1, 2, 2, 8], type: 'FLOAT32', buffer: 0, isVariable: false, hasRank: true });
    return {
      version: 3,
      operatorCodes: names.map((n) => ({ builtinCode: builtinCode(n)!, version: 1 })),
      subgraphs: [{
        name: 'main',
        tensors: [t('x'), ...ops.map((_, i) => t(`y${i}`))],
        inputs: [0],
        outputs: ops.map((_, i) => i + 1),
        operators: ops.map(([n, options], i) => ({ opcodeIndex: names.indexOf(n), inputs: [0, -1], outputs: [i + 1], ...(options && { options }) })),
      }],
      buffers: [new Uint8Array(0)],
      metadata: [],
      signatureDefs: [],
      ...extra,
    };
  }

  it('writes every decoded options table and reads it back equal', () => {
    const m = modelWith(OPTIONS, {
      description: 'options',
      metadata: [{ name: 'm', buffer: 1 }],
      metadataBuffer: [1],
      buffers: [new Uint8Array(0), new Uint8Array([1, 2, 3])],
      signatureDefs: [{ inputs: [{ name: 'in', tensorIndex: 0 }], outputs: [{ name: 'out', tensorIndex: 1 }], signatureKey: 'serving_default', subgraphIndex: 0 }],
    });
    m.subgraphs[0].operators[0].intermediates = [2];
    m.subgraphs[0].operators[1].mutatingVariableInputs = [false, true];
    m.subgraphs[0].tensors[0].quantization = { scale: [0.5, 0.25], zeroPoint: [1, -2], quantizedDimension: 3, min: [-1], max: [1], details: { type: 1, custom: new Uint8Array([7, 8]) } };
    m.subgraphs[0].tensors[0].shape = [1, 2, 2, 2];
    expect(readTflite(writeTflite(m))).toStrictEqual(m);
  });

  it('writes custom operators with their name and options', () => {
    const m = modelWith([['CUSTOM', undefined]]);
    m.operatorCodes[0].customCode = 'MyOp';
    m.subgraphs[0].operators[0].customOptions = new Uint8Array([1, 2, 3, 4]);
    m.subgraphs[0].operators[0].customOptionsFormat = 0;
    const back = readTflite(writeTflite(m));
    expect(back).toStrictEqual(m);
    expect(tfliteGraph(back).ops[0]).toMatchObject({ op: 'CUSTOM', customCode: 'MyOp' });
  });

  it('writes codes >= 127 in builtin_code and 127 in the deprecated byte', () => {
    const m = modelWith([['GELU', undefined]]);
    const bytes = writeTflite(m);
    const code = fb.Model.getRootAsModel(new ByteBuffer(bytes)).operatorCodes(0)!;
    expect([code.deprecatedBuiltinCode(), code.builtinCode()]).toEqual([127, 150]);
    expect(readTflite(bytes).operatorCodes[0].builtinCode).toBe(150);
  });

  it('refuses what it cannot write, naming the tensor or operator', () => {
    const sparse = modelWith([['ADD', undefined]]);
    sparse.subgraphs[0].tensors[1].sparse = true;
    expect(() => writeTflite(sparse)).toThrow(BranchyUnsupportedError);
    expect(() => writeTflite(sparse)).toThrow(/tensor "y0".*sparse/);
    const opaque = modelWith([['GATHER', { type: 'undecoded', unionType: 23, empty: false }]]);
    expect(() => writeTflite(opaque)).toThrow(/operator 0 \(GATHER\).*union type 23/);
    const hlo = modelWith([['STABLEHLO_ADD', undefined]]);
    hlo.subgraphs[0].operators[0].options2Type = 1;
    expect(() => writeTflite(hlo)).toThrow(BranchyUnsupportedError);
  });

  it('refuses an inconsistent model with BranchyInputError naming the field', () => {
    const m = modelWith([['ADD', undefined]]);
    m.subgraphs[0].tensors[1].buffer = 5;
    expect(() => writeTflite(m)).toThrow(BranchyInputError);
    expect(() => writeTflite(m)).toThrow(/subgraphs\[0\]\.tensors\[1\]\.buffer: 5 is out of range \[0, 0\]/);
    const q = modelWith([['ADD', undefined]]);
    q.subgraphs[0].operators[0].outputs = [9];
    expect(() => writeTflite(q)).toThrow(/operators\[0\]\.outputs\[0\]/);
  });
});

/** A hand-built file (the generated builders, not writeTflite): one GATHER whose options
 *  table `options` writes, and whatever `operator` adds to the Operator table; `input` builds
 *  what the input tensor's table refers to and returns what adds it. */
function handBuilt(options: (b: Builder) => number, operator: (b: Builder) => void = () => {}, input: (b: Builder) => () => void = () => () => {}): Uint8Array {
  const b = new Builder(256);
  fb.Buffer.startBuffer(b);
  const buffers = fb.Model.createBuffersVector(b, [fb.Buffer.endBuffer(b)]);
  const tensor = (name: string) => {
    const n = b.createString(name);
    const shape = fb.Tensor.createShapeVector(b, [2]);
    const extra = name === 'x' ? input(b) : () => {};
    fb.Tensor.startTensor(b);
    fb.Tensor.addName(b, n);
    fb.Tensor.addShape(b, shape);
    extra();
    return fb.Tensor.endTensor(b);
  };
  const tensors = fb.SubGraph.createTensorsVector(b, [tensor('x'), tensor('y')]);
  const table = options(b);
  const inputs = fb.Operator.createInputsVector(b, [0]);
  const outputs = fb.Operator.createOutputsVector(b, [1]);
  fb.Operator.startOperator(b);
  fb.Operator.addInputs(b, inputs);
  fb.Operator.addOutputs(b, outputs);
  fb.Operator.addBuiltinOptionsType(b, 23);
  fb.Operator.addBuiltinOptions(b, table);
  operator(b);
  const ops = fb.SubGraph.createOperatorsVector(b, [fb.Operator.endOperator(b)]);
  const gi = fb.SubGraph.createInputsVector(b, [0]);
  const go = fb.SubGraph.createOutputsVector(b, [1]);
  fb.SubGraph.startSubGraph(b);
  fb.SubGraph.addTensors(b, tensors);
  fb.SubGraph.addInputs(b, gi);
  fb.SubGraph.addOutputs(b, go);
  fb.SubGraph.addOperators(b, ops);
  const subgraphs = fb.Model.createSubgraphsVector(b, [fb.SubGraph.endSubGraph(b)]);
  const codes = fb.Model.createOperatorCodesVector(b, [fb.OperatorCode.createOperatorCode(b, 36, 0, 1, 36)]);
  fb.Model.startModel(b);
  fb.Model.addVersion(b, 3);
  fb.Model.addOperatorCodes(b, codes);
  fb.Model.addSubgraphs(b, subgraphs);
  fb.Model.addBuffers(b, buffers);
  b.finish(fb.Model.endModel(b), 'TFL3');
  return b.asUint8Array().slice();
}

describe('readTflite: what it keeps without decoding', () => {
  const gatherOptions = (axis: number) => (b: Builder) => {
    b.startObject(2);
    b.addFieldInt32(0, axis, 0);
    return b.endObject();
  };

  it('keeps an options table it does not decode, and whether it sets fields', () => {
    const set = readTflite(handBuilt(gatherOptions(1)));
    expect(set.subgraphs[0].operators[0].options).toEqual({ type: 'undecoded', unionType: 23, empty: false });
    expect(tfliteGraph(set).ops[0].op).toBe('GATHER');
    const defaults = readTflite(handBuilt(gatherOptions(0)));
    expect(defaults.subgraphs[0].operators[0].options).toEqual({ type: 'undecoded', unionType: 23, empty: true });
    expect(readTflite(writeTflite(defaults))).toStrictEqual(defaults);
  });

  it('reads custom options stored past the flatbuffer (large_custom_options_offset/size)', () => {
    const bytes = handBuilt(gatherOptions(0), (b) => {
      fb.Operator.addLargeCustomOptionsOffset(b, 8n);
      fb.Operator.addLargeCustomOptionsSize(b, 4n);
    });
    expect(readTflite(bytes).subgraphs[0].operators[0].customOptions).toEqual(bytes.subarray(8, 12));
    const past = handBuilt(gatherOptions(0), (b) => {
      fb.Operator.addLargeCustomOptionsOffset(b, 1000n);
      fb.Operator.addLargeCustomOptionsSize(b, 4n);
    });
    expect(() => readTflite(past)).toThrow(/operators\[0\]\.large_custom_options_offset: custom options at offset 1000, 4 bytes, runs past the end/);
  });

  it('keeps tensors whose data are not embedded and dense; the view and the writer refuse them by name', () => {
    const external = readTflite(handBuilt(gatherOptions(0), () => {}, (b) => () => fb.Tensor.addExternalBuffer(b, 3)));
    expect(external.subgraphs[0].tensors[0].externalBuffer).toBe(3);
    expect(() => tfliteGraph(external)).toThrow(BranchyUnsupportedError);
    expect(() => tfliteGraph(external)).toThrow(/tensor "x" stores its data in an external file/);
    expect(() => writeTflite(external)).toThrow(/tensor "x" of subgraph 0 keeps its data in an external file/);
    const sparse = readTflite(handBuilt(gatherOptions(0), () => {}, (b) => {
      fb.SparsityParameters.startSparsityParameters(b);
      const table = fb.SparsityParameters.endSparsityParameters(b);
      return () => fb.Tensor.addSparsity(b, table);
    }));
    expect(sparse.subgraphs[0].tensors[0].sparse).toBe(true);
    expect(() => tfliteGraph(sparse)).toThrow(/tensor "x" stores its data sparse/);
  });
});

describe('readTflite on hostile bytes', () => {
  const base = mlperfBytes('kws_dscnn_int8.tflite');

  /** Reading must end in a model or a BranchyFormatError, never another error. */
  function formatErrorOrModel(bytes: Uint8Array): 'ok' | 'format' {
    const e = thrown(() => readTflite(bytes));
    if (e === undefined) return 'ok';
    if (e instanceof BranchyFormatError) return 'format';
    throw e;
  }

  it('refuses bytes that are not a TFLite file', () => {
    expect(() => readTflite(new Uint8Array(0))).toThrow(BranchyFormatError);
    expect(() => readTflite(new TextEncoder().encode('\x08\x01\x12\x04onnx model bytes'))).toThrow(/not a TFLite file/);
    expect(() => readTflite('x' as unknown as Uint8Array)).toThrow(BranchyInputError);
  });

  it('refuses every truncation', () => {
    for (let n = 8; n < base.length; n += n < 200 ? 1 : 397) {
      expect(formatErrorOrModel(base.subarray(0, n)), `${n} bytes`).toBe('format');
    }
  });

  /** The file with `write` applied to a copy, at the position `find` locates with the
   *  generated accessors on the original. */
  function patched(find: (m: fb.Model, bb: ByteBuffer) => number, write: (v: DataView, at: number) => void): Uint8Array {
    const copy = base.slice();
    const bb = new ByteBuffer(base);
    write(new DataView(copy.buffer), find(fb.Model.getRootAsModel(bb), bb));
    return copy;
  }
  const field = (bb: ByteBuffer, table: { bb_pos: number }, slot: number) => table.bb_pos + bb.__offset(table.bb_pos, 4 + 2 * slot);

  it('names the table and field of an out-of-range value', () => {
    const cases: [Uint8Array, RegExp][] = [
      [patched(() => 0, (v, at) => v.setUint32(at, 0xfffffff0, true)), /outside the \d+-byte file/],
      [patched((m, bb) => field(bb, m, 0), (v, at) => v.setUint32(at, 2, true)), /^TFLite file: version: schema version 2/],
      [patched((m, bb) => field(bb, m.subgraphs(0)!.tensors(3)!, 2), (v, at) => v.setUint32(at, 9999, true)), /subgraphs\[0\]\.tensors\[3\]\.buffer: 9999 is out of range \[0, 36\]/],
      [patched((m, bb) => field(bb, m.subgraphs(0)!.tensors(3)!, 1), (v, at) => v.setInt8(at, 99)), /subgraphs\[0\]\.tensors\[3\]\.type: 99 is not a TFLite tensor type/],
      [patched((m, bb) => field(bb, m.subgraphs(0)!.operators(1)!, 0), (v, at) => v.setUint32(at, 40, true)), /subgraphs\[0\]\.operators\[1\]\.opcode_index: 40 is out of range \[0, 5\]/],
      [patched((m, bb) => bb.__vector(field(bb, m.subgraphs(0)!.operators(0)!, 1)), (v, at) => v.setInt32(at, 35, true)), /operators\[0\]\.inputs\[0\]: 35 is out of range \[-1, 34\]/],
      [patched((m, bb) => bb.__vector(field(bb, m.subgraphs(0)!, 0)) - 4, (v, at) => v.setInt32(at, 0x7fffffff, true)), /subgraphs\[0\]\.tensors: a vector of 2147483647 element\(s\)/],
      [patched((m, bb) => bb.__vector(field(bb, m.subgraphs(0)!.tensors(0)!, 0)), (v, at) => v.setInt32(at, -5, true)), /tensors\[0\]\.shape\[0\]: -5 is out of range/],
      [patched((m, bb) => bb.__vector(field(bb, m.subgraphs(0)!.tensors(0)!.quantization()!, 2)), (v, at) => v.setFloat32(at, NaN, true)), /tensors\[0\]\.quantization\.scale\[0\]: NaN is not a valid value/],
      [patched((m, bb) => field(bb, m.subgraphs(0)!.operators(0)!.builtinOptions(new fb.Conv2DOptions())!, 1), (v, at) => v.setInt32(at, 0, true)), /operators\[0\]\.builtin_options\.stride_w: 0 is out of range/],
      [patched((m, bb) => field(bb, m.subgraphs(0)!.operators(0)!.builtinOptions(new fb.Conv2DOptions())!, 3), (v, at) => v.setInt8(at, 9)), /builtin_options\.fused_activation_function: 9 is not a known value/],
    ];
    for (const [bytes, message] of cases) {
      const e = thrown(() => readTflite(bytes));
      expect(e, String(message)).toBeInstanceOf(BranchyFormatError);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('refuses buffers stored past the end of a truncated file', () => {
    const external = writeTflite(models.get('kws_dscnn_int8.tflite')!, { externalBuffers: true });
    expect(() => readTflite(external.subarray(0, external.length - 100))).toThrow(/buffers\[\d+\]\.offset: data at offset \d+, \d+ bytes, runs past the end/);
  });

  it('ends 1,000 random mutations in a model or a BranchyFormatError; the writer takes what the reader accepts', () => {
    const rng = new Rng(18);
    const tally = { ok: 0, format: 0 };
    for (let k = 0; k < 1000; k++) {
      const bytes = base.slice();
      const flips = rng.int(1, 8);
      // Mostly in the flatbuffer's tables and vectors (the first ~2 KB and the last 4 KB hold them).
      for (let f = 0; f < flips; f++) {
        const at = rng.next() < 0.5 ? rng.int(0, 2047) : rng.next() < 0.5 ? rng.int(bytes.length - 4096, bytes.length - 1) : rng.int(0, bytes.length - 1);
        bytes[at] = rng.next() < 0.3 ? 0xff : rng.int(0, 255);
      }
      const r = formatErrorOrModel(bytes);
      tally[r]++;
      if (r === 'ok') {
        const e = thrown(() => writeTflite(readTflite(bytes)));
        if (e !== undefined && !(e instanceof BranchyError)) throw e;
      }
    }
    expect(tally.format).toBeGreaterThan(50);
    expect(tally.ok).toBeGreaterThan(50);
  });
});

// readTflite: a .tflite file (TFLite flatbuffer, schema 3) as a plain TfliteModel. Every
// number read is range-checked (indices against what they index, enums against the schema,
// sizes against the file and the tensor's shape), and a malformed file gives a
// BranchyFormatError that names the table and field. Operators are kept whatever their code,
// so that an importer can refuse an unknown one by name; buffer data are views of `bytes`.
import { BranchyFormatError, BranchyInputError } from '../../errors.js';
import { at, CheckedByteBuffer, fail, int, ints, list, Malformed } from './checked.js';
import { CUSTOM_CODE, dataBytes, type TensorTypeName, type TfliteModel, type TfliteOperator, type TfliteOperatorCode, type TfliteQuantization, type TfliteSignatureDef, type TfliteSubgraph, type TfliteTensor } from './model.js';
import { readOptions } from './options.js';
import * as fb from './schema_generated.js';

const I32 = 0x7fffffff;
/** The schema version TFLite has written since 2018 and the only one its interpreter loads. */
export const TFLITE_SCHEMA_VERSION = 3;

export function readTflite(bytes: Uint8Array): TfliteModel {
  if (!(bytes instanceof Uint8Array)) throw new BranchyInputError(`readTflite takes the file's bytes as a Uint8Array, not ${Object.prototype.toString.call(bytes)}`);
  if (bytes.length < 8 || String.fromCharCode(...bytes.subarray(4, 8)) !== 'TFL3') {
    throw new BranchyFormatError(`not a TFLite file: ${bytes.length < 8 ? `${bytes.length} bytes` : 'no "TFL3" identifier at bytes 4-7'} (a .tflite flatbuffer starts with a root offset and "TFL3")`);
  }
  try {
    return readModel(bytes, new CheckedByteBuffer(bytes));
  } catch (e) {
    if (!(e instanceof Malformed)) throw e;
    throw new BranchyFormatError(`TFLite file: ${e.path.join('.').replace(/\.\[/g, '[')}: ${e.message} (the file is truncated or corrupt)`);
  }
}

function readModel(bytes: Uint8Array, bb: CheckedByteBuffer): TfliteModel {
  const m = fb.Model.getRootAsModel(bb);
  const version = at('version', () => m.version());
  if (version !== TFLITE_SCHEMA_VERSION) at('version', () => fail(`schema version ${version}; TFLite files have version ${TFLITE_SCHEMA_VERSION}`));
  const buffers = list('buffers', () => m.buffersLength(), (i) => readBuffer(m.buffers(i)!, bytes));
  const operatorCodes = list('operator_codes', () => m.operatorCodesLength(), (i) => readOperatorCode(m.operatorCodes(i)!));
  const subgraphs = list('subgraphs', () => int(m.subgraphsLength(), 1, I32), (i) => readSubgraph(m.subgraphs(i)!, bb, bytes, buffers, operatorCodes.length));
  const model: TfliteModel = {
    version,
    operatorCodes,
    subgraphs,
    buffers,
    metadata: list('metadata', () => m.metadataLength(), (i) => {
      const md = m.metadata(i)!;
      const name = md.name();
      return { ...(name !== null && { name }), buffer: at('buffer', () => int(md.buffer(), 0, buffers.length - 1)) };
    }),
    signatureDefs: list('signature_defs', () => m.signatureDefsLength(), (i) => readSignature(m.signatureDefs(i)!, subgraphs)),
  };
  const description = at('description', () => m.description());
  if (description !== null) model.description = description;
  if (m.metadataBufferLength() > 0) model.metadataBuffer = ints('metadata_buffer', () => m.metadataBufferLength(), (i) => m.metadataBuffer(i), 0, buffers.length - 1);
  return model;
}

/** bytes[offset, offset + size) for data stored after the flatbuffer (offset > 1), else undefined. */
function outside(bytes: Uint8Array, offset: bigint, size: bigint, what: string): Uint8Array | undefined {
  if (offset <= 1n) return undefined;
  if (offset + size > BigInt(bytes.length)) fail(`${what} at offset ${offset}, ${size} bytes, runs past the end of the ${bytes.length}-byte file`);
  return bytes.subarray(Number(offset), Number(offset + size));
}

function readBuffer(b: fb.Buffer, bytes: Uint8Array): Uint8Array {
  const inline = at('data', () => b.dataArray());
  const after = at('offset', () => outside(bytes, b.offset(), b.size(), 'data'));
  if (after && inline && inline.length > 0) fail('has both inline data and an offset past the flatbuffer');
  return after ?? inline ?? new Uint8Array(0);
}

function readOperatorCode(c: fb.OperatorCode): TfliteOperatorCode {
  // Files before schema 3a have only deprecated_builtin_code (a byte, codes < 127); newer
  // files write both, and builtin_code alone holds codes >= 127. TFLite takes the larger.
  const deprecated = at('deprecated_builtin_code', () => int(c.deprecatedBuiltinCode(), 0, 127));
  const builtinCode = Math.max(deprecated, at('builtin_code', () => int(c.builtinCode(), 0, I32)));
  const customCode = at('custom_code', () => c.customCode());
  if (builtinCode === CUSTOM_CODE && customCode === null) at('custom_code', () => fail('a CUSTOM operator code without its name'));
  return { builtinCode, ...(customCode !== null && { customCode }), version: at('version', () => int(c.version(), 1, I32)) };
}

function readSubgraph(g: fb.SubGraph, bb: CheckedByteBuffer, bytes: Uint8Array, buffers: Uint8Array[], nCodes: number): TfliteSubgraph {
  const tensors = list('tensors', () => g.tensorsLength(), (i) => readTensor(g.tensors(i)!, buffers));
  const n = tensors.length;
  const sub: TfliteSubgraph = {
    tensors,
    inputs: ints('inputs', () => g.inputsLength(), (i) => g.inputs(i), 0, n - 1),
    outputs: ints('outputs', () => g.outputsLength(), (i) => g.outputs(i), 0, n - 1),
    operators: list('operators', () => g.operatorsLength(), (i) => readOperator(g.operators(i)!, bb, bytes, tensors, nCodes)),
  };
  const name = at('name', () => g.name());
  return name === null ? sub : { name, ...sub };
}

function readTensor(t: fb.Tensor, buffers: Uint8Array[]): TfliteTensor {
  const shape = ints('shape', () => t.shapeLength(), (i) => t.shape(i), 0, I32);
  const count = shape.reduce((a, d) => a * d, 1);
  if (count > I32) at('shape', () => fail(`[${shape}] has ${count} elements, more than TFLite's 2^31 - 1`));
  const tensor: TfliteTensor = {
    name: at('name', () => t.name()) ?? '',
    shape,
    type: at('type', () => named(t.type())),
    buffer: at('buffer', () => int(t.buffer(), 0, buffers.length - 1)),
    isVariable: t.isVariable(),
    hasRank: t.hasRank(),
  };
  if (t.shapeSignatureLength() > 0) {
    tensor.shapeSignature = ints('shape_signature', () => t.shapeSignatureLength(), (i) => t.shapeSignature(i), -1, I32);
    if (tensor.shapeSignature.length !== shape.length) at('shape_signature', () => fail(`rank ${tensor.shapeSignature!.length}, the shape's is ${shape.length}`));
  }
  const q = at('quantization', () => readQuantization(t.quantization(), shape));
  if (q) tensor.quantization = q;
  if (at('sparsity', () => t.sparsity()) !== null) tensor.sparse = true;
  if (t.variantTensorsLength() > 0) tensor.variant = true;
  const external = at('external_buffer', () => t.externalBuffer());
  if (external !== 0) tensor.externalBuffer = external;
  at('buffer', () => checkData(tensor, buffers[tensor.buffer]));
  return tensor;
}

function named(v: number): TensorTypeName {
  const n = fb.TensorType[v];
  if (typeof n !== 'string') fail(`${v} is not a TFLite tensor type`);
  return n as TensorTypeName;
}

/** A constant tensor's buffer holds exactly its dense data. */
function checkData(tensor: TfliteTensor, data: Uint8Array): void {
  if (data.length === 0 || tensor.sparse) return;
  const need = dataBytes(tensor.type, tensor.shape.reduce((a, d) => a * d, 1));
  if (need !== undefined && need !== data.length) fail(`buffer ${tensor.buffer} holds ${data.length} bytes; a ${tensor.type} tensor of shape [${tensor.shape}] takes ${need}`);
}

function readQuantization(q: fb.QuantizationParameters | null, shape: number[]): TfliteQuantization | undefined {
  if (q === null) return undefined;
  const floats = (name: string, n: () => number, get: (i: number) => number | null, ok: (v: number) => boolean) =>
    list(name, n, (i) => {
      const v = get(i) ?? NaN;
      return ok(v) ? v : fail(`${v} is not a valid value`);
    });
  const scale = floats('scale', () => q.scaleLength(), (i) => q.scale(i), (v) => Number.isFinite(v) && v >= 0);
  const zeroPoint = list('zero_point', () => q.zeroPointLength(), (i) => {
    const z = q.zeroPoint(i) ?? 0n;
    return z >= -(2n ** 31n) && z <= 2n ** 31n - 1n ? Number(z) : fail(`${z} is out of the int32 range`);
  });
  const min = floats('min', () => q.minLength(), (i) => q.min(i), (v) => !Number.isNaN(v));
  const max = floats('max', () => q.maxLength(), (i) => q.max(i), (v) => !Number.isNaN(v));
  const detailsType = q.detailsType();
  if (!scale.length && !zeroPoint.length && !min.length && !max.length && detailsType === 0) return undefined;
  if (zeroPoint.length !== scale.length) at('zero_point', () => fail(`${zeroPoint.length} zero point(s) for ${scale.length} scale(s)`));
  const rank = shape.length;
  const quantizedDimension = at('quantized_dimension', () => int(q.quantizedDimension(), 0, Math.max(rank - 1, 0)));
  if (scale.length > 1 && shape[quantizedDimension] !== scale.length) {
    at('scale', () => fail(`${scale.length} scales along dimension ${quantizedDimension} of shape [${shape}]`));
  }
  const out: TfliteQuantization = { scale, zeroPoint, quantizedDimension };
  if (min.length) out.min = min;
  if (max.length) out.max = max;
  if (detailsType !== 0) {
    const custom = detailsType === fb.QuantizationDetails.CustomQuantization ? at('details', () => q.details(new fb.CustomQuantization())) : null;
    out.details = custom ? { type: detailsType, custom: at('details.custom', () => custom.customArray()) ?? new Uint8Array(0) } : { type: detailsType };
  }
  return out;
}

function readOperator(op: fb.Operator, bb: CheckedByteBuffer, bytes: Uint8Array, tensors: TfliteTensor[], nCodes: number): TfliteOperator {
  const n = tensors.length;
  const out: TfliteOperator = {
    opcodeIndex: at('opcode_index', () => int(op.opcodeIndex(), 0, nCodes - 1)),
    inputs: ints('inputs', () => op.inputsLength(), (i) => op.inputs(i), -1, n - 1),
    outputs: ints('outputs', () => op.outputsLength(), (i) => op.outputs(i), -1, n - 1),
  };
  const unionType = at('builtin_options_type', () => op.builtinOptionsType());
  if (unionType !== 0) {
    const table = at('builtin_options', () => op.builtinOptions({ bb_pos: 0 }) as { bb_pos: number } | null);
    if (table === null) at('builtin_options', () => fail(`type ${unionType} without its table`));
    const rank = (i: number | undefined) => {
      const t = i === undefined || i < 0 ? undefined : tensors[i];
      return t && (t.shape.length > 0 || t.hasRank) ? t.shape.length : undefined;
    };
    out.options = at('builtin_options', () => readOptions(bb, unionType, table!.bb_pos, { inputRank: rank(out.inputs[0]), outputRank: rank(out.outputs[0]) }));
  }
  const options2Type = op.builtinOptions2Type();
  if (options2Type !== 0) out.options2Type = options2Type;
  const inline = at('custom_options', () => op.customOptionsArray());
  const after = at('large_custom_options_offset', () => outside(bytes, op.largeCustomOptionsOffset(), op.largeCustomOptionsSize(), 'custom options'));
  if (after && inline && inline.length) at('custom_options', () => fail('both inline and past the flatbuffer'));
  const custom = after ?? inline;
  if (custom && custom.length) {
    out.customOptions = custom;
    out.customOptionsFormat = at('custom_options_format', () => int(op.customOptionsFormat(), 0, 0));
  }
  if (op.mutatingVariableInputsLength() > 0) {
    out.mutatingVariableInputs = list('mutating_variable_inputs', () => op.mutatingVariableInputsLength(), (i) => op.mutatingVariableInputs(i)!);
    if (out.mutatingVariableInputs.length !== out.inputs.length) at('mutating_variable_inputs', () => fail(`${out.mutatingVariableInputs!.length} flags for ${out.inputs.length} inputs`));
  }
  if (op.intermediatesLength() > 0) out.intermediates = ints('intermediates', () => op.intermediatesLength(), (i) => op.intermediates(i), 0, n - 1);
  return out;
}

function readSignature(s: fb.SignatureDef, subgraphs: TfliteSubgraph[]): TfliteSignatureDef {
  const subgraphIndex = at('subgraph_index', () => int(s.subgraphIndex(), 0, subgraphs.length - 1));
  const n = subgraphs[subgraphIndex].tensors.length;
  const map = (t: fb.TensorMap) => {
    const name = at('name', () => t.name());
    return { ...(name !== null && { name }), tensorIndex: at('tensor_index', () => int(t.tensorIndex(), 0, n - 1)) };
  };
  const out: TfliteSignatureDef = {
    inputs: list('inputs', () => s.inputsLength(), (i) => map(s.inputs(i)!)),
    outputs: list('outputs', () => s.outputsLength(), (i) => map(s.outputs(i)!)),
    subgraphIndex,
  };
  const key = at('signature_key', () => s.signatureKey());
  if (key !== null) out.signatureKey = key;
  return out;
}

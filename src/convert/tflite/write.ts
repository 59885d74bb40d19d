// writeTflite: a TfliteModel as a .tflite file, the inverse of readTflite
// (readTflite(writeTflite(m)) deep-equals m). Buffer data are 16-byte aligned, inside the
// flatbuffer or, with { externalBuffers: true }, after it through Buffer.offset/size (as
// TFLite's converter stores models over 2 GB). What the reader keeps but cannot be written
// back (sparse tensors, undecoded options that set fields, StableHLO options, non-custom
// quantization details) is refused with a BranchyUnsupportedError naming the tensor or
// operator. The written file is read back before it is returned, so writeTflite never
// hands out a file readTflite would refuse.
import { Builder } from 'flatbuffers';
import { BranchyFormatError, BranchyInputError, BranchyUnsupportedError } from '../../errors.js';
import { builtinName, type TfliteModel, type TfliteOperator, type TfliteQuantization, type TfliteSubgraph, type TfliteTensor } from './model.js';
import { writeOptions } from './options.js';
import { readTflite } from './read.js';
import * as fb from './schema_generated.js';

export interface WriteTfliteOptions {
  /** Store buffer data after the flatbuffer (Buffer.offset/size) instead of inside it. */
  externalBuffers?: boolean;
}

/** Buffer i's place in the file when it is stored after the flatbuffer. */
interface Placed {
  offset: bigint;
  size: bigint;
}

const ALIGN = 16;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

export function writeTflite(model: TfliteModel, opts: WriteTfliteOptions = {}): Uint8Array {
  refuseUnwritable(model);
  let out: Uint8Array;
  if (!opts.externalBuffers) {
    out = build(model);
  } else {
    // The offsets depend on the flatbuffer's size, which does not depend on their values
    // (fixed-width fields, written whenever the buffer is not empty): build once with
    // stand-ins to measure it, then with the real offsets.
    const stand = model.buffers.map((d) => ({ offset: d.length ? 2n : 0n, size: BigInt(d.length) }));
    const size = build(model, stand).length;
    let end = align(size);
    const placed = model.buffers.map((d) => {
      if (!d.length) return { offset: 0n, size: 0n };
      const offset = end;
      end = align(offset + d.length);
      return { offset: BigInt(offset), size: BigInt(d.length) };
    });
    const flat = build(model, placed);
    if (flat.length !== size) throw new Error(`writeTflite: the flatbuffer changed size (${size} -> ${flat.length}) with the buffer offsets`);
    out = new Uint8Array(end);
    out.set(flat);
    model.buffers.forEach((d, i) => d.length && out.set(d, Number(placed[i].offset)));
  }
  try {
    readTflite(out);
  } catch (e) {
    if (e instanceof BranchyFormatError) throw new BranchyInputError(`writeTflite: the model is not a valid TFLite model: ${e.message.replace(/^TFLite file: /, '').replace(/ \(the file is truncated or corrupt\)$/, '')}`);
    throw e;
  }
  return out;
}

function refuseUnwritable(m: TfliteModel): void {
  m.subgraphs.forEach((g, gi) => {
    for (const t of g.tensors) {
      const what = `tensor "${t.name}" of subgraph ${gi}`;
      if (t.sparse) throw new BranchyUnsupportedError(`writeTflite: ${what} is sparse; branchy writes dense tensors only (densify it first)`);
      if (t.variant) throw new BranchyUnsupportedError(`writeTflite: ${what} has VARIANT subtypes, which branchy does not write`);
      if (t.externalBuffer !== undefined) throw new BranchyUnsupportedError(`writeTflite: ${what} keeps its data in an external file (external_buffer ${t.externalBuffer}), which branchy does not write`);
      const d = t.quantization?.details;
      if (d && d.type !== fb.QuantizationDetails.CustomQuantization) {
        throw new BranchyUnsupportedError(`writeTflite: ${what} has quantization details of type ${d.type} (blockwise or multi-axis), which branchy does not write`);
      }
    }
    g.operators.forEach((op, oi) => {
      const code = m.operatorCodes[op.opcodeIndex];
      const what = `operator ${oi} (${code ? builtinName(code.builtinCode) : `opcode ${op.opcodeIndex}`}) of subgraph ${gi}`;
      if (op.options?.type === 'undecoded' && !op.options.empty) {
        throw new BranchyUnsupportedError(`writeTflite: ${what} has builtin options of union type ${op.options.unionType}, which branchy reads without decoding and cannot write back`);
      }
      if (op.options2Type !== undefined) throw new BranchyUnsupportedError(`writeTflite: ${what} has builtin_options_2 (type ${op.options2Type}), which branchy does not write`);
    });
  });
}

/** A byte vector whose data start 16-byte aligned in the file (buffers, custom quantization). */
function alignedBytes(b: Builder, data: Uint8Array): number {
  b.prep(ALIGN, data.length);
  return b.createByteVector(data);
}

const str = (b: Builder, s: string | undefined) => (s === undefined ? 0 : b.createString(s));

function build(m: TfliteModel, placed?: Placed[]): Uint8Array {
  const b = new Builder(1024 + (placed ? 0 : m.buffers.reduce((a, d) => a + align(d.length), 0)));
  const buffers = m.buffers.map((d, i) => {
    const data = !placed && d.length ? alignedBytes(b, d) : 0;
    fb.Buffer.startBuffer(b);
    if (data) fb.Buffer.addData(b, data);
    if (placed && placed[i].size > 0n) {
      fb.Buffer.addOffset(b, placed[i].offset);
      fb.Buffer.addSize(b, placed[i].size);
    }
    return fb.Buffer.endBuffer(b);
  });
  const codes = m.operatorCodes.map((c) => {
    const custom = str(b, c.customCode);
    fb.OperatorCode.startOperatorCode(b);
    fb.OperatorCode.addDeprecatedBuiltinCode(b, Math.min(c.builtinCode, fb.BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES));
    if (custom) fb.OperatorCode.addCustomCode(b, custom);
    fb.OperatorCode.addVersion(b, c.version);
    fb.OperatorCode.addBuiltinCode(b, c.builtinCode);
    return fb.OperatorCode.endOperatorCode(b);
  });
  const subgraphs = m.subgraphs.map((g) => writeSubgraph(b, g));
  const metadata = m.metadata.map((md) => {
    const name = str(b, md.name);
    fb.Metadata.startMetadata(b);
    if (name) fb.Metadata.addName(b, name);
    fb.Metadata.addBuffer(b, md.buffer);
    return fb.Metadata.endMetadata(b);
  });
  const tensorMap = (t: { name?: string; tensorIndex: number }) => {
    const name = str(b, t.name);
    fb.TensorMap.startTensorMap(b);
    if (name) fb.TensorMap.addName(b, name);
    fb.TensorMap.addTensorIndex(b, t.tensorIndex);
    return fb.TensorMap.endTensorMap(b);
  };
  const signatures = m.signatureDefs.map((s) => {
    const inputs = fb.SignatureDef.createInputsVector(b, s.inputs.map(tensorMap));
    const outputs = fb.SignatureDef.createOutputsVector(b, s.outputs.map(tensorMap));
    const key = str(b, s.signatureKey);
    fb.SignatureDef.startSignatureDef(b);
    fb.SignatureDef.addInputs(b, inputs);
    fb.SignatureDef.addOutputs(b, outputs);
    if (key) fb.SignatureDef.addSignatureKey(b, key);
    fb.SignatureDef.addSubgraphIndex(b, s.subgraphIndex);
    return fb.SignatureDef.endSignatureDef(b);
  });
  const vectors = {
    codes: fb.Model.createOperatorCodesVector(b, codes),
    subgraphs: fb.Model.createSubgraphsVector(b, subgraphs),
    buffers: fb.Model.createBuffersVector(b, buffers),
    metadata: metadata.length ? fb.Model.createMetadataVector(b, metadata) : 0,
    signatures: signatures.length ? fb.Model.createSignatureDefsVector(b, signatures) : 0,
    metadataBuffer: m.metadataBuffer ? fb.Model.createMetadataBufferVector(b, m.metadataBuffer) : 0,
  };
  const description = str(b, m.description);
  fb.Model.startModel(b);
  fb.Model.addVersion(b, m.version);
  fb.Model.addOperatorCodes(b, vectors.codes);
  fb.Model.addSubgraphs(b, vectors.subgraphs);
  if (description) fb.Model.addDescription(b, description);
  fb.Model.addBuffers(b, vectors.buffers);
  if (vectors.metadataBuffer) fb.Model.addMetadataBuffer(b, vectors.metadataBuffer);
  if (vectors.metadata) fb.Model.addMetadata(b, vectors.metadata);
  if (vectors.signatures) fb.Model.addSignatureDefs(b, vectors.signatures);
  b.finish(fb.Model.endModel(b), 'TFL3');
  return b.asUint8Array().slice();
}

function writeSubgraph(b: Builder, g: TfliteSubgraph): number {
  const tensors = fb.SubGraph.createTensorsVector(b, g.tensors.map((t) => writeTensor(b, t)));
  const inputs = fb.SubGraph.createInputsVector(b, g.inputs);
  const outputs = fb.SubGraph.createOutputsVector(b, g.outputs);
  const operators = fb.SubGraph.createOperatorsVector(b, g.operators.map((op) => writeOperator(b, op)));
  const name = str(b, g.name);
  fb.SubGraph.startSubGraph(b);
  fb.SubGraph.addTensors(b, tensors);
  fb.SubGraph.addInputs(b, inputs);
  fb.SubGraph.addOutputs(b, outputs);
  fb.SubGraph.addOperators(b, operators);
  if (name) fb.SubGraph.addName(b, name);
  return fb.SubGraph.endSubGraph(b);
}

function writeTensor(b: Builder, t: TfliteTensor): number {
  const shape = fb.Tensor.createShapeVector(b, t.shape);
  const name = b.createString(t.name);
  const quantization = t.quantization ? writeQuantization(b, t.quantization) : 0;
  const signature = t.shapeSignature ? fb.Tensor.createShapeSignatureVector(b, t.shapeSignature) : 0;
  fb.Tensor.startTensor(b);
  fb.Tensor.addShape(b, shape);
  fb.Tensor.addType(b, fb.TensorType[t.type]);
  fb.Tensor.addBuffer(b, t.buffer);
  fb.Tensor.addName(b, name);
  if (quantization) fb.Tensor.addQuantization(b, quantization);
  fb.Tensor.addIsVariable(b, t.isVariable);
  if (signature) fb.Tensor.addShapeSignature(b, signature);
  fb.Tensor.addHasRank(b, t.hasRank);
  return fb.Tensor.endTensor(b);
}

function writeQuantization(b: Builder, q: TfliteQuantization): number {
  const Q = fb.QuantizationParameters;
  const min = q.min ? Q.createMinVector(b, q.min) : 0;
  const max = q.max ? Q.createMaxVector(b, q.max) : 0;
  const scale = Q.createScaleVector(b, q.scale);
  const zeroPoint = Q.createZeroPointVector(b, q.zeroPoint.map(BigInt));
  let details = 0;
  if (q.details) {
    const custom = alignedBytes(b, q.details.custom ?? new Uint8Array(0));
    details = fb.CustomQuantization.createCustomQuantization(b, custom);
  }
  Q.startQuantizationParameters(b);
  if (min) Q.addMin(b, min);
  if (max) Q.addMax(b, max);
  Q.addScale(b, scale);
  Q.addZeroPoint(b, zeroPoint);
  if (details) {
    Q.addDetailsType(b, fb.QuantizationDetails.CustomQuantization);
    Q.addDetails(b, details);
  }
  Q.addQuantizedDimension(b, q.quantizedDimension);
  return Q.endQuantizationParameters(b);
}

function writeOperator(b: Builder, op: TfliteOperator): number {
  const O = fb.Operator;
  const inputs = O.createInputsVector(b, op.inputs);
  const outputs = O.createOutputsVector(b, op.outputs);
  const options = op.options ? writeOptions(b, op.options) : undefined;
  const custom = op.customOptions ? b.createByteVector(op.customOptions) : 0;
  const mutating = op.mutatingVariableInputs ? O.createMutatingVariableInputsVector(b, op.mutatingVariableInputs) : 0;
  const intermediates = op.intermediates ? O.createIntermediatesVector(b, op.intermediates) : 0;
  O.startOperator(b);
  O.addOpcodeIndex(b, op.opcodeIndex);
  O.addInputs(b, inputs);
  O.addOutputs(b, outputs);
  if (options) {
    O.addBuiltinOptionsType(b, options[0]);
    O.addBuiltinOptions(b, options[1]);
  }
  if (custom) {
    O.addCustomOptions(b, custom);
    O.addCustomOptionsFormat(b, op.customOptionsFormat ?? 0);
  }
  if (mutating) O.addMutatingVariableInputs(b, mutating);
  if (intermediates) O.addIntermediates(b, intermediates);
  return O.endOperator(b);
}

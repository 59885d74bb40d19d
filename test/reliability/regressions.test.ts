// One pinned case per class of bug the fuzzer found (test/fuzz): each used to end in a raw
// TypeError / RangeError or an endless loop, and now ends in a typed branchy error that says
// what is wrong. Built from the repository's real model files, changed by hand.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { BranchyFormatError, BranchyLimitError, BranchyUnsupportedError } from '../../src/errors.js';
import { load } from '../../src/runtime/model.js';
import { writeBranchy } from '../../src/format/index.js';
import { branchyOf, editGraph, editOnnx, editScales, nodeOf, repoFile, tensor } from './edit.js';

const tiny = branchyOf('tiny_cnn_op13.onnx');
const qdq = branchyOf('quant_torch_qdq.onnx');

async function refused(bytes: Uint8Array, cls: new (...a: never[]) => Error, msg: RegExp): Promise<void> {
  const err = await load(bytes, { build: 'scalar' }).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(cls);
  expect((err as Error).message).toMatch(msg);
}

function importRefused(bytes: Uint8Array, msg: RegExp, cls: new (...a: never[]) => Error = BranchyUnsupportedError): void {
  let err: unknown = null;
  try {
    importOnnx(bytes);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(cls);
  expect((err as Error).message).toMatch(msg);
}

describe('fuzz regressions: .branchy files', () => {
  it('a graph output that is a constant (TypeError in the executor)', async () => {
    await refused(editGraph(tiny, (g) => g.outputs.push('fc.weight')), BranchyFormatError, /output 'fc.weight' is a constant/);
  });

  it('an exit plan whose exit names another tensor as its logits (TypeError in the scheduler; fuzz seed 7 case 13121)', async () => {
    const lenet = repoFile('models/branchy-lenet-mnist.int8.branchy');
    await refused(editGraph(lenet, (g) => (g.exits.exits[0].output = 'no_such_tensor')), BranchyFormatError, /graph.exits does not match/);
    await refused(editGraph(lenet, (g) => (g.exits.exits[0].output = g.exits.exits[1].output)), BranchyFormatError, /graph.exits does not match/);
  });

  it('a QONNX binary net whose initializer bytes make a non-finite channel scale (RangeError in the b1 op; campaign 20261123 case 9848)', async () => {
    // Refused since issue 17 by the graph check (a non-finite f32 constant), before the b1 op's own check.
    const convert = () => {
      const { graph, weights } = importOnnx(repoFile('test/fixtures/fuzz/qonnx-bnn-nonfinite-scale.onnx'));
      return writeBranchy(graph, weights);
    };
    expect(convert).toThrow(BranchyFormatError);
    expect(convert).toThrow(/holds -?Infinity at index \d+; weights must be finite/);
  });

  it('a graph without inputs or outputs, or naming one twice', async () => {
    await refused(editGraph(tiny, (g) => (g.outputs = [])), BranchyFormatError, /at least one input and one output/);
    await refused(editGraph(tiny, (g) => g.outputs.push('logits')), BranchyFormatError, /outputs .* name a tensor twice/);
  });

  it('a tensor whose dtype disagrees with its op (RangeError copying a reshape)', async () => {
    await refused(editGraph(tiny, (g) => (tensor(g, '/Flatten_output_0').dtype = 'i32')), BranchyFormatError, /'\/Flatten_output_0' is i32, expected f32/);
    await refused(editGraph(qdq, (g) => (tensor(g, '/MaxPool_output_0_q').dtype = 'f32')), BranchyFormatError, /expected i8/);
    await refused(editGraph(qdq, (g) => (tensor(g, 'logits').dtype = 'i8')), BranchyFormatError, /'logits' is i8, expected f32/);
  });

  it('quantization a kernel cannot use: zero point out of range, zero or negative scale (RangeError at load)', async () => {
    const t = '/c1/QuantizeLinear_output_0';
    await refused(editGraph(qdq, (g) => (tensor(g, t).quant.zeroPoint = 300)), BranchyFormatError, /zero point 300 is not an integer in -128..127/);
    await refused(editGraph(qdq, (g) => (tensor(g, t).quant.scale = 0)), BranchyFormatError, /scale 0 must be positive/);
    await refused(editScales(qdq, '/c1/DequantizeLinear_1_output_0_i8', (s) => (s[0] = -1)), BranchyFormatError, /non-negative/);
  });

  it('an empty clip range (RangeError at load)', async () => {
    await refused(editGraph(tiny, (g) => (nodeOf(g, 'conv2d').act = { kind: 'clip', min: 6, max: 0 })), BranchyFormatError, /clip range \[6, 0\] is empty/);
  });

  it('an activation dtype the runtime does not compute (u8 after a quantize)', async () => {
    await refused(editGraph(qdq, (g) => {
      const t = tensor(g, '/qs/QuantizeLinear_output_0');
      t.dtype = 'u8';
      t.quant.zeroPoint = 0;
    }), BranchyUnsupportedError, /'\/qs\/QuantizeLinear_output_0' is u8; this runtime computes f32 and i8 tensors/);
  });
});

describe('fuzz regressions: ONNX files', () => {
  const cnn = repoFile('test/fixtures/tiny_cnn_op9.onnx');

  it('a huge input before a Flatten -> Gemm: refused at once, not an endless weight permutation', () => {
    const t0 = performance.now();
    // The op registry refuses the first window over it, as the importer emits the conv (before: the Gemm's weights).
    importRefused(editOnnx(cnn, (m) => (m.graph!.input![0].type!.tensorType!.shape!.dim![2] = { dimValue: 2 ** 31 })), /conv2d\): window .* spans more than \d+ positions/, BranchyLimitError);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('initializer dims that disagree with its values, or are not sizes', () => {
    const conv = (m: Parameters<Parameters<typeof editOnnx>[1]>[0]) => m.graph!.initializer!.find((t) => t.dims?.length === 4)!;
    importRefused(editOnnx(cnn, (m) => {
      const w = conv(m);
      w.floatData = Array.from(new Float32Array(w.rawData!.buffer.slice(w.rawData!.byteOffset, w.rawData!.byteOffset + 8)));
      w.rawData = new Uint8Array(0);
    }), /holds 2 values instead of \d+/);
    importRefused(editOnnx(cnn, (m) => (conv(m).dims![0] = -1)), /dims must be non-negative integers/);
    importRefused(editOnnx(cnn, (m) => (conv(m).dims![0] = 2 ** 40)), /more than branchy reads/);
  });

  it('a ConstantOfShape of a huge shape (RangeError: Invalid array length)', () => {
    const q = repoFile('test/fixtures/quant_torch_qdq.onnx');
    importRefused(editOnnx(q, (m) => {
      const cos = m.graph!.node!.find((n) => n.opType === 'ConstantOfShape')!;
      const shape = m.graph!.node!.find((n) => n.output?.[0] === cos.input![0])!.attribute![0].t!;
      shape.rawData = new Uint8Array(new BigInt64Array([2n ** 40n]).buffer);
    }), /ConstantOfShape makes at most/);
  });

  it('a node without its required inputs (TypeError reading the first)', () => {
    importRefused(editOnnx(cnn, (m) => {
      const n = m.graph!.node!.find((x) => x.opType === 'Relu')!;
      n.opType = 'Concat';
      n.input = [];
      n.attribute = [{ name: 'axis', type: 2, i: 1 }];
    }), /Concat node .* needs at least 1 input/);
    importRefused(editOnnx(cnn, (m) => (m.graph!.node!.find((x) => x.opType === 'Conv')!.input!.length = 1)), /Conv node .* needs at least 2 input/);
  });
});


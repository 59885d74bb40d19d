// Integer graph inputs and outputs of .tflite files (TensorInfo.sourceDtype, as the ONNX importer
// sets them): the MLPerf Tiny DS-CNN int8 file takes an Int8Array and, with outputs: 'int8',
// returns LiteRT.js's int8 outputs (LiteRT.js run on the file as it is, int8 in and out); the
// same through its .branchy file; exported back, the file has int8 edges again. A uint8-edged
// model (a QDQ net from ONNX, uint8 in and out) exported as .tflite has uint8 edges that
// LiteRT.js runs with branchy's integers, and imported from that file takes and gives uint8.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { exportTflite, importOnnx, importTflite, readTflite, writeTflite, type TfliteModel } from '../../src/convert/index.js';
import { readBranchy, writeBranchy } from '../../src/format/branchy.js';
import { BranchyInputError, BranchyUnsupportedError } from '../../src/errors.js';
import { fromGraph, load } from '../../src/runtime/model.js';
import { loadModel } from '../../src/node/load-model.js';
import { applyPreprocess, requireNormalize } from '../../src/cli/preprocess.js';
import { readNpy, writeNpy } from '../../src/cli/npy.js';
import { openLitertRaw } from '../helpers/litert.js';
import { dscnnSeededInputs, MLPERF_DIR, mlperfBytes } from '../helpers/mlperf.js';
import { qdqNet } from '../helpers/qdq-net.js';
import { Rng } from '../helpers/rng.js';

const edge = (m: TfliteModel, which: 'inputs' | 'outputs') => m.subgraphs[0].tensors[m.subgraphs[0][which][0]];
const BYTES = mlperfBytes('kws_dscnn_int8.tflite');
const FILE = readTflite(BYTES);
const [IN, OUT] = [edge(FILE, 'inputs'), edge(FILE, 'outputs')];
const quantOf = (t: typeof IN) => ({ scale: Math.fround(t.quantization!.scale[0]), zeroPoint: t.quantization!.zeroPoint[0] });
const N = IN.shape.reduce((a, d) => a * d, 1);
// Seeded int8 inputs over the whole range, and three the other tests know (f32 multipliers matter there).
const INPUTS = [...Array.from({ length: 3 }, (_, i) => new Rng(40 + i).i8(N)), ...dscnnSeededInputs(N, [1592, 2969, 5696])];

describe('an int8-edged .tflite (MLPerf Tiny DS-CNN)', () => {
  it('takes the file\'s int8 input (an Int8Array lands on exactly q) and, with outputs: \'int8\', returns LiteRT.js\'s int8 outputs', async () => {
    expect([IN.type, OUT.type]).toEqual(['INT8', 'INT8']);
    const { graph, weights } = importTflite(BYTES, { outputs: 'int8' });
    const model = await fromGraph(graph, weights);
    expect(model.info.inputs[0]).toMatchObject({ name: IN.name, dtype: 'i8', quant: quantOf(IN) });
    expect(model.info.outputs[0]).toMatchObject({ dtype: 'i8', quant: quantOf(OUT) });
    const lit = await openLitertRaw(BYTES);
    for (const q of INPUTS) {
      const y = Object.values(model.run(q))[0];
      expect(y.data).toBeInstanceOf(Int8Array);
      expect(y.quant).toEqual(quantOf(OUT));
      expect(Array.from(y.data)).toEqual(Array.from((await lit.run([q]))[0]));
      // The dequantized values give the same integers.
      const { scale: s, zeroPoint: zp } = IN.quantization!;
      expect(Object.values(model.run(Float32Array.from(q, (v) => (v - zp[0]) * s[0])))[0].data).toEqual(y.data);
    }
    // loadModel(file, { outputs: 'int8' }) alike.
    const viaLoad = await loadModel(BYTES, { outputs: 'int8' });
    expect(Object.values(viaLoad.run(INPUTS[0]))[0].data).toEqual((await lit.run([INPUTS[0]]))[0]);
    lit.delete();
    expect(() => model.run(new Uint8Array(N))).toThrow(BranchyInputError);
  });

  it('default outputs stay float (the dequantized int8: LiteRT.js\'s within rounding); a normalize keeps the input float', async () => {
    const { graph, weights } = importTflite(BYTES);
    const model = await fromGraph(graph, weights);
    expect(model.info.inputs[0].dtype).toBe('i8');
    expect(model.info.outputs[0].dtype).toBe('f32');
    const lit = await openLitertRaw(BYTES);
    const { scale: [s], zeroPoint: [zp] } = OUT.quantization!;
    const y = Object.values(model.run(INPUTS[0]))[0].data as Float32Array;
    expect(Array.from(y, (v) => Math.round(v / s) + zp)).toEqual(Array.from((await lit.run([INPUTS[0]]))[0]));
    lit.delete();
    const pixels = importTflite(BYTES, { normalize: { mean: [0], std: [1], scale: 1 } }).graph;
    expect(pixels.tensors.find((t) => t.name === pixels.inputs[0])!.sourceDtype).toBeUndefined();
    expect(pixels.normalize).toEqual({ mean: [0], std: [1], scale: 1 });
  });

  it('through its .branchy file (format 3) and back to .tflite: int8 edges again, the same int8 outputs in LiteRT.js', async () => {
    const { graph, weights } = importTflite(BYTES, { outputs: 'int8' });
    const file = writeBranchy(graph, weights);
    expect(readBranchy(file).metadata['branchy.format']).toBe('3');
    const model = await load(file);
    expect(model.info.inputs[0].dtype).toBe('i8');
    const back = exportTflite(graph, weights);
    const m = readTflite(back);
    expect([edge(m, 'inputs'), edge(m, 'outputs')].map((t) => [t.type, t.quantization!.scale[0], t.quantization!.zeroPoint[0]]))
      .toEqual([IN, OUT].map((t) => [t.type, t.quantization!.scale[0], t.quantization!.zeroPoint[0]]));
    expect(edge(m, 'inputs').name).toBe(IN.name);
    const lit = await openLitertRaw(back);
    for (const q of INPUTS.slice(0, 3)) expect(Array.from((await lit.run([q]))[0])).toEqual(Array.from(Object.values(model.run(q))[0].data));
    lit.delete();
    const again = importTflite(back, { outputs: 'int8' }).graph;
    expect(again.nodes.map((n) => n.op)).toEqual(graph.nodes.map((n) => n.op));
    expect([again.inputs, again.outputs].map((e) => again.tensors.find((t) => t.name === e[0])!.sourceDtype)).toEqual(['i8', 'i8']);
  });
});

describe('pixels for an int8-edged .tflite', () => {
  it('a normalisation from the command line or loadModel makes the input float again (Uint8Array pixels); without one, data-set pixels are refused naming the flags', async () => {
    const z = { mean: [0], std: [1], scale: 1 };
    const { graph, weights } = importTflite(BYTES);
    expect(() => requireNormalize(graph, 'kws.tflite')).toThrow(/takes int8 integers.*--scale/);
    const g = applyPreprocess(graph, { normalize: z }, 'kws.tflite');
    expect(() => requireNormalize(g, 'kws.tflite')).not.toThrow();
    const px = Uint8Array.from(INPUTS[0], (v) => v & 0xff);
    const want = Object.values((await fromGraph(g, weights)).run(px))[0].data;
    const m = await loadModel(BYTES, { normalize: z });
    expect(m.info.inputs[0].dtype).toBe('f32');
    expect(Object.values(m.run(px))[0].data).toEqual(want);
    // What the pixels give: the floats themselves (raw 0..255), quantized at the file's scale.
    expect(want).toEqual(Object.values((await fromGraph(graph, weights)).run(Float32Array.from(px)))[0].data);
  });
});

describe('the command line on an int8-edged .tflite', () => {
  const ROOT = new URL('../../', import.meta.url).pathname;
  const branchy = (...args: string[]) =>
    promisify(execFile)(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT });

  it('run takes an int8 .npy (the model\'s output as run() gives it); convert, then export names the int8 input and float output it writes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'branchy-int8-edges-'));
    const x = path.join(dir, 'x.npy');
    writeFileSync(x, writeNpy(INPUTS[0], IN.shape));
    const r = await branchy('run', path.join(MLPERF_DIR, 'kws_dscnn_int8.tflite'), '--input', `${IN.name}=${x}`, '--out', dir);
    expect(r.stdout).toMatch(new RegExp(`^${OUT.name} \\[1, 12\\] -> `));
    const { graph, weights } = importTflite(BYTES);
    const want = Object.values((await fromGraph(graph, weights)).run(INPUTS[0]))[0].data;
    expect(readNpy(new Uint8Array(readFileSync(path.join(dir, `${OUT.name}.npy`)))).data).toEqual(want);
    await branchy('convert', path.join(MLPERF_DIR, 'kws_dscnn_int8.tflite'), '-o', path.join(dir, 'k.branchy'));
    const e = await branchy('export', path.join(dir, 'k.branchy'), '-o', path.join(dir, 'k.tflite'));
    expect(e.stdout).toMatch(/int8, int8 input, float output\)/);
  }, 60_000);
});

describe('a uint8-edged model', () => {
  it('exported as .tflite: UINT8 input and output that LiteRT.js runs with branchy\'s integers; imported back, it takes and gives uint8', async () => {
    const onnx = importOnnx(qdqNet('u8', 'u8'), { inputShapes: { x: [1, 3, 8, 8] } });
    const a = await fromGraph(onnx.graph, onnx.weights);
    const bytes = exportTflite(onnx.graph, onnx.weights);
    const m = readTflite(bytes);
    expect([edge(m, 'inputs'), edge(m, 'outputs')].map((t) => [t.type, t.quantization!.zeroPoint[0]])).toEqual([['UINT8', 120], ['UINT8', 128]]);
    const { graph, weights } = importTflite(bytes, { outputs: 'int8' });
    const b = await fromGraph(graph, weights);
    expect(b.info.inputs[0]).toMatchObject({ dtype: 'u8', quant: { scale: Math.fround(0.02), zeroPoint: 120 } });
    expect(b.info.outputs[0]).toMatchObject({ dtype: 'u8', quant: { scale: Math.fround(0.1), zeroPoint: 128 } });
    // The converter's QUANTIZE between uint8 and int8 at one scale is the same tensor: no extra node.
    expect(graph.nodes.map((n) => n.op)).toEqual(onnx.graph.nodes.map((n) => n.op));
    const lit = await openLitertRaw(bytes);
    const rng = new Rng(8);
    for (let i = 0; i < 3; i++) {
      const x = Uint8Array.from({ length: 192 }, () => rng.int(0, 255));
      const ref = (await lit.run([x]))[0];
      expect(ref).toBeInstanceOf(Uint8Array);
      const y = b.run(x).y;
      expect(y.data).toBeInstanceOf(Uint8Array);
      expect(Array.from(y.data)).toEqual(Array.from(ref));
      // The ONNX model's own run (its output NCHW [1, 4, 4, 4]) gives them too.
      const z = a.run(x, { layout: 'NHWC' }).y.data;
      expect(Array.from(ref, (_, k) => z[(k % 4) * 16 + Math.floor(k / 4)])).toEqual(Array.from(ref));
    }
    lit.delete();
    expect(() => b.run(new Int8Array(192))).toThrow(BranchyInputError);
  });
});

describe('uint8 elsewhere is refused', () => {
  it('a uint8 input that a convolution reads, and a QUANTIZE to uint8 that is not a graph output', () => {
    const m = readTflite(BYTES);
    m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]].type = 'UINT8';
    expect(() => importTflite(writeTflite(m))).toThrow(BranchyUnsupportedError);
    expect(() => importTflite(writeTflite(m))).toThrow(/graph input "input_1" is UINT8 read by operators other than QUANTIZE and DEQUANTIZE/);
    const onnx = importOnnx(qdqNet('u8', 'u8'), { inputShapes: { x: [1, 3, 8, 8] } });
    const u = readTflite(exportTflite(onnx.graph, onnx.weights));
    const sg = u.subgraphs[0];
    const last = sg.operators.at(-1)!;
    sg.outputs = [last.inputs[0]];
    u.signatureDefs = [];
    expect(() => importTflite(writeTflite(u))).toThrow(/QUANTIZE.*converts INT8 to UINT8; branchy takes uint8 only at a graph input or output/);
  });
});

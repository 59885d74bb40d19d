// Binary networks from ONNX: QONNX / FINN / Brevitas quantizer ops (fixtures made by
// test/fixtures/make_qonnx_fixtures.py with a numpy reference of the QONNX semantics), and
// `binarize` for float models with Sign activations and +-alpha weights (checked against
// ONNX Runtime). Binary layers run equal to the reference in every build, float and int8.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { importOnnx, quantizeGraph } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { runtimeObserve } from '../../src/cli/compress.js';
import { BranchyUnsupportedError } from '../../src/errors.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { evalQuantGraph, toNHWC } from '../reference/ir-eval.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import { buildModel, float, int, ints, maxRelErr, type NodeSpec } from './helpers.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));
const expected = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8')) as { input: number[]; shape: number[]; output: number[] };
const tensor = (g: Graph, name: string) => g.tensors.find((t) => t.name === name)!;
const node = (g: Graph, name: string) => g.nodes.find((n) => n.name === name)!;

/** The graph's first output for an NCHW input, by the reference evaluator. */
function reference(graph: Graph, weights: Weights, x: Float32Array): Float32Array {
  const t = tensor(graph, graph.inputs[0]);
  const [N, H, W, C] = t.shape;
  return evalQuantGraph(graph, weights, { [t.name]: toNHWC(x, [N, C, H, W]) }).get(graph.outputs[0]) as Float32Array;
}

async function runAll(graph: Graph, weights: Weights, x: Float32Array): Promise<[string, Float32Array][]> {
  const out: [string, Float32Array][] = [];
  for (const build of TEST_BUILDS) out.push([build, Float32Array.from((await fromGraph(graph, weights, { build })).run(x)[graph.outputs[0]].data)]);
  return out;
}

describe('QONNX / FINN / Brevitas binary networks', () => {
  it('BipolarQuant / IntQuant(1 bit): binary weights with alpha, signs as bits, the sign after a max pool, conv + sign fused', async () => {
    const { graph, weights, binarized, warnings } = importOnnx(fixture('qonnx_bnn_tiny.onnx'));
    expect(warnings).toEqual([]);
    expect(binarized.map((b) => `${b.node}:${b.input}`)).toEqual(['Conv_5:bits', 'Conv_10:bits', 'Gemm_15:bits']);
    for (const b of binarized) expect(b.bytesAfter * 8).toBeLessThan(b.bytesBefore);
    // BipolarQuant(W1, S1[32,1,1,1]): alpha = S1 per output channel.
    const w1 = tensor(graph, node(graph, 'Conv_5').inputs[1]);
    expect(w1.dtype).toBe('b1');
    expect(w1.quant).toMatchObject({ kind: 'channel', axis: 0 });
    // The sign before MaxPool_8 now follows it: the pool runs on the values.
    expect(node(graph, 'MaxPool_8').op).toBe('maxpool');
    expect(tensor(graph, node(graph, 'MaxPool_8').outputs[0]).dtype).toBe('f32');
    expect(node(graph, 'MaxPool_8_sign').op).toBe('bitpack');
    // Conv_10 -> BN -> BipolarQuant: the conv writes the bits; its IntQuant scale x the sign's 0.5 is its alpha.
    expect(tensor(graph, node(graph, 'Conv_10').outputs[0]).dtype).toBe('b1');
    expect((tensor(graph, node(graph, 'Conv_10').inputs[1]).quant as { scales: number[] }).scales).toHaveLength(32);
    const e = expected('qonnx_bnn_tiny');
    const x = Float32Array.from(e.input);
    expect(maxRelErr(reference(graph, weights, x), e.output)).toBeLessThan(1e-4);
    for (const [build, y] of await runAll(graph, weights, x)) expect(maxRelErr(y, e.output), build).toBeLessThan(1e-4);
  });

  it('FINN Quant(bitwidth 1) weights on float activations, a Brevitas 16-bit bias folded', async () => {
    const { graph, weights, binarized } = importOnnx(fixture('finn_bwn_tiny.onnx'));
    expect(binarized.map((b) => `${b.node}:${b.input}`)).toEqual(['Conv_5:values']);
    expect(tensor(graph, node(graph, 'Conv_5').inputs[0]).dtype).toBe('f32');
    const e = expected('finn_bwn_tiny');
    const x = Float32Array.from(e.input);
    for (const [build, y] of await runAll(graph, weights, x)) expect(maxRelErr(y, e.output), build).toBeLessThan(1e-4);
  });

  it('quantized to int8 around the binary layers: bit-exact with the integer reference in every build', async () => {
    for (const name of ['qonnx_bnn_tiny', 'finn_bwn_tiny']) {
      const { graph, weights } = importOnnx(fixture(`${name}.onnx`));
      const e = expected(name);
      const rng = new Rng(3);
      const images = Array.from({ length: 24 }, () => rng.f32(e.input.length, -2, 2));
      const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: runtimeObserve(images), outputError: false });
      const binary = q.graph.nodes.filter((n) => tensor(q.graph, n.inputs[1] ?? '')?.dtype === 'b1');
      expect(binary.length).toBeGreaterThan(0);
      for (const n of binary) expect(['b1', 'i8']).toContain(tensor(q.graph, n.inputs[0]).dtype);
      expect(q.bytesAfter).toBeLessThan(q.bytesBefore);
      // A tensor read only by signs (here through a max pool) gets a tiny range: only its sign matters.
      for (const sign of q.graph.nodes.filter((n) => n.op === 'bitpack')) {
        const x = tensor(q.graph, sign.inputs[0]);
        const pool = q.graph.nodes.find((n) => n.outputs[0] === x.name && n.op === 'maxpool');
        const src = pool ? tensor(q.graph, pool.inputs[0]) : x;
        expect((src.quant as { scale: number }).scale, `${sign.name} reads ${src.name}`).toBeLessThan(1e-5);
      }
      for (const img of images.slice(0, 4)) {
        const want = reference(q.graph, q.weights, img);
        for (const [build, y] of await runAll(q.graph, q.weights, img)) expect(Array.from(y), `${name} ${build}`).toEqual(Array.from(want));
      }
    }
  });
});

// ---- float models with Sign and +-alpha weights (what train/bnn_kd.py exports) -----------

const rngW = new Rng(11);
/** +-alpha[o] weights [O, ...]: alpha per output channel, signs random. */
function pmAlpha(O: number, per: number, broken = false): Float32Array {
  const w = new Float32Array(O * per);
  for (let o = 0; o < O; o++) {
    const a = Math.fround(0.02 + 0.2 * rngW.next());
    for (let i = 0; i < per; i++) w[o * per + i] = rngW.next() < 0.5 ? -a : a;
  }
  if (broken) w[3 * per + 1] *= 1.5;
  return w;
}

function signNet(o: { broken?: boolean; signIntoFloat?: boolean } = {}): Uint8Array {
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w0', 'b0'], outputs: ['c0'], name: 'conv0', attrs: { pads: ints([1, 1, 1, 1]) } },
    { op: 'Sign', inputs: ['c0'], outputs: ['s0'], name: 'sign0' },
    { op: 'Conv', inputs: ['s0', 'w1'], outputs: ['c1'], name: 'conv1', attrs: { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) } },
    { op: 'BatchNormalization', inputs: ['c1', 'g', 'bb', 'm', 'v'], outputs: ['n1'], name: 'bn1' },
    { op: 'Sign', inputs: ['n1'], outputs: ['s1'], name: 'sign1' },
    { op: 'Conv', inputs: ['s1', 'w2'], outputs: ['c2'], name: 'conv2', attrs: { pads: ints([1, 1, 1, 1]) } },
    { op: 'Relu', inputs: ['c2'], outputs: ['r2'], name: 'relu2' },
    { op: 'GlobalAveragePool', inputs: ['r2'], outputs: ['p2'], name: 'gap' },
    { op: 'Flatten', inputs: ['p2'], outputs: ['f2'], name: 'flat' },
    { op: 'Gemm', inputs: ['f2', 'w3', 'b3'], outputs: ['y'], name: 'fc', attrs: { transB: int(1), alpha: float(1) } },
  ];
  const c = 40;
  return buildModel({
    inputs: [{ name: 'x', shape: [1, 3, 8, 8] }], outputs: ['y'], nodes,
    inits: {
      w0: { dims: [16, 3, 3, 3], data: rngW.f32(16 * 27, -0.4, 0.4) }, b0: { dims: [16], data: rngW.f32(16, -0.1, 0.1) },
      w1: { dims: [c, 16, 3, 3], data: o.signIntoFloat ? rngW.f32(c * 144, -0.3, 0.3) : pmAlpha(c, 144, o.broken) },
      g: { dims: [c], data: rngW.f32(c, 0.5, 1.5) }, bb: { dims: [c], data: rngW.f32(c, -0.5, 0.5) },
      m: { dims: [c], data: rngW.f32(c, -1, 1) }, v: { dims: [c], data: rngW.f32(c, 0.5, 2) },
      w2: { dims: [24, c, 3, 3], data: pmAlpha(24, c * 9) },
      w3: { dims: [10, 24], data: rngW.f32(240, -0.5, 0.5) }, b3: { dims: [10], data: rngW.f32(10, -0.1, 0.1) },
    },
  });
}

describe('binarize (float ONNX with Sign and +-alpha weights)', () => {
  it('runs binary layers equal to ONNX Runtime on the float model', async () => {
    const bytes = signNet();
    const { graph, weights, binarized } = importOnnx(bytes, { binarize: ['conv1', 'conv2'] });
    expect(binarized.map((b) => `${b.node}:${b.input}`)).toEqual(['conv1:bits', 'conv2:bits']);
    expect(tensor(graph, node(graph, 'conv1').outputs[0]).dtype).toBe('b1'); // conv1 -> BN -> Sign fused
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
    const rng = new Rng(5);
    let worst = 0;
    for (let s = 0; s < 5; s++) {
      const x = rng.f32(3 * 64, -1, 1);
      const want = (await session.run({ x: new ort.Tensor('float32', x, [1, 3, 8, 8]) })).y.data as Float32Array;
      for (const [, y] of await runAll(graph, weights, x)) worst = Math.max(worst, maxRelErr(y, want));
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('names a layer whose weights are not +-alpha per channel, a sign read by a float layer, and unknown layers', () => {
    expect(() => importOnnx(signNet({ broken: true }), { binarize: ['conv1', 'conv2'] })).toThrow(/layer 'conv1' \(conv2d\) is not binary: output channel 3/);
    expect(() => importOnnx(signNet(), { binarize: ['conv1'] })).toThrow(/node 'conv2' \(conv2d\) reads the binary values of 's1'.*weights are not binary/);
    expect(() => importOnnx(signNet({ signIntoFloat: true }), { binarize: ['conv2'] })).toThrow(BranchyUnsupportedError);
    expect(() => importOnnx(signNet(), { binarize: ['conv1', 'conv2', 'convX'] })).toThrow(/no Conv \/ Gemm \/ MatMul node named 'convX'; the model's are conv0, conv1, conv2, fc/);
    expect(() => importOnnx(signNet(), { binarize: ['conv0'] })).toThrow(/layer 'conv0' \(conv2d\) is not binary/);
  });

  it('refuses 2..7-bit quantizers, unsigned 1-bit and non-uniform activation scales, naming the node', () => {
    const quantNet = (bits: number, attrs: NodeSpec['attrs'] = {}, scale = [0.5]) => buildModel({
      inputs: [{ name: 'x', shape: [1, 2, 4, 4] }], outputs: ['y'],
      nodes: [
        { op: 'Quant', domain: 'qonnx.custom_op.general', inputs: ['x', 's', 'z', 'bw'], outputs: ['q'], name: 'act_q', attrs: { signed: int(1), narrow: int(0), ...attrs } },
        { op: 'BipolarQuant', domain: 'qonnx.custom_op.general', inputs: ['w', 'one'], outputs: ['wq'], name: 'w_q' },
        { op: 'Conv', inputs: ['q', 'wq'], outputs: ['y'], name: 'conv' },
      ],
      inits: {
        s: { dims: scale.length === 1 ? [] : [1, scale.length, 1, 1], data: scale }, z: { dims: [], data: [0] }, bw: { dims: [], data: [bits] },
        one: { dims: [], data: [1] },
        w: { dims: [3, 2, 1, 1], data: [1, -1, 1, 1, -1, -1] },
      },
    });
    for (const bits of [2, 4, 7]) expect(() => importOnnx(quantNet(bits))).toThrow(new RegExp(`Quant node 'act_q': bit width ${bits}; branchy runs 1-bit`));
    expect(() => importOnnx(quantNet(1, { signed: int(0) }))).toThrow(/Quant node 'act_q': an unsigned 1-bit quantizer/);
    expect(() => importOnnx(quantNet(1, {}, [0.5, 0.25]))).toThrow(/Quant node 'act_q': a binary activation with scale \[0.5, 0.25\]/);
    // 1 bit with one scale: the sign, and its scale moves into the conv's alpha.
    const { graph } = importOnnx(quantNet(1));
    expect(graph.nodes.map((n) => n.op)).toEqual(['bitpack', 'conv2d']);
    expect((tensor(graph, graph.nodes[1].inputs[1]).quant as { scales: number[] }).scales).toEqual([0.5, 0.5, 0.5]);
    // 8 bits on an activation: imported as float, with a warning.
    expect(importOnnx(quantNet(8)).warnings[0]).toMatch(/Quant node 'act_q': the 8-bit activation quantizer is imported as float/);
  });
});

// Whole small CNNs exported by PyTorch (test/fixtures/make_onnx_fixtures.py) with
// PyTorch's own outputs: import, run the reference evaluator, compare.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { readBranchy, writeBranchy } from '../../src/format/index.js';
import { maxRelErr, runImported } from './helpers.js';

const FIX = new URL('../fixtures/', import.meta.url);

function load(name: string) {
  const model = new Uint8Array(readFileSync(new URL(`${name}.onnx`, FIX)));
  const ref = JSON.parse(readFileSync(new URL(`${name}.json`, FIX), 'utf8')) as {
    input: number[]; shape: number[]; outputs: Record<string, number[]>;
  };
  return { model, ref };
}

describe('PyTorch-exported models', () => {
  for (const name of ['tiny_cnn_op13', 'tiny_cnn_op9', 'gap_op11']) {
    it(`${name}: matches PyTorch to 1e-4`, () => {
      const { model, ref } = load(name);
      const res = importOnnx(model);
      const out = runImported(res, { input: Float32Array.from(ref.input) });
      expect(res.graph.outputs).toEqual(Object.keys(ref.outputs));
      for (const [k, want] of Object.entries(ref.outputs)) {
        expect(maxRelErr(out[k], want), `output ${k}`).toBeLessThan(1e-4);
      }
    });
  }

  it('tiny_cnn: fuses activations, folds BatchNorm1d into the Gemm, permutes Flatten->Gemm weights', () => {
    const { graph } = importOnnx(load('tiny_cnn_op13').model);
    const ops = graph.nodes.map((n) => n.op + (n.act ? `+${n.act.kind}` : ''));
    expect(ops).toEqual([
      'conv2d+relu', 'dwconv2d+hardswish', 'conv2d', 'add+relu6', 'concat', 'maxpool', 'conv2d+leakyrelu',
      'avgpool', 'flatten', 'gemm', 'softmax',
    ]);
    expect(graph.nodes.find((n) => n.op === 'flatten')!.attrs).toEqual({ order: 'nhwc' });
    const input = graph.tensors.find((t) => t.name === 'input')!;
    expect(input).toMatchObject({ shape: [1, 10, 10, 3], sourceLayout: 'NCHW' });
  });

  it('gap: input normalisation (Sub, Div) becomes add and mul; view(size(0), -1) becomes a reshape', () => {
    const { graph } = importOnnx(load('gap_op11').model);
    expect(graph.nodes.map((n) => n.op + (n.act ? `+${n.act.kind}` : ''))).toEqual([
      'add', 'mul', 'conv2d+sigmoid', 'globalavgpool', 'reshape', 'gemm',
    ]);
  });

  it('survives a round trip through the .branchy file unchanged', () => {
    const { model, ref } = load('tiny_cnn_op13');
    const res = importOnnx(model);
    const back = readBranchy(writeBranchy(res.graph, res.weights));
    expect(back.graph).toEqual(JSON.parse(JSON.stringify(res.graph)));
    const out = runImported({ ...res, graph: back.graph, weights: back.weights }, { input: Float32Array.from(ref.input) });
    expect(maxRelErr(out.probs, ref.outputs.probs)).toBeLessThan(1e-4);
  });
});

// classify() on any classifier: a single-output model answers at its only exit (exit 0) with
// the label and softmax of its logits and its full MACs; run(x, { policy }) too. A model whose
// outputs are not one vector of logits says so and points at run().
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromGraph, load } from '../../src/runtime/model.js';
import { importOnnx } from '../../src/convert/index.js';
import { BranchyUnsupportedError } from '../../src/errors.js';
import { at, DIGITS } from './helpers.js';

const file = readFileSync(at(DIGITS));
const n = file.readUInt32LE(4);
const labels = file.subarray(8, 8 + n);
const images = new Uint8Array(file.subarray(8 + n, 8 + n + n * 784));

describe('classify() on a single-exit model', () => {
  it('the int8 LeNet: labels are the argmax of run()\'s logits, probs their softmax, exit 0, full MACs', async () => {
    const m = await load(readFileSync(at('models/mnist-lenet.int8.branchy')));
    expect(m.info.exits).toBeUndefined();
    const rs = m.classify(images);
    const logits = Object.values(m.run(images))[0].data;
    expect(rs).toHaveLength(n);
    rs.forEach((r, i) => {
      const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
      expect(r.exit).toBe(0);
      expect(r.macs).toBe(m.info.macs);
      expect(r.label).toBe(row.indexOf(Math.max(...row)));
      const e = row.map((v) => Math.exp(v - Math.max(...row)));
      const sum = e.reduce((a, b) => a + b, 0);
      r.probs.forEach((p, k) => expect(p).toBeCloseTo(e[k] / sum, 5));
      expect(r.confidence).toBeCloseTo(Math.max(...r.probs), 6);
    });
    expect(rs.filter((r, i) => r.label === labels[i]).length / n).toBeGreaterThan(0.98);
    const one = m.run(images.subarray(0, 784), { policy: { kind: 'entropy', thresholds: [] } });
    expect({ ...one, timeMs: 0 }).toEqual({ ...rs[0], timeMs: 0 });
  });

  it('a float ONNX MobileNet (10 logits) classifies each sample of a batch', async () => {
    const { graph, weights } = importOnnx(readFileSync(at('test/fixtures/mobilenet_tiny.onnx')));
    const m = await fromGraph(graph, weights);
    const size = m.info.inputs[0].dims.slice(1).reduce((a, b) => a * b, 1);
    const x = Float32Array.from({ length: 3 * size }, (_, i) => Math.sin(i * 0.37));
    const rs = m.classify(x);
    const logits = Object.values(m.run(x))[0].data;
    expect(rs.map((r) => r.label)).toEqual([0, 1, 2].map((b) => {
      const row = Array.from(logits.subarray(b * 10, b * 10 + 10));
      return row.indexOf(Math.max(...row));
    }));
  });

  it('two outputs: a typed error that names them and points at run()', async () => {
    const { graph, weights } = importOnnx(readFileSync(at('test/fixtures/tiny_cnn_op13.onnx')));
    const m = await fromGraph(graph, weights);
    const x = new Float32Array(m.info.inputs[0].dims.slice(1).reduce((a, b) => a * b, 1));
    expect(() => m.classify(x)).toThrow(BranchyUnsupportedError);
    expect(() => m.classify(x)).toThrow(/outputs 'logits' f32 \[1, 10\], 'probs' f32 \[1, 10\]: use run\(\)/);
  });
});

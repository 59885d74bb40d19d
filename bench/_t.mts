import { readFileSync } from 'node:fs';
import { openLitert, openLitertRaw } from './peers/litert.mts';
import { readTflite } from '../src/convert/tflite/read.ts';
import { writeTflite } from '../src/convert/tflite/write.ts';
import { withFloatEdges } from '../src/convert/tflite/float-io.ts';
const dir = '../shared/models/mlperf-tiny/';
for (const name of ['ic_resnet8', 'vww_mobilenet', 'kws_dscnn', 'ad_autoencoder']) {
  const i8 = new Uint8Array(readFileSync(dir + name + '_int8.tflite'));
  const m = readTflite(i8);
  const wrapped = writeTflite(withFloatEdges(m));
  const raw = await openLitertRaw(i8);
  const pub = await openLitert(wrapped);
  const inT = m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]], outT = m.subgraphs[0].tensors[m.subgraphs[0].outputs[0]];
  const n = inT.shape.reduce((a, b) => a * b, 1);
  let same = 0, total = 0;
  for (let s = 0; s < 5; s++) {
    const q = new Int8Array(n).map((_, i) => ((i * 37 + s * 101) % 256) - 128);
    const x = Float32Array.from(q, (v) => (v - inT.quantization!.zeroPoint[0]) * inT.quantization!.scale[0]);
    const a = (await raw.run([q]))[0] as Int8Array;
    const y = (await pub.run([x]))[0] as Float32Array;
    const b = Int8Array.from(y, (v) => Math.round(v / outT.quantization!.scale[0]) + outT.quantization!.zeroPoint[0]);
    for (let i = 0; i < a.length; i++) { total++; if (a[i] === b[i]) same++; }
  }
  console.log(name, pub.inputs, pub.outputs, `${same}/${total}`);
}

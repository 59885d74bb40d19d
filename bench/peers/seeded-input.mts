// The seeded int8 input of a fully int8 .tflite and its real values (branchy takes floats; its graph
// quantizes them back to the same q): the input the LiteRT A/B benches feed both engines.
import type { TfliteModel } from '../../src/convert/index.js';

export function seededInt8Input(m: TfliteModel, seed = 18): { xq: Int8Array; x: Float32Array } {
  const t = m.subgraphs[0].tensors[m.subgraphs[0].inputs[0]];
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const xq = Int8Array.from({ length: t.shape.reduce((a, d) => a * d, 1) }, () => Math.floor(rand() * 256) - 128);
  const q = t.quantization!;
  return { xq, x: Float32Array.from(xq, (v) => (v - q.zeroPoint[0]) * q.scale[0]) };
}

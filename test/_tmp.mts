import { readFileSync } from 'node:fs';
import { readBranchy } from '../src/format/branchy.js';
import { importOnnx } from '../src/convert/index.js';
import { candidatePoints, cutPoints } from '../src/convert/attach/points.js';
import { stripExits } from '../src/convert/attach/strip.js';
import { validateGraph } from '../src/ir/graph.js';
for (const f of ['models/mobilenet-exits-cifar10-light.onnx', 'models/mobilenet-exits-cifar10-light.int8.branchy']) {
  const r = f.endsWith('.onnx') ? importOnnx(new Uint8Array(readFileSync(f))) : readBranchy(new Uint8Array(readFileSync(f)));
  const s = stripExits(r.graph, r.weights);
  validateGraph(s.graph, { weights: s.weights });
  console.log(f, cutPoints(s.graph).length, s.graph.nodes.length, s.graph.outputs);
  for (const p of candidatePoints(s.graph, 20)) console.log('  ', p.tensor, p.info.shape.join('x'), p.info.dtype, p.fraction.toFixed(3));
}

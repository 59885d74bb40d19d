// The single-exit backbone of a multi-exit model (the final exit only, renamed `logits`; the
// early heads, predictors and thresholds removed), to compare attached exits (branchy attach)
// with jointly trained ones on the same backbone:
//
//   node --import tsx bench/strip-exits.mts models/mobilenet-exits-cifar10-light.int8.branchy -o /tmp/mobilenet-light-backbone.int8.branchy
//   node --import tsx bench/strip-exits.mts models/mobilenet-exits-cifar10-light.onnx -o /tmp/mobilenet-light-backbone.branchy
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readModelFile } from '../src/cli/model-file.js';
import { stripExits } from '../src/convert/attach/index.js';
import { writeBranchy } from '../src/format/index.js';

const { values, positionals } = parseArgs({ options: { out: { type: 'string', short: 'o' } }, allowPositionals: true });
if (positionals.length !== 1 || !values.out) throw new Error('usage: bench/strip-exits.mts MODEL.(onnx|branchy) -o OUT.branchy');
const f = await readModelFile(positionals[0]);
const s = stripExits(f.graph, f.weights);
const bytes = writeBranchy(s.graph, s.weights);
writeFileSync(values.out, bytes);
console.log(`wrote ${values.out} (${bytes.length} bytes, ${s.graph.nodes.length} nodes, output ${s.graph.outputs[0]})`);

// branchy export MODEL.branchy -o OUT.onnx: the model as ONNX (int8 graphs in QDQ form), so
// ONNX Runtime and other ONNX tools run the very same network; -o OUT.tflite: as TFLite (int8
// graphs with their own scales, --io int8 for int8 input and output), for LiteRT and TFLite-Micro.
import { parse } from '../args.js';
import { readBranchy } from '../../format/index.js';
import { exportOnnx } from '../../convert/onnx-export/export.js';
import { exportTflite } from '../../convert/tflite/export.js';
import { readTflite } from '../../convert/tflite/read.js';
import { BranchyInputError } from '../../errors.js';
import { readInput, writeOutput } from '../files.js';

const USAGE = 'branchy export MODEL.branchy -o OUT.onnx [--activations uint8|int8] | -o OUT.tflite [--io float|int8]';

export async function exportCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    out: { type: 'string', short: 'o' },
    activations: { type: 'string', default: 'uint8' },
    io: { type: 'string' },
  }, USAGE);
  const activations = values.activations;
  if (activations !== 'uint8' && activations !== 'int8') throw new BranchyInputError(`--activations wants uint8 or int8, got '${activations}'\nusage: ${USAGE}`);
  if (positionals.length !== 1) throw new BranchyInputError(`export takes one .branchy file\nusage: ${USAGE}`);
  const src = positionals[0];
  if (!src.endsWith('.branchy')) throw new BranchyInputError(`export reads a .branchy file (convert an ONNX model first), got ${src}\nusage: ${USAGE}`);
  const out = values.out ?? src.replace(/\.branchy$/, '') + (src.includes('.int8.') ? '.qdq.onnx' : '.onnx');
  if (values.out?.endsWith('.tflite')) {
    const io = values.io ?? 'float';
    if (io !== 'float' && io !== 'int8') throw new BranchyInputError(`--io wants float or int8, got '${io}'\nusage: ${USAGE}`);
    const { graph, weights } = readBranchy(await readInput(src, 'the model'));
    const tflite = exportTflite(graph, weights, { io });
    await writeOutput(values.out, tflite, 'the TFLite model');
    const int8 = graph.tensors.some((t) => t.dtype === 'i8' && !t.constant);
    // The edges as written: --io, and the types the source model gave its inputs and outputs (sourceDtype).
    const sg = readTflite(tflite).subgraphs[0];
    const word = (ix: number[]) => [...new Set(ix.map((i) => ({ FLOAT32: 'float', INT8: 'int8', UINT8: 'uint8' })[sg.tensors[i].type as string] ?? sg.tensors[i].type))].join('/');
    const [i, o] = [word(sg.inputs), word(sg.outputs)];
    console.log(`wrote ${values.out} (${tflite.length} bytes, ${int8 ? `int8, ${i === o ? `${i} input and output` : `${i} input, ${o} output`}` : 'f32'})`);
    return;
  }
  if (values.io !== undefined) throw new BranchyInputError(`--io is for .tflite output (-o OUT.tflite)\nusage: ${USAGE}`);
  const { graph, weights } = readBranchy(await readInput(src, 'the model'));
  const onnx = exportOnnx(graph, weights, { activations });
  await writeOutput(out, onnx, 'the ONNX model');
  const int8 = graph.tensors.some((t) => t.dtype === 'i8' && !t.constant);
  console.log(`wrote ${out} (${onnx.length} bytes, ${int8 ? `QDQ: int8 weights, ${activations} activations` : 'f32'}, opset 13)`);
}

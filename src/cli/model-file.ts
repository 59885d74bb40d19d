// Opening a model from the command line: a .branchy file as it is, an .onnx file by
// converting it in memory (float, unless the caller quantizes).
import { importOnnx } from '../convert/index.js';
import { readBranchy } from '../format/index.js';
import type { Graph, Weights } from '../ir/types.js';
import { BranchyInputError } from '../errors.js';
import { readInput } from './files.js';
import type { BinarizeReport } from '../convert/binarize.js';

export interface GraphFile {
  graph: Graph;
  weights: Weights;
  metadata: Record<string, string>;
  bytes: number;
  /** Layers the ONNX import made binary (QONNX binary weights, `binarize`). */
  binarized: BinarizeReport[];
}

/**
 * `binarize`: ONNX Conv / Gemm / MatMul nodes to run as binary layers (branchy convert --binarize).
 * `inputLayout`: the layout of an ONNX model's image input, when the importer's guess is wrong.
 */
export async function readModelFile(file: string, opts: { binarize?: string[]; inputLayout?: 'NCHW' | 'NHWC' } = {}): Promise<GraphFile> {
  const bytes = await readInput(file, 'the model');
  if (file.endsWith('.onnx')) {
    const { graph, weights, binarized } = importOnnx(bytes, { binarize: opts.binarize, inputLayout: opts.inputLayout });
    return { graph, weights, metadata: {}, bytes: bytes.length, binarized };
  }
  if (opts.binarize?.length) throw new BranchyInputError(`${file}: --binarize works on the ONNX model (its layers are binarized at import); convert the .onnx file`);
  const { graph, weights, metadata } = readBranchy(bytes);
  return { graph, weights, metadata, bytes: bytes.length, binarized: [] };
}

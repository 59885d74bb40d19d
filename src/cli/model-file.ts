// Opening a model from the command line: a .branchy file as it is, an .onnx file by
// converting it in memory (float, unless the caller quantizes), a .tflite file by importing it
// (float or int8, as the file is).
import { importOnnx, importTflite } from '../convert/index.js';
import { readBranchy } from '../format/index.js';
import type { Graph, Normalize, Weights } from '../ir/types.js';
import { BranchyInputError } from '../errors.js';
import { readInput } from './files.js';
import { shapesFromArrays, type GivenArray } from './input-shapes.js';
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
 * `inputShapes`: sizes of symbolic input axes (ONNX order); `arrays`: the arrays the model will
 * run on, whose sizes fix the symbolic axes inputShapes does not give (./input-shapes.ts).
 * `normalize`: how uint8 pixels become a .tflite model's input (which the file does not say).
 */
export async function readModelFile(
  file: string, opts: { binarize?: string[]; inputLayout?: 'NCHW' | 'NHWC'; inputShapes?: Record<string, number[]>; arrays?: GivenArray[]; normalize?: Normalize } = {},
): Promise<GraphFile> {
  const bytes = await readInput(file, 'the model');
  if (file.endsWith('.onnx')) {
    const inputShapes = { ...(opts.arrays ? shapesFromArrays(bytes, opts.arrays) : {}), ...opts.inputShapes };
    const { graph, weights, binarized } = importOnnx(bytes, { binarize: opts.binarize, inputShapes, inputLayout: opts.inputLayout });
    return { graph, weights, metadata: {}, bytes: bytes.length, binarized };
  }
  if (file.endsWith('.tflite')) {
    if (opts.binarize?.length) throw new BranchyInputError(`${file}: --binarize works on ONNX models`);
    const { graph, weights, warnings } = importTflite(bytes, { normalize: opts.normalize });
    for (const w of warnings) console.warn(`warning: ${w}`);
    return { graph, weights, metadata: {}, bytes: bytes.length, binarized: [] };
  }
  if (opts.inputShapes) throw new BranchyInputError(`${file}: --input-shape fixes the symbolic sizes of an ONNX model's inputs; a .branchy file's are fixed`);
  if (opts.binarize?.length) throw new BranchyInputError(`${file}: --binarize works on the ONNX model (its layers are binarized at import); convert the .onnx file`);
  const { graph, weights, metadata } = readBranchy(bytes);
  return { graph, weights, metadata, bytes: bytes.length, binarized: [] };
}

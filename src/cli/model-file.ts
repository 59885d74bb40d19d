// Opening a model from the command line: a .branchy file as it is, an .onnx file by
// converting it in memory (float, unless the caller quantizes).
import { readFile } from 'node:fs/promises';
import { importOnnx } from '../convert/index.js';
import { readBranchy } from '../format/index.js';
import type { Graph, Weights } from '../ir/types.js';
import { BranchyInputError } from '../errors.js';

export interface GraphFile {
  graph: Graph;
  weights: Weights;
  metadata: Record<string, string>;
  bytes: number;
}

export async function readModelFile(file: string): Promise<GraphFile> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new BranchyInputError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (file.endsWith('.onnx')) {
    const { graph, weights } = importOnnx(bytes);
    return { graph, weights, metadata: {}, bytes: bytes.length };
  }
  const { graph, weights, metadata } = readBranchy(bytes);
  return { graph, weights, metadata, bytes: bytes.length };
}

// Open a model file for running: .branchy as it is, .onnx converted in memory (float).
import { fromGraph, type Model } from '../../runtime/model.js';
import { readModelFile } from '../model-file.js';
import { BranchyInputError } from '../../errors.js';
import type { Build } from '../../runtime/features.js';

export async function openModel(file: string, build?: string): Promise<Model> {
  if (build !== undefined && !['scalar', 'simd', 'relaxed', 'auto'].includes(build)) {
    throw new BranchyInputError(`--build wants scalar, simd, relaxed or auto, got '${build}'`);
  }
  const f = await readModelFile(file);
  return fromGraph(f.graph, f.weights, { build: (build ?? 'auto') as Build | 'auto' });
}

// Open a model file for running: .branchy as it is, .onnx converted in memory (float).
import { fromGraph, type Model } from '../../runtime/model.js';
import { readModelFile } from '../model-file.js';
import { BranchyInputError } from '../../errors.js';
import type { Build } from '../../runtime/features.js';
import type { GivenArray } from '../input-shapes.js';

/** `arrays`: what the model will run on; an .onnx model's symbolic input sizes are taken from them. */
export async function openModel(file: string, build?: string, arrays?: GivenArray[]): Promise<Model> {
  if (build !== undefined && !['scalar', 'simd', 'relaxed', 'auto'].includes(build)) {
    throw new BranchyInputError(`--build wants scalar, simd, relaxed or auto, got '${build}'`);
  }
  const f = await readModelFile(file, { arrays });
  return fromGraph(f.graph, f.weights, { build: (build ?? 'auto') as Build | 'auto' });
}

// Open a model file for running: .branchy as it is, .onnx converted in memory (float); with a
// command line's preprocessing (--scale/--mean/--std/--layout) applied.
import { fromGraph, type Model } from '../../runtime/model.js';
import { readModelFile } from '../model-file.js';
import { BranchyInputError } from '../../errors.js';
import type { Build } from '../../runtime/features.js';
import { applyPreprocess, requireNormalize, type Preprocess } from '../preprocess.js';
import type { GivenArray } from '../input-shapes.js';

function checkBuild(build: string | undefined): Build | 'auto' {
  if (build !== undefined && !['scalar', 'simd', 'relaxed', 'auto'].includes(build)) {
    throw new BranchyInputError(`--build wants scalar, simd, relaxed or auto, got '${build}'`);
  }
  return (build ?? 'auto') as Build | 'auto';
}

/**
 * `pixels`: the caller feeds uint8 data-set images, so the model needs a normalisation.
 * `arrays`: what the model will run on; an .onnx model's symbolic input sizes are taken from them.
 */
export async function openModel(file: string, build?: string, pre: Preprocess = {}, pixels = false, arrays?: GivenArray[]): Promise<Model> {
  const b = checkBuild(build);
  const f = await readModelFile(file, { inputLayout: pre.layout, arrays });
  const graph = applyPreprocess(f.graph, pre, file);
  if (pixels) requireNormalize(graph, file);
  return fromGraph(graph, f.weights, { build: b });
}

// branchy/convert's loadModel(): what load() takes, and ONNX models too, converted in memory
// (float, as `branchy run model.onnx` runs them). Node-side: the ONNX importer needs protobuf.
import { fromGraph, load, readBytes, type LoadOptions, type Model, type ModelSource } from '../runtime/model.js';
import { looksLikeOnnx } from '../format/sniff.js';
import { importOnnx, type ImportOptions } from '../convert/onnx/import.js';

/** Load a .branchy model, or an ONNX model converted in memory (float; convert with `branchy convert` for int8). */
export async function loadModel(source: ModelSource, options: LoadOptions & ImportOptions = {}): Promise<Model> {
  const bytes = await readBytes(source);
  if (!looksLikeOnnx(bytes)) return load(bytes, options);
  const { graph, weights } = importOnnx(bytes, options);
  return fromGraph(graph, weights, options);
}

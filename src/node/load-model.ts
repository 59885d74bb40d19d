// branchy/convert's loadModel(): what load() takes, and ONNX and TFLite models too, converted in
// memory (ONNX float, as `branchy run model.onnx` runs them; TFLite float or int8 as the file
// is). Node-side: the importers need protobuf and flatbuffers.
import { fromGraph, load, readBytes, type LoadOptions, type Model, type ModelSource } from '../runtime/model.js';
import { looksLikeOnnx, looksLikeTflite } from '../format/sniff.js';
import { importTflite, type TfliteImportOptions } from '../convert/tflite/import.js';
import { importOnnx, type ImportOptions } from '../convert/onnx/import.js';

/** Load a .branchy model, an ONNX model converted in memory (float; convert with `branchy convert` for int8), or a TFLite model (float or int8, as it is; `outputs: 'int8'` returns its int8 outputs). */
export async function loadModel(source: ModelSource, options: LoadOptions & ImportOptions & Pick<TfliteImportOptions, 'outputs'> = {}): Promise<Model> {
  const bytes = await readBytes(source);
  if (looksLikeTflite(bytes)) {
    const { graph, weights } = importTflite(bytes, { outputs: options.outputs });
    // A normalize says how pixels become the input: an integer input (sourceDtype) takes floats then.
    if (options.normalize) for (const t of graph.tensors) if (graph.inputs.includes(t.name)) delete t.sourceDtype;
    return fromGraph(graph, weights, options);
  }
  if (!looksLikeOnnx(bytes)) return load(bytes, options);
  const { graph, weights } = importOnnx(bytes, options);
  return fromGraph(graph, weights, options);
}

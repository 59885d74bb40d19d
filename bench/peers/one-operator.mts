// One operator of a .tflite as a model of its own (its tensors, the same buffers): LiteRT.js
// runs that layer alone (bench/mlperf-vs-litert.mts, bench/tflite-layer-times.mts).
import type { TfliteModel } from '../../src/convert/index.js';

/** The model with only operator i of the first subgraph; its inputs are the op's non-constant tensors. */
export function oneOperator(m: TfliteModel, i: number): TfliteModel {
  const sg = m.subgraphs[0];
  const op = sg.operators[i];
  const used = [...new Set([...op.inputs, ...op.outputs].filter((t) => t >= 0))];
  const at = new Map(used.map((t, k) => [t, k]));
  const runtime = op.inputs.filter((t) => t >= 0 && !(m.buffers[sg.tensors[t].buffer]?.length > 0));
  return {
    ...m, metadata: [], signatureDefs: [], metadataBuffer: undefined,
    subgraphs: [{
      name: 'layer', tensors: used.map((t) => sg.tensors[t]),
      inputs: [...new Set(runtime)].map((t) => at.get(t)!), outputs: op.outputs.map((t) => at.get(t)!),
      operators: [{ ...op, inputs: op.inputs.map((t) => (t < 0 ? -1 : at.get(t)!)), outputs: op.outputs.map((t) => at.get(t)!) }],
    }],
  };
}

// Per-operator agreement of branchy's TFLite import with LiteRT.js on an int8 file: LiteRT.js
// runs the file with every operator's output made a graph output; then each operator alone
// (a one-operator file cut from the model, imported by importTflite, int8 outputs kept) runs in
// branchy on LiteRT.js's own values of its inputs, and its int8 output is compared with
// LiteRT.js's. So each row measures one operator on the same input, not the drift of the
// layers before it (a PAD alone is a pad node; in the model branchy folds it into the convolution after, whose row checks that). Used by test/convert/tflite-import.test.ts and bench/tflite-agreement.mts.
import { importTflite, readTflite, writeTflite, type TfliteModel } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import type { Build } from '../../src/runtime/features.js';
import { openLitertRaw } from './litert.mjs';

export interface LayerAgreement {
  index: number;
  op: string;
  output: string;
  /** Values compared (all samples), values that differ, the largest difference in steps. */
  total: number;
  differ: number;
  max: number;
}

const builtin = (m: TfliteModel, i: number) => m.operatorCodes[m.subgraphs[0].operators[i].opcodeIndex].builtinCode;

/** One row per operator of an int8 file on the int8 input samples `inputs` (q values of its one input). */
export async function layerAgreement(bytes: Uint8Array, inputs: Int8Array[], build?: Build, opName: (code: number) => string = String): Promise<LayerAgreement[]> {
  const all = readTflite(bytes);
  const g = all.subgraphs[0];
  g.outputs = [...new Set(g.operators.map((o) => o.outputs[0]))];
  all.signatureDefs = [];
  const lit = await openLitertRaw(writeTflite(all));
  const byName = new Map(g.tensors.map((t, i) => [t.name, i]));
  const values: Map<number, Int8Array>[] = [];
  for (const q of inputs) {
    const outs = await lit.run([q]);
    const v = new Map<number, Int8Array>([[g.inputs[0], q]]);
    lit.outputs.forEach((o, i) => v.set(byName.get(o.name)!, outs[i] as Int8Array));
    values.push(v);
  }
  lit.delete();
  const rows: LayerAgreement[] = [];
  for (let k = 0; k < g.operators.length; k++) {
    const one = readTflite(bytes);
    const s = one.subgraphs[0];
    const op = s.operators[k];
    s.operators = [op];
    s.inputs = op.inputs.filter((i) => i >= 0 && one.buffers[s.tensors[i].buffer].length === 0);
    s.outputs = [op.outputs[0]];
    one.signatureDefs = [];
    const { graph, weights } = importTflite(writeTflite(one), { outputs: 'int8' });
    const model = await fromGraph(graph, weights, { build });
    const row: LayerAgreement = { index: k, op: opName(builtin(one, 0)), output: s.tensors[op.outputs[0]].name, total: 0, differ: 0, max: 0 };
    for (const v of values) {
      const feeds: Record<string, Float32Array> = {};
      s.inputs.forEach((ti, i) => {
        const { scale: [sc], zeroPoint: [zp] } = s.tensors[ti].quantization!;
        feeds[graph.inputs[i]] = Float32Array.from(v.get(ti)!, (x) => (x - zp) * sc);
      });
      const y = Object.values(model.run(feeds))[0].data as Int8Array;
      const ref = v.get(op.outputs[0])!;
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(y[i] - ref[i]);
        row.total++;
        row.differ += +(d > 0);
        row.max = Math.max(row.max, d);
      }
    }
    rows.push(row);
  }
  return rows;
}

/**
 * End to end, per operator: LiteRT.js and branchy each run the whole int8 file with every
 * operator's output made a graph output, on the same int8 inputs; one row per operator output
 * (the last row is the model's output): how many values differ and by how many steps at most.
 * A difference here is the operator's own (layerAgreement) plus what reached it from before.
 */
export async function endToEndAgreement(bytes: Uint8Array, inputs: Int8Array[], build?: Build, opName: (code: number) => string = String): Promise<LayerAgreement[]> {
  const all = readTflite(bytes);
  const g = all.subgraphs[0];
  const outs = [...new Set(g.operators.map((o) => o.outputs[0]))];
  g.outputs = outs;
  all.signatureDefs = [];
  const file = writeTflite(all);
  const lit = await openLitertRaw(file);
  const { graph, weights } = importTflite(file, { outputs: 'int8' });
  const model = await fromGraph(graph, weights, { build });
  const { scale: [s], zeroPoint: [zp] } = g.tensors[g.inputs[0]].quantization!;
  const rows: LayerAgreement[] = g.operators.map((op, k) => ({ index: k, op: opName(builtin(all, k)), output: g.tensors[op.outputs[0]].name, total: 0, differ: 0, max: 0 }));
  const rowOf = new Map(g.operators.map((op, k) => [op.outputs[0], rows[k]]));
  for (const q of inputs) {
    const ref = await lit.run([q]);
    const mine = model.run(Float32Array.from(q, (v) => (v - zp) * s));
    lit.outputs.forEach((o, i) => {
      const y = mine[o.name].data as Int8Array, r = ref[i] as Int8Array;
      const row = rowOf.get(outs[i])!;
      for (let j = 0; j < r.length; j++) {
        const d = Math.abs(y[j] - r[j]);
        row.total++;
        row.differ += +(d > 0);
        row.max = Math.max(row.max, d);
      }
    });
  }
  lit.delete();
  return rows;
}

// withFloatEdges: an int8-I/O TFLite model (the TFLite-Micro style: int8 input and output
// tensors) turned into one with float32 edges: a QUANTIZE (float32 -> int8, the input's own
// scale and zero point) before each int8 input and a DEQUANTIZE after each int8 output. The
// graph between is untouched. Runtimes that feed only float tensors (LiteRT.js's public API)
// run it; feeding (q - zeroPoint) * scale gives the int8 graph exactly q (the quotient
// rounds back to the integer), and each output's q is round(y / scale) + zeroPoint.
import { BranchyUnsupportedError } from '../../errors.js';
import { builtinCode, type TfliteModel, type TfliteOperator, type TfliteTensor } from './model.js';

/** Op versions TFLite assigns for an int8 tensor (QUANTIZE float -> int8, DEQUANTIZE int8 -> float). */
const VERSION = { QUANTIZE: 2, DEQUANTIZE: 2 };

export function withFloatEdges(model: TfliteModel): TfliteModel {
  const g = model.subgraphs[0];
  const tensors = g.tensors.slice();
  const operatorCodes = model.operatorCodes.slice();
  const opcode = (name: 'QUANTIZE' | 'DEQUANTIZE') => {
    const code = builtinCode(name)!;
    const i = operatorCodes.findIndex((c) => c.builtinCode === code && c.version >= VERSION[name]);
    if (i >= 0) return i;
    operatorCodes.push({ builtinCode: code, version: VERSION[name] });
    return operatorCodes.length - 1;
  };
  const before: TfliteOperator[] = [];
  const after: TfliteOperator[] = [];
  // The float tensor takes the edge's name (what a runtime shows as the model's input or
  // output name); the int8 tensor inside is renamed NAME_int8 unless it already says so.
  const floatTwin = (i: number, role: string): number => {
    const t = g.tensors[i];
    const q = t.quantization;
    if (!q || q.scale.length !== 1) throw new BranchyUnsupportedError(`withFloatEdges: ${role} "${t.name}" is ${t.type} without one scale and zero point`);
    const twin: TfliteTensor = { name: t.name.replace(/_int8$/, ''), shape: t.shape.slice(), type: 'FLOAT32', buffer: 0, isVariable: false, hasRank: t.hasRank };
    if (t.shapeSignature) twin.shapeSignature = t.shapeSignature.slice();
    tensors[i] = { ...t, name: twin.name === t.name ? `${t.name}_int8` : t.name };
    tensors.push(twin);
    return tensors.length - 1;
  };
  const inputs = g.inputs.map((i) => {
    if (g.tensors[i].type !== 'INT8') return i;
    const f = floatTwin(i, 'input');
    before.push({ opcodeIndex: opcode('QUANTIZE'), inputs: [f], outputs: [i] });
    return f;
  });
  const outputs = g.outputs.map((i) => {
    if (g.tensors[i].type !== 'INT8') return i;
    const f = floatTwin(i, 'output');
    after.push({ opcodeIndex: opcode('DEQUANTIZE'), inputs: [i], outputs: [f] });
    return f;
  });
  const moved = new Map<number, number>();
  g.inputs.forEach((t, k) => moved.set(t, inputs[k]));
  g.outputs.forEach((t, k) => moved.set(t, outputs[k]));
  const signatureDefs = model.signatureDefs.map((s) =>
    s.subgraphIndex !== 0
      ? s
      : {
          ...s,
          inputs: s.inputs.map((m) => ({ ...m, tensorIndex: moved.get(m.tensorIndex) ?? m.tensorIndex })),
          outputs: s.outputs.map((m) => ({ ...m, tensorIndex: moved.get(m.tensorIndex) ?? m.tensorIndex })),
        },
  );
  return {
    ...model,
    operatorCodes,
    subgraphs: [{ ...g, tensors, inputs, outputs, operators: [...before, ...g.operators, ...after] }, ...model.subgraphs.slice(1)],
    signatureDefs,
  };
}

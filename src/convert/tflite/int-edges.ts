// Integer graph inputs and outputs of a .tflite file (INT8, or UINT8 beside a QUANTIZE), recorded
// as the ONNX importer records them (TensorInfo.sourceDtype; src/convert/onnx/uint8-inputs.ts):
// an integer input is a float input holding the dequantized value, quantized at once at the
// file's scale and zero point (uint8: the int8 zero point + 128), and the graph's normalisation is
// that dequantization, one mean and std: an Int8Array's values q are read as the pixels q + 128
// (mean zp + 128, std 1 / scale), a Uint8Array's u as themselves (mean zp), so each lands on
// exactly the file's integer. Only without a user's `normalize` (which says how pixels become
// the input; the input then stays float) and when every integer input has the same
// quantization (branchy has one normalisation per model). Outputs: see importTflite.
import type { Graph, Normalize } from '../../ir/types.js';
import type { TfliteImportContext } from './context.js';
import type { TfliteTensorView } from './view.js';

/** An integer graph input as imported: its float IR input, its type, and the dequantization's scale and mean. */
export interface IntInput {
  x: string;
  type: 'i8' | 'u8';
  scale: number;
  mean: number;
}

/** The IR int8 zero point of an INT8 or UINT8 tensor with one scale (uint8 values are stored as u − 128). */
export const int8ZeroPoint = (t: TfliteTensorView): number => t.quantization!.zeroPoint[0] - (t.type === 'UINT8' ? 128 : 0);

/** A UINT8 tensor that only QUANTIZE and DEQUANTIZE operators read (whose import reads its IR quantization). */
export function onlyQuantizeReads(ctx: TfliteImportContext, t: TfliteTensorView): boolean {
  const readers = ctx.view.ops.filter((op) => op.inputs.some((i) => i?.index === t.index));
  return readers.length > 0 && readers.every((op) => op.op === 'QUANTIZE' || op.op === 'DEQUANTIZE');
}

/**
 * Marks the integer inputs `sourceDtype` and gives the graph their dequantization as its
 * normalisation, or leaves them float (a user's normalize; different quantizations: a warning).
 */
export function markIntInputs(graph: Graph, ctx: TfliteImportContext, ints: IntInput[], normalize: Normalize | undefined): void {
  if (ints.length === 0 || normalize) return;
  if (ints.some((i) => i.scale !== ints[0].scale || i.mean !== ints[0].mean)) {
    ctx.warnings.push(`the integer inputs ${ints.map((i) => `"${i.x}"`).join(', ')} have different scales or zero points; branchy has one input normalisation per model, ` +
      'so they take float (dequantized) values, not their integers');
    return;
  }
  for (const i of ints) ctx.byName.get(i.x)!.sourceDtype = i.type;
  graph.normalize = { mean: [ints[0].mean], std: [1 / ints[0].scale], scale: 1 };
}

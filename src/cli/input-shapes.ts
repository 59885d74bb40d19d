// Sizes for the symbolic axes of an ONNX model's inputs (a dim_param such as 'H', or 0), which
// the importer needs fixed (`inputShapes`): from `--input-shape NAME=1,3,32,100` (convert), or from
// the arrays the model is run on (`branchy run model.onnx --input x=img.npy`).
import { ONNX } from '../convert/onnx/onnx-proto.js';
import { BranchyInputError } from '../errors.js';

/** An array the model will read: its input's name (undefined: the first input), shape, file. */
export interface GivenArray { name?: string; shape: readonly number[]; file: string }

/** `NAME=1,3,32,100` options as inputShapes. */
export function parseInputShapes(specs: readonly string[] | undefined): Record<string, number[]> | undefined {
  if (!specs?.length) return undefined;
  const shapes: Record<string, number[]> = {};
  for (const spec of specs) {
    const eq = spec.lastIndexOf('=');
    const dims = spec.slice(eq + 1).split(',').map(Number);
    if (eq <= 0 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
      throw new BranchyInputError(`--input-shape wants NAME=D0,D1,... (positive integers, ONNX order), got '${spec}'`);
    }
    shapes[spec.slice(0, eq)] = dims;
  }
  return shapes;
}

/**
 * inputShapes for the ONNX inputs with a symbolic axis that `arrays` feed: each symbolic axis
 * but the batch takes the array's size; the batch (axis 0) is 1, as the importer makes a symbolic
 * batch (the runtime runs a batch sample by sample). Static axes stay the model's. Undefined when
 * no input is symbolic.
 */
export function shapesFromArrays(onnxBytes: Uint8Array, arrays: readonly GivenArray[]): Record<string, number[]> | undefined {
  let graph;
  try {
    graph = ONNX.ModelProto.decode(onnxBytes).graph;
  } catch {
    return undefined; // the importer reports a file that is not ONNX
  }
  const init = new Set((graph?.initializer ?? []).map((t) => t.name));
  const inputs = (graph?.input ?? []).filter((vi) => !init.has(vi.name));
  const shapes: Record<string, number[]> = {};
  for (const a of arrays) {
    const vi = a.name === undefined ? inputs[0] : inputs.find((v) => v.name === a.name);
    const dims = vi?.type?.tensorType?.shape?.dim;
    if (!vi || !dims) continue; // the runtime names a wrong input
    const fixed = dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && Number(d.dimValue) > 0 ? Number(d.dimValue) : undefined));
    if (fixed.slice(1).every((d) => d !== undefined)) continue;
    if (a.shape.length !== dims.length) {
      throw new BranchyInputError(`${a.file}: input '${vi.name}' has rank ${dims.length} in the model, the array has shape [${a.shape.join(', ')}]; save it with the model's rank`);
    }
    shapes[vi.name ?? ''] = fixed.map((d, i) => d ?? (i === 0 ? 1 : a.shape[i]));
  }
  return Object.keys(shapes).length ? shapes : undefined;
}

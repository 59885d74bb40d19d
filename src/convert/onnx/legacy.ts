// ONNX opsets 1-6, read as their opset-7 forms where the op means what branchy runs:
// `consumed_inputs` (a memory hint) dropped, Reshape's `shape` attribute (opset < 5) as the
// constant input opset 5 takes, Cast's `to` as a type name (opset < 6) as its number.
// Refused where the meaning differs: BatchNormalization and Dropout without is_test=1 (training
// mode is their default before opset 7), Upsample-1. Broadcasting along a middle axis (`axis` of
// Add/Sub/Mul/Div) is checked where the ranks are known (ops/elementwise.ts).
import type { onnx } from 'onnx-proto';
import { BranchyUnsupportedError } from '../../errors.js';
import { ONNX } from './onnx-proto.js';
import { toNum } from './proto.js';

/** The opset of the default domain (1 when the model names none). */
export function defaultOpset(model: onnx.IModelProto): number {
  let opset = -1;
  for (const o of model.opsetImport ?? []) if (!o.domain || o.domain === 'ai.onnx') opset = toNum(o.version);
  return opset < 0 ? 1 : opset;
}

const where = (n: onnx.INodeProto): string => `${n.opType} node '${n.name || '(unnamed)'}'`;
const refuse = (n: onnx.INodeProto, what: string, fix: string): never => {
  throw new BranchyUnsupportedError(`${where(n)}: ${what}; ${fix}`);
};

/** Rewrites the nodes of an opset < 7 model in place (see above); a newer model is untouched. */
export function upgradeLegacy(model: onnx.ModelProto): void {
  const opset = defaultOpset(model);
  const g = model.graph;
  if (opset >= 7 || !g) return;
  const AT = ONNX.AttributeProto.AttributeType;
  for (const n of g.node ?? []) {
    if (n.domain && n.domain !== 'ai.onnx') continue;
    const attrs = n.attribute ?? [];
    const attr = (name: string) => attrs.find((a) => a.name === name);
    n.attribute = attrs.filter((a) => a.name !== 'consumed_inputs');
    if (n.opType === 'BatchNormalization' || n.opType === 'Dropout') {
      if (toNum(attr('is_test')?.i ?? 0) !== 1) {
        refuse(n, `is_test is not 1 (opset ${opset}): training mode`, 'export the model in eval mode (model.eval()), or set is_test=1');
      }
      n.attribute = n.attribute.filter((a) => a.name !== 'is_test');
    } else if (n.opType === 'Upsample') {
      refuse(n, `Upsample of opset ${opset} (height_scale, width_scale)`, 're-export with opset 9 or later (Resize)');
    } else if (n.opType === 'Reshape' && opset < 5 && (n.input?.length ?? 0) < 2) {
      const shape = attr('shape')?.ints?.map(toNum) ?? refuse(n, 'no shape attribute', 'the model is malformed');
      const name = `${n.output?.[0] ?? 'reshape'}__shape`;
      g.initializer = [...(g.initializer ?? []), { name, dims: [shape.length], dataType: ONNX.TensorProto.DataType.INT64, int64Data: shape }];
      n.input = [n.input?.[0] ?? '', name];
      n.attribute = n.attribute.filter((a) => a.name !== 'shape');
    } else if (n.opType === 'Cast' && opset < 6) {
      const to = attr('to');
      const type = to?.s ? ONNX.TensorProto.DataType[new TextDecoder().decode(to.s).toUpperCase() as keyof typeof ONNX.TensorProto.DataType] : undefined;
      if (typeof type !== 'number') refuse(n, 'a Cast with no known type name in `to`', 'the model is malformed');
      n.attribute = [...n.attribute.filter((a) => a.name !== 'to'), { name: 'to', type: AT.INT, i: type }];
    }
  }
}

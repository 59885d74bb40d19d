// maxpool: [x NHWC] -> [N, OH, OW, C]; padded positions are ignored; ceilMode as in ONNX /
// PyTorch (docs/ir.md). int8 values pass through with the input's quantization.
import { checkBool, checkPoolPads, checkWindow, numel, rank, spatial, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';
import { createPool } from './pool.js';
import type { Window } from '../types.js';

export interface MaxpoolAttrs extends Window {
  ceilMode: boolean;
}

export const maxpool: OpDef<MaxpoolAttrs> = {
  inputs: [1, 1],
  int8: 'passthrough',
  int8When: 'first-input',
  check(node) {
    checkWindow(node);
    checkPoolPads(node);
    checkBool(node, node.attrs as unknown as Record<string, unknown>, 'ceilMode');
  },
  infer(node, [x]) {
    rank(node, x, 4, 'input');
    const [oh, ow] = spatial(node, x.shape, node.attrs.ceilMode);
    return [[x.shape[0], oh, ow, x.shape[3]]];
  },
  dtypes: sameDTypes,
  work: (node, _ins, [y]) => numel(y.shape.slice(1)) * node.attrs.kernel[0] * node.attrs.kernel[1],
  create: (ctx, node) => createPool(ctx, node, 'max'),
};

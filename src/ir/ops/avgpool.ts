// avgpool: [x NHWC] -> [N, OH, OW, C]. countIncludePad: padded positions (not the ceil-mode
// overhang) count in the divisor (ORT / PyTorch). int8: own output quantization.
import { checkBool, checkWindow, rank, spatial, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';
import { createPool } from './pool.js';
import type { Window } from '../types.js';

export interface AvgpoolAttrs extends Window {
  ceilMode: boolean;
  countIncludePad: boolean;
}

export const avgpool: OpDef<AvgpoolAttrs> = {
  inputs: [1, 1],
  int8: 'requantize',
  int8When: 'first-input',
  check(node) {
    checkWindow(node);
    const a = node.attrs as unknown as Record<string, unknown>;
    checkBool(node, a, 'ceilMode');
    checkBool(node, a, 'countIncludePad');
  },
  infer(node, [x]) {
    rank(node, x, 4, 'input');
    const [oh, ow] = spatial(node, x.shape, node.attrs.ceilMode);
    return [[x.shape[0], oh, ow, x.shape[3]]];
  },
  dtypes: sameDTypes,
  create: (ctx, node) => createPool(ctx, node, 'avg'),
};

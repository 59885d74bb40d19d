// avgpool: [x NHWC] -> [N, OH, OW, C]. countIncludePad: padded positions (not the ceil-mode
// overhang) count in the divisor (ORT / PyTorch). int8: own output quantization.
import { BranchyLimitError } from '../../errors.js';
import { checkBool, checkPoolPads, checkWindow, numel, rank, spatial, where, type OpDef } from './def.js';

/** The most taps an average pool window may cover (its int8 kernel keeps a multiplier per count). */
export const MAX_AVG_TAPS = 2 ** 20;
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
    checkPoolPads(node);
    const a = node.attrs as unknown as Record<string, unknown>;
    checkBool(node, a, 'ceilMode');
    checkBool(node, a, 'countIncludePad');
  },
  infer(node, [x]) {
    rank(node, x, 4, 'input');
    const [oh, ow] = spatial(node, x.shape, node.attrs.ceilMode);
    // The int8 kernel keeps one multiplier per possible divisor (the taps on the padded input).
    const a = node.attrs;
    const taps = Math.min(a.kernel[0], x.shape[1] + a.pads[0] + a.pads[2]) * Math.min(a.kernel[1], x.shape[2] + a.pads[1] + a.pads[3]);
    if (taps > MAX_AVG_TAPS) {
      throw new BranchyLimitError(`${where(node)}: a window of ${taps} taps over the input; branchy averages at most ${MAX_AVG_TAPS} (use a global average pool)`);
    }
    return [[x.shape[0], oh, ow, x.shape[3]]];
  },
  dtypes: sameDTypes,
  work: (node, _ins, [y]) => numel(y.shape.slice(1)) * node.attrs.kernel[0] * node.attrs.kernel[1],
  create: (ctx, node) => createPool(ctx, node, 'avg'),
};

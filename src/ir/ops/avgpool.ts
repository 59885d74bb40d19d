// avgpool: [x NHWC] -> [N, OH, OW, C]. countIncludePad: padded positions (not the ceil-mode
// overhang) count in the divisor (ORT / PyTorch). int8: own output quantization, the average
// requantized (rounding half to even); `rounding: 'half_away'` is TFLite's int8 average instead
// (the raw values' mean rounded half away from zero, the output at the input's quantization).
import { BranchyLimitError } from '../../errors.js';
import { checkBool, checkPoolPads, checkWindow, fail, numel, rank, spatial, where, type OpDef } from './def.js';
import type { AvgRounding } from '../../runtime/ops/pool.js';

/** The most taps an average pool window may cover (its int8 kernel keeps a multiplier per count). */
export const MAX_AVG_TAPS = 2 ** 20;
import { sameDTypes } from './dense.js';
import { createPool } from './pool.js';
import type { Window } from '../types.js';

export interface AvgpoolAttrs extends Window {
  ceilMode: boolean;
  countIncludePad: boolean;
  /** int8 only: 'half_even' (absent: the default) or 'half_away' (TFLite's AVERAGE_POOL_2D). */
  rounding?: AvgRounding;
}

const ROUNDINGS: readonly AvgRounding[] = ['half_even', 'half_away'];

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
    if (a.rounding !== undefined && !ROUNDINGS.includes(a.rounding as AvgRounding)) fail(node, `attrs.rounding must be one of ${ROUNDINGS.join(', ')}`);
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
  dtypes(node, ins, outs) {
    sameDTypes(node, ins, outs);
    const [a, b] = [ins[0].quant, outs[0].quant];
    if (node.attrs.rounding === 'half_away' && a?.kind === 'tensor' && b?.kind === 'tensor' && (a.scale !== b.scale || a.zeroPoint !== b.zeroPoint)) {
      fail(node, `rounding half_away (TFLite's int8 average) needs output '${outs[0].name}' at the input's scale and zero point`);
    }
  },
  work: (node, _ins, [y]) => numel(y.shape.slice(1)) * node.attrs.kernel[0] * node.attrs.kernel[1],
  create: (ctx, node) => createPool(ctx, node, 'avg'),
};

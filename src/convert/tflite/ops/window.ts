// TFLite's padding rules <-> branchy's explicit pads: SAME gives out = ceil(in / stride) with
// the padding split floor(total / 2) before, the rest after; VALID pads nothing.
import type { Node, Window } from '../../../ir/types.js';
import type { TfliteExporter } from '../export.js';
import { windowOut } from '../../../ir/window.js';
import type { PaddingName } from '../model.js';

/** Pads [before, after] of one axis under TFLite's padding. */
function axisPads(padding: PaddingName, size: number, k: number, s: number, d: number): [number, number] {
  if (padding !== 'SAME') return [0, 0];
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** The IR window of a TFLite conv or pool over an NHWC input of height h, width w. */
export function tfliteWindow(padding: PaddingName, h: number, w: number, kernel: [number, number], strides: [number, number], dilations: [number, number]): Window {
  const [t, b] = axisPads(padding, h, kernel[0], strides[0], dilations[0]);
  const [l, r] = axisPads(padding, w, kernel[1], strides[1], dilations[1]);
  return { kernel, strides, dilations, pads: [t, l, b, r] };
}

/**
 * Whether TFLite padding p over an input of height h, width w is the IR window: the same
 * leading pads and the same output size, so the same windows (what lies past the input reads
 * as 0 in a convolution and is left out of a pool in both).
 */
function fits(p: PaddingName | null, win: Window, h: number, w: number, y: number[]): p is PaddingName {
  const t = p && tfliteWindow(p, h, w, win.kernel, win.strides, win.dilations);
  return !!t && [0, 1].every((a) => t.pads[a] === win.pads[a] &&
    windowOut(a ? w : h, win.kernel[a], win.strides[a], win.dilations[a], t.pads[a], t.pads[a + 2], false) === y[1 + a]);
}

/**
 * The input and TFLite padding of a window node: SAME or VALID when one of them is the node's
 * pads; else a pad operator before the node and VALID: for a conv (`pad` true: padding reads as
 * 0) PAD, which writes 0 (the zero point of an int8 tensor); for a max pool (`pad` 'lowest':
 * padding never wins) the lowest value, -128 in int8 (PAD where that is the zero point, else
 * PADV2) and the lowest float in f32 (PADV2). Any other pool's padding is refused.
 */
export function exportWindow(ex: TfliteExporter, node: Node, win: Window, pad: boolean | 'lowest'): { input: number; padding: PaddingName } {
  const [x, y] = [ex.info(node.inputs[0]), ex.info(node.outputs[0])];
  for (const p of ['VALID', 'SAME'] as const) if (fits(p, win, x.shape[1], x.shape[2], y.shape)) return { input: ex.tensor(node.inputs[0]), padding: p };
  const [t, l, b, r] = win.pads;
  const [n, h, w, c] = x.shape;
  if (!pad || !fits('VALID', { ...win, pads: [0, 0, 0, 0] }, h + t + b, w + l + r, y.shape)) {
    ex.unsupported(node, `pads [${win.pads.join(', ')}] over input [${x.shape.join(', ')}] are neither TFLite's SAME nor VALID padding`, 'use SAME (out = ceil(in / stride), the extra row and column after) or VALID padding');
  }
  const padded = ex.intermediate(node.inputs[0], [n, h + t + b, w + l + r, c], 'padded');
  const paddings = ex.constant(`${node.name}/paddings`, Int32Array.from([0, 0, t, b, l, r, 0, 0]), [4, 2]);
  const q = x.quant?.kind === 'tensor' ? x.quant : undefined;
  if (pad === true || (q && q.zeroPoint === -128)) ex.op('PAD', [ex.tensor(node.inputs[0]), paddings], [padded]);
  else {
    const lowest = q
      ? ex.constant(`${node.name}/pad_value`, Int8Array.of(-128), [1], { scale: [q.scale], zeroPoint: [q.zeroPoint], quantizedDimension: 0 })
      : ex.constant(`${node.name}/pad_value`, Float32Array.of(-3.4028234663852886e38), [1]);
    ex.op('PADV2', [ex.tensor(node.inputs[0]), paddings, lowest], [padded]);
  }
  return { input: padded, padding: 'VALID' };
}

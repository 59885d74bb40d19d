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

/** The TFLite padding that is this IR window over an input of height h, width w (floor mode), or null when neither is. */
export function paddingOf(win: Window, h: number, w: number): PaddingName | null {
  for (const p of ['VALID', 'SAME'] as const) {
    const t = tfliteWindow(p, h, w, win.kernel, win.strides, win.dilations);
    if (t.pads.every((v, i) => v === win.pads[i])) return p;
  }
  // Padding on the far side that no output reads is no padding: VALID when the outputs agree.
  const oh = windowOut(h, win.kernel[0], win.strides[0], win.dilations[0], win.pads[0], win.pads[2], false);
  const ow = windowOut(w, win.kernel[1], win.strides[1], win.dilations[1], win.pads[1], win.pads[3], false);
  if (win.pads[0] === 0 && win.pads[1] === 0 && oh === windowOut(h, win.kernel[0], win.strides[0], win.dilations[0], 0, 0, false) &&
    ow === windowOut(w, win.kernel[1], win.strides[1], win.dilations[1], 0, 0, false)) return 'VALID';
  return null;
}

/** The TFLite padding of a window node over its input, checked to give the node's output shape; a typed error otherwise. */
export function exportPadding(ex: TfliteExporter, node: Node, win: Window): PaddingName {
  const [x, y] = [ex.info(node.inputs[0]), ex.info(node.outputs[0])];
  const p = paddingOf(win, x.shape[1], x.shape[2]);
  const t = p && tfliteWindow(p, x.shape[1], x.shape[2], win.kernel, win.strides, win.dilations);
  const fits = t && [0, 1].every((a) => windowOut(x.shape[1 + a], win.kernel[a], win.strides[a], win.dilations[a], t.pads[a], t.pads[a + 2], false) === y.shape[1 + a]);
  if (!p || !fits) {
    ex.unsupported(node, `pads [${win.pads.join(', ')}] over input [${x.shape.join(', ')}] are neither TFLite's SAME nor VALID padding`, 'pad the input explicitly, or use SAME (out = ceil(in / stride)) or VALID padding');
  }
  return p;
}

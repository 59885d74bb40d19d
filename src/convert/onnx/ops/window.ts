// The 2-D window attributes of Conv and the pools, both ways: kernel_shape, strides,
// dilations and pads (or auto_pad) as the ONNX spec defines them, and back.
import type { onnx } from 'onnx-proto';
import type { Window } from '../../../ir/types.js';
import type { Attrs } from '../proto.js';
import type { ImportContext } from '../context.js';
import type { AttrValue } from '../../onnx-export/builder.js';

/** Pads from auto_pad or pads, for each spatial axis; [top, left, bottom, right]. */
function pads(ctx: ImportContext, n: onnx.INodeProto, a: Attrs, x: number[], k: number[], s: number[], d: number[]): [number, number, number, number] {
  const auto = a.string('auto_pad', 'NOTSET');
  if (auto === 'NOTSET') {
    const p = a.ints('pads', [0, 0, 0, 0])!;
    if (p.length !== 4) ctx.unsupported(n, `attribute pads=[${p.join(', ')}]`, 'branchy supports 2-D windows (4 pads)');
    if (p.some((v) => v < 0)) ctx.unsupported(n, `attribute pads=[${p.join(', ')}] has negative padding`, 'crop the input with a Slice-free model');
    return [p[0], p[1], p[2], p[3]];
  }
  if (auto === 'VALID') return [0, 0, 0, 0];
  if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER') ctx.unsupported(n, `attribute auto_pad='${auto}'`, 'use NOTSET, VALID, SAME_UPPER or SAME_LOWER');
  const r: number[] = [0, 0, 0, 0];
  for (let i = 0; i < 2; i++) {
    // SAME: the output is ceil(size / stride); the padding it needs, the odd one at the end (UPPER) or start (LOWER).
    const size = x[i];
    const o = Math.ceil(size / s[i]);
    const total = Math.max(0, (o - 1) * s[i] + (k[i] - 1) * d[i] + 1 - size);
    const small = Math.floor(total / 2);
    r[i] = auto === 'SAME_UPPER' ? small : total - small;
    r[i + 2] = total - r[i];
  }
  return [r[0], r[1], r[2], r[3]];
}

/** The window of a node over an input of spatial size hw; `kernel` is the default kernel_shape (Conv: W's). */
export function onnxWindow(ctx: ImportContext, n: onnx.INodeProto, a: Attrs, hw: number[], kernel: number[] | undefined): Window {
  const k = a.ints('kernel_shape', kernel);
  if (!k || k.length !== 2) {
    ctx.unsupported(n, `attribute kernel_shape=[${(k ?? []).join(', ')}]`, 'branchy supports 2-D windows on NCHW inputs (1-D and 3-D are not supported)');
  }
  const s = a.ints('strides', [1, 1])!;
  const d = a.ints('dilations', [1, 1])!;
  if (s.length !== 2 || d.length !== 2) ctx.unsupported(n, 'strides or dilations not of length 2', 'branchy supports 2-D windows');
  return {
    kernel: [k[0], k[1]], strides: [s[0], s[1]], dilations: [d[0], d[1]],
    pads: pads(ctx, n, a, hw, k, s, d),
  };
}

/** A window as ONNX attributes. */
export function windowAttrs(w: Window): Record<string, AttrValue> {
  return { kernel_shape: w.kernel.slice(), strides: w.strides.slice(), dilations: w.dilations.slice(), pads: w.pads.slice() };
}

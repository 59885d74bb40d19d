// Conv <-> conv2d (group 1; `groups` g exports as group g) and dwconv2d (group = channels).
// Weights move from OIHW to OHWI (conv2d) or HWC (dwconv2d) at import and back at export. Conv
// and ConvTranspose over [N, C, W] sequences run as the 2-D ops over [N, C, 1, W].
import type { NodeOf } from '../../../ir/types.js';
import type { onnx } from 'onnx-proto';
import { where, type ImportContext, type Value } from '../context.js';
import { Attrs, type Const } from '../proto.js';
import { windowed1d } from './axes.js';
import { dwToOnnx, nchw, nhwcToNchw } from '../../onnx-export/layout.js';
import type { ImportFn, OnnxFamily } from './family.js';
import { onnxWindow, windowAttrs } from './window.js';
import { markBinary } from './binary.js';

/** Conv1d / ConvTranspose1d weights [*, *, K] as [*, *, 1, K]. */
const lift = (w: Const): Const => (w.dims.length === 3 ? { ...w, dims: [w.dims[0], w.dims[1], 1, w.dims[2]] } : w);

type Import2d = (ctx: ImportContext, n: onnx.INodeProto, a: Attrs, x: Value, w: Const, out: string) => void;

/** A 2-D (transposed) conv's import, also run on an [N, C, W] sequence as the 2-D one over
 *  [N, C, 1, W] (axes.ts windowed1d). */
const orOver1d = (import2d: Import2d): ImportFn => (ctx, n, a, out) => {
  const w = ctx.constIn(n, 1, 'the weight W');
  if (ctx.valueIn(n, 0).shape.length === 3) return windowed1d(ctx, n, out, (m, x, o) => import2d(ctx, m, new Attrs(m, where(m)), x, lift(w), o));
  import2d(ctx, n, a, ctx.image(n, 0), w, out);
};

const conv = orOver1d(conv2d);

function conv2d(ctx: ImportContext, n: onnx.INodeProto, a: Attrs, x: Value, w: Const, out: string): void {
  const b = ctx.optConst(n, 2, 'the bias B');
  if (w.dims.length !== 4) ctx.unsupported(n, `weights of shape [${w.dims.join(', ')}]`, 'branchy supports 2-D convolutions only');
  const [O, Ig, KH, KW] = w.dims;
  const [, C, H, W] = x.shape;
  const group = a.int('group', 1);
  const win = onnxWindow(ctx, n, a, [H, W], [KH, KW]);
  if (win.kernel[0] !== KH || win.kernel[1] !== KW) ctx.unsupported(n, `kernel_shape [${win.kernel.join(', ')}] disagrees with W [${w.dims.join(', ')}]`, 'the model is malformed');
  const wd = w.data as Float32Array;
  const bias = b ? ctx.addTensor(`${ctx.inputName(n, 2)}`, [O], Float32Array.from(b.data as Float32Array)) : undefined;
  const wname = ctx.inputName(n, 1);
  if (group === 1) {
    if (Ig !== C) ctx.unsupported(n, `W expects ${Ig} input channels, the input has ${C}`, 'the model is malformed');
    const ohwi = new Float32Array(wd.length);
    for (let o = 0; o < O; o++) for (let i = 0; i < C; i++) for (let h = 0; h < KH; h++) for (let q = 0; q < KW; q++) {
      ohwi[((o * KH + h) * KW + q) * C + i] = wd[((o * C + i) * KH + h) * KW + q];
    }
    const wt = ctx.addTensor(wname, [O, KH, KW, C], ohwi);
    ctx.emit('conv2d', n.name ?? '', bias ? [x.ir, wt, bias] : [x.ir, wt], out, win);
  } else if (group === C && Ig === 1 && O === C) {
    const hwc = new Float32Array(wd.length);
    for (let o = 0; o < O; o++) for (let h = 0; h < KH; h++) for (let q = 0; q < KW; q++) {
      hwc[(h * KW + q) * O + o] = wd[(o * KH + h) * KW + q];
    }
    const wt = ctx.addTensor(wname, [KH, KW, O], hwc);
    ctx.emit('dwconv2d', n.name ?? '', bias ? [x.ir, wt, bias] : [x.ir, wt], out, { ...win, multiplier: 1 });
  } else {
    // A grouped conv (a depthwise one with a channel multiplier too, which the depthwise kernels
    // do not run): OIHW with I = C / group -> OHWI [O][KH][KW][C/group].
    if (group < 1 || C % group !== 0 || O % group !== 0 || Ig * group !== C) {
      ctx.unsupported(n, `attribute group=${group} with W [${w.dims.join(', ')}] and ${C} input channels`, 'the model is malformed: group must divide the input and output channels');
    }
    const ohwi = new Float32Array(wd.length);
    for (let o = 0; o < O; o++) for (let i = 0; i < Ig; i++) for (let h = 0; h < KH; h++) for (let q = 0; q < KW; q++) {
      ohwi[((o * KH + h) * KW + q) * Ig + i] = wd[((o * Ig + i) * KH + h) * KW + q];
    }
    const wt = ctx.addTensor(wname, [O, KH, KW, Ig], ohwi);
    ctx.emit('conv2d', n.name ?? '', bias ? [x.ir, wt, bias] : [x.ir, wt], out, { ...win, groups: group });
  }
  markBinary(ctx, n);
  defineImage(ctx, out);
}

/**
 * ConvTranspose -> convtranspose2d (and over [N, C, W] as the 2-D one over [N, C, 1, W]).
 * W [C, O/group, KH, KW] -> [O][KH][KW][C/group]; pads from `pads`, or from `output_shape` /
 * auto_pad SAME_* as the spec computes them; an output_shape past what the window reaches adds
 * output padding (ONNX Runtime's reading).
 */
const convTranspose = orOver1d(convTranspose2d);

function convTranspose2d(ctx: ImportContext, n: onnx.INodeProto, a: Attrs, x: Value, w: Const, out: string): void {
  const b = ctx.optConst(n, 2, 'the bias B');
  if (w.dims.length !== 4) ctx.unsupported(n, `weights of shape [${w.dims.join(', ')}]`, 'branchy supports 2-D transposed convolutions only');
  const [Cw, Og, KH, KW] = w.dims;
  const [, C, H, W] = x.shape;
  const group = a.int('group', 1);
  if (Cw !== C || group < 1 || C % group !== 0) ctx.unsupported(n, `W [${w.dims.join(', ')}] with group=${group} and ${C} input channels`, 'the model is malformed');
  const O = Og * group, cg = C / group;
  const k = a.ints('kernel_shape', [KH, KW])!;
  if (k.length !== 2 || k[0] !== KH || k[1] !== KW) ctx.unsupported(n, `kernel_shape [${k.join(', ')}] with W [${w.dims.join(', ')}]`, 'branchy supports 2-D transposed convolutions; the kernel must match W');
  const s = a.ints('strides', [1, 1])!, d = a.ints('dilations', [1, 1])!, op = a.ints('output_padding', [0, 0])!;
  if (s.length !== 2 || d.length !== 2 || op.length !== 2) ctx.unsupported(n, 'strides, dilations or output_padding not of length 2', 'branchy supports 2-D transposed convolutions');
  const auto = a.string('auto_pad', 'NOTSET');
  const shape = a.ints('output_shape', undefined);
  let pads = a.ints('pads', [0, 0, 0, 0])!;
  if (shape || auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const target = shape ? shape.slice(-2) : [H * s[0], W * s[1]];
    const total = [0, 1].map((i) => s[i] * ([H, W][i] - 1) + op[i] + (k[i] - 1) * d[i] + 1 - target[i]);
    // A wanted size past the window's reach: the extra rows and columns are output padding.
    total.forEach((t, i) => {
      if (t < 0) (op[i] -= t, (total[i] = 0));
    });
    const half = total.map((t) => Math.floor(t / 2));
    pads = auto === 'SAME_UPPER' ? [half[0], half[1], total[0] - half[0], total[1] - half[1]] : [total[0] - half[0], total[1] - half[1], half[0], half[1]];
  } else if (auto !== 'NOTSET' && auto !== 'VALID') ctx.unsupported(n, `attribute auto_pad='${auto}'`, 'use NOTSET, VALID, SAME_UPPER or SAME_LOWER');
  if (pads.length !== 4 || pads.some((p) => p < 0)) ctx.unsupported(n, `attribute pads=[${pads.join(', ')}]`, 'give 4 non-negative pads');
  const wd = w.data as Float32Array;
  const ohwi = new Float32Array(wd.length);
  for (let c = 0; c < C; c++) {
    const g = Math.floor(c / cg);
    for (let oo = 0; oo < Og; oo++) for (let h = 0; h < KH; h++) for (let q = 0; q < KW; q++) {
      ohwi[(((g * Og + oo) * KH + h) * KW + q) * cg + (c - g * cg)] = wd[((c * Og + oo) * KH + h) * KW + q];
    }
  }
  const wt = ctx.addTensor(ctx.inputName(n, 1), [O, KH, KW, cg], ohwi);
  const bias = b ? ctx.addTensor(`${ctx.inputName(n, 2)}`, [O], Float32Array.from(b.data as Float32Array)) : undefined;
  ctx.emit('convtranspose2d', n.name ?? '', bias ? [x.ir, wt, bias] : [x.ir, wt], out, {
    kernel: [KH, KW], strides: [s[0], s[1]], dilations: [d[0], d[1]], pads: [pads[0], pads[1], pads[2], pads[3]],
    outputPadding: [op[0], op[1]], ...(group > 1 ? { groups: group } : {}),
  });
  defineImage(ctx, out);
}

/** ONNX value `out` is the NCHW image the IR tensor of the same name holds in NHWC. */
export function defineImage(ctx: ImportContext, out: string): void {
  ctx.define(out, { ir: out, shape: nchw(ctx.tensorByName.get(out)!.shape), layout: 'nchw' });
}

export const convFamily: OnnxFamily = {
  import: {
    Conv: { min: 2, import: conv },
    ConvTranspose: { min: 2, import: convTranspose },
  },
  export: {
    conv2d(ex, node, where, y, name) {
      const [wName, bName] = [node.inputs[1], node.inputs[2]];
      const wt = ex.t(wName);
      const w = ex.weight(wName, nchw(wt.shape), nhwcToNchw(ex.weights.get(wName)!, wt.shape));
      ex.b.node('Conv', [ex.float(node.inputs[0], where), w, ...ex.bias(bName)], [y], { ...windowAttrs((node as NodeOf<'conv2d'>).attrs), group: (node as NodeOf<'conv2d'>).attrs.groups ?? 1 }, name);
      return y;
    },
    convtranspose2d(ex, node, where, y, name) {
      const a = (node as NodeOf<'convtranspose2d'>).attrs;
      const [wName, bName] = [node.inputs[1], node.inputs[2]];
      const wt = ex.t(wName);
      const [O, KH, KW, cg] = wt.shape;
      const g = a.groups ?? 1, og = O / g;
      // ONNX holds W as [C, O/group, KH, KW], where per-output-channel scales are no axis of their
      // own when group > 1: int8 weights are written as their exact f32 values fround(q * s[o]).
      const src = ex.weights.get(wName)!;
      const scale = (o: number) => (wt.dtype === 'i8' && wt.quant?.kind === 'channel' ? wt.quant.scales[o] : 1);
      const onnxW = new Float32Array(src.length);
      for (let o = 0; o < O; o++) {
        const gi = Math.floor(o / og);
        for (let h = 0; h < KH; h++) for (let q = 0; q < KW; q++) for (let c = 0; c < cg; c++) {
          onnxW[(((gi * cg + c) * og + (o - gi * og)) * KH + h) * KW + q] = Math.fround(src[((o * KH + h) * KW + q) * cg + c] * scale(o));
        }
      }
      const w = ex.b.initializer(wName, 'f32', [g * cg, og, KH, KW], onnxW);
      ex.b.node('ConvTranspose', [ex.float(node.inputs[0], where), w, ...ex.bias(bName)], [y], { ...windowAttrs(a), output_padding: a.outputPadding.slice(), group: g }, name);
      return y;
    },
    dwconv2d(ex, node, where, y, name) {
      const [wName, bName] = [node.inputs[1], node.inputs[2]];
      const wt = ex.t(wName);
      const [kh, kw, c] = wt.shape;
      const w = ex.weight(wName, [c, 1, kh, kw], dwToOnnx(ex.weights.get(wName)!, wt.shape));
      const group = ex.t(node.inputs[0]).shape[3];
      ex.b.node('Conv', [ex.float(node.inputs[0], where), w, ...ex.bias(bName)], [y], { ...windowAttrs((node as NodeOf<'dwconv2d'>).attrs), group }, name);
      return y;
    },
  },
};

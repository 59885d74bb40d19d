// Conv <-> conv2d (group 1; `groups` g exports as group g) and dwconv2d (group = channels).
// Weights move from OIHW to OHWI (conv2d) or HWC (dwconv2d) at import and back at export.
import type { NodeOf } from '../../../ir/types.js';
import type { ImportContext } from '../context.js';
import { dwToOnnx, nchw, nhwcToNchw } from '../../onnx-export/layout.js';
import type { ImportFn, OnnxFamily } from './family.js';
import { onnxWindow, windowAttrs } from './window.js';
import { markBinary } from './binary.js';

const conv: ImportFn = (ctx, n, a, out) => {
  const x = ctx.image(n, 0);
  const w = ctx.constIn(n, 1, 'the weight W');
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
  } else if (group === C && Ig === 1 && O % C === 0) {
    const hwc = new Float32Array(wd.length);
    for (let o = 0; o < O; o++) for (let h = 0; h < KH; h++) for (let q = 0; q < KW; q++) {
      hwc[(h * KW + q) * O + o] = wd[(o * KH + h) * KW + q];
    }
    const wt = ctx.addTensor(wname, [KH, KW, O], hwc);
    ctx.emit('dwconv2d', n.name ?? '', bias ? [x.ir, wt, bias] : [x.ir, wt], out, { ...win, multiplier: O / C });
  } else {
    ctx.unsupported(n, `attribute group=${group} (input has ${C} channels)`,
      'branchy runs group=1 and depthwise (group = channels) convolutions; split grouped convolutions into separate Convs + Concat before export');
  }
  markBinary(ctx, n);
  defineImage(ctx, out);
};

/** ONNX value `out` is the NCHW image the IR tensor of the same name holds in NHWC. */
export function defineImage(ctx: ImportContext, out: string): void {
  ctx.define(out, { ir: out, shape: nchw(ctx.tensorByName.get(out)!.shape), layout: 'nchw' });
}

export const convFamily: OnnxFamily = {
  import: {
    Conv: { min: 2, import: conv },
    ConvTranspose: { advice: 'replace the transposed convolution (e.g. by Resize + Conv) before export' },
  },
  export: {
    conv2d(ex, node, where, y, name) {
      const [wName, bName] = [node.inputs[1], node.inputs[2]];
      const wt = ex.t(wName);
      const w = ex.weight(wName, nchw(wt.shape), nhwcToNchw(ex.weights.get(wName)!, wt.shape));
      ex.b.node('Conv', [ex.float(node.inputs[0], where), w, ...ex.bias(bName)], [y], { ...windowAttrs((node as NodeOf<'conv2d'>).attrs), group: (node as NodeOf<'conv2d'>).attrs.groups ?? 1 }, name);
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
